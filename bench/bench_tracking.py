"""Public status look-ups of citizens' letters (POST /api/v1/track) on the real server over loopback
HTTPS, beside GET /healthz measured in the same run.

    .venv/bin/python bench/bench_tracking.py [--lookups 10000] [--letters 50000]

Seeds agency B of the demo with N citizens' letters in bulk SQL (each with its tracking id), then
registers 200 more through the API and works on them as a desk does (referred, read, answered with a
registered letter, closed, filed), so every status is looked up. The look-ups (one client, one
keep-alive connection, one at a time) are 80 % right codes on those 200 letters, 10 % wrong codes
and 10 % unknown ids; the per-IP limit is raised out of the way. Target: p95 <= 20 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import ssl
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import describe  # noqa: E402 (after the path is set)

CHUNK = 10_000
API_LETTERS = 200


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def national_code(rnd: random.Random) -> str:
    from app.protocol.persian import national_code_check_digit

    first9 = f"{rnd.randrange(1, 10**9):09d}"
    return first9 + national_code_check_digit(first9)


def seed(db_url: str, agency_nid: str, count: int) -> None:
    """``count`` registered citizens' letters in agency B (Jalali year 1404: apart from the live series)."""
    from sqlalchemy import create_engine, insert, select

    from app.protocol.tracking import new_tracking_id
    from server.tables.accounts import agencies, users
    from server.tables.letters import incoming_registrations

    rnd = random.Random(20)
    engine = create_engine(db_url)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with engine.begin() as conn:
        aid = conn.execute(select(agencies.c.id).where(agencies.c.national_id == agency_nid)).scalar_one()
        desk = conn.execute(select(users.c.id).where(users.c.username == "b.secretary")).scalar_one()
        ids: set[str] = set()
        while len(ids) < count:
            ids.add(new_tracking_id())
        rows = [{"agency_id": aid, "guid": str(uuid.uuid4()), "channel": "paper", "year": 1404, "seq": n + 1,
                 "number": f"1404/{n + 1}", "registered_at": now - dt.timedelta(minutes=n), "registered_by": desk,
                 "sender_kind": "person", "sender_id": national_code(rnd), "sender_name": "متقاضی",
                 "subject": "درخواست", "tracking_id": t, "citizen_channel": "counter"}
                for n, t in enumerate(sorted(ids))]
        for i in range(0, len(rows), CHUNK):
            conn.execute(insert(incoming_registrations), rows[i:i + CHUNK])
    engine.dispose()


def work(server: object, nid_a: str, nid_b: str, signer: object) -> list[str]:
    """200 citizens' letters registered and worked on through the API; their tracking ids."""
    from app.protocol.referral import DEFAULT_INSTRUCTIONS
    from app.sync.api import DabirApi
    from devkit.letters import BulkSigner, make_package
    from devkit.server_process import DEMO_PASSWORD

    base, ca = server.base_url, server.ca_bundle  # type: ignore[attr-defined]
    ids = []
    with DabirApi(base, ca) as sec, DabirApi(base, ca) as staff:
        sec.login("b.secretary", DEMO_PASSWORD)
        staff.login("b.staff", DEMO_PASSWORD)
        folder = sec.create_folder({"id": str(uuid.uuid4()), "parent": None, "title": "درخواست‌های مردمی",
                                    "file_number": "۱۴۰۵/پ"})
        replies = BulkSigner(signer).sign_packages(  # type: ignore[arg-type]
            [make_package(nid_b, [nid_a]) for _ in range(API_LETTERS // 5)])
        for n in range(API_LETTERS):
            guid = str(uuid.uuid4())
            ids.append(sec.register_paper({
                "guid": guid, "channel": "counter", "subject": "درخواست پروانه", "summary": "تمدید پروانه کسب",
                "sender": {"kind": "person", "id": "0010203044", "name": "علی رضایی"}})["tracking_id"])
            step = n % 5  # registered, under review, answered, closed, filed
            if step in (1, 2, 3):
                ref = sec.refer({"id": str(uuid.uuid4()), "letter_guid": guid, "to": ["b.staff"],
                                 "instruction": DEFAULT_INSTRUCTIONS[0], "postscript": "", "due_date": None,
                                 "parent": None})["id"]
                staff.referral_event(ref, "read", idempotency_key=str(uuid.uuid4()))
                if step == 2:
                    reply = replies[n // 5]
                    sec.register(reply)
                    staff.referral_event(ref, "answer", answer_guid=reply.guid, idempotency_key=str(uuid.uuid4()))
                elif step == 3:
                    staff.referral_event(ref, "close", note="", idempotency_key=str(uuid.uuid4()))
            elif step == 4:
                sec.file_letter(folder["id"], guid, idempotency_key=str(uuid.uuid4()))
    return ids


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lookups", type=int, default=10_000)
    ap.add_argument("--letters", type=int, default=50_000, help="citizens' letters seeded in bulk")
    args = ap.parse_args()

    import httpx

    from app.protocol.tracking import new_tracking_id
    from app.sync.api import DabirApi
    from devkit.letters import make_signer
    from devkit.pki import TestPKI
    from devkit.server_process import DEMO_PASSWORD, ServerProcess

    rnd = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="bench-tracking-") as tmp:
        pki = TestPKI(name="Dabir Tracking Bench")
        server = ServerProcess(Path(tmp), pki, env_extra={"DABIR_SERVER_TRACKING_LOOKUPS_PER_MINUTE": "100000000",
                                                          "DABIR_SERVER_ACCESS_LOG": str(Path(tmp) / "access.log")})
        server.setup()
        nid_a, nid_b = (a["national_id"] for a in server.demo["agencies"][:2])  # type: ignore[index]
        t = time.perf_counter()
        seed(f"sqlite:///{server.data_dir / 'dabir.sqlite3'}", nid_b, args.letters)
        print(f"seeded {args.letters:,} citizens' letters in {time.perf_counter() - t:.0f} s")
        server.start()
        try:
            signer = make_signer(pki, "Signatory B", "0012345679")  # B's signatory signs the answers
            with DabirApi(server.base_url, server.ca_bundle) as admin:
                admin.login("b.admin", DEMO_PASSWORD)
                admin.add_signatory_certificate("b.signatory", signer.cert_pem)
            known = work(server, nid_a, nid_b, signer)
            plan = []
            for _ in range(args.lookups):
                roll = rnd.random()
                if roll < 0.8:
                    plan.append((rnd.choice(known), "0010203044"))
                elif roll < 0.9:
                    plan.append((rnd.choice(known), "0084575948"))
                else:
                    plan.append((new_tracking_id(), "0010203044"))
            verify = ssl.create_default_context(cafile=str(server.ca_bundle))
            with httpx.Client(base_url=server.base_url, verify=verify) as http:
                for _ in range(200):  # warm-up
                    http.get("/healthz")
                    http.post("/api/v1/track", json={"tracking_id": known[0], "national_id": "0010203044"})
                base_ms = []
                for _ in range(args.lookups // 5):
                    t0 = time.perf_counter()
                    assert http.get("/healthz").status_code == 200
                    base_ms.append((time.perf_counter() - t0) * 1000)
                look_ms, statuses = [], {}
                t_all = time.perf_counter()
                for tracking_id, code in plan:
                    t0 = time.perf_counter()
                    r = http.post("/api/v1/track", json={"tracking_id": tracking_id, "national_id": code})
                    look_ms.append((time.perf_counter() - t0) * 1000)
                    key = r.json()["status"] if r.status_code == 200 else str(r.status_code)
                    statuses[key] = statuses.get(key, 0) + 1
                rate = len(plan) / (time.perf_counter() - t_all)
        finally:
            server.stop()
    print(describe())
    print(f"SQLite, {args.letters + API_LETTERS:,} citizens' letters; answers: "
          + ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items())))
    print(f"GET /healthz (baseline)   {len(base_ms):,}: p50 {pct(base_ms, 50):5.2f} ms  p95 {pct(base_ms, 95):5.2f} ms"
          f"  p99 {pct(base_ms, 99):5.2f} ms  {1000 / statistics.mean(base_ms):,.0f}/s")
    p95 = pct(look_ms, 95)
    print(f"POST /api/v1/track        {len(look_ms):,}: p50 {pct(look_ms, 50):5.2f} ms  p95 {p95:5.2f} ms"
          f"  p99 {pct(look_ms, 99):5.2f} ms  {rate:,.0f} look-ups/s  "
          f"{'ok' if p95 <= 20 else 'OVER'} (target p95 <= 20 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
