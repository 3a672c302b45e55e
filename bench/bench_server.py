"""Central-server bench: SHAMS allocations/s and Payam submissions/s over HTTPS.

16 concurrent clients (one keep-alive connection each, the real ``app.sync.api.DabirApi``)
against the real ``dabir-server`` subprocess. Letters (5 KB bodies) are signed up front.
Checks that the allocated SHAMS are unique and gap-free.

    .venv/bin/python bench/bench_server.py [--workers 2] [--per-client 200] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.models.package import LetterPackage
from app.models.shams import Shams
from app.sync.api import DabirApi
from tests.server.helpers import FastResigner, make_package, make_signer
from tests.support.pki import TestPKI
from tests.support.server_process import DEMO_PASSWORD, ServerProcess

CLIENTS = 16
BODY_5KB = ("این متن آزمایشی نامه است. " * 200)[:2600]  # ~5 KB of UTF-8


def run_parallel(token: str, server: ServerProcess, batches: list[list[LetterPackage]], op: str) -> tuple[float, list[str]]:
    barrier = threading.Barrier(len(batches) + 1)

    def worker(batch: list[LetterPackage]) -> list[str]:
        api = DabirApi(server.base_url, server.ca_bundle, token=token, max_connections=1)
        try:
            api.healthz()  # TLS handshake before the clock starts
            barrier.wait()
            return [(api.register(p) if op == "register" else api.send(p))["shams"] for p in batch]
        finally:
            api.close()

    with ThreadPoolExecutor(len(batches)) as pool:
        futures = [pool.submit(worker, b) for b in batches]
        barrier.wait()
        start = time.perf_counter()
        results = [s for f in futures for s in f.result()]
        elapsed = time.perf_counter() - start
    return elapsed, results


def bench(backend: str, database_url: str, workers: int, per_client: int, payam_per_client: int) -> dict[str, object]:
    pki = TestPKI()
    server = ServerProcess(Path(tempfile.mkdtemp(prefix=f"dabir-bench-{backend}-")), pki, database_url=database_url,
                           env_extra={"DABIR_SERVER_ACCESS_LOG": "off"}, workers=workers)
    server.setup()
    server.start()
    try:
        nid_a, nid_b = (a["national_id"] for a in server.demo["agencies"])  # type: ignore[union-attr]
        signer = make_signer(pki, "Bench signatory", "0012345679")
        with DabirApi(server.base_url, server.ca_bundle) as admin:
            admin.login("a.admin", DEMO_PASSWORD)
            admin.add_signatory_certificate("a.signatory", signer.cert_pem)
        sec = DabirApi(server.base_url, server.ca_bundle)
        sec.login("a.secretary", DEMO_PASSWORD)
        assert sec.token
        resigner = FastResigner(signer)
        batches = [resigner.sign_packages([make_package(nid_a, [nid_b], body=BODY_5KB) for _ in range(per_client)])
                   for _ in range(CLIENTS)]
        size = len(batches[0][0].to_json_bytes())
        elapsed, shams = run_parallel(sec.token, server, batches, "register")
        parsed = sorted(Shams.parse(s).sequence for s in shams)
        dupes = len(parsed) - len(set(parsed))
        gaps = (parsed[-1] - parsed[0] + 1) - len(set(parsed))
        alloc_rate = len(shams) / elapsed
        # Payam: register (untimed), then time the sends.
        send_batches = [resigner.sign_packages([make_package(nid_a, [nid_b], body=BODY_5KB)
                                                for _ in range(payam_per_client)]) for _ in range(CLIENTS)]
        for batch in send_batches:
            for p in batch:
                p.receipts = [sec.register(p, idempotency_key=str(uuid.uuid4()))["receipt"]]
        send_elapsed, sent = run_parallel(sec.token, server, send_batches, "send")
        sec.close()
        return {"backend": backend, "workers": workers, "allocations": len(shams), "alloc_s": elapsed,
                "alloc_rate": alloc_rate, "duplicates": dupes, "gaps": gaps, "package_bytes": size,
                "sends": len(sent), "send_s": send_elapsed, "send_rate": len(sent) / send_elapsed}
    finally:
        server.stop()


def fresh_pg_database(url: str) -> str:
    import psycopg

    parts = urlsplit(url)
    name = f"dabir_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(urlunsplit(("postgresql", parts.netloc, parts.path, "", "")), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--per-client", type=int, default=200)
    ap.add_argument("--payam-per-client", type=int, default=50)
    ap.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    args = ap.parse_args()
    runs = []
    if args.backend in ("sqlite", "both"):
        runs.append(("sqlite", ""))
    if args.backend in ("postgres", "both"):
        url = os.environ.get("DABIR_TEST_PG_URL")
        if not url:
            print("DABIR_TEST_PG_URL not set: skipping PostgreSQL", file=sys.stderr)
        else:
            runs.append(("postgres", fresh_pg_database(url)))
    for backend, url in runs:
        r = bench(backend, url, args.workers, args.per_client, args.payam_per_client)
        print(f"{r['backend']:<9} workers={r['workers']}  SHAMS allocations: {r['allocations']} in {r['alloc_s']:.2f} s "
              f"= {r['alloc_rate']:.0f}/s (duplicates {r['duplicates']}, gaps {r['gaps']})  |  "
              f"Payam sends ({r['package_bytes']} B packages): {r['sends']} in {r['send_s']:.2f} s = {r['send_rate']:.0f}/s",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
