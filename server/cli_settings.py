"""What every ``dabir-server`` command starts from: the options naming the configuration and data,
the settings they make, the data folder kept owner-only, and (for the operator commands) the
migrated database and the server's context."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from server.config import Settings, load_settings
from server.context import ServerContext
from server.migrate import upgrade


def add_common_options(p: argparse.ArgumentParser) -> None:
    """The options every command takes: where the configuration, data, database and keys are."""
    p.add_argument("--config", type=Path, help="TOML configuration file")
    p.add_argument("--data-dir", help="data folder (database, keys, certificates)")
    p.add_argument("--database-url", help="SQLAlchemy URL; default SQLite in the data folder")
    p.add_argument("--tls-cert", help="TLS certificate (PEM); default <data-dir>/tls/cert.pem")
    p.add_argument("--tls-key", help="TLS private key (PEM)")
    p.add_argument("--trust-dir", help="folder of trust-root PEMs for letter signatures")


def settings_of(args: argparse.Namespace, **extra: Any) -> Settings:
    """The settings: defaults, the TOML file, the environment, then these options (and ``extra``)."""
    overrides = {k: getattr(args, k, None) for k in ("data_dir", "database_url", "tls_cert", "tls_key", "trust_dir")}
    overrides.update(extra)
    return load_settings(args.config, overrides)


def migrated(args: argparse.Namespace) -> Settings:
    """What every operator command starts with: the settings, the data folder owner-only, the
    database at the newest schema."""
    settings = settings_of(args)
    keep_private(settings)
    upgrade(settings.db_url)
    return settings


@contextmanager
def operator_context(args: argparse.Namespace) -> Iterator[ServerContext]:
    """The server's context for one operator command, its database connections closed after."""
    from server.app import create_context

    ctx = create_context(migrated(args))
    try:
        yield ctx
    finally:
        ctx.db.dispose()


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
