"""Central-server bench: SHAMS allocations/s and Payam submissions/s over HTTPS.

16 concurrent clients (one keep-alive HTTPS connection each, the real ``app.sync.api.DabirApi``)
against the real ``dabir-server`` subprocess. The clients run in several processes (default
4 processes × 4 threads) so that the load generator's GIL is not the bottleneck; the client
and server CPU seconds spent in the timed window are reported separately. Letters (5 KB
bodies) are signed and serialized up front. Checks that the allocated SHAMS are unique and
gap-free and that every send was accepted.

    .venv/bin/python bench/bench_server.py [--workers 2] [--per-client 200] [--payam-per-client 50]
        [--backend sqlite|postgres|both] [--procs 4] [--sqlite-synchronous FULL|NORMAL] [--profile PREFIX]

BENCH_DIR=/path keeps the server data directory (and server.log) at a known place.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.models.shams import Shams
from app.sync.api import DabirApi
from tests.server.helpers import BulkSigner, make_package, make_signer
from tests.support.pki import TestPKI
from tests.support.server_process import DEMO_PASSWORD, ServerProcess

CLIENTS = 16
BODY_5KB = ("این متن آزمایشی نامه است. " * 200)[:2600]  # ~5 KB of UTF-8
TICK = os.sysconf("SC_CLK_TCK")

Item = tuple[str, bytes]  # (guid, package JSON)


def _client_proc(base_url: str, ca: str, token: str, op: str, batches: list[list[Item]],
                 barrier: Any, out: Any) -> None:
    """One client process: one thread (and one keep-alive connection) per batch."""
    results: list[list[str]] = [[] for _ in batches]
    errors: list[str] = []

    def worker(i: int) -> None:
        api = DabirApi(base_url, ca, token=token, max_connections=1)
        try:
            api.healthz()  # TLS handshake before the clock starts
            barrier.wait()
            for guid, raw in batches[i]:
                if op == "register":
                    results[i].append(api.register(raw, idempotency_key=f"register:{guid}")["shams"])
                else:
                    results[i].append(api.send(raw, idempotency_key=f"send:{guid}")["status"])
        except Exception as exc:  # reported to the parent
            errors.append(repr(exc))
            raise
        finally:
            api.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(batches))]
    for t in threads:
        t.start()
    barrier.wait()
    cpu0 = os.times()
    for t in threads:
        t.join()
    cpu1 = os.times()
    out.put(([s for r in results for s in r], (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system), errors))


def _proc_tree_cpu(root: int) -> float:
    """User+system CPU seconds of a process and its children (the uvicorn workers), from /proc."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == root or int(fields[1]) == root:  # fields[1] = ppid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def run_parallel(token: str, server: ServerProcess, batches: list[list[Item]], op: str,
                 procs: int) -> dict[str, Any]:
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(len(batches) + procs + 1)  # client threads + one per process (CPU mark) + us
    out = ctx.Queue()
    groups = [batches[i::procs] for i in range(procs)]
    workers = [ctx.Process(target=_client_proc, args=(server.base_url, str(server.ca_bundle), token, op, g,
                                                      barrier, out)) for g in groups]
    for w in workers:
        w.start()
    barrier.wait()
    start = time.perf_counter()
    server_cpu0 = _proc_tree_cpu(server.proc.pid)  # type: ignore[union-attr]
    collected = [out.get() for _ in workers]
    elapsed = time.perf_counter() - start
    server_cpu = _proc_tree_cpu(server.proc.pid) - server_cpu0  # type: ignore[union-attr]
    for w in workers:
        w.join()
    errors = [e for _, _, errs in collected for e in errs]
    if errors:
        raise RuntimeError(f"{len(errors)} client errors, first: {errors[0]}")
    return {"elapsed": elapsed, "results": [s for r, _, _ in collected for s in r],
            "client_cpu": sum(c for _, c, _ in collected), "server_cpu": server_cpu}


def bench(backend: str, database_url: str, workers: int, per_client: int, payam_per_client: int, procs: int,
          synchronous: str, profile: str = "") -> dict[str, Any]:
    pki = TestPKI()
    env = {"DABIR_SERVER_ACCESS_LOG": "off", "DABIR_SERVER_SQLITE_SYNCHRONOUS": synchronous}
    server = ServerProcess(Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix=f"dabir-bench-{backend}-")), pki, database_url=database_url,
                           env_extra=env, workers=workers)
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
        resigner = BulkSigner(signer)

        def letters(n: int) -> list[Any]:
            return resigner.sign_packages([make_package(nid_a, [nid_b], body=BODY_5KB) for _ in range(n)])

        batches = [[(p.guid, p.to_json_bytes()) for p in letters(per_client)] for _ in range(CLIENTS)]
        size = len(batches[0][0][1])
        spy = None
        if profile:  # py-spy (pip install py-spy) on the server workers during the timed allocations
            import subprocess

            spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(server.proc.pid),  # type: ignore[union-attr]
                                    "--subprocesses", "--gil", "-f", "raw", "-r", "250", "-o", profile],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
        reg = run_parallel(sec.token, server, batches, "register", procs)
        if spy is not None:
            spy.send_signal(2)
            spy.wait()
        parsed = sorted(Shams.parse(s).sequence for s in reg["results"])
        dupes = len(parsed) - len(set(parsed))
        gaps = (parsed[-1] - parsed[0] + 1) - len(set(parsed))
        # Payam: register (untimed), then time the sends.
        send_batches = []
        for _ in range(CLIENTS):
            batch = letters(payam_per_client)
            for p in batch:
                p.receipts = [sec.register(p)["receipt"]]
            send_batches.append([(p.guid, p.to_json_bytes()) for p in batch])
        snd = run_parallel(sec.token, server, send_batches, "send", procs)
        assert snd["results"] == ["sent"] * len(snd["results"])
        sec.close()
        return {"backend": backend, "workers": workers, "allocations": len(parsed), "reg": reg, "dupes": dupes,
                "gaps": gaps, "package_bytes": size, "sends": len(snd["results"]), "snd": snd}
    finally:
        server.stop()


def fresh_pg_database(url: str) -> str:
    import psycopg

    parts = urlsplit(url)
    name = f"dabir_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(urlunsplit(("postgresql", parts.netloc, parts.path, "", "")), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _cpu(r: dict[str, Any], n: int) -> str:
    return (f"[CPU ms/request: server {r['server_cpu'] * 1000 / n:.2f}, clients {r['client_cpu'] * 1000 / n:.2f}; "
            f"machine busy {(r['server_cpu'] + r['client_cpu']) / r['elapsed'] / (os.cpu_count() or 1):.0%}]")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--per-client", type=int, default=200)
    ap.add_argument("--payam-per-client", type=int, default=50)
    ap.add_argument("--procs", type=int, default=4, help="client processes sharing the 16 clients")
    ap.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    ap.add_argument("--sqlite-synchronous", choices=("FULL", "NORMAL"), default="FULL")
    ap.add_argument("--profile", default="", help="write a py-spy raw profile of the server (allocation phase)")
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
    print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}", flush=True)
    for backend, url in runs:
        r = bench(backend, url, args.workers, args.per_client, args.payam_per_client, args.procs,
                  args.sqlite_synchronous, args.profile and f"{args.profile}.{backend}.txt")
        label = f"sqlite/{args.sqlite_synchronous}" if backend == "sqlite" else "postgres"
        reg, snd = r["reg"], r["snd"]
        print(f"{label:<13} workers={r['workers']} client procs={args.procs}\n"
              f"  SHAMS allocations: {r['allocations']} in {reg['elapsed']:.2f} s = "
              f"{r['allocations'] / reg['elapsed']:.0f}/s (duplicates {r['dupes']}, gaps {r['gaps']})  "
              f"{_cpu(reg, r['allocations'])}\n"
              f"  Payam sends ({r['package_bytes']} B packages): {r['sends']} in {snd['elapsed']:.2f} s = "
              f"{r['sends'] / snd['elapsed']:.0f}/s  {_cpu(snd, r['sends'])}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
