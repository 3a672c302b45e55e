"""Group commit: the writes of the requests one event loop is serving, in one transaction.

A durable commit costs an fsync (SQLite) or a WAL flush (PostgreSQL), and a counter row (the SHAMS
sequence) stays locked until then: committing each request alone would serialize the server on
that wait. Here a request's write is queued, and once the loop has run what is ready, every
queued job runs in one transaction, each inside its own savepoint, and the answers go out after
the single COMMIT. The transaction runs on the loop itself: its statements are short, and a
writer thread would wait for the interpreter lock behind the requests' CPU work at every call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from sqlalchemy import Connection

T = TypeVar("T")
Job = Callable[[Connection], Any]


class GroupCommit:
    def __init__(self, transaction: Callable[[], AbstractContextManager[Connection]]) -> None:
        self._transaction = transaction
        self._waiting: list[tuple[Job, asyncio.Future[Any]]] = []

    async def run(self, job: Callable[[Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        if not self._waiting:
            loop.call_soon(self._commit_waiting)  # after the callbacks already ready: they may add jobs
        self._waiting.append((job, future))
        return await future

    def _commit_waiting(self) -> None:
        group, self._waiting = self._waiting, []
        outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
        try:
            with self._transaction() as conn:
                for job, future in group:
                    try:
                        with conn.begin_nested():
                            outcomes.append((future, job(conn), None))
                    except Exception as exc:  # this job's writes are rolled back, the others' stay
                        outcomes.append((future, None, exc))
        except Exception as exc:  # BEGIN or COMMIT failed: nothing of the group was written
            outcomes = [(future, None, exc) for _, future in group]
        for future, value, error in outcomes:
            if future.done():  # the request has gone
                continue
            if error is None:
                future.set_result(value)
            else:
                future.set_exception(error)
