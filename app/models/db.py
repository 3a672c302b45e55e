"""Opening the local store: one SQLite file (WAL) in the user's data folder, migrated on start."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from app.models import guards
from app.models.blobs import BlobStore

DATA_DIR_ENV = "DABIR_DATA_DIR"
DB_FILE = "dabir.sqlite3"
MIGRATIONS = Path(__file__).with_name("migrations")
# The newest migration; a test checks it against Alembic's own head. Knowing it lets a start
# on an up-to-date store skip importing Alembic (half a second of the window's start-up).
SCHEMA_HEAD = "0016"


def default_data_dir() -> Path:
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return platformdirs.user_data_path("Dabir", appauthor=False)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Python's sqlite3 opens transactions lazily and not for all statements; let SQLAlchemy
    # drive BEGIN itself so every session is one real transaction.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")  # a committed letter survives power loss, not only a crash
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(db_path: Path, *, immediate: bool = True) -> Engine:
    """An engine whose transactions begin IMMEDIATE (writers) or deferred (readers).

    A deferred transaction that reads and then writes fails with SQLITE_BUSY, without
    waiting, when another process (the sync worker, a second window) wrote in between;
    taking the write lock up front makes writers queue behind each other instead.
    """
    engine = create_engine(f"sqlite:///{db_path}", connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"
    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin))
    return engine


def schema_version(engine: Engine) -> str | None:
    with engine.connect() as conn:
        has_table = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'")
        ).first()
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() if has_table else None


class StoreTooNewError(RuntimeError):
    """The store was migrated by a newer Dabir: opening it here could damage it."""

    def __init__(self, path: Path | str, revision: str) -> None:
        super().__init__(f"the store {path} has schema {revision}, newer than this Dabir knows "
                         f"(up to {SCHEMA_HEAD}); install the newer version")
        self.revision = revision
        self.message_fa = (
            "داده‌های این رایانه با نسخه‌ای تازه‌تر از دبیر به‌روز شده است و این نسخه نمی‌تواند بی‌خطر "
            "آن را باز کند. لطفاً نسخه تازه‌تر دبیر را نصب کنید یا با مدیر سامانه تماس بگیرید."
        )


def known_revisions() -> set[str]:
    """The schema revisions this release can open (its migration files are named after them)."""
    return {p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py")}


def migrate(engine: Engine, revision: str = "head") -> None:
    current = schema_version(engine)
    if revision == "head" and current == SCHEMA_HEAD:
        return
    if current is not None and current not in known_revisions():
        raise StoreTooNewError(engine.url.database or "", current)
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _keep_private(data_dir: Path, db_path: Path) -> None:
    """Owner-only: the data folder 0700 and the database 0600 (SQLite gives its WAL and shared-memory
    files the database file's mode), also for a store created before this rule."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    if not db_path.exists():
        # Only a new file: closing a descriptor of a database this process has open elsewhere
        # would drop that connection's POSIX locks. (Another process may create it first.)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(db_path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    for path in (db_path, db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")):
        if path.exists():
            path.chmod(0o600)


class Store:
    """The local store of one Dabir profile: database plus attachment blobs."""

    def __init__(self, data_dir: Path, *, run_migrations: bool = True) -> None:
        self.data_dir = data_dir
        self.db_path = data_dir / DB_FILE
        _keep_private(data_dir, self.db_path)
        self.engine = make_engine(self.db_path)
        if run_migrations:
            try:
                migrate(self.engine)
            except BaseException:
                self.engine.dispose()
                raise
        self.read_engine = make_engine(self.db_path, immediate=False)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)
        guards.install(self._sessions)
        self.blobs = BlobStore(data_dir / "blobs")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One write transaction: commits when the block ends, rolls back on any exception."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A read-only snapshot (lists, search); never blocks behind writers."""
        session = self._read_sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def close(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()


def open_store(data_dir: Path | None = None) -> Store:
    return Store(data_dir or default_data_dir())
