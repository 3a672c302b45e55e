"""Group commit (server.db.GroupCommitter): one transaction for many jobs, a failing job rolls
back alone (its counter increment included), results only after COMMIT; and races on the same
letter / the same Idempotency-Key through the real server."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app.models.shams import Shams
from server.db import Database
from server.migrate import upgrade
from tests.server.conftest import Env
from tests.server.helpers import BulkSigner, make_package


@pytest.fixture
def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    upgrade(url)
    d = Database(url)
    yield d
    d.dispose()


def test_failing_job_rolls_back_alone(db: Database) -> None:
    barrier = threading.Barrier(8)

    def job(i: int) -> int:
        barrier.wait()

        def fn(conn):  # type: ignore[no-untyped-def]
            value = db.next_value(conn, "test")
            if i % 3 == 0:
                raise ValueError(f"job {i} refuses")
            return value
        return db.batched_write(fn)

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(job, i) for i in range(8)]
    ok = sorted(f.result() for f in futures if f.exception() is None)
    refused = [f.exception() for f in futures if f.exception() is not None]
    assert len(refused) == 3 and all(isinstance(e, ValueError) for e in refused)
    assert ok == list(range(1, 6)), "a refused job's counter increment must roll back with it"
    with db.read() as conn:
        assert db.current_value(conn, "test") == 5


def test_results_only_after_commit(db: Database) -> None:
    def fn(conn):  # type: ignore[no-untyped-def]
        return db.next_value(conn, "seen")
    assert db.batched_write(fn) == 1
    with db.read() as conn:  # visible to a fresh reader once the caller has its result
        assert db.current_value(conn, "seen") == 1


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
