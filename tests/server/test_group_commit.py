"""Group commit (server.db.GroupCommitter): one transaction for many jobs, a failing job rolls
back alone (its counter increment included), results only after COMMIT; and races on the same
letter / the same Idempotency-Key through the real server."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import sqlalchemy.exc

from app.protocol.shams import Shams
from devkit.letters import BulkSigner, make_package
from server.db import Database, Numbered, _Job
from server.migrate import upgrade
from server.pq_pipeline import Pipeline
from tests.server.conftest import Env, driver_dsn


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """SQLite, and PostgreSQL, where the group's writes run in pipeline mode (statements whose
    rows are not read are queued, and their errors surface later)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_database_url")
    upgrade(url)
    d = Database(url)
    yield d
    d.dispose()


def _in_groups(db: Database, n: int, fn_for: object) -> list[object]:
    """Run n jobs at once (so that they share groups); each job's result or exception."""
    barrier = threading.Barrier(n)

    def job(i: int) -> object:
        barrier.wait()
        return db.batched_write(fn_for(i))  # type: ignore[operator]

    with ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(job, i) for i in range(n)]
    return [f.exception() or f.result() for f in futures]


def test_failing_job_rolls_back_alone(db: Database) -> None:
    name = f"test-{uuid.uuid4().hex}"

    def fn_for(i: int):  # type: ignore[no-untyped-def]
        def fn(conn):  # type: ignore[no-untyped-def]
            value = db.next_value(conn, name)
            if i % 3 == 0:
                raise ValueError(f"job {i} refuses")
            return value
        return fn

    outcomes = _in_groups(db, 8, fn_for)
    ok = sorted(o for o in outcomes if isinstance(o, int))
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(refused) == 3 and all(isinstance(e, ValueError) for e in refused)
    assert ok == list(range(1, 6)), "a refused job's counter increment must roll back with it"
    with db.read() as conn:
        assert db.current_value(conn, name) == 5


def test_error_of_an_unread_statement_fails_its_own_job(db: Database) -> None:
    """A duplicate key on a queued INSERT (on PostgreSQL sent later, with the next statement or
    at the end of the job) fails the job that queued it — not the next one — and rolls back that
    job's counter; a job that fails before anything of it reached the server leaves no trace."""
    name, dup, lost = f"seq-{uuid.uuid4().hex}", f"dup-{uuid.uuid4().hex}", f"lost-{uuid.uuid4().hex}"
    with db.write() as conn:
        conn.exec_driver_sql(db.sql("INSERT INTO sequences (name, value) VALUES (?, 0)"), (dup,))

    def fn_for(i: int):  # type: ignore[no-untyped-def]
        def fn(conn):  # type: ignore[no-untyped-def]
            if i == 9:  # refused before any statement: its queued SAVEPOINT is simply dropped
                conn.queue(db.sql("INSERT INTO sequences (name, value) VALUES (?, 9)"), (lost,))
                raise ValueError("refused early")
            value = db.next_value(conn, name)
            if i % 2 == 0:  # the unique key is violated by a statement whose result is not read
                conn.queue(db.sql("INSERT INTO sequences (name, value) VALUES (?, 1)"), (dup,))
            return value
        return fn

    outcomes = _in_groups(db, 10, fn_for)
    failed = [i for i, o in enumerate(outcomes) if isinstance(o, BaseException)]
    assert failed == [0, 2, 4, 6, 8, 9]
    assert all(isinstance(outcomes[i], db.integrity_errors) for i in failed[:-1])
    assert isinstance(outcomes[9], ValueError)
    assert sorted(o for o in outcomes if isinstance(o, int)) == [1, 2, 3, 4]
    with db.read() as conn:
        assert db.current_value(conn, name) == 4
        assert db.current_value(conn, lost) == 0
        assert db.current_value(conn, dup) == 0


def _run_one_group(db: Database, fns: list[object], *, each: bool = False) -> list[object]:
    """Run these jobs as one group, in this order (each job's result or exception); ``each``:
    straight on the job-by-job path (where the group goes when running it at once failed)."""
    jobs = [_Job(fn) for fn in fns]  # type: ignore[arg-type]
    (db.committer._run_each if each else db.committer._run_group)(jobs)
    return [job.future.exception() or job.future.result() for job in jobs]  # type: ignore[union-attr]


def _value(db: Database, name: str) -> int:
    with db.read() as conn:
        return db.current_value(conn, name)


def test_error_carried_into_later_jobs_is_blamed_on_its_own(db: Database) -> None:
    """On PostgreSQL a job's queued statements go out with the next job's first statement (or
    the COMMIT): an error there belongs to the job that queued it; jobs after it whose
    statements never ran run again, once."""
    name, dup, mark = f"seq-{uuid.uuid4().hex}", f"dup-{uuid.uuid4().hex}", f"only-{uuid.uuid4().hex}"
    with db.write() as conn:
        conn.exec_driver_sql(db.sql("INSERT INTO sequences (name, value) VALUES (?, 0)"), (dup,))
    runs: list[str] = []

    def failing_tail(conn):  # type: ignore[no-untyped-def]
        runs.append("a")
        value = db.next_value(conn, name)
        conn.queue(db.sql("INSERT INTO sequences (name, value) VALUES (?, 1)"), (dup,))
        return value

    def only_queues(conn):  # type: ignore[no-untyped-def]
        runs.append("b")
        conn.queue(db.sql("INSERT INTO sequences (name, value) VALUES (?, 7)"), (mark,))
        return "queued"

    def reads(conn):  # type: ignore[no-untyped-def]
        runs.append("c")
        return db.next_value(conn, name)

    outcomes = _run_one_group(db, [failing_tail, only_queues, reads], each=True)
    assert isinstance(outcomes[0], db.integrity_errors)
    assert outcomes[1:] == ["queued", 1], "the failed job's counter increment rolled back"
    assert _value(db, name) == 1 and _value(db, mark) == 7 and _value(db, dup) == 0
    # SQLite runs each statement at once: nothing to run again; PostgreSQL reruns b and c once.
    assert runs == (["a", "b", "c"] if db.is_sqlite else ["a", "b", "c", "b", "c"])

    # The last job's queued statements go with the COMMIT: its error is its own too.
    outcomes = _run_one_group(db, [reads, failing_tail], each=True)
    assert outcomes[0] == 2 and isinstance(outcomes[1], db.integrity_errors)
    assert _value(db, name) == 2


def test_failed_commit_fails_the_whole_group(db: Database) -> None:
    name = f"seq-{uuid.uuid4().hex}"
    with db.write() as conn:  # a check that runs only at COMMIT
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS gc_parent (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS gc_child (parent INTEGER "
                             "REFERENCES gc_parent (id) DEFERRABLE INITIALLY DEFERRED)")

    def counts(conn):  # type: ignore[no-untyped-def]
        return db.next_value(conn, name)

    def orphan(conn):  # type: ignore[no-untyped-def]
        conn.queue(db.sql("INSERT INTO gc_child (parent) VALUES (?)"), (404,))
        return "queued"

    outcomes = _run_one_group(db, [counts, orphan, counts])
    assert all(isinstance(o, db.integrity_errors) for o in outcomes), outcomes
    assert _value(db, name) == 0
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM gc_child").scalar() == 0
    assert _run_one_group(db, [counts]) == [1]  # the connection is usable again


def test_results_only_after_commit(db: Database) -> None:
    name = f"seen-{uuid.uuid4().hex}"

    def fn(conn):  # type: ignore[no-untyped-def]
        return db.next_value(conn, name)
    assert db.batched_write(fn) == 1
    with db.read() as conn:  # visible to a fresh reader once the caller has its result
        assert db.current_value(conn, name) == 1


def _race(env: Env, same_key: bool) -> None:
    pkg = BulkSigner(env.signer_a).sign_packages([make_package(env.nid_a, [env.nid_b])])[0]
    raw = pkg.to_json_bytes()
    with env.client("a.secretary") as probe:
        token = probe.token
    barrier = threading.Barrier(8)

    def worker(i: int) -> tuple[int, str]:
        api = env.client()
        api.token = token
        try:
            barrier.wait()
            key = "race-same-key" + pkg.guid if same_key else f"race-{i}-{pkg.guid}"
            r = api.raw_post("/letters", raw, idempotency_key=key)
            return r.status_code, r.json()["shams"]
        finally:
            api.close()

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(worker, range(8)))
    assert {s for s, _ in results} == {200}
    assert len({shams for _, shams in results}) == 1, "one GUID, one SHAMS"
    # and the counter moved by exactly one: the next letter gets the next number
    nxt = BulkSigner(env.signer_a).sign_packages([make_package(env.nid_a, [env.nid_b])])[0]
    with env.client("a.secretary") as api:
        assert Shams.parse(api.register(nxt)["shams"]).sequence == Shams.parse(results[0][1]).sequence + 1


@pytest.mark.server
@pytest.mark.parametrize("same_key", [True, False])
def test_same_letter_raced_sqlite(env: Env, same_key: bool) -> None:
    _race(env, same_key)


@pytest.mark.server
@pytest.mark.postgres
@pytest.mark.parametrize("same_key", [True, False])
def test_same_letter_raced_postgres(pg_env: Env, same_key: bool) -> None:
    _race(pg_env, same_key)


def _take(db: Database):  # type: ignore[no-untyped-def]
    """A counter allocation like the SHAMS one: n numbers of the named sequence, the last returned."""
    def allocate(conn, name, n):  # type: ignore[no-untyped-def]
        sql = "UPDATE sequences SET value = value + ? WHERE name = ? RETURNING value"
        row = conn.exec_driver_sql(db.sql(sql), (n, name)).first()
        if row is None:
            conn.exec_driver_sql(db.sql("INSERT INTO sequences (name, value) VALUES (?, 0) ON CONFLICT DO NOTHING"),
                                 (name,))
            row = conn.exec_driver_sql(db.sql(sql), (n, name)).first()
        return int(row[0])
    return allocate


def test_numbered_jobs_of_a_group_share_one_allocation(db: Database) -> None:
    """A group's numbered jobs get their numbers from one statement per counter, in job order;
    what each job wrote went with its own number."""
    a, b = f"a-{uuid.uuid4().hex[:12]}", f"b-{uuid.uuid4().hex[:12]}"
    allocate = _take(db)
    taken: list[int] = []

    def counting(conn, name, n):  # type: ignore[no-untyped-def]
        taken.append(n)
        return allocate(conn, name, n)

    def fn_for(i: int, phase: str = "one") -> Numbered:
        def fn(conn, number):  # type: ignore[no-untyped-def]
            conn.queue(db.sql("INSERT INTO sequences (name, value) VALUES (?, ?)"), (f"{phase}-{a}-{i}", number))
            return number
        return Numbered(a if i % 3 else b, counting, fn)

    outcomes = _run_one_group(db, [fn_for(i) for i in range(9)])
    assert outcomes == [1, 1, 2, 2, 3, 4, 3, 5, 6] and sorted(taken) == [3, 6]
    with db.read() as conn:
        assert _value(db, a) == 6 and _value(db, b) == 3
        assert [db.current_value(conn, f"one-{a}-{i}") for i in range(9)] == outcomes
    # and under concurrency, in whatever groups the jobs fall: unique, no gap
    outcomes = _in_groups(db, 24, lambda i: fn_for(i, "many"))
    assert sorted(outcomes[i] for i in range(24) if i % 3) == list(range(7, 23))  # type: ignore[type-var]
    assert sorted(outcomes[i] for i in range(24) if not i % 3) == list(range(4, 12))  # type: ignore[type-var]


def _sometimes_failing(db: Database, counter: str, dup: str, i: int, statement: object = None) -> Numbered:
    """Job ``i`` of a counter: every fifth from the second refuses after taking its number, every
    fifth from the fourth queues a duplicate key (``dup`` exists)."""
    def fn(conn, number):  # type: ignore[no-untyped-def]
        if i % 5 == 1:
            raise ValueError(f"job {i} refuses number {number}")
        if i % 5 == 3:
            conn.queue(db.sql("INSERT INTO sequences (name, value) VALUES (?, 1)"), (dup,))
        return number
    return Numbered(counter, _take(db), fn, statement)  # type: ignore[arg-type]


def test_a_failing_numbered_job_leaves_no_gap(db: Database) -> None:
    """A group whose numbered jobs partly fail (a Python error after taking the number, a
    duplicate key in a queued statement) is rolled back whole and run job by job: those jobs get
    their errors, the others consecutive numbers from 1, and the counter ends where they do."""
    name, dup = f"n-{uuid.uuid4().hex}", f"dup-{uuid.uuid4().hex}"
    with db.write() as conn:
        conn.exec_driver_sql(db.sql("INSERT INTO sequences (name, value) VALUES (?, 0)"), (dup,))

    def fn_for(i: int) -> Numbered:
        return _sometimes_failing(db, name, dup, i)

    outcomes = _run_one_group(db, [fn_for(i) for i in range(10)])
    assert [i for i, o in enumerate(outcomes) if isinstance(o, BaseException)] == [1, 3, 6, 8]
    assert [o for o in outcomes if isinstance(o, int)] == [1, 2, 3, 4, 5, 6]
    assert _value(db, name) == 6 and _value(db, dup) == 0
    outcomes = _in_groups(db, 15, fn_for)
    assert [i for i, o in enumerate(outcomes) if isinstance(o, BaseException)] == [1, 3, 6, 8, 11, 13]
    assert sorted(o for o in outcomes if isinstance(o, int)) == list(range(7, 16))  # type: ignore[type-var]
    assert _value(db, name) == 15


# -- PostgreSQL: the group commit on the event loop (server.db.LoopCommitter) -----------------

def _take_statement(db: Database):  # type: ignore[no-untyped-def]
    def statement(name, n):  # type: ignore[no-untyped-def]
        return db.sql("UPDATE sequences SET value = value + ? WHERE name = ? RETURNING value"), (n, name)
    return statement


def _steps(job: object):  # type: ignore[no-untyped-def]
    result = yield job
    return result


async def _together(db: Database, fns: list[object]) -> list[object]:
    """The jobs as write steps of concurrent handlers on the running loop (results or exceptions)."""
    return await asyncio.gather(*(db.run_steps_async(_steps(fn)) for fn in fns), return_exceptions=True)


@pytest.fixture
def pg_db(pg_database_url: str) -> Iterator[Database]:
    upgrade(pg_database_url)
    d = Database(pg_database_url)
    yield d
    d.dispose()


@pytest.fixture
def pipelines(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The statements of each pipeline awaited on the event loop."""
    sent: list[list[str]] = []
    real = Pipeline.results_async

    async def spy(self: Pipeline, statements: list[tuple[str, tuple[object, ...]]]) -> object:
        sent.append([sql.split(" ", 1)[0] for sql, _ in statements])
        return await real(self, statements)

    monkeypatch.setattr(Pipeline, "results_async", spy)
    return sent


@pytest.mark.postgres
def test_loop_commits_a_group_in_two_pipelines(pg_db: Database, pipelines: list[list[str]]) -> None:
    db = pg_db
    a, b = f"a-{uuid.uuid4().hex[:12]}", f"b-{uuid.uuid4().hex[:12]}"
    with db.write() as conn:
        for name in (a, b):
            conn.exec_driver_sql(db.sql("INSERT INTO sequences (name, value) VALUES (?, 0)"), (name,))

    def fn_for(i: int) -> Numbered:
        def fn(conn, number):  # type: ignore[no-untyped-def]
            conn.queue(db.sql("INSERT INTO sequences (name, value) VALUES (?, ?)"), (f"loop-{a}-{i}", number))
            return number
        return Numbered(a if i % 3 else b, _take(db), fn, _take_statement(db))

    outcomes = asyncio.run(_together(db, [fn_for(i) for i in range(9)]))
    assert outcomes == [1, 1, 2, 2, 3, 4, 3, 5, 6]
    assert pipelines == [["BEGIN", "UPDATE", "UPDATE"], ["INSERT"] * 9 + ["COMMIT"]]
    assert db.committer._thread is None  # nothing went to the thread
    assert _value(db, a) == 6 and _value(db, b) == 3
    assert [_value(db, f"loop-{a}-{i}") for i in range(9)] == outcomes


@pytest.mark.postgres
def test_loop_hands_what_it_cannot_commit_to_the_thread(pg_db: Database) -> None:
    """A counter's first use, and jobs that fail (after taking their number, or by a duplicate
    key in a queued statement): the group is rolled back on the loop and run job by job on the
    thread — the failing jobs get their errors, the others consecutive numbers."""
    db = pg_db
    fresh, name, dup = f"f-{uuid.uuid4().hex}", f"n-{uuid.uuid4().hex}", f"dup-{uuid.uuid4().hex}"
    with db.write() as conn:
        for existing in (name, dup):
            conn.exec_driver_sql(db.sql("INSERT INTO sequences (name, value) VALUES (?, 0)"), (existing,))

    def numbered(counter: str, i: int) -> Numbered:
        return _sometimes_failing(db, counter, dup, i, _take_statement(db))

    assert asyncio.run(_together(db, [numbered(fresh, 0), numbered(fresh, 2)])) == [1, 2]
    assert _value(db, fresh) == 2
    outcomes = asyncio.run(_together(db, [numbered(name, i) for i in range(10)]))
    assert [i for i, o in enumerate(outcomes) if isinstance(o, BaseException)] == [1, 3, 6, 8]
    assert isinstance(outcomes[1], ValueError) and isinstance(outcomes[3], db.integrity_errors)
    assert [o for o in outcomes if isinstance(o, int)] == [1, 2, 3, 4, 5, 6]
    assert _value(db, name) == 6 and _value(db, dup) == 0
    # the loop's connection was rolled back, not left in the failed transaction
    assert asyncio.run(_together(db, [numbered(name, 0)])) == [7]


@pytest.mark.postgres
def test_loop_replaces_a_lost_connection(pg_db: Database, pg_database_url: str) -> None:
    db = pg_db
    name = f"n-{uuid.uuid4().hex}"
    with db.write() as conn:
        conn.exec_driver_sql(db.sql("INSERT INTO sequences (name, value) VALUES (?, 0)"), (name,))

    def with_backend(conn, n):  # type: ignore[no-untyped-def]
        return n, conn.exec_driver_sql("SELECT pg_backend_pid() + %s", (0,)).first()[0]

    def job() -> Numbered:
        return Numbered(name, _take(db), with_backend, _take_statement(db))

    async def main() -> list[object]:
        [(first, pid)] = await _together(db, [job()])
        with psycopg.connect(driver_dsn(pg_database_url), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        # that group goes to the thread (its own connection); the next gets a new one on the loop
        [(lost, thread_pid)] = await _together(db, [job()])
        [(last, new_pid)] = await _together(db, [job()])
        return [pid, first, lost, thread_pid, new_pid, last]

    pid, first, lost, thread_pid, new_pid, last = asyncio.run(main())
    assert (first, lost, last) == (1, 2, 3)
    assert new_pid not in (pid, thread_pid)  # the thread keeps its own connection


@pytest.mark.postgres
def test_loop_without_a_connection_leaves_the_group_to_the_thread(pg_db: Database,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    db = pg_db
    name = f"n-{uuid.uuid4().hex}"
    with db.write() as conn:
        conn.exec_driver_sql(db.sql("INSERT INTO sequences (name, value) VALUES (?, 0)"), (name,))
    engine = db._raw_writer
    real = engine.raw_connection
    refused: list[int] = []

    def first_refused():  # type: ignore[no-untyped-def]
        if not refused:
            refused.append(1)
            raise sqlalchemy.exc.OperationalError("connect", {}, Exception("the server is restarting"))
        return real()

    monkeypatch.setattr(engine, "raw_connection", first_refused)
    jobs = [Numbered(name, _take(db), lambda conn, n: n, _take_statement(db)) for _ in range(3)]
    # (answered, not left waiting: bounded so that a regression fails instead of hanging)
    assert sorted(asyncio.run(asyncio.wait_for(_together(db, jobs), 30))) == [1, 2, 3]  # type: ignore[type-var]
    assert refused and _value(db, name) == 3
