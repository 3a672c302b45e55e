"""PostgreSQL hot-path statements through libpq's pipeline mode (``psycopg.pq``).

A psycopg cursor costs ~60–80 µs of Python per statement (query conversion, the prepare
manager, result bookkeeping), and the only way it sends several statements in one round trip
is client-side binding: every parameter quoted into the SQL text in Python (an 8 KB package
becomes 16 KB of hex), and PostgreSQL lexes and plans the whole text again each time. Here the
statements go out in one pipeline: each parameterized statement is prepared once per
connection and then executed with its parameters sent apart (bytes in binary), so neither side
quotes, lexes or plans anything, and the rows are loaded by psycopg's own (C) loaders.

Parameters are sent as text and typed by the server from the statement (``$n`` in a column's
place takes that column's type), except bytes, sent in binary.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import lru_cache
from typing import Any, NoReturn

import psycopg
from psycopg import errors, generators, pq, waiting
from psycopg.adapt import Transformer

_ERROR = (pq.ExecStatus.FATAL_ERROR, pq.ExecStatus.BAD_RESPONSE)
_ABORTED = pq.ExecStatus.PIPELINE_ABORTED
_WAIT_S = 0.1  # as psycopg: poll in 100 ms slices (0, the default, would spin)
MAX_PREPARED = 256  # statements prepared per connection; beyond, they run unnamed (parsed each time)


@lru_cache(maxsize=1024)
def dollar_placeholders(sql: str) -> tuple[bytes, int]:
    """A statement in psycopg's style (``%s``, ``%%``) in libpq's (``$1``…), and its parameter count."""
    n = 0

    def sub(m: re.Match[str]) -> str:
        nonlocal n
        if m.group() == "%%":
            return "%"
        n += 1
        return f"${n}"

    return re.sub(r"%%|%s", sub, sql).encode(), n


def _param(value: Any) -> tuple[bytes | None, int]:
    """A parameter's bytes and format (0 text, 1 binary)."""
    if value is None:
        return None, 0
    kind = type(value)
    if kind is str:
        return value.encode(), 0
    if kind is bytes:
        return value, 1
    if kind is bool:
        return (b"t" if value else b"f"), 0
    if kind is int:
        return b"%d" % value, 0
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat().encode(), 0
    if isinstance(value, str):  # a StrEnum, say
        return str.encode(value), 0
    if isinstance(value, bytearray | memoryview):
        return bytes(value), 1
    if isinstance(value, float | Decimal | int):
        return str(value).encode(), 0
    raise TypeError(f"cannot send a {kind.__name__} parameter")


class Pipeline:
    """One PostgreSQL connection's statements, sent in pipelines. Kept with the pooled connection
    (its prepared statements live as long as the server session).

    :meth:`run` blocks (the group committer's thread and the synchronous reads);
    :meth:`results_async` waits on the event loop (:class:`server.db.ReadBatcher`,
    :class:`server.db.LoopCommitter`)."""

    __slots__ = ("_conn", "_loader", "_names", "_pg", "_prepared")

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn
        self._pg = conn.pgconn
        self._loader = Transformer(conn)
        self._prepared: dict[str, bytes] = {}
        self._names = 0

    def run(self, statements: list[tuple[str, tuple[Any, ...]]]) -> pq.abc.PGresult:
        """Run the statements (psycopg style placeholders) in one round trip and return the last
        one's result. The first statement that fails raises its error (psycopg's exception for
        its SQLSTATE) once all is read; the statements after it did not run."""
        encoded = self._encoded(statements)
        if len(statements) == 1:
            return self._run_one(statements[0][0], *encoded[0])
        positions, newly = self._send(statements, encoded)
        with self._pipeline_io():
            results = waiting.wait(self._exchange(len(positions) + len(newly)), self._pg.socket, _WAIT_S)
        failed = next((r for r in results if r.status in _ERROR), None)
        if failed is not None:
            self._forget(newly)
            raise self.error_of(failed)
        return results[-1]

    async def results_async(self, statements: list[tuple[str, tuple[Any, ...]]]) -> list[pq.abc.PGresult]:
        """Send the statements in one pipeline, waiting on the running event loop, and return one
        result per statement, failures included: the statement that failed has its error
        result, those after it (not run) ``PIPELINE_ABORTED``. A connection problem closes the
        connection and raises :class:`psycopg.OperationalError`."""
        positions, newly = self._send(statements, self._encoded(statements))
        with self._pipeline_io():
            results = await waiting.wait_async(self._exchange(len(positions) + len(newly)), self._pg.socket,
                                               _WAIT_S)
        if any(r.status in _ERROR for r in results):
            self._forget(newly)
        # a statement prepared here whose PREPARE failed answers with that failure
        return [results[i - 1] if fresh and results[i].status == _ABORTED else results[i] for i, fresh in positions]

    def _encoded(self, statements: list[tuple[str, tuple[Any, ...]]]) -> list[tuple[bytes, Any, Any]]:
        """(query, values, formats) per statement: a bad parameter raises before anything is sent."""
        encoded: list[tuple[bytes, Any, Any]] = []
        for sql, params in statements:
            if not params:
                encoded.append((sql.replace("%%", "%").encode(), None, None))
                continue
            query, count = dollar_placeholders(sql)
            if count != len(params):
                raise psycopg.ProgrammingError(f"the statement takes {count} parameters, {len(params)} given")
            values, formats = zip(*map(_param, params), strict=True)
            encoded.append((query, values, formats))
        return encoded

    def _send(self, statements: list[tuple[str, tuple[Any, ...]]],
              encoded: list[tuple[bytes, Any, Any]]) -> tuple[list[tuple[int, bool]], list[str]]:
        """Queue the statements in pipeline mode and a sync. Returns, per statement, where its
        result will be among the results and whether it is prepared just before (a first use:
        the PREPARE has a result of its own); and the statements being prepared."""
        pg = self._pg
        positions: list[tuple[int, bool]] = []
        newly: list[str] = []
        pg.enter_pipeline_mode()
        try:
            for (sql, _params), (query, values, formats) in zip(statements, encoded, strict=True):
                name = None if values is None else self._prepared.get(sql)
                fresh = name is None and values is not None and len(self._prepared) < MAX_PREPARED
                if fresh:
                    name = self._prepared[sql] = self._new_name()
                    pg.send_prepare(name, query)
                    newly.append(sql)
                if name is None:
                    pg.send_query_params(query, values, param_formats=formats)
                else:
                    pg.send_query_prepared(name, values, param_formats=formats)
                positions.append((len(positions) + len(newly), fresh))
            pg.pipeline_sync()
        except Exception as exc:  # half sent: the connection is of no further use
            self._lost(exc)
        return positions, newly

    def _forget(self, newly: list[str]) -> None:
        """A pipeline failed: its statements being prepared failed, or never ran (aborted)."""
        for sql in newly:
            self._prepared.pop(sql, None)

    def _run_one(self, sql: str, query: bytes, values: Any, formats: Any) -> pq.abc.PGresult:
        """One statement, by libpq's blocking calls (they release the GIL): no pipeline to set
        up, so about half the CPU of a one-statement pipeline."""
        pg = self._pg
        if values is None:
            return self._checked(pg.exec_params(query, None))
        name = self._prepared.get(sql)
        if name is None and len(self._prepared) < MAX_PREPARED:
            name = self._new_name()
            self._checked(pg.prepare(name, query))
            self._prepared[sql] = name
        if name is None:
            return self._checked(pg.exec_params(query, values, param_formats=formats))
        return self._checked(pg.exec_prepared(name, values, param_formats=formats))

    def _new_name(self) -> bytes:
        """A prepared statement's name, never used before on this connection (a failed prepare
        may or may not have left its name taken)."""
        self._names += 1
        return b"dabir_%d" % self._names

    def _checked(self, result: pq.abc.PGresult) -> pq.abc.PGresult:
        if result.status in _ERROR:
            if self._pg.status == pq.ConnStatus.BAD:
                self._conn.close()
                raise psycopg.OperationalError(result.get_error_message(self._conn.info.encoding) or "connection lost")
            raise errors.error_from_result(result, encoding=self._conn.info.encoding)
        return result

    def _exchange(self, expected: int) -> Generator[Any, Any, list[pq.abc.PGresult]]:
        """Send what is buffered, read ``expected`` results and the sync (a psycopg generator:
        the caller waits for the socket, blocking or on the event loop)."""
        pg = self._pg
        yield from generators.send(pg)
        results = []
        for _ in range(expected):
            got = yield from generators.fetch_many(pg)
            if len(got) != 1 or got[0].status == pq.ExecStatus.PIPELINE_SYNC:
                raise psycopg.OperationalError(f"unexpected pipeline results: {[r.status for r in got]}")
            results.append(got[0])
        sync = yield from generators.fetch_many(pg)
        if [r.status for r in sync] != [pq.ExecStatus.PIPELINE_SYNC]:
            raise psycopg.OperationalError("the pipeline did not end where expected")
        return results

    @contextmanager
    def _pipeline_io(self) -> Iterator[None]:
        """Around waiting for a pipeline's results: pipeline mode is left afterwards; anything
        unexpected leaves the connection unusable: it is closed and OperationalError raised
        (the pool then discards it)."""
        try:
            try:
                yield
            finally:
                self._pg.exit_pipeline_mode()
        except Exception as exc:
            self._lost(exc)

    def _lost(self, exc: Exception) -> NoReturn:
        self._conn.close()
        if isinstance(exc, psycopg.OperationalError):
            raise exc
        raise psycopg.OperationalError(f"connection lost in a pipeline: {exc}") from exc

    def error_of(self, result: pq.abc.PGresult) -> psycopg.Error:
        """psycopg's exception for a failed statement's result (its SQLSTATE's class)."""
        return errors.error_from_result(result, encoding=self._conn.info.encoding)

    def rows(self, result: pq.abc.PGresult) -> list[tuple[Any, ...]]:
        if result.status != pq.ExecStatus.TUPLES_OK or not result.ntuples:
            return []
        self._loader.set_pgresult(result)
        return self._loader.load_rows(0, result.ntuples, tuple)

    def first(self, result: pq.abc.PGresult) -> tuple[Any, ...] | None:
        if result.status != pq.ExecStatus.TUPLES_OK or not result.ntuples:
            return None
        self._loader.set_pgresult(result)
        return self._loader.load_row(0, tuple)  # type: ignore[no-any-return]
