"""Outbox drain: N signed letters queued offline, then sent to the local server over HTTPS.

    .venv/bin/python bench/bench_sync.py [--letters 1000]

Starts the real dabir-server (SQLite, HTTPS on 127.0.0.1), fills a client store with N signed,
queued letters while the server is unknown to the client, then runs the sync engine once and
reports letters/s for the whole drain (register → SHAMS + receipt, then send via Payam) and
the server's share of the time (its process CPU seconds, and the wall time spent waiting on
HTTP). Target: ≥ 100 letters/s on the 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.models import letters as L  # noqa: E402
from app.models.db import open_store  # noqa: E402
from app.protocol.canonical import canonical_bytes, content_sha256  # noqa: E402
from app.sync import outbox  # noqa: E402
from app.sync.api import DabirApi  # noqa: E402
from app.sync.engine import SyncEngine  # noqa: E402
from app.token.signing import sign_detached  # noqa: E402
from devkit.letters import make_signer  # noqa: E402
from devkit.pki import TestPKI  # noqa: E402
from devkit.server_process import DEMO_PASSWORD, ServerProcess  # noqa: E402

BODY = "<p>" + "با سلام و احترام؛ به استحضار می‌رساند گزارش عملکرد این اداره کل پیوست است. " * 30 + "</p>"


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its live descendants (uvicorn runs its workers as children)."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = fields
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        if p in stats:
            total += (int(stats[p][11]) + int(stats[p][12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
        todo += children.get(p, [])
    return total


class TimedApi:
    """Wraps the real client to add up the wall time spent in HTTP calls."""

    def __init__(self, api: DabirApi) -> None:
        self.api, self.waiting = api, 0.0

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        fn = getattr(self.api, name)

        def timed(*a, **kw):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                self.waiting += time.perf_counter() - t

        return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dabir-bench-sync-"))
    pki = TestPKI(name="Bench")
    server = ServerProcess(work / "server", pki, workers=2)  # the deployment advice in docs/server.md
    server.setup()
    server.start()
    try:
        a, b = server.demo["agencies"][:2]
        signer = make_signer(pki, "امضاکننده", "0012345679")
        with DabirApi(server.base_url, server.ca_bundle) as admin:
            admin.login("a.admin", DEMO_PASSWORD)
            admin.add_signatory_certificate("a.signatory", signer.cert_pem)
        store = open_store(work / "client")
        pyhanko_signer = signer.pyhanko()
        t0 = time.perf_counter()
        with store.session() as s:
            for i in range(args.letters):
                letter = L.create_letter(
                    s, kind="outgoing", subject=f"گزارش عملکرد شماره {i}", body=BODY,
                    sender={"agency": a["national_id"], "unit": "secretariat", "name": a["name"]},
                    recipients=[{"agency": b["national_id"], "name": b["name"]}],
                )
                s.flush()
                content = L.letter_content(letter)
                cms = sign_detached(canonical_bytes(content), pyhanko_signer)
                L.add_signature(s, letter, cms=cms, content_sha256_hex=content_sha256(content))
                outbox.queue_letter(s, letter)
        queued = time.perf_counter() - t0
        size = len(canonical_bytes(content))
        with DabirApi(server.base_url, server.ca_bundle) as api:
            api.login("a.secretary", DEMO_PASSWORD)
            timed = TimedApi(api)
            engine = SyncEngine(store, timed)
            cpu0, client0 = cpu_seconds(server.proc.pid), time.process_time()
            t0 = time.perf_counter()
            report = engine.run_once()
            wall = time.perf_counter() - t0
            server_cpu, client_cpu = cpu_seconds(server.proc.pid) - cpu0, time.process_time() - client0
        assert report.online and len(report.sent) == args.letters, report
        print(f"letters: {args.letters} signed and queued offline in {queued:.1f} s (canonical content {size} bytes)")
        print(f"drain (register + send, one sync run): {wall:.1f} s = {args.letters / wall:.0f} letters/s "
              f"(target ≥ 100 letters/s)")
        print(f"server share: {server_cpu:.1f} s server CPU = {server_cpu / wall:.0%} of the wall time "
              f"({server_cpu / (2 * args.letters) * 1000:.1f} ms per request); client CPU {client_cpu:.1f} s "
              f"({client_cpu / args.letters * 1000:.1f} ms per letter); HTTP calls in flight "
              f"{timed.waiting / wall:.1f} on average")
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
