"""server.pq_pipeline: PostgreSQL statements through libpq's pipeline mode, on the real test
cluster — the results and types psycopg's cursors give, errors with their SQLSTATE classes,
statements prepared once per connection, and a lost connection discarded by the pool."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import errors

from app.protocol.shams import Domain
from server.db import Database
from server.pq_pipeline import Pipeline, dollar_placeholders
from tests.server.conftest import driver_dsn

pytestmark = pytest.mark.postgres


@pytest.fixture
def conn(pg_database_url: str) -> Iterator[psycopg.Connection]:  # type: ignore[type-arg]
    with psycopg.connect(driver_dsn(pg_database_url), autocommit=True) as c:
        c.execute("DROP TABLE IF EXISTS pq_t")
        c.execute("CREATE TABLE pq_t (k text PRIMARY KEY, n bigint, b bytea, t timestamptz, f boolean)")
        yield c


def _prepared_count(conn: psycopg.Connection) -> int:  # type: ignore[type-arg]
    return conn.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'dabir_%'").fetchone()[0]  # type: ignore[index]


def test_placeholders_become_numbered() -> None:
    assert dollar_placeholders("SELECT %s, '100%%', %s") == (b"SELECT $1, '100%', $2", 2)
    assert dollar_placeholders("SELECT 1") == (b"SELECT 1", 0)


def test_values_round_trip_with_psycopg_types(conn: psycopg.Connection) -> None:  # type: ignore[type-arg]
    pipe = Pipeline(conn)
    when = dt.datetime(2026, 3, 20, 23, 59, 58, tzinfo=dt.UTC)
    blob = bytes(range(256)) * 40  # binary, with NULs: sent as binary, not quoted
    pipe.run([("INSERT INTO pq_t VALUES (%s, %s, %s, %s, %s)", ("نامه", 2**40, blob, when, True)),
              ("INSERT INTO pq_t VALUES (%s, %s, %s, %s, %s)", ("b", -1, None, None, False))])
    rows = pipe.rows(pipe.run([("SELECT k, n, b, t, f FROM pq_t ORDER BY n DESC", ())]))
    assert rows == [("نامه", 2**40, blob, when, True), ("b", -1, None, None, False)]
    assert rows == conn.execute("SELECT k, n, b, t, f FROM pq_t ORDER BY n DESC").fetchall()
    assert pipe.first(pipe.run([("SELECT k FROM pq_t WHERE k = %s", ("none",))])) is None
    assert pipe.first(pipe.run([("SELECT %s::text", (Domain.OUTGOING,))])) == ("O",)  # a str subclass


def test_many_statements_one_round_trip_last_result(conn: psycopg.Connection) -> None:  # type: ignore[type-arg]
    pipe = Pipeline(conn)
    statements = [("INSERT INTO pq_t (k, n) VALUES (%s, %s)", (f"k{i}", i)) for i in range(50)]
    result = pipe.run([("BEGIN", ()), *statements, ("SELECT sum(n) FROM pq_t WHERE n >= %s", (0,)), ("COMMIT", ())])
    assert result.status == psycopg.pq.ExecStatus.COMMAND_OK  # the COMMIT's
    assert conn.execute("SELECT count(*), sum(n) FROM pq_t").fetchone() == (50, sum(range(50)))
    # each parameterized statement was prepared once, on the first use, and is reused
    assert _prepared_count(conn) == 2
    pipe.run([("INSERT INTO pq_t (k, n) VALUES (%s, %s)", ("again", 1))])
    assert _prepared_count(conn) == 2


def test_error_raises_its_class_and_stops_the_statements_after_it(conn: psycopg.Connection) -> None:  # type: ignore[type-arg]
    pipe = Pipeline(conn)
    pipe.run([("INSERT INTO pq_t (k) VALUES (%s)", ("dup",))])
    with pytest.raises(errors.UniqueViolation):
        pipe.run([("INSERT INTO pq_t (k) VALUES (%s)", ("before",)),
                  ("INSERT INTO pq_t (k) VALUES (%s)", ("dup",)),
                  ("INSERT INTO pq_t (k) VALUES (%s)", ("after",))])
    # one implicit transaction up to the sync: nothing of it was kept
    assert [r[0] for r in conn.execute("SELECT k FROM pq_t ORDER BY k")] == ["dup"]
    # in an explicit transaction the error leaves it aborted until rolled back
    with pytest.raises(errors.UniqueViolation):
        pipe.run([("BEGIN", ()), ("INSERT INTO pq_t (k) VALUES (%s)", ("dup",))])
    with pytest.raises(errors.InFailedSqlTransaction):
        pipe.run([("SELECT 1", ())])
    pipe.run([("ROLLBACK", ())])
    assert pipe.first(pipe.run([("SELECT count(*) FROM pq_t WHERE k <> %s", ("",))])) == (1,)


def test_a_statement_that_fails_to_prepare_is_prepared_again_once_fixed(conn: psycopg.Connection) -> None:  # type: ignore[type-arg]
    pipe = Pipeline(conn)
    sql = "SELECT n FROM pq_later WHERE k = %s"
    for statements in ([(sql, ("x",))], [("SELECT 1", ()), (sql, ("x",))]):
        with pytest.raises(errors.UndefinedTable):
            pipe.run(statements)
    conn.execute("CREATE TABLE pq_later (k text, n int)")
    conn.execute("INSERT INTO pq_later VALUES ('x', 7)")
    assert pipe.first(pipe.run([(sql, ("x",))])) == (7,)
    assert pipe.first(pipe.run([("SELECT 1", ()), (sql, ("x",))])) == (7,)


def test_a_bad_parameter_is_refused_before_anything_is_sent(conn: psycopg.Connection) -> None:  # type: ignore[type-arg]
    pipe = Pipeline(conn)
    with pytest.raises(TypeError, match="cannot send a dict"):
        pipe.run([("INSERT INTO pq_t (k) VALUES (%s)", ("ok",)), ("INSERT INTO pq_t (k) VALUES (%s)", ({},))])
    with pytest.raises(psycopg.ProgrammingError, match="takes 1 parameters, 2 given"):
        pipe.run([("SELECT %s", (1, 2))])
    assert not conn.closed
    assert conn.execute("SELECT count(*) FROM pq_t").fetchone() == (0,)
    assert pipe.first(pipe.run([("SELECT 41 + 1", ())])) == (42,)


def test_a_lost_connection_is_discarded_and_replaced(pg_database_url: str) -> None:
    db = Database(pg_database_url)
    try:
        db.keep_connections()  # as the event-loop thread: the same connection every time
        with db.raw_read() as raw:
            pid = raw.exec_driver_sql("SELECT pg_backend_pid() + %s", (0,)).first()[0]
        with psycopg.connect(driver_dsn(pg_database_url), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        for statements in (1, 2):  # a blocking statement, and a pipeline
            with pytest.raises(psycopg.OperationalError), db.raw_read() as raw:
                if statements == 2:
                    raw.queue("SELECT %s", (1,))
                raw.exec_driver_sql("SELECT pg_backend_pid() + %s", (0,))
            with db.raw_read() as raw:
                new_pid = raw.exec_driver_sql("SELECT pg_backend_pid() + %s", (0,)).first()[0]
            assert new_pid != pid
            with psycopg.connect(driver_dsn(pg_database_url), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (new_pid,))
            pid = new_pid
    finally:
        db.dispose()
