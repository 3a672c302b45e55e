"""The database: engines, reads and the one write path.

SQLite is one file in WAL mode; PostgreSQL runs READ COMMITTED. Every write is a job handed to
:meth:`Database.write`, which runs it in :class:`~server.group_commit.GroupCommit`: the jobs of
the requests an event loop is serving share one transaction (one fsync). Counter rows (SHAMS
sequences, feed cursors) are locked by ``UPDATE … RETURNING`` inside that transaction, so numbers
are gap-free and cursors grow in commit order.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, bindparam, create_engine, event, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from server.group_commit import GroupCommit
from server.tables.base import sequences

SQLITE_BUSY_TIMEOUT_S = 30
T = TypeVar("T")


def _sqlite_engine(url: str, *, writer: bool, synchronous: str, pool_size: int) -> Engine:
    # a reader is in autocommit: nothing to roll back when a connection goes back to the pool
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
                           pool_size=pool_size, max_overflow=pool_size, pool_reset_on_return="rollback" if writer else None)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # autocommit; the writer emits its own BEGIN
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    if writer:
        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # IMMEDIATE: the writer takes the lock up front instead of failing to upgrade a read lock.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class _FileLock:
    """Serializes this server's SQLite writers across its worker processes: a blocked ``flock``
    wakes the moment the holder releases it, where SQLite's busy handler sleeps and polls."""

    def __init__(self, path: str) -> None:
        self._thread = threading.Lock()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._thread:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self._fd)


class Database:
    def __init__(self, url: str, *, sqlite_synchronous: str = "FULL", pool_size: int = 20) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._lock: _FileLock | None = None
        if self.is_sqlite:
            path = url.split("///", 1)[1] if "///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                self._lock = _FileLock(path + ".writelock")
            self._writer = _sqlite_engine(url, writer=True, synchronous=sqlite_synchronous, pool_size=pool_size)
            self._reader = _sqlite_engine(url, writer=False, synchronous=sqlite_synchronous, pool_size=pool_size)
        else:
            self._writer = create_engine(url, pool_size=pool_size, max_overflow=pool_size)
            self._reader = create_engine(url, pool_size=pool_size, max_overflow=pool_size, isolation_level="AUTOCOMMIT",
                                         pool_reset_on_return=None)
        # one per event loop (a uvicorn worker has one; tests and the CLI may start several)
        self._committers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GroupCommit] = (
            weakref.WeakKeyDictionary())

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A pooled connection for reads, in autocommit: each statement sees what is committed when it
        runs (as READ COMMITTED would give it). Returned at once: worker threads come and go (an idle
        one ends after seconds), and a connection kept per thread would leave the pool with them."""
        with self._reader.connect() as conn:
            yield conn

    async def write(self, job: Callable[[Connection], T]) -> T:
        """Run ``job(conn)`` in a write transaction and return its result once committed. It may
        share the transaction with other requests' jobs; if it raises, only its own writes roll
        back. A job must not await (it runs inside the transaction)."""
        loop = asyncio.get_running_loop()
        committer = self._committers.get(loop)
        if committer is None:
            committer = self._committers[loop] = GroupCommit(self._transaction)
        return await committer.run(job)

    def write_now(self, job: Callable[[Connection], T]) -> T:
        """:meth:`write` for code outside an event loop (the operator CLI)."""
        return asyncio.run(self.write(job))

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        if self._lock is None:
            with self._writer.begin() as conn:
                yield conn
            return
        with self._lock.held(), self._writer.begin() as conn:
            yield conn

    def dispose(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        for engine in {self._writer, self._reader}:
            engine.dispose()

    # -- statements that differ by dialect ----------------------------------------------------
    def insert_ignore(self, table: Any) -> Any:
        """INSERT … ON CONFLICT DO NOTHING for the running dialect."""
        ins = sqlite.insert(table) if self.is_sqlite else postgresql.insert(table)
        return ins.on_conflict_do_nothing()


_NEXT = (update(sequences).where(sequences.c.name == bindparam("counter")).values(value=sequences.c.value + 1)
         .returning(sequences.c.value))


def next_value(db: Database, conn: Connection, name: str) -> int:
    """Increment and return the named counter; its row stays locked until commit."""
    value = conn.execute(_NEXT, {"counter": name}).scalar()
    if value is None:
        conn.execute(db.insert_ignore(sequences).values(name=name, value=0))
        value = conn.execute(_NEXT, {"counter": name}).scalar_one()
    return int(value)


def current_value(conn: Connection, name: str) -> int:
    return conn.execute(select(sequences.c.value).where(sequences.c.name == name)).scalar() or 0


__all__ = ["Database", "current_value", "insert", "next_value"]
