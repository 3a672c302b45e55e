"""Engines and transactions.

SQLite: one file in WAL mode with a busy timeout. Writes run in ``BEGIN IMMEDIATE``
transactions (the write lock is taken up front, so two allocations never both read the
same counter and then fail to upgrade); reads use a separate engine with deferred BEGIN so
they never wait for the write lock. PostgreSQL: READ COMMITTED, counter rows are locked by
``UPDATE … RETURNING`` / ``SELECT … FOR UPDATE`` inside the writing transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from server.models import sequences

SQLITE_BUSY_TIMEOUT_S = 30


def _sqlite_engine(url: str, *, immediate: bool, synchronous: str, pool_size: int) -> Engine:
    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
        pool_size=pool_size,
        max_overflow=pool_size,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (pysqlite's is deferred-only)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    def __init__(self, url: str, *, sqlite_synchronous: str = "FULL", pool_size: int = 20) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            path = url.split("///", 1)[1] if "///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.writer = _sqlite_engine(url, immediate=True, synchronous=sqlite_synchronous, pool_size=pool_size)
            self.reader = _sqlite_engine(url, immediate=False, synchronous=sqlite_synchronous, pool_size=pool_size)
        else:
            self.writer = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
            self.reader = self.writer

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self.writer.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.reader.begin() as conn:
            yield conn

    def dispose(self) -> None:
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()

    # -- dialect helpers ---------------------------------------------------------------------
    def insert_ignore(self, table: Any) -> Any:
        """INSERT … ON CONFLICT DO NOTHING for the running dialect."""
        ins = sqlite.insert(table) if self.is_sqlite else postgresql.insert(table)
        return ins.on_conflict_do_nothing()

    def next_value(self, conn: Connection, name: str) -> int:
        """Increment and return the named counter; the row stays locked until commit."""
        conn.execute(self.insert_ignore(sequences).values(name=name, value=0))
        return conn.execute(
            update(sequences).where(sequences.c.name == name).values(value=sequences.c.value + 1)
            .returning(sequences.c.value)
        ).scalar_one()

    def current_value(self, conn: Connection, name: str) -> int:
        return conn.execute(select(sequences.c.value).where(sequences.c.name == name)).scalar() or 0


def is_transient(exc: BaseException) -> bool:
    """Lock timeouts / serialization failures that a retry can cure."""
    return isinstance(exc, OperationalError)


def ensure_row(conn: Connection, db: Database, table: Any, **values: Any) -> None:
    conn.execute(db.insert_ignore(table).values(**values))


__all__ = ["Database", "ensure_row", "insert", "is_transient"]
