"""16 threads × 100 SHAMS allocations against the real server: unique and gap-free (SQLite, PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.protocol.package import LetterPackage
from app.protocol.shams import Shams
from app.sync.api import DabirApi
from devkit.letters import BulkSigner, make_package
from tests.server.conftest import Env

THREADS, PER_THREAD = 16, 100


def _signed_letters(env: Env) -> list[list[LetterPackage]]:
    """Signed up front so the threads measure only the server."""
    resigner = BulkSigner(env.signer_a)
    return [resigner.sign_packages([make_package(env.nid_a, [env.nid_b], body="بند " * 200)
                                    for _ in range(PER_THREAD)]) for _ in range(THREADS)]


def _hammer(env: Env) -> None:
    batches = _signed_letters(env)
    barrier = threading.Barrier(THREADS)
    before = None
    with env.client("a.secretary") as probe:
        token = probe.token
        first = probe.register(make_and_sign(env))
        before = Shams.parse(first["shams"])

    def worker(batch: list[LetterPackage]) -> list[tuple[str, str]]:
        api = DabirApi(env.server.base_url, env.server.ca_bundle, token=token, max_connections=2)
        try:
            barrier.wait()
            out = []
            for pkg in batch:
                reg = api.register(pkg)
                out.append((pkg.guid, reg["shams"]))
            # A retry of every fifth letter returns the same SHAMS (idempotent under load).
            for pkg, (_, shams) in list(zip(batch, out, strict=True))[::5]:
                assert api.register(pkg, idempotency_key=f"retry-{pkg.guid}")["shams"] == shams
            return out
        finally:
            api.close()

    with ThreadPoolExecutor(THREADS) as pool:
        results = [r for rs in pool.map(worker, batches) for r in rs]
    assert len(results) == THREADS * PER_THREAD
    assert len({g for g, _ in results}) == len(results)
    parsed = [Shams.parse(s) for _, s in results]
    assert len(set(parsed)) == len(parsed), "duplicate SHAMS"
    assert {(p.origin, p.domain, p.year) for p in parsed} == {(before.origin, before.domain, before.year)}
    seqs = sorted(p.sequence for p in parsed)
    assert seqs == list(range(before.sequence + 1, before.sequence + 1 + len(parsed))), "gap or duplicate"


def make_and_sign(env: Env) -> LetterPackage:
    pkg = make_package(env.nid_a, [env.nid_b])
    return BulkSigner(env.signer_a).sign_packages([pkg])[0]


@pytest.mark.server
@pytest.mark.slow
def test_concurrent_allocation_sqlite(env: Env) -> None:
    _hammer(env)


@pytest.mark.server
@pytest.mark.postgres
@pytest.mark.slow
def test_concurrent_allocation_postgres(pg_env: Env) -> None:
    _hammer(pg_env)
