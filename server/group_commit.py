"""Group commit: the writes of the requests one event loop is serving, in one transaction.

A durable commit costs an fsync (SQLite) or a WAL flush (PostgreSQL), and a counter row (the SHAMS
sequence) stays locked until then: committing each request alone would serialize the server on
that wait. Here a request's write is queued, and once the loop has run what is ready, every
queued job runs in one transaction and the answers go out after the single COMMIT. If any job
fails (rare: a concurrent twin, a refusal found inside the write), the group is rolled back and
each job runs again alone, so that every request gets its own outcome and a failed job leaves
nothing behind (no SHAMS number taken). The transaction runs on the loop itself: its statements
are short, and a writer thread would wait for the interpreter lock behind the requests' CPU work
at every call.
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
        try:
            with self._transaction() as conn:
                results = [job(conn) for job, _ in group]
        except Exception as exc:
            if len(group) == 1:
                _settle(group[0][1], None, exc)
            else:  # whose was it? each job alone, in a transaction of its own
                for job, future in group:
                    self._commit_alone(job, future)
            return
        for (_, future), result in zip(group, results, strict=True):
            _settle(future, result, None)

    def _commit_alone(self, job: Job, future: asyncio.Future[Any]) -> None:
        try:
            with self._transaction() as conn:
                result = job(conn)
        except Exception as exc:
            _settle(future, None, exc)
        else:
            _settle(future, result, None)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the request has gone
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)
