"""server.db.ReadBatcher: the reads of request handlers (``Read`` steps) on PostgreSQL wait on the
event loop and go to the real test cluster together — each read still gets its own rows or its
own error, and a lost connection fails only the reads that were on it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import errors

from server.db import Database, Read, WriteSteps
from server.pq_pipeline import Pipeline
from tests.server.conftest import driver_dsn

pytestmark = pytest.mark.postgres


@pytest.fixture
def db(pg_database_url: str) -> Iterator[Database]:
    database = Database(pg_database_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of statements in each pipeline the batcher sends."""
    sizes: list[int] = []
    real = Pipeline.results_async

    async def spy(self: Pipeline, statements: list[tuple[str, tuple[Any, ...]]]) -> Any:
        sizes.append(len(statements))
        return await real(self, statements)

    monkeypatch.setattr(Pipeline, "results_async", spy)
    return sizes


def _one_read(sql: str, params: tuple[Any, ...] = ()) -> WriteSteps[list[tuple[Any, ...]]]:
    rows = yield Read(sql, params)
    return rows  # type: ignore[no-any-return]


def _together(db: Database, *reads: tuple[str, tuple[Any, ...]]) -> list[Any]:
    """Run the reads as concurrent handlers on one event loop: rows, or the exception raised."""

    async def main() -> list[Any]:
        return await asyncio.gather(*(db.run_steps_async(_one_read(sql, params)) for sql, params in reads),
                                    return_exceptions=True)

    return asyncio.run(main())


def test_reads_of_concurrent_requests_share_one_round_trip(db: Database, batches: list[int]) -> None:
    async def main() -> list[Any]:
        together = await asyncio.gather(*(db.run_steps_async(_one_read("SELECT ?::int * 2, ?::text", (i, f"نامه {i}")))
                                          for i in range(20)))
        # a later read goes out on its own, on the same connection (the statement stays prepared)
        prepared = await db.run_steps_async(_one_read("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE ?",
                                                      ("dabir_%",)))
        return [together, prepared]

    together, prepared = asyncio.run(main())
    assert together == [[(2 * i, f"نامه {i}")] for i in range(20)]
    assert prepared == [(2,)]
    assert batches == [20, 1]


def test_a_failing_read_gets_its_own_error_and_the_others_their_rows(db: Database, batches: list[int]) -> None:
    results = _together(db, ("SELECT 10 / ?::int", (5,)), ("SELECT 10 / ?::int", (0,)),
                        ("SELECT 10 / ?::int", (1,)), ("SELECT ?::text", ("بعدی",)))
    assert results[0] == [(2,)]
    assert isinstance(results[1], errors.DivisionByZero)
    assert results[2:] == [[(10,)], [("بعدی",)]]
    assert batches == [4, 2]  # PostgreSQL skipped the reads after the failure: sent again


def test_a_bad_parameter_fails_only_its_read(db: Database, batches: list[int]) -> None:
    results = _together(db, ("SELECT ?::int", (1,)), ("SELECT ?::text", ({},)), ("SELECT ?::int", (3,)))
    assert results[0] == [(1,)] and results[2] == [(3,)]
    assert isinstance(results[1], TypeError)
    assert batches == [3, 1, 1, 1]  # refused before anything was sent: each read then went on its own


def test_a_read_whose_statement_fails_to_prepare_gets_that_error(db: Database, pg_database_url: str) -> None:
    sql = "SELECT n FROM later WHERE k = ?"
    results = _together(db, ("SELECT ?::int", (1,)), (sql, ("x",)), ("SELECT ?::int", (2,)))
    assert results[0] == [(1,)] and results[2] == [(2,)]
    assert isinstance(results[1], errors.UndefinedTable)
    with psycopg.connect(driver_dsn(pg_database_url), autocommit=True) as admin:
        admin.execute("CREATE TABLE later (k text, n int)")
        admin.execute("INSERT INTO later VALUES ('x', 7)")
    assert _together(db, (sql, ("x",)), (sql, ("y",))) == [[(7,)], []]


def test_a_lost_connection_fails_its_reads_and_is_replaced(db: Database, pg_database_url: str) -> None:
    async def main() -> list[Any]:
        pid = (await db.run_steps_async(_one_read("SELECT pg_backend_pid() + ?", (0,))))[0][0]
        with psycopg.connect(driver_dsn(pg_database_url), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        lost = await asyncio.gather(*(db.run_steps_async(_one_read("SELECT ?::int", (i,))) for i in range(3)),
                                    return_exceptions=True)
        after = await db.run_steps_async(_one_read("SELECT pg_backend_pid() + ?", (0,)))
        return [pid, lost, after[0][0]]

    pid, lost, new_pid = asyncio.run(main())
    assert all(isinstance(r, psycopg.OperationalError) for r in lost)
    assert new_pid != pid
