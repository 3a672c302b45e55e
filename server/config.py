"""Server configuration: defaults < TOML file < ``DABIR_SERVER_*`` environment < command line."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from app.protocol.citizen import parse_channels
from app.protocol.media import DEFAULT_ALLOWED
from app.protocol.referral import DEFAULT_INSTRUCTIONS

ENV_PREFIX = "DABIR_SERVER_"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("./dabir-server-data")
    # Empty: SQLite file ``<data_dir>/dabir.sqlite3``. Otherwise any SQLAlchemy URL
    # (``postgresql+psycopg://user:pass@host/db``).
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8443
    workers: int = 1
    tls_cert: Path | None = None  # default <data_dir>/tls/cert.pem
    tls_key: Path | None = None
    receipt_cert: Path | None = None  # default <data_dir>/receipt/cert.pem
    receipt_key: Path | None = None
    trust_dir: Path | None = None  # server-wide trust roots (PEM files); default <data_dir>/trust
    public_url: str = ""  # printed in QR codes; default https://host:port
    token_ttl_seconds: int = 8 * 3600
    login_attempts_per_minute: int = 5  # failed logins per (username, IP); all workers share the count
    login_failures_per_ip_per_minute: int = 30  # per worker process (an office behind one NAT address shares it)
    login_failures_per_minute: int = 60  # per worker process, all IPs together; refuses only unknown names
    login_hash_concurrency: int = 1  # argon2 hashes at once (64 MiB and a core each)
    login_hash_queue: int = 16  # logins waiting for a hash slot; more get 503 at once
    login_failure_delay_ms: int = 1000  # a refused login answers after this pause (it holds no thread)
    max_request_bytes: int = 8 * 1024 * 1024
    max_anonymous_request_bytes: int = 16 * 1024  # bodies without a valid token (a login)
    max_header_bytes: int = 16 * 1024  # request line and headers together
    max_request_headers: int = 100
    max_signatures: int = 10  # per letter, checked before any is decoded (at most 100, what clients read)
    require_registered_signers: bool = True
    verify_requests_per_minute: int = 30  # public verification lookups per client IP (per worker)
    api_docs: bool = False  # serve /docs, /redoc and /openapi.json (the demo turns them on)
    # Revocation that cannot be checked (CRL unreachable or out of date, no OCSP answer, no
    # CDP/OCSP in the certificate) refuses the letter; True (pilots only) lets it pass.
    revocation_soft_fail: bool = False
    shutdown_grace_seconds: int = 5  # a stop waits this long for requests in flight, then closes every connection
    access_log: str = "-"  # "-" = stderr, else a file path (JSON lines)
    sqlite_synchronous: str = "FULL"  # FULL: a receipt handed out survives a power cut
    db_pool_size: int = 20
    # The instructions a referral may carry, separated by "|"; empty: app.protocol.referral's defaults.
    referral_instructions: str = ""
    # Trusted reverse proxies (uvicorn's forwarded_allow_ips, e.g. "10.0.0.5" or "*"): empty = none,
    # the client address is the TCP peer. Set it behind a load balancer so per-IP limits see clients.
    forwarded_allow_ips: str = ""
    # The channels citizens' letters come through, "code=نام|code=نام"; empty: app.protocol.citizen's defaults.
    citizen_channels: str = ""
    tracking_lookups_per_minute: int = 10  # public status look-ups per client IP (per worker)
    # -- documents (attachments) --------------------------------------------------------------
    storage: str = "local"  # local: a folder (documents_dir); s3: an S3-compatible object store
    documents_dir: Path | None = None  # default <data_dir>/documents
    s3_bucket: str = ""
    s3_endpoint_url: str = ""  # empty: AWS; credentials come from boto3's usual chain (AWS_* variables, …)
    s3_region: str = ""
    s3_prefix: str = ""  # key prefix inside the bucket, e.g. "dabir/"
    document_max_bytes: int = 2 * 1024**3
    # One chunk of an upload = one request body (≤ max_request_bytes) = one S3 part (S3: ≥ 5 MiB).
    # A server holds the chunks in flight in memory (two per uploading client): the smallest S3 takes.
    document_chunk_bytes: int = 5 * 1024 * 1024
    document_media_types: str = ""  # allowed types separated by "|"; empty: app.protocol.media's defaults
    # An upload not completed this long after it began is abandoned: its bytes and rows are dropped
    # (a client that comes back later starts it again). Every server sweeps on this interval.
    upload_expiry_seconds: int = 7 * 24 * 3600
    upload_sweep_seconds: int = 3600

    # -- derived paths ---------------------------------------------------------------------
    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "dabir.sqlite3"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path.resolve()}"

    @property
    def tls_cert_path(self) -> Path:
        return self.tls_cert or self.data_dir / "tls" / "cert.pem"

    @property
    def tls_key_path(self) -> Path:
        return self.tls_key or self.data_dir / "tls" / "key.pem"

    @property
    def receipt_cert_path(self) -> Path:
        return self.receipt_cert or self.data_dir / "receipt" / "cert.pem"

    @property
    def receipt_key_path(self) -> Path:
        return self.receipt_key or self.data_dir / "receipt" / "key.pem"

    @property
    def revocation_cache_path(self) -> Path:
        """CRLs and OCSP answers, kept until their nextUpdate."""
        return self.data_dir / "revocation-cache"

    @property
    def instructions(self) -> tuple[str, ...]:
        """The referral instructions this server accepts (and sends with each cartable page)."""
        configured = tuple(x.strip() for x in self.referral_instructions.split("|") if x.strip())
        return configured or DEFAULT_INSTRUCTIONS

    @property
    def channels(self) -> dict[str, str]:
        """The citizen channels this server accepts: code -> Persian name (checked at load)."""
        return parse_channels(self.citizen_channels)

    @property
    def documents_path(self) -> Path:
        return self.documents_dir or self.data_dir / "documents"

    @property
    def allowed_media_types(self) -> frozenset[str]:
        configured = {x.strip().lower() for x in self.document_media_types.split("|") if x.strip()}
        return frozenset(configured or DEFAULT_ALLOWED)

    @property
    def trust_dir_path(self) -> Path:
        return self.trust_dir or self.data_dir / "trust"


def _coerce(name: str, value: Any) -> Any:
    kind = {f.name: f.type for f in fields(Settings)}[name]
    if value is None or (value == "" and "None" in str(kind)):
        return None
    if "Path" in str(kind):
        return Path(str(value)).expanduser()
    if kind in ("int", int):
        return int(value)
    if kind in ("bool", bool):
        return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
    return str(value)


class ConfigError(ValueError):
    """Settings that cannot be used, said in one English line (the CLI prints it, no traceback)."""


def _coerced(name: str, value: Any, where: str) -> Any:
    try:
        return _coerce(name, value)
    except ValueError as exc:
        raise ConfigError(f"{name} in {where}: {value!r} is not valid ({exc})") from exc


def load_settings(config_file: Path | None = None, overrides: dict[str, Any] | None = None,
                  environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    names = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}
    config_file = config_file or (Path(env[ENV_PREFIX + "CONFIG"]) if env.get(ENV_PREFIX + "CONFIG") else None)
    if config_file:
        try:
            data = tomllib.loads(Path(config_file).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read the configuration file {config_file}: {exc.strerror or exc}") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"the configuration file {config_file} is not valid TOML: {exc}") from exc
        data = data.get("server", data)  # accept a [server] table or top-level keys
        unknown = set(data) - names
        if unknown:
            raise ConfigError(f"unknown settings in {config_file}: {', '.join(sorted(unknown))}")
        values.update({k: _coerced(k, v, str(config_file)) for k, v in data.items()})
    for name in names:
        if ENV_PREFIX + name.upper() in env:
            values[name] = _coerced(name, env[ENV_PREFIX + name.upper()], ENV_PREFIX + name.upper())
    for k, v in (overrides or {}).items():
        if v is not None:
            values[k] = _coerced(k, v, "the command line")
    settings = replace(Settings(), **values)
    try:
        settings.channels  # noqa: B018 - a bad list is refused at start, not at the first letter
    except ValueError as exc:
        raise ConfigError(f"citizen_channels: {exc}") from exc
    return settings
