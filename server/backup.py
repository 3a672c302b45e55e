"""``dabir-server backup`` and ``restore``: a server's state in one folder, checked before it comes back.

A backup holds the database (SQLite through its online backup API, consistent while the server
writes; PostgreSQL as ``pg_dump -Fc``), the receipt key and certificate, the TLS files kept in the
data folder, the server-wide trust roots and the local document store, with a ``manifest.json``
naming each file's SHA-256. Documents on S3 stay in the bucket (its versioning or replication is
their backup; the manifest says so). The revocation cache is left out: it is only a cache.

Restore refuses a backup whose files do not match their sums, one made by a newer schema, and a
target that is not empty (unless ``force``), before it writes anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from server.config import Settings
from server.migrate import alembic_config

FORMAT = "dabir-server-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
PIECE = 1 << 20


class BackupError(Exception):
    """A backup or restore refused, with the reason in English for the operator."""


@dataclass(frozen=True)
class Item:
    name: str  # the file's path inside the backup, e.g. "receipt/key.pem"
    path: Path  # where it lives on this server


# -- which files, and where they live ------------------------------------------------------
def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _tree(prefix: str, folder: Path) -> Iterator[Item]:
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                yield Item(f"{prefix}/{path.relative_to(folder).as_posix()}", path)


def _files(settings: Settings) -> list[Item]:
    """The files a backup of this server holds besides its database."""
    items = [Item("receipt/cert.pem", settings.receipt_cert_path), Item("receipt/key.pem", settings.receipt_key_path)]
    # TLS files elsewhere (a certificate from the agency's CA or certbot) are managed where they live
    items += [Item(f"tls/{p.name}", p) for p in (settings.tls_cert_path, settings.tls_key_path)
              if p.exists() and _inside(p, settings.data_dir)]
    items += _tree("trust", settings.trust_dir_path)
    if settings.storage == "local":
        items += _tree("documents", settings.documents_path)
    return items


def _target(settings: Settings, name: str) -> Path | None:
    """Where a backed-up file goes on this server (None: it does not belong here)."""
    parts = PurePosixPath(name).parts
    if not parts or name.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in name:
        raise BackupError(f"the manifest names a file outside the backup: {name!r}")
    head, rest = parts[0], parts[1:]
    if name == "receipt/cert.pem":
        return settings.receipt_cert_path
    if name == "receipt/key.pem":
        return settings.receipt_key_path
    if name in ("tls/cert.pem", "tls/key.pem"):
        path = settings.tls_cert_path if name == "tls/cert.pem" else settings.tls_key_path
        return path if _inside(path, settings.data_dir) else None  # keep the certificate configured elsewhere
    if head == "trust" and rest:
        return settings.trust_dir_path.joinpath(*rest)
    if head == "documents" and rest:
        if settings.storage != "local":
            raise BackupError("the backup holds local documents but this server stores documents on S3; "
                              "restore with storage = \"local\" (then copy the documents to the bucket)")
        return settings.documents_path.joinpath(*rest)
    raise BackupError(f"the manifest names an unknown file: {name!r}")


# -- small file helpers ---------------------------------------------------------------------
def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _copy(src: Path, dest: Path) -> str:
    """Copy ``src`` to ``dest`` (owner-only, durable, replaced atomically); the SHA-256 of what was copied."""
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out, src.open("rb") as fh:
        while chunk := fh.read(PIECE):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    tmp.chmod(0o600)
    tmp.replace(dest)
    return digest.hexdigest()


def _empty(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


# -- databases -----------------------------------------------------------------------------
def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The SQLAlchemy URL as a libpq URI for pg_dump/pg_restore, with the password in ``PGPASSWORD``
    (never on a command line, where ``ps`` shows it, nor in a message)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    uri = URL.create("postgresql", username=parsed.username, host=parsed.host, port=parsed.port,
                     database=parsed.database, query=parsed.query)
    return uri.render_as_string(hide_password=False), env


def _run_pg(tool: str, args: list[str], url: str) -> None:
    uri, env = _libpq(url)
    try:
        proc = subprocess.run([tool, *args, "--dbname", uri], env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{tool} not found: install the PostgreSQL client (Debian: postgresql-client) "
                          "of the server's major version") from None
    if proc.returncode != 0:
        raise BackupError(f"{tool} failed: {proc.stderr.strip()[-2000:]}")


def _pg_query(url: str, sql: str) -> Any:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise BackupError(f"the database did not answer: {reason}") from None
    finally:
        engine.dispose()


def _backup_sqlite(settings: Settings, dest: Path) -> str:
    """Copy the live database with SQLite's online backup API (one consistent snapshot however
    the server writes meanwhile); the copy's schema revision."""
    if not settings.sqlite_path.exists():
        raise BackupError(f"no database at {settings.sqlite_path}: is data_dir right?")
    src = sqlite3.connect(f"file:{settings.sqlite_path}?mode=rw", uri=True, timeout=30)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    out = sqlite3.connect(dest)
    try:
        src.backup(out)
        out.execute("PRAGMA journal_mode=DELETE")  # one self-contained file (the server turns WAL on again)
        (revision,) = out.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        out.close()
        src.close()
    return str(revision)


def _database_has_data(settings: Settings) -> bool:
    if not settings.database_url:
        return settings.sqlite_path.exists()
    return bool(_pg_query(settings.db_url, "SELECT EXISTS (SELECT 1 FROM information_schema.tables "
                                           "WHERE table_schema NOT IN ('pg_catalog', 'information_schema'))"))


# -- backup --------------------------------------------------------------------------------
def _version() -> str:
    try:
        return metadata.version("dabir")
    except metadata.PackageNotFoundError:
        return "unknown"


def backup(settings: Settings, dest: Path) -> dict[str, Any]:
    """Write a backup of this server into the folder ``dest`` (new or empty); returns its manifest.
    The database comes first: documents and keys copied after it are a superset of what it names."""
    if not _empty(dest):
        raise BackupError(f"{dest} is not empty: back up into a new folder")
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    dest.chmod(0o700)
    sums: dict[str, str] = {}
    if settings.database_url:
        if make_url(settings.db_url).get_backend_name() != "postgresql":
            raise BackupError("backups cover SQLite and PostgreSQL databases only")
        revision = str(_pg_query(settings.db_url, "SELECT version_num FROM alembic_version"))
        fd = os.open(dest / PG_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        _run_pg("pg_dump", ["--format=custom", "--file", str(dest / PG_FILE)], settings.db_url)
        database = {"kind": "postgresql", "file": PG_FILE}
        sums[PG_FILE] = _sha256(dest / PG_FILE)
    else:
        revision = _backup_sqlite(settings, dest / SQLITE_FILE)
        database = {"kind": "sqlite", "file": SQLITE_FILE}
        sums[SQLITE_FILE] = _sha256(dest / SQLITE_FILE)
    for item in _files(settings):
        if not item.path.exists():
            raise BackupError(f"{item.path} is missing (run dabir-server init first)")
        sums[item.name] = _copy(item.path, dest / item.name)
    documents = ({"storage": "local", "included": True} if settings.storage == "local" else
                 {"storage": "s3", "included": False, "bucket": settings.s3_bucket, "prefix": settings.s3_prefix,
                  "note": "documents stay in the S3 bucket: its versioning and replication are their backup"})
    manifest = {
        "format": FORMAT, "version": VERSION, "dabir_version": _version(), "schema_revision": revision,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "database": database,
        "documents": documents, "files": {name: {"sha256": sums[name]} for name in sorted(sums)},
    }
    tmp = dest / (MANIFEST + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(dest / MANIFEST)  # written last: a folder with a manifest is a complete backup
    return manifest


# -- restore -------------------------------------------------------------------------------
def _read_manifest(src: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{src} holds no {MANIFEST}: not a complete dabir-server backup") from None
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"{src / MANIFEST} is not valid JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict):
        raise BackupError(f"{src / MANIFEST} is not a dabir-server backup manifest")
    if not isinstance(manifest.get("version"), int) or manifest["version"] > VERSION:
        raise BackupError(f"this backup was written by a newer Dabir server (backup format {manifest.get('version')!r}); "
                          "restore it with that version or a later one")
    return manifest


def _check_schema(settings: Settings, revision: object) -> None:
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config(settings.db_url)).walk_revisions()}
    if revision not in known:
        raise BackupError(f"this backup is of a newer database schema (revision {revision!r}) than this Dabir "
                          "server knows; restore it with that version or a later one")


def _verify(src: Path, manifest: dict[str, Any]) -> None:
    for name, entry in manifest["files"].items():
        path = src.joinpath(*PurePosixPath(name).parts)
        if not path.is_file():
            raise BackupError(f"{name} is missing from the backup")
        if not isinstance(entry, dict) or _sha256(path) != entry.get("sha256"):
            raise BackupError(f"{name} does not match its SHA-256 in the manifest: the backup is damaged or altered")


def restore(settings: Settings, src: Path, *, force: bool = False) -> dict[str, Any]:
    """Put the backup in ``src`` back into this server's database and files (the server stopped).
    Everything is checked before anything is written."""
    manifest = _read_manifest(src)
    database = manifest.get("database") or {}
    kind = "postgresql" if settings.database_url else "sqlite"
    if database.get("kind") != kind or database.get("file") != (PG_FILE if kind == "postgresql" else SQLITE_FILE):
        raise BackupError(f"this backup holds a {database.get('kind')} database but this server is configured "
                          f"for {kind} (database_url)")
    _check_schema(settings, manifest.get("schema_revision"))
    targets = {name: _target(settings, name) for name in manifest["files"] if name != database["file"]}
    if database["file"] not in manifest["files"]:
        raise BackupError(f"the manifest does not list {database['file']}")
    _verify(src, manifest)
    if not force:
        files = {str(p) for p in targets.values() if p is not None and p.exists()}
        files |= {str(d) for d in (settings.trust_dir_path, settings.documents_path) if not _empty(d)}
        busy = sorted(files)
        if _database_has_data(settings):  # named first: the one an operator must not overlook
            busy.insert(0, "the database" if settings.database_url else str(settings.sqlite_path))
        if busy:
            more = f" and {len(busy) - 3} more" if len(busy) > 3 else ""
            raise BackupError(f"the target is not empty ({', '.join(busy[:3])}{more}): restore into a wiped "
                              "data folder and an empty database, or pass --force to overwrite")
    if kind == "postgresql":
        _run_pg("pg_restore", ["--single-transaction", "--exit-on-error", "--no-owner", "--no-acl",
                               *(["--clean", "--if-exists"] if force else []), str(src / PG_FILE)], settings.db_url)
    else:
        for suffix in ("-wal", "-shm"):  # a stale log would be replayed into the restored file
            Path(f"{settings.sqlite_path}{suffix}").unlink(missing_ok=True)
        _copy(src / SQLITE_FILE, settings.sqlite_path)
    for name, path in targets.items():
        if path is not None:
            _copy(src.joinpath(*PurePosixPath(name).parts), path)
    return manifest
