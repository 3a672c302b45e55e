"""Login-flood bench: a legitimate client's registrations/s undisturbed and under a login flood.

The real ``dabir-server`` (SQLite, one worker). A logged-in secretary registers pre-signed letters
over a few keep-alive connections for ``--seconds``; then the same again while another process
runs ``--flood-threads`` threads of logins with random usernames and wrong passwords (each
waiting for its answer, as a script would). Both phases in one run, printed side by side with
the server's peak resident memory (``VmHWM``, reset before each phase) and what the flood got.

    .venv/bin/python bench/bench_login_flood.py [--seconds 10] [--flood-threads 40] [--legit-threads 4]
        [--spread] [--baseline REF]

``--spread``: each flood thread connects from its own loopback address (127.0.0.x), so the
per-IP limit does not stop it and the server-wide limit and the hashing bound are what hold.
``--baseline REF``: also runs the server of another commit (e.g. before the change), after this one.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import ssl
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from app.sync.api import DabirApi
from bench.bench_server import BODY_5KB, baseline_tree, start_bench_server
from bench.machine import describe
from devkit.letters import make_package
from devkit.server_process import ROOT, ServerProcess

TARGET_SHARE = 0.5
TARGET_RSS_MB = 400


def _flood(base_url: str, ca: str, threads: int, spread: bool, stop: Any, out: Any) -> None:
    """The flood process: ``threads`` closed-loop login guessers; sends back the status counts."""
    counts: Counter[int] = Counter()
    lock = threading.Lock()

    def guesser(i: int) -> None:
        verify = ssl.create_default_context(cafile=ca)
        source = f"127.0.0.{10 + i}" if spread else "127.0.0.1"
        with httpx.Client(base_url=base_url, timeout=60,
                          transport=httpx.HTTPTransport(verify=verify, local_address=source)) as c:
            while not stop.is_set():
                try:
                    status = c.post("/api/v1/auth/login", json={"username": f"guess-{uuid.uuid4().hex[:10]}",
                                                                "password": "wrong-password"}).status_code
                except httpx.TransportError:
                    status = 0
                with lock:
                    counts[status] += 1

    workers = [threading.Thread(target=guesser, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put(dict(counts))


def _register(server: ServerProcess, token: str, letters: Iterator[bytes], threads: int,
              seconds: float) -> tuple[int, float]:
    """Registrations done by ``threads`` keep-alive clients in ``seconds``."""
    done = [0] * threads
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(i: int) -> None:
        with DabirApi(server.base_url, server.ca_bundle, token=token, max_connections=1) as api:
            api.healthz()
            while time.monotonic() < deadline:
                with lock:
                    raw = next(letters, None)
                if raw is None:
                    raise RuntimeError("out of pre-signed letters: raise --letters")
                api.register(raw, idempotency_key=str(uuid.uuid4()))
                done[i] += 1

    start = time.monotonic()
    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(done), time.monotonic() - start


def run(source: Path, label: str, args: argparse.Namespace) -> dict[str, Any]:
    server, sec, signer, nid_a, nid_b = start_bench_server("sqlite", "", 1, "FULL", "rsa", source)
    try:
        t0 = time.perf_counter()
        packages = signer.sign_packages([make_package(nid_a, [nid_b], body=BODY_5KB) for _ in range(args.letters)])
        letters = iter([p.to_json_bytes() for p in packages])
        print(f"{label}: {args.letters} letters signed in {time.perf_counter() - t0:.1f} s", flush=True)
        assert sec.token
        _register(server, sec.token, letters, args.legit_threads, 1.0)  # warm up
        server.reset_peak_rss()
        rss_start = server.rss_mb()
        quiet, quiet_s = _register(server, sec.token, letters, args.legit_threads, args.seconds)
        quiet_peak = server.rss_mb("VmHWM")

        ctx = mp.get_context("spawn")
        stop, out = ctx.Event(), ctx.Queue()
        flood = ctx.Process(target=_flood, args=(server.base_url, str(server.ca_bundle), args.flood_threads,
                                                 args.spread, stop, out))
        server.reset_peak_rss()
        flood.start()
        time.sleep(2.0)  # the flood is under way (and has met the limits)
        loud, loud_s = _register(server, sec.token, letters, args.legit_threads, args.seconds)
        loud_peak = server.rss_mb("VmHWM")
        stop.set()
        counts: dict[int, int] = out.get(timeout=120)
        flood.join()
        sec.close()
    finally:
        server.stop()
    return {"label": label, "rss_start": rss_start, "quiet": quiet / quiet_s, "quiet_peak": quiet_peak,
            "loud": loud / loud_s, "loud_peak": loud_peak, "flood": counts,
            "flood_s": args.seconds + 2.0}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    ap.add_argument("--flood-threads", type=int, default=40)
    ap.add_argument("--legit-threads", type=int, default=4)
    ap.add_argument("--letters", type=int, default=12000, help="letters signed up front (both phases)")
    ap.add_argument("--spread", action="store_true", help="each flood thread from its own 127.0.0.x address")
    ap.add_argument("--baseline", default="", help="also run the server of this commit")
    args = ap.parse_args()
    print(describe(), flush=True)
    print(f"legit: {args.legit_threads} keep-alive clients registering; flood: {args.flood_threads} threads of "
          f"logins with random usernames{' from distinct addresses' if args.spread else ' from one address'}")
    runs = [run(ROOT, "this", args)]
    if args.baseline:
        runs.append(run(baseline_tree(args.baseline), f"baseline {args.baseline}", args))
    print()
    print("| server | registrations/s undisturbed | under flood | share kept | peak RSS MB undisturbed | "
          "under flood | flood answers (status: count) |")
    print("|---|---|---|---|---|---|---|")
    for r in runs:
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(r["flood"].items()))
        print(f"| {r['label']} | {r['quiet']:.0f} | {r['loud']:.0f} | {r['loud'] / r['quiet']:.0%} | "
              f"{r['quiet_peak']:.0f} | {r['loud_peak']:.0f} | {answers} |")
    this = runs[0]
    ok = this["loud"] >= TARGET_SHARE * this["quiet"] and this["loud_peak"] < TARGET_RSS_MB
    print(f"\ntarget (this server): keeps ≥ {TARGET_SHARE:.0%} of its registrations/s and stays under "
          f"{TARGET_RSS_MB} MB resident: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
