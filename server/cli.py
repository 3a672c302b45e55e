"""``dabir-server``: init | serve | demo | add-agency | rasad-grant | rasad-revoke | rasad-grants |
channel-add | channel-serve | channel-revoke | channel-rekey | channel-list | backup | restore | healthcheck.

Settings come from (lowest first) defaults, a TOML file (``--config`` or
``DABIR_SERVER_CONFIG``), ``DABIR_SERVER_*`` environment variables, then the options below.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import Connection, select

from server.config import ENV_PREFIX, ConfigError, Settings, load_settings
from server.context import ServerContext
from server.migrate import upgrade

log = logging.getLogger("dabir.server")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="TOML configuration file")
    p.add_argument("--data-dir", help="data folder (database, keys, certificates)")
    p.add_argument("--database-url", help="SQLAlchemy URL; default SQLite in the data folder")
    p.add_argument("--tls-cert", help="TLS certificate (PEM); default <data-dir>/tls/cert.pem")
    p.add_argument("--tls-key", help="TLS private key (PEM)")
    p.add_argument("--trust-dir", help="folder of trust-root PEMs for letter signatures")


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    overrides = {k: getattr(args, k, None) for k in ("data_dir", "database_url", "tls_cert", "tls_key", "trust_dir")}
    overrides.update(extra)
    return load_settings(args.config, overrides)


def _migrated(args: argparse.Namespace) -> Settings:
    """What every operator command starts with: the settings, the data folder owner-only, the
    database at the newest schema."""
    settings = _settings(args)
    keep_private(settings)
    upgrade(settings.db_url)
    return settings


@contextmanager
def _operator_context(args: argparse.Namespace) -> Iterator[ServerContext]:
    """The server's context for one operator command, its database connections closed after."""
    from server.app import create_context

    ctx = create_context(_migrated(args))
    try:
        yield ctx
    finally:
        ctx.db.dispose()


def _setup_logging(settings: Settings) -> None:
    root = logging.getLogger("dabir.server")
    root.setLevel(logging.INFO)
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    access = logging.getLogger("dabir.server.access")
    access.propagate = False
    if not access.handlers:
        h: logging.Handler
        if settings.access_log in ("", "off"):
            access.disabled = True
            return
        h = logging.StreamHandler(sys.stderr) if settings.access_log == "-" else logging.FileHandler(settings.access_log)
        h.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(h)
        access.setLevel(logging.INFO)


# -- init ------------------------------------------------------------------------------
def cmd_init(args: argparse.Namespace) -> int:
    from server.receipts import create_receipt_identity, create_tls_identity

    settings = _settings(args)
    keep_private(settings)
    settings.trust_dir_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.db_url)
    print(f"database ready: {_redact(settings.db_url)}")
    if not settings.receipt_cert_path.exists():
        ca_cert = ca_key = None
        if args.receipt_ca_cert:
            ca_cert = x509.load_pem_x509_certificate(Path(args.receipt_ca_cert).read_bytes())
            ca_key = serialization.load_pem_private_key(Path(args.receipt_ca_key).read_bytes(), password=None)
        create_receipt_identity(settings.receipt_cert_path, settings.receipt_key_path, ca_cert=ca_cert, ca_key=ca_key)
        print(f"receipt certificate created: {settings.receipt_cert_path}")
    if not settings.tls_cert_path.exists():
        create_tls_identity(settings.tls_cert_path, settings.tls_key_path)
        print(f"self-signed localhost TLS certificate created: {settings.tls_cert_path}")
    return 0


def _redact(url: str) -> str:
    """The database URL as printed: its password (if it has one) hidden."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        if ":" in creds:
            return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
    return url


# -- serve -----------------------------------------------------------------------------
def app_factory() -> Any:
    """Used by uvicorn worker processes: settings come from the environment set by ``serve``."""
    from server.app import create_app

    settings = load_settings()
    _setup_logging(settings)
    return create_app(settings)


def check_identities(settings: Settings) -> None:
    """Refuse to serve, in one line, with a TLS or receipt key this process cannot use: the workers
    would each fail on it and be restarted for ever behind a server that says it is listening."""
    import ssl

    from server.receipts import load_receipt_identity

    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(settings.tls_cert_path,
                                                                              settings.tls_key_path)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"cannot use the TLS certificate {settings.tls_cert_path} and key {settings.tls_key_path}: "
                          f"{getattr(exc, 'strerror', None) or exc}") from exc
    load_receipt_identity(settings.receipt_cert_path, settings.receipt_key_path)  # ConfigError, one line


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = _settings(args, host=args.host, port=args.port, workers=args.workers)
    keep_private(settings)  # first: the access log file is created owner-only too
    _setup_logging(settings)
    check_identities(settings)
    upgrade(settings.db_url)
    sock = socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    sock.listen(2048)
    sock.set_inheritable(True)
    port = sock.getsockname()[1]
    if not settings.public_url:
        settings = load_settings(args.config, {**_overrides(settings), "public_url": f"https://{settings.host}:{port}"})
    # Worker processes rebuild the settings from the environment.
    for key, value in _overrides(settings).items():
        if value is not None:
            os.environ[ENV_PREFIX + key.upper()] = str(value)
    config = uvicorn.Config(
        "server.cli:app_factory", factory=True, ssl_certfile=str(settings.tls_cert_path),
        ssl_keyfile=str(settings.tls_key_path), workers=settings.workers, access_log=False,
        log_level="warning", server_header=False, timeout_keep_alive=30,
        # a stop (SIGTERM) waits this long for requests in flight; an idle TLS keep-alive connection
        # (a browser's, a client's) would otherwise hold it until the peer answers the TLS close
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        # behind a load balancer: the client address from X-Forwarded-For, believed only from these
        proxy_headers=bool(settings.forwarded_allow_ips), forwarded_allow_ips=settings.forwarded_allow_ips or None,
        # h11 bounds the request line and headers (httptools does not): a huge header is refused
        # with 400 before it fills the memory
        http="h11", h11_max_incomplete_event_size=settings.max_header_bytes,
    )
    print(f"dabir-server listening on https://{settings.host}:{port}", flush=True)
    if args.port_file:
        tmp = Path(str(args.port_file) + ".tmp")
        tmp.write_text(str(port))
        tmp.replace(args.port_file)  # atomic: the test never reads a half-written file
    server = uvicorn.Server(config)
    if settings.workers > 1:
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[sock]).run()
    else:
        server.run(sockets=[sock])
    return 0


def _overrides(settings: Settings) -> dict[str, Any]:
    from dataclasses import asdict

    return {k: v for k, v in asdict(settings).items() if v is not None}


# -- demo and operator commands ----------------------------------------------------------
def _valid_national_id(prefix10: str) -> str:
    from app.protocol.persian import national_id_check_digit

    return prefix10 + national_id_check_digit(prefix10)


def _valid_national_code(prefix9: str) -> str:
    from app.protocol.persian import national_code_check_digit

    return prefix9 + national_code_check_digit(prefix9)


DEMO_AGENCIES = [
    ("1400012345", "a", "سازمان نمونه الف (وزارت آزمایش)"),
    ("1400067890", "b", "سازمان نمونه ب (اداره کل پایلوت)"),
]
DEMO_UNITS = [("secretariat", "دبیرخانه"), ("office", "دفتر مدیرکل"), ("it", "فناوری اطلاعات")]
DEMO_USERS = [
    ("secretary", "دبیر دبیرخانه", ["secretary"], "secretariat"),
    ("signatory", "مدیرکل (امضاکننده)", ["signatory"], "office"),
    ("staff", "کارشناس", ["staff"], "it"),
    ("admin", "راهبر سازمان", ["agency_admin"], "it"),
    ("manager", "مدیر واحد فناوری اطلاعات", ["staff", "unit_manager"], "it"),
]
# A monitoring body's agency and its Rasad observer account: granted no agency (the operator grants
# with ``dabir-server rasad-grant``), so it sees nothing until then.
DEMO_OBSERVER_AGENCY = ("1400055555", "نهاد ناظر رصد (نمونه)")
DEMO_OBSERVER = ("rasad.observer", "ناظر رصد")
# Each agency's archive tree (title, file number, parent's file number): a new user sees one.
DEMO_ARCHIVE: list[tuple[str, str, str | None]] = [
    ("امور اداری و مالی", "۱۴۰۵/الف", None),
    ("قراردادها", "۱۴۰۵/الف/۱", "۱۴۰۵/الف"),
    ("بودجه و اعتبارات", "۱۴۰۵/الف/۲", "۱۴۰۵/الف"),
    ("امور حقوقی", "۱۴۰۵/ح", None),
    ("دعاوی و شکایات", "۱۴۰۵/ح/۱", "۱۴۰۵/ح"),
    ("مکاتبات با دستگاه‌های دیگر", "۱۴۰۵/م", None),
]
# Each agency's signatory by name and title, as the demo's token certificates name them
# (scripts/demo.py): the directory, the signed letter and the verification page agree.
DEMO_SIGNATORIES = {"a": ("علی رضایی", "مدیرکل دفتر حقوقی"), "b": ("مریم کریمی", "معاون اداری و مالی")}


def demo_observer_agency() -> str:
    """The demo observer agency's national id."""
    return _valid_national_id(DEMO_OBSERVER_AGENCY[0])


def seed_demo(settings: Settings, password: str) -> list[dict[str, Any]]:
    from server.admin import agency_id_of, create_agency, create_unit, create_user
    from server.app import create_context
    from server.archive import seed_tree
    from server.auth import hash_password
    from server.tables.accounts import units, users

    ctx = create_context(settings)
    password_hash = hash_password(password)

    def seed(conn: Connection) -> list[dict[str, Any]]:
        """The demo agencies, units, users and archive trees; what exists already is left alone."""
        out = []
        for n, (prefix, letter, name) in enumerate(DEMO_AGENCIES):
            nid = _valid_national_id(prefix)
            aid = agency_id_of(conn, nid) or create_agency(ctx, conn, nid, name)
            for code, uname in DEMO_UNITS:
                if conn.execute(select(units.c.id).where(units.c.agency_id == aid, units.c.code == code)).first() is None:
                    create_unit(ctx, conn, aid, code, uname)
            seeded = []
            for m, (role_name, display, roles, unit) in enumerate(DEMO_USERS):
                username = f"{letter}.{role_name}"
                national_code = _valid_national_code(f"00{n}1{m}2345")
                title = ""
                if role_name == "signatory" and letter in DEMO_SIGNATORIES:
                    display, title = DEMO_SIGNATORIES[letter]
                if conn.execute(select(users.c.id).where(users.c.username == username)).first() is None:
                    create_user(ctx, conn, aid, username=username, display_name=display, password_hash=password_hash,
                                roles=roles, unit=unit, national_code=national_code, title=title)
                # the demo's signatory certificates carry the same national code
                seeded.append({"username": username, "roles": roles, "national_code": national_code})
            seed_tree(ctx, conn, aid, DEMO_ARCHIVE)
            out.append({"national_id": nid, "name": name, "users": seeded})
        nid = demo_observer_agency()
        aid = agency_id_of(conn, nid) or create_agency(ctx, conn, nid, DEMO_OBSERVER_AGENCY[1])
        if conn.execute(select(users.c.id).where(users.c.username == DEMO_OBSERVER[0])).first() is None:
            create_user(ctx, conn, aid, username=DEMO_OBSERVER[0], display_name=DEMO_OBSERVER[1],
                        password_hash=password_hash, roles=["rasad_observer"])
        return out

    try:
        return ctx.db.write_now(seed)
    finally:
        ctx.db.dispose()


def cmd_demo(args: argparse.Namespace) -> int:
    settings = _migrated(args)
    password = args.password or os.environ.get(ENV_PREFIX + "DEMO_PASSWORD") or secrets.token_urlsafe(9)
    agencies = seed_demo(settings, password)
    observer = {"national_id": demo_observer_agency(), "name": DEMO_OBSERVER_AGENCY[1], "username": DEMO_OBSERVER[0]}
    if args.json:
        print(json.dumps({"password": password, "agencies": agencies, "observer": observer}, ensure_ascii=False))
        return 0
    print("Demo agencies seeded. Log in to the Dabir client (or POST /api/v1/auth/login) with:")
    for a in agencies:
        print(f"  {a['name']}  national id {a['national_id']}")
        for u in a["users"]:
            print(f"    {u['username']:<16} roles: {', '.join(u['roles'])}")
    print(f"  {observer['name']}  national id {observer['national_id']}")
    print(f"    {observer['username']:<16} roles: rasad_observer (no agency granted: dabir-server rasad-grant)")
    print(f"  password for every demo user: {password}")
    print("Change these passwords before anyone else can reach this server.")
    return 0


def cmd_add_agency(args: argparse.Namespace) -> int:
    from server.admin import create_agency, create_user
    from server.auth import hash_password
    from server.errors import ApiError

    password = os.environ.get(ENV_PREFIX + "ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    password_hash = hash_password(password)
    with _operator_context(args) as ctx:

        def add(conn: Connection) -> None:
            aid = create_agency(ctx, conn, args.national_id, args.name)
            create_user(ctx, conn, aid, username=args.admin_username, display_name="راهبر سازمان",
                        password_hash=password_hash, roles=["agency_admin"])
        try:
            ctx.db.write_now(add)
        except ApiError as exc:
            print(f"dabir-server: {exc.message_en}", file=sys.stderr)
            return 2
    print(f"agency {args.national_id} created; administrator {args.admin_username}")
    if not os.environ.get(ENV_PREFIX + "ADMIN_PASSWORD"):
        print(f"initial administrator password (shown once): {password}")
    return 0


def _operator() -> str:
    """Who runs the CLI (the OS account), as the grant's record names them."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def cmd_rasad_grant(args: argparse.Namespace) -> int:
    """rasad-grant / rasad-revoke: one observer, one agency, audited in that agency's log."""
    from server.rasad_grants import GrantError, grant, revoke

    change = grant if args.command == "rasad-grant" else revoke
    with _operator_context(args) as ctx:
        try:
            changed = ctx.db.write_now(lambda conn: change(ctx, conn, args.observer, args.agency, _operator()))
        except GrantError as exc:
            print(f"dabir-server: {exc}", file=sys.stderr)
            return 2
    done = "granted" if change is grant else "revoked"
    print(f"{args.observer} / agency {args.agency}: {done}" if changed else
          f"{args.observer} / agency {args.agency}: nothing to do (already {done})")
    return 0


def cmd_rasad_grants(args: argparse.Namespace) -> int:
    from server.rasad_grants import listing

    with _operator_context(args) as ctx, ctx.db.read() as conn:
        rows = listing(conn)
    for r in rows:
        state = f"revoked {r['revoked_at']:%Y-%m-%d %H:%M} by {r['revoked_by']}" if r["revoked_at"] else "active"
        print(f"{r['observer']}\t{r['agency']}\tgranted {r['granted_at']:%Y-%m-%d %H:%M} by {r['granted_by']}\t{state}")
    return 0


def _channel_change(args: argparse.Namespace, change: Any) -> Any:
    """Run one channel-account change in a write (the ChannelError as a one-line refusal: None)."""
    from server.channels import ChannelError

    with _operator_context(args) as ctx:
        try:
            return ctx.db.write_now(lambda conn: change(ctx, conn))
        except ChannelError as exc:
            print(f"dabir-server: {exc}", file=sys.stderr)
            return None


def cmd_channel_add(args: argparse.Namespace) -> int:
    """channel-add: a portal's or pishkhan office's account; its key is printed once, never stored."""
    from server.channels import add

    key = _channel_change(args, lambda ctx, conn: add(ctx, conn, args.name, args.channel, args.display_name,
                                                      args.agency, _operator()))
    if key is None:
        return 2
    print(f"channel account {args.name} ({args.channel}) serves {', '.join(dict.fromkeys(args.agency))}")
    print(f"key (shown once; the server keeps only its hash): {key}")
    return 0


def cmd_channel_rekey(args: argparse.Namespace) -> int:
    from server.channels import rekey

    key = _channel_change(args, lambda ctx, conn: rekey(ctx, conn, args.name, _operator()))
    if key is None:
        return 2
    print(f"channel account {args.name}: the old key no longer works")
    print(f"new key (shown once; the server keeps only its hash): {key}")
    return 0


def cmd_channel_serve(args: argparse.Namespace) -> int:
    from server.channels import serve

    changed = _channel_change(args, lambda ctx, conn: serve(ctx, conn, args.name, args.agency, _operator()))
    if changed is None:
        return 2
    print(f"channel account {args.name} / agency {args.agency}: " + ("served" if changed else "nothing to do (served already)"))
    return 0


def cmd_channel_revoke(args: argparse.Namespace) -> int:
    from server.channels import revoke

    changed = _channel_change(args, lambda ctx, conn: revoke(ctx, conn, args.name, _operator()))
    if changed is None:
        return 2
    print(f"channel account {args.name}: " + ("revoked" if changed else "nothing to do (revoked already)"))
    return 0


def cmd_channel_list(args: argparse.Namespace) -> int:
    from server.channels import listing

    with _operator_context(args) as ctx, ctx.db.read() as conn:
        rows = listing(conn)
    for r in rows:
        print(f"{r['name']}\t{r['channel']}\t{r['display_name']}\t{'active' if r['active'] else 'revoked'}\t"
              f"created {r['created_at']:%Y-%m-%d %H:%M}\t{','.join(r['agencies'])}")
    return 0


# -- backup, restore, health --------------------------------------------------------------
def cmd_backup(args: argparse.Namespace) -> int:
    from server.backup import BackupError, backup

    settings = _settings(args)
    os.umask(0o077)
    try:
        manifest = backup(settings, args.to)
    except BackupError as exc:
        print(f"dabir-server: backup refused: {exc}", file=sys.stderr)
        return 2
    print(f"backup written to {args.to}: {manifest['database']['kind']} database at schema "
          f"{manifest['schema_revision']}, {len(manifest['files'])} files")
    if not manifest["documents"]["included"]:
        print(f"documents are not in this backup: {manifest['documents']['note']}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from server.backup import BackupError, restore

    settings = _settings(args)
    keep_private(settings)
    try:
        manifest = restore(settings, args.source, force=args.force)
    except BackupError as exc:
        print(f"dabir-server: restore refused: {exc}", file=sys.stderr)
        return 2
    print(f"restored the backup of {manifest['created_at']} ({len(manifest['files'])} files) into "
          f"{_redact(settings.db_url)}; start the server (dabir-server serve)")
    return 0


def cmd_healthcheck(args: argparse.Namespace) -> int:
    """For a container's HEALTHCHECK: ``/healthz`` answers 200 over HTTPS on this machine, from a
    server presenting the configured TLS certificate (pinned: a real certificate names no localhost)."""
    import http.client
    import ssl

    settings = _settings(args)
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(settings.host, settings.host)
    try:
        expected = x509.load_pem_x509_certificate(settings.tls_cert_path.read_bytes())
    except (OSError, ValueError) as exc:
        print(f"dabir-server: cannot read tls_cert {settings.tls_cert_path}: {exc}", file=sys.stderr)
        return 1
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the pin below is the check
    conn = http.client.HTTPSConnection(host, settings.port, context=context, timeout=args.timeout)
    try:
        conn.request("GET", "/healthz")
        presented = conn.sock.getpeercert(binary_form=True)
        status = conn.getresponse().status
    except OSError as exc:
        print(f"dabir-server: https://{host}:{settings.port}/healthz does not answer: {exc}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    if presented != expected.public_bytes(serialization.Encoding.DER):
        print(f"dabir-server: {host}:{settings.port} presents another certificate than {settings.tls_cert_path}",
              file=sys.stderr)
        return 1
    if status != 200:
        print(f"dabir-server: /healthz answered {status}", file=sys.stderr)
        return 1
    return 0


def keep_private(settings: Settings) -> None:
    """Owner-only data: what this process creates from now on (database, WAL, keys) and the data
    folder and database files that exist already."""
    os.umask(0o077)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.data_dir.chmod(0o700)
    for suffix in ("", "-wal", "-shm", ".writelock"):
        path = Path(f"{settings.sqlite_path}{suffix}")
        if path.exists():
            path.chmod(0o600)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dabir-server", description="Dabir reference central server")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init", help="create the database, receipt key/certificate and TLS certificate")
    _common(p)
    p.add_argument("--receipt-ca-cert", help="issue the receipt certificate from this CA (PEM) …")
    p.add_argument("--receipt-ca-key", help="… with this CA key (PEM, unencrypted)")
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("serve", help="run the HTTPS API")
    _common(p)
    p.add_argument("--host")
    p.add_argument("--port", type=int, help="0 picks a free port")
    p.add_argument("--port-file", type=Path, help="write the actual port to this file")
    p.add_argument("--workers", type=int, help="worker processes (default 1)")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("demo", help="seed two demo agencies with units and users")
    _common(p)
    p.add_argument("--password", help="password for every demo user (default: random, printed)")
    p.add_argument("--json", action="store_true", help="print the seeded accounts as JSON")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("add-agency", help="register an agency and its first administrator")
    _common(p)
    p.add_argument("--national-id", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--admin-username", required=True)
    p.set_defaults(func=cmd_add_agency)
    for name, verb in (("rasad-grant", "let a Rasad observer see an agency"),
                       ("rasad-revoke", "stop a Rasad observer seeing an agency")):
        p = sub.add_parser(name, help=f"{verb} (audited in that agency's log)")
        _common(p)
        p.add_argument("--observer", required=True, help="the observer's username (role rasad_observer)")
        p.add_argument("--agency", required=True, help="the agency's national id")
        p.set_defaults(func=cmd_rasad_grant)
    p = sub.add_parser("rasad-grants", help="list the Rasad observer grants, active and revoked")
    _common(p)
    p.set_defaults(func=cmd_rasad_grants)
    p = sub.add_parser("channel-add", help="create a channel account (portal, pishkhan office); prints its key once")
    _common(p)
    p.add_argument("name", help="the account's name: lowercase letters, digits, '_' or '-'")
    p.add_argument("--channel", required=True, help="one of the server's citizen channel codes (citizen_channels)")
    p.add_argument("--display-name", required=True, help="as the agency's staff see it, e.g. «دفتر پیشخوان ۱۲۳»")
    p.add_argument("--agency", required=True, action="append", help="an agency it serves (national id); repeatable")
    p.set_defaults(func=cmd_channel_add)
    p = sub.add_parser("channel-serve", help="let a channel account register letters for one more agency")
    _common(p)
    p.add_argument("name")
    p.add_argument("--agency", required=True, help="the agency's national id")
    p.set_defaults(func=cmd_channel_serve)
    for name, func, verb in (("channel-revoke", cmd_channel_revoke, "deactivate a channel account (its key stops)"),
                             ("channel-rekey", cmd_channel_rekey, "replace a channel account's key (prints it once)")):
        p = sub.add_parser(name, help=verb)
        _common(p)
        p.add_argument("name")
        p.set_defaults(func=func)
    p = sub.add_parser("channel-list", help="list the channel accounts, active and revoked, with their agencies")
    _common(p)
    p.set_defaults(func=cmd_channel_list)
    p = sub.add_parser("backup", help="back up the database, keys, trust roots and local documents (while serving)")
    _common(p)
    p.add_argument("--to", type=Path, required=True, help="a new (or empty) folder for the backup")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="restore a backup into a wiped data folder and an empty database")
    _common(p)
    p.add_argument("--from", dest="source", type=Path, required=True, help="the backup folder")
    p.add_argument("--force", action="store_true", help="overwrite a database and files that exist")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser("healthcheck", help="exit 0 when this machine's server answers /healthz (for containers)")
    _common(p)
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the answer")
    p.set_defaults(func=cmd_healthcheck)
    args = parser.parse_args(argv)
    if getattr(args, "receipt_ca_cert", None) and not getattr(args, "receipt_ca_key", None):
        parser.error("--receipt-ca-cert needs --receipt-ca-key")
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"dabir-server: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
