"""Group commit (server.group_commit): the writes of concurrent requests share one transaction; a
failing job (a Python error, a database error, a failed COMMIT) fails alone and leaves nothing
behind, its counter increment included; results only after COMMIT; and races on the same letter /
the same Idempotency-Key through the real server. SQLite and PostgreSQL run the same code."""

from __future__ import annotations

import asyncio
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event, select, text
from sqlalchemy.exc import IntegrityError

from app.protocol.shams import Shams
from devkit.letters import BulkSigner, make_package
from server.db import Database, current_value, next_value
from server.migrate import upgrade
from tests.server.conftest import Env


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database at the newest schema, migrated once (the migrations are slow) for each test to copy."""
    path = tmp_path_factory.mktemp("migrated") / "db.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), tmp_path / "db.sqlite3")
        url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_database_url")
    upgrade(url)  # (nothing left to do on a copy)
    d = Database(url)
    yield d
    d.dispose()


@pytest.fixture
def transactions(db: Database) -> Iterator[list[int]]:
    """The statements of each write transaction that reached the counter table: one entry per
    transaction, with how many ``UPDATE sequences`` it ran."""
    counts: list[int] = []

    def began(_conn: Connection) -> None:
        counts.append(0)

    def statement(_conn: Connection, _cursor: Any, sql: str, *_args: Any) -> None:
        if sql.startswith("UPDATE sequences"):
            counts[-1] += 1

    event.listen(db._writer, "begin", began)
    event.listen(db._writer, "before_cursor_execute", statement)
    yield counts
    event.remove(db._writer, "begin", began)
    event.remove(db._writer, "before_cursor_execute", statement)


def _together(db: Database, jobs: list[Callable[[Connection], Any]]) -> list[Any]:
    """The jobs written at once, as concurrent requests of one event loop: results or exceptions."""
    async def main() -> list[Any]:
        return await asyncio.gather(*(db.write(job) for job in jobs), return_exceptions=True)
    return asyncio.run(main())


def _value(db: Database, name: str) -> int:
    with db.read() as conn:
        return current_value(conn, name)


def test_concurrent_writes_share_one_transaction(db: Database, transactions: list[int]) -> None:
    name = f"seq-{uuid.uuid4().hex}"
    _together(db, [lambda conn: next_value(db, conn, name)])  # the counter's row exists from here
    transactions.clear()
    outcomes = _together(db, [lambda conn: next_value(db, conn, name) for _ in range(10)])
    assert sorted(outcomes) == list(range(2, 12))
    assert transactions == [10], "ten requests' writes, one transaction"
    assert _value(db, name) == 11


def test_failing_job_rolls_back_alone(db: Database, transactions: list[int]) -> None:
    """A job that fails after taking a number gives it back: the others' numbers stay gap-free
    (the group is rolled back and each job runs again in a transaction of its own)."""
    name = f"seq-{uuid.uuid4().hex}"
    _together(db, [lambda conn: next_value(db, conn, name)])  # the counter's row exists from here
    transactions.clear()

    def job_for(i: int) -> Callable[[Connection], int]:
        def job(conn: Connection) -> int:
            value = next_value(db, conn, name) - 1
            if i % 3 == 0:
                raise ValueError(f"job {i} refuses")
            return value
        return job

    outcomes = _together(db, [job_for(i) for i in range(8)])
    refused = [i for i, o in enumerate(outcomes) if isinstance(o, BaseException)]
    assert refused == [0, 3, 6] and all(isinstance(outcomes[i], ValueError) for i in refused)
    assert sorted(o for o in outcomes if isinstance(o, int)) == list(range(1, 6))
    assert _value(db, name) == 6
    assert len(transactions) == 9 and transactions[1:] == [1] * 8, "the group, then each job alone"


def test_a_database_error_fails_only_its_job(db: Database) -> None:
    """A duplicate key (a twin committed first) fails the job that hit it; the database keeps
    going for the jobs after it (PostgreSQL included, where an error aborts the transaction
    unless its savepoint is rolled back)."""
    name, dup = f"seq-{uuid.uuid4().hex}", f"dup-{uuid.uuid4().hex}"
    _together(db, [lambda conn: conn.execute(text("INSERT INTO sequences (name, value) VALUES (:n, 0)"), {"n": dup})])

    def job_for(i: int) -> Callable[[Connection], int]:
        def job(conn: Connection) -> int:
            value = next_value(db, conn, name)
            if i % 2 == 0:
                conn.execute(text("INSERT INTO sequences (name, value) VALUES (:n, 1)"), {"n": dup})
            return value
        return job

    outcomes = _together(db, [job_for(i) for i in range(6)])
    assert [i for i, o in enumerate(outcomes) if isinstance(o, IntegrityError)] == [0, 2, 4]
    assert sorted(o for o in outcomes if isinstance(o, int)) == [1, 2, 3]
    assert _value(db, name) == 3 and _value(db, dup) == 0


def test_failed_commit_fails_only_its_job(db: Database) -> None:
    """A check that runs only at COMMIT (a deferred foreign key) fails the job that broke it, and
    nothing of that job is written; the other jobs of the group commit."""
    name = f"seq-{uuid.uuid4().hex}"

    def create(conn: Connection) -> None:
        conn.execute(text("CREATE TABLE IF NOT EXISTS gc_parent (id INTEGER PRIMARY KEY)"))
        conn.execute(text("CREATE TABLE IF NOT EXISTS gc_child (parent INTEGER "
                          "REFERENCES gc_parent (id) DEFERRABLE INITIALLY DEFERRED)"))
    _together(db, [create])

    def counts(conn: Connection) -> int:
        return next_value(db, conn, name)

    def orphan(conn: Connection) -> str:
        conn.execute(text("INSERT INTO gc_child (parent) VALUES (404)"))
        return "inserted"

    outcomes = _together(db, [counts, orphan, counts])
    assert outcomes[0] == 1 and isinstance(outcomes[1], IntegrityError) and outcomes[2] == 2, outcomes
    assert _value(db, name) == 2
    with db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM gc_child")).scalar() == 0
    assert _together(db, [counts]) == [3]


def test_results_only_after_commit(db: Database) -> None:
    """When a request has its answer, what it wrote is durable and visible to any new reader."""
    name = f"seen-{uuid.uuid4().hex}"
    seen: list[int] = []

    async def main() -> None:
        async def one() -> None:
            await db.write(lambda conn: next_value(db, conn, name))
            seen.append(_value(db, name))
        await asyncio.gather(*(one() for _ in range(5)))
    asyncio.run(main())
    assert seen == [5] * 5


def test_event_loops_in_threads_keep_the_counter_gap_free(db: Database) -> None:
    """Several event loops (uvicorn workers are processes; tests and the CLI may run loops in
    threads) write to one counter at once: unique numbers, no gap."""
    name = f"seq-{uuid.uuid4().hex}"
    barrier = threading.Barrier(4)

    def loop_thread(_i: int) -> list[Any]:
        barrier.wait()
        return _together(db, [lambda conn: next_value(db, conn, name) for _ in range(25)])

    with ThreadPoolExecutor(4) as pool:
        numbers = [n for batch in pool.map(loop_thread, range(4)) for n in batch]
    assert sorted(numbers) == list(range(1, 101))


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


def test_reads_from_threads_that_come_and_go_do_not_drain_the_pool(tmp_path: Path) -> None:
    """A server's worker threads end when idle and new ones start (anyio's pool): twenty
    short-lived threads' reads must all be served from a pool of four connections."""
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    upgrade(url)
    d = Database(url, pool_size=2)  # room for 2 + 2 overflow connections
    answers: list[int] = []

    def one_read() -> None:
        with d.read() as conn:
            answers.append(conn.execute(select(1)).scalar_one())

    try:
        for _ in range(20):
            reader = threading.Thread(target=one_read)
            reader.start()
            reader.join(timeout=10)
            assert not reader.is_alive(), "a read waited for a connection the pool no longer had"
    finally:
        d.dispose()
    assert answers == [1] * 20
