"""Central-server bench: SHAMS allocations/s and Payam submissions/s over HTTPS.

16 concurrent clients, one keep-alive HTTPS connection each, against the real ``dabir-server``
subprocess. Letters (5 KB bodies) are signed and serialized up front. Two load generators:

* ``--load wrk`` (default): Debian's ``wrk`` (C, 16 connections over 2 threads,
  ``bench/wrk_letters.lua``) posts the pre-signed packages — the server's own capacity, with
  the load generator taking little of the two shared cores. The Payam phase sends the letters
  the SHAMS phase registered (their stored packages, receipts included).
* ``--load python``: the real client code (``app.sync.api.DabirApi``, httpx) in several
  processes (default 4 processes × 4 threads) — what 16 Dabir clients on this machine get.

Client and server CPU seconds in the timed window are reported separately. Checks that the
allocated SHAMS are unique and gap-free and that every send was accepted.

    .venv/bin/python bench/bench_server.py [--load wrk|python] [--workers 2] [--backend sqlite|postgres|both]
        [--letters 12000] [--duration 8]                       (wrk)
        [--per-client 200] [--payam-per-client 50] [--procs 4]  (python)
        [--sqlite-synchronous FULL|NORMAL] [--profile PREFIX] [--baseline REF --rounds 2]

``--baseline REF`` runs the server of another commit (e.g. ``main`` before a change) beside this
checkout's, interleaved (``--rounds`` runs of each, alternating), and prints both side by side.
PostgreSQL is the cluster of ``DABIR_TEST_PG_URL``; its durability settings are printed with the
figures (``DABIR_TEST_PG_DURABLE=1 scripts/start-test-postgres.sh`` starts a durable one).

BENCH_DIR=/path keeps the server data directory (and server.log) at a known place.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing as mp
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson

from app.protocol.shams import Shams
from app.sync.api import DabirApi
from bench.machine import describe
from devkit.letters import BulkSigner, make_package, make_signer
from devkit.pki import TestPKI
from devkit.server_process import DEMO_PASSWORD, ROOT, ServerProcess

HERE = Path(__file__).resolve().parent

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


def _postgres_cpu() -> float:
    """User+system CPU seconds of every PostgreSQL process (its backends do part of the work)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            head, _, rest = Path(f"/proc/{entry}/stat").read_text().rpartition(")")
        except OSError:
            continue
        if head.endswith("(postgres"):
            fields = rest.split()
            total += int(fields[11]) + int(fields[12])
    return total / TICK


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat: what else ran shows."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / TICK, sum(values) / TICK


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


def start_bench_server(backend: str, database_url: str, workers: int, synchronous: str,
                       key: str = "rsa", source: Path = ROOT) -> tuple[ServerProcess, DabirApi, BulkSigner, str, str]:
    """The server (demo agencies, a registered signatory certificate) and a logged-in secretary.
    Letters are signed with RSA-2048 (what the agencies' tokens carry) unless ``key`` is "ec"."""
    pki = TestPKI()
    env = {"DABIR_SERVER_ACCESS_LOG": "off", "DABIR_SERVER_SQLITE_SYNCHRONOUS": synchronous}
    workdir = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix=f"dabir-bench-{backend}-"))
    server = ServerProcess(workdir, pki, database_url=database_url, env_extra=env, workers=workers, source_dir=source)
    server.setup()
    server.start()
    try:
        nid_a, nid_b = (a["national_id"] for a in server.demo["agencies"])  # type: ignore[union-attr]
        signer = make_signer(pki, "Bench signatory", "0012345679", rsa_key=key == "rsa")
        with DabirApi(server.base_url, server.ca_bundle) as admin:
            admin.login("a.admin", DEMO_PASSWORD)
            admin.add_signatory_certificate("a.signatory", signer.cert_pem)
        sec = DabirApi(server.base_url, server.ca_bundle)
        sec.login("a.secretary", DEMO_PASSWORD)
        assert sec.token
    except BaseException:
        server.stop()
        raise
    return server, sec, BulkSigner(signer), nid_a, nid_b


def run_wrk(server: ServerProcess, token: str, path: str, items: list[Item], duration: float,
            workdir: Path) -> dict[str, Any]:
    """16 keep-alive connections from wrk (2 threads) posting ``items`` for at most ``duration``."""
    bodies = workdir / f"wrk-bodies-{path.strip('/').replace('/', '-')}.txt"
    with bodies.open("wb") as f:
        for key, raw in items:
            # the packages are indented JSON: newlines only between tokens, so a space keeps the meaning
            f.write(key.encode() + b"\t" + raw.replace(b"\n", b" ") + b"\n")
    cmd = ["wrk", "-t2", f"-c{CLIENTS}", f"-d{max(1, round(duration))}s", "--timeout", "10s", "-s",
           str(HERE / "wrk_letters.lua"), server.base_url, "--", str(bodies), "2", token, path]
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu0, db_cpu0, machine0 = _proc_tree_cpu(server.proc.pid), _postgres_cpu(), _machine_cpu()  # type: ignore[union-attr]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120)
    server_cpu = _proc_tree_cpu(server.proc.pid) - server_cpu0  # type: ignore[union-attr]
    db_cpu, machine1 = _postgres_cpu() - db_cpu0, _machine_cpu()
    if not server.database_url.startswith("postgres"):
        db_cpu = 0.0  # (a PostgreSQL cluster left running for the other backend is not this run's)
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRK ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    summary = json.loads(line[4:])
    if summary["status_errors"] or summary["socket_errors"]:
        raise RuntimeError(f"wrk saw errors: {summary}\n{out.stderr}")
    return {"elapsed": summary["duration_us"] / 1e6, "summary": summary, "server_cpu": server_cpu, "db_cpu": db_cpu,
            "client_cpu": (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime),
            "machine_busy": (machine1[0] - machine0[0]) / (machine1[1] - machine0[1])}


def server_rows(server: ServerProcess, sql: str) -> list[tuple[Any, ...]]:
    """Read the server's database directly (the bench's own bookkeeping, not an API)."""
    if not server.database_url:
        import sqlite3

        with sqlite3.connect(f"file:{server.data_dir / 'dabir.sqlite3'}?mode=ro", uri=True) as conn:
            return conn.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(_driver_dsn(server.database_url)) as conn:
        return conn.execute(sql).fetchall()


def bench_wrk(backend: str, database_url: str, workers: int, letters: int, duration: float, synchronous: str,
              profile: str = "", key: str = "rsa", source: Path = ROOT) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (scripts/setup installs it: Debian package wrk)")
    server, sec, signer, nid_a, nid_b = start_bench_server(backend, database_url, workers, synchronous, key, source)
    workdir = server.workdir
    try:
        t0 = time.perf_counter()
        packages = signer.sign_packages([make_package(nid_a, [nid_b], body=BODY_5KB) for _ in range(letters)])
        items = [(f"register:{p.guid}", p.to_json_bytes()) for p in packages]
        print(f"  {letters} letters signed in {time.perf_counter() - t0:.1f} s", flush=True)
        spy = _start_profile(server, profile)
        reg = run_wrk(server, sec.token, "/api/v1/letters", items, duration, workdir)
        _stop_profile(spy)
        seqs = sorted(r[0] for r in server_rows(server, "SELECT seq FROM letters"))
        dupes = len(seqs) - len(set(seqs))
        gaps = (seqs[-1] - seqs[0] + 1) - len(set(seqs)) if seqs else 0
        # Payam: send what was registered (the stored package carries its receipt).
        stored = server_rows(server, "SELECT guid, package, receipt FROM letters ORDER BY seq")
        sends = [(f"send:{guid}", _with_receipt(pkg, receipt)) for guid, pkg, receipt in stored]
        snd = run_wrk(server, sec.token, "/api/v1/payam/messages", sends, duration, workdir)
        sent = server_rows(server, "SELECT COUNT(*) FROM letters WHERE sent_at IS NOT NULL")[0][0]
        sec.close()
        return {"backend": backend, "workers": workers, "allocations": len(seqs), "reg": reg, "dupes": dupes,
                "gaps": gaps, "package_bytes": len(items[0][1]), "sends": sent, "snd": snd}
    finally:
        server.stop()


def _with_receipt(package: bytes, receipt: str) -> bytes:
    """A registered letter's package as a client sends it: the stored package with its receipt."""
    data = orjson.loads(package)
    data["receipts"] = [orjson.loads(receipt)]
    return orjson.dumps(data)


def baseline_tree(ref: str) -> Path:
    """The files of commit ``ref`` in a temporary folder (its server runs from there)."""
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", ref], capture_output=True, text=True,
                         check=True).stdout.strip()
    target = Path(tempfile.gettempdir()) / f"dabir-baseline-{sha[:12]}"
    if not target.exists():
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", sha], capture_output=True, check=True).stdout
        tmp = target.with_name(target.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        tmp.rename(target)
    return target


def _start_profile(server: ServerProcess, profile: str) -> subprocess.Popen[bytes] | None:
    """py-spy (pip install py-spy) on the server workers during the timed allocations."""
    if not profile:
        return None
    spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(server.proc.pid),  # type: ignore[union-attr]
                            "--subprocesses", "--gil", "-f", "raw", "-r", "250", "-o", profile],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    return spy


def _stop_profile(spy: subprocess.Popen[bytes] | None) -> None:
    if spy is not None:
        spy.send_signal(2)
        spy.wait()


def bench(backend: str, database_url: str, workers: int, per_client: int, payam_per_client: int, procs: int,
          synchronous: str, profile: str = "", key: str = "rsa", source: Path = ROOT) -> dict[str, Any]:
    server, sec, resigner, nid_a, nid_b = start_bench_server(backend, database_url, workers, synchronous, key, source)
    try:

        def letters(n: int) -> list[Any]:
            return resigner.sign_packages([make_package(nid_a, [nid_b], body=BODY_5KB) for _ in range(n)])

        batches = [[(p.guid, p.to_json_bytes()) for p in letters(per_client)] for _ in range(CLIENTS)]
        size = len(batches[0][0][1])
        spy = _start_profile(server, profile)
        reg = run_parallel(sec.token, server, batches, "register", procs)
        _stop_profile(spy)
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


def _driver_dsn(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as psycopg takes it (the query may name a socket directory)."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))


def fresh_pg_database(url: str) -> str:
    import psycopg

    parts = urlsplit(url)
    name = f"dabir_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_driver_dsn(url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _cpu(r: dict[str, Any], n: int) -> str:
    lat = r.get("summary")
    lat_text = f"latency p50 {lat['p50_ms']:.1f} ms p95 {lat['p95_ms']:.1f} ms " if lat else ""
    db = f", PostgreSQL {r['db_cpu'] * 1000 / n:.2f}" if r.get("db_cpu") else ""
    ours = r["server_cpu"] + r["client_cpu"] + r.get("db_cpu", 0)
    machine = f", all processes {r['machine_busy']:.0%}" if "machine_busy" in r else ""
    return (lat_text + f"[CPU ms/request: server {r['server_cpu'] * 1000 / n:.2f}{db}, clients {r['client_cpu'] * 1000 / n:.2f}; "
            f"machine busy: these {ours / r['elapsed'] / (os.cpu_count() or 1):.0%}{machine}]")


def _pg_durability(url: str) -> str:
    import psycopg

    with psycopg.connect(_driver_dsn(url)) as conn:
        fsync, commit = (conn.execute(f"SHOW {name}").fetchone()[0] for name in ("fsync", "synchronous_commit"))  # type: ignore[index]
    return "durable" if (fsync, commit) == ("on", "on") else f"fsync {fsync}, synchronous_commit {commit}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--load", choices=("wrk", "python"), default="wrk")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--letters", type=int, default=12000, help="wrk: letters signed up front")
    ap.add_argument("--duration", type=float, default=8.0, help="wrk: seconds per phase at most")
    ap.add_argument("--per-client", type=int, default=200)
    ap.add_argument("--payam-per-client", type=int, default=50)
    ap.add_argument("--procs", type=int, default=4, help="client processes sharing the 16 clients")
    ap.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    ap.add_argument("--key", choices=("rsa", "ec"), default="rsa", help="signing key: RSA-2048 (tokens) or EC P-256")
    ap.add_argument("--sqlite-synchronous", choices=("FULL", "NORMAL"), default="FULL")
    ap.add_argument("--profile", default="", help="write a py-spy raw profile of the server (allocation phase)")
    ap.add_argument("--baseline", default="", help="a git commit whose server runs beside this one, interleaved")
    ap.add_argument("--rounds", type=int, default=1, help="runs of each server per backend (with --baseline)")
    args = ap.parse_args()
    backends: list[tuple[str, str]] = []
    if args.backend in ("sqlite", "both"):
        backends.append((f"sqlite/{args.sqlite_synchronous}", ""))
    if args.backend in ("postgres", "both"):
        url = os.environ.get("DABIR_TEST_PG_URL")
        if not url:
            print("DABIR_TEST_PG_URL not set: skipping PostgreSQL", file=sys.stderr)
        else:
            backends.append((f"postgres ({_pg_durability(url)})", url))
    sources = [("this", ROOT)]
    if args.baseline:
        sources.append((f"baseline {args.baseline}", baseline_tree(args.baseline)))
    print(describe(), flush=True)
    clients = ("load wrk (16 connections, 2 threads)" if args.load == "wrk"
               else f"load python (DabirApi, {args.procs} processes)")
    print(f"workers={args.workers}, {clients}, {args.key} signatures", flush=True)
    table = []
    for label, pg_url in backends:
        backend = "sqlite" if not pg_url else "postgres"
        for n in range(args.rounds):
            for name, source in (sources if n % 2 == 0 else sources[::-1]):  # alternate who goes first
                url = fresh_pg_database(pg_url) if pg_url else ""
                prof = args.profile and f"{args.profile}.{backend}.txt"
                if args.load == "wrk":
                    r = bench_wrk(backend, url, args.workers, args.letters, args.duration, args.sqlite_synchronous,
                                  prof, args.key, source)
                else:
                    r = bench(backend, url, args.workers, args.per_client, args.payam_per_client, args.procs,
                              args.sqlite_synchronous, prof, args.key, source)
                reg, snd = r["reg"], r["snd"]
                row = (label, name, r["allocations"] / reg["elapsed"], r["dupes"], r["gaps"], r["sends"] / snd["elapsed"],
                       reg["server_cpu"] * 1000 / r["allocations"])
                table.append(row)
                print(f"{label} · {name}\n"
                      f"  SHAMS allocations: {r['allocations']} in {reg['elapsed']:.2f} s = {row[2]:.0f}/s "
                      f"(duplicates {r['dupes']}, gaps {r['gaps']})  {_cpu(reg, r['allocations'])}\n"
                      f"  Payam sends ({r['package_bytes']} B packages): {r['sends']} in {snd['elapsed']:.2f} s = "
                      f"{row[5]:.0f}/s  {_cpu(snd, r['sends'])}", flush=True)
    print("\n| backend | server | registrations/s | duplicates / gaps | Payam sends/s | server CPU ms/registration |")
    print("|---|---|---|---|---|---|")
    for label, name, regs, dupes, gaps, sends, cpu in table:
        print(f"| {label} | {name} | {regs:,.0f} | {dupes} / {gaps} | {sends:,.0f} | {cpu:.2f} |")
    print(f"load average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
