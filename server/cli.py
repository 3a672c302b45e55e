"""``dabir-server``: init | serve | demo | add-agency | rasad-grant | rasad-revoke | rasad-grants |
channel-add | channel-serve | channel-revoke | channel-rekey | channel-list | backup | restore | healthcheck.

Settings come from (lowest first) defaults, a TOML file (``--config`` or
``DABIR_SERVER_CONFIG``), ``DABIR_SERVER_*`` environment variables, then the options below.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from server.cli_operator import (
    cmd_add_agency,
    cmd_channel_add,
    cmd_channel_list,
    cmd_channel_rekey,
    cmd_channel_revoke,
    cmd_channel_serve,
    cmd_rasad_grant,
    cmd_rasad_grants,
)
from server.cli_settings import add_common_options, keep_private, settings_of
from server.config import ENV_PREFIX, ConfigError, Settings, load_settings
from server.demo_seed import cmd_demo
from server.migrate import upgrade

log = logging.getLogger("dabir.server")


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

    settings = settings_of(args)
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

    settings = settings_of(args, host=args.host, port=args.port, workers=args.workers)
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


# -- backup, restore, health --------------------------------------------------------------
def cmd_backup(args: argparse.Namespace) -> int:
    from server.backup import BackupError, backup

    settings = settings_of(args)
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

    settings = settings_of(args)
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

    settings = settings_of(args)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dabir-server", description="Dabir reference central server")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init", help="create the database, receipt key/certificate and TLS certificate")
    add_common_options(p)
    p.add_argument("--receipt-ca-cert", help="issue the receipt certificate from this CA (PEM) …")
    p.add_argument("--receipt-ca-key", help="… with this CA key (PEM, unencrypted)")
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("serve", help="run the HTTPS API")
    add_common_options(p)
    p.add_argument("--host")
    p.add_argument("--port", type=int, help="0 picks a free port")
    p.add_argument("--port-file", type=Path, help="write the actual port to this file")
    p.add_argument("--workers", type=int, help="worker processes (default 1)")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("demo", help="seed two demo agencies with units and users")
    add_common_options(p)
    p.add_argument("--password", help="password for every demo user (default: random, printed)")
    p.add_argument("--json", action="store_true", help="print the seeded accounts as JSON")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("add-agency", help="register an agency and its first administrator")
    add_common_options(p)
    p.add_argument("--national-id", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--admin-username", required=True)
    p.set_defaults(func=cmd_add_agency)
    for name, verb in (("rasad-grant", "let a Rasad observer see an agency"),
                       ("rasad-revoke", "stop a Rasad observer seeing an agency")):
        p = sub.add_parser(name, help=f"{verb} (audited in that agency's log)")
        add_common_options(p)
        p.add_argument("--observer", required=True, help="the observer's username (role rasad_observer)")
        p.add_argument("--agency", required=True, help="the agency's national id")
        p.set_defaults(func=cmd_rasad_grant)
    p = sub.add_parser("rasad-grants", help="list the Rasad observer grants, active and revoked")
    add_common_options(p)
    p.set_defaults(func=cmd_rasad_grants)
    p = sub.add_parser("channel-add", help="create a channel account (portal, pishkhan office); prints its key once")
    add_common_options(p)
    p.add_argument("name", help="the account's name: lowercase letters, digits, '_' or '-'")
    p.add_argument("--channel", required=True, help="one of the server's citizen channel codes (citizen_channels)")
    p.add_argument("--display-name", required=True, help="as the agency's staff see it, e.g. «دفتر پیشخوان ۱۲۳»")
    p.add_argument("--agency", required=True, action="append", help="an agency it serves (national id); repeatable")
    p.set_defaults(func=cmd_channel_add)
    p = sub.add_parser("channel-serve", help="let a channel account register letters for one more agency")
    add_common_options(p)
    p.add_argument("name")
    p.add_argument("--agency", required=True, help="the agency's national id")
    p.set_defaults(func=cmd_channel_serve)
    for name, func, verb in (("channel-revoke", cmd_channel_revoke, "deactivate a channel account (its key stops)"),
                             ("channel-rekey", cmd_channel_rekey, "replace a channel account's key (prints it once)")):
        p = sub.add_parser(name, help=verb)
        add_common_options(p)
        p.add_argument("name")
        p.set_defaults(func=func)
    p = sub.add_parser("channel-list", help="list the channel accounts, active and revoked, with their agencies")
    add_common_options(p)
    p.set_defaults(func=cmd_channel_list)
    p = sub.add_parser("backup", help="back up the database, keys, trust roots and local documents (while serving)")
    add_common_options(p)
    p.add_argument("--to", type=Path, required=True, help="a new (or empty) folder for the backup")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="restore a backup into a wiped data folder and an empty database")
    add_common_options(p)
    p.add_argument("--from", dest="source", type=Path, required=True, help="the backup folder")
    p.add_argument("--force", action="store_true", help="overwrite a database and files that exist")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser("healthcheck", help="exit 0 when this machine's server answers /healthz (for containers)")
    add_common_options(p)
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
