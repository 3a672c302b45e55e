"""Rasad: one letter's 2,000-node referral tree fetched and painted, and the web service paging
events, in an agency with 1,000,000 events, on the real server (SQLite, or PostgreSQL with --pg).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_rasad_tree.py [--events 1000000] [--pg]

Seeds agency B of the demo with bulk SQL through the server's own tables: one registered paper
letter whose tree has 2,000 referrals eight levels deep (each referral to one or two colleagues;
read on 70%, answered 20%, closed 30%, a due date on half, some past), and N events spread over
50,000 letters (kinds in the proportions a desk makes them). Then, with the server started:
  tree    GET /rasad/letters/{guid}/tree as B's administrator → the tree window painted (the
          window's own build_tree, then a grab), 15 times after 2 warm-ups
  feed    GET /rasad/events from cursor 0, limit 1000, until 100,000 events have been read
Targets: tree fetched and painted ≤ 300 ms (median); feed ≥ 5,000 events/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.machine import describe  # noqa: E402 (after the path is set)

LEVELS = (10, 30, 80, 150, 250, 400, 500, 580)  # referrals per depth: 2,000 in 8 levels
KINDS = (("referred", 30), ("read", 30), ("answered", 10), ("closed", 15), ("registered", 10), ("filed", 5))
CHUNK = 20_000


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def seed(db_url: str, agency_nid: str, events: int) -> str:
    """The tree's letter and the agency's events, in bulk; returns the letter's GUID."""
    from sqlalchemy import create_engine, insert, select

    from server.tables.accounts import agencies, users
    from server.tables.base import sequences
    from server.tables.letters import incoming_registrations
    from server.tables.rasad import rasad_events
    from server.tables.referrals import referral_events, referral_recipients, referrals

    rnd = random.Random(19)
    engine = create_engine(db_url)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with engine.begin() as conn:
        aid = conn.execute(select(agencies.c.id).where(agencies.c.national_id == agency_nid)).scalar_one()
        people = list(conn.execute(select(users.c.id).where(users.c.agency_id == aid)).scalars())
        letter = str(uuid.uuid4())
        conn.execute(insert(incoming_registrations).values(
            agency_id=aid, guid=letter, channel="paper", year=1405, seq=999_999, number="1405/999999",
            registered_at=now - dt.timedelta(days=30), registered_by=people[0], sender_kind="agency",
            sender_id="14000123453", sender_name="وزارت آزمایش", sender_number="۱۲۳/الف", subject="درخواست بررسی طرح"))
        rows, recips, evs = [], [], []
        previous: list[tuple[int, str]] = []
        next_id = 10_000_000
        for depth, count in enumerate(LEVELS):
            level = []
            for _ in range(count):
                next_id += 1
                guid = str(uuid.uuid4())
                parent = rnd.choice(previous)[1] if previous else None
                created = now - dt.timedelta(days=30 - depth * 3, minutes=rnd.randrange(1000))
                due = (created + dt.timedelta(days=rnd.choice((5, 10, 60)))).date().isoformat() if rnd.random() < .5 else None
                rows.append({"id": next_id, "guid": guid, "agency_id": aid, "letter_guid": letter, "parent_guid": parent,
                             "from_user_id": rnd.choice(people), "instruction": "برای اقدام",
                             "postscript": "لطفاً بررسی و نتیجه را گزارش کنید." if rnd.random() < .4 else "",
                             "due_date": due, "created_at": created})
                for uid in rnd.sample(people, rnd.choice((1, 2))):
                    recips.append({"referral_id": next_id, "user_id": uid})
                    at = created + dt.timedelta(hours=2)
                    for kind, share in (("read", .7), ("answer", .2), ("close", .3)):
                        if rnd.random() < share:
                            evs.append({"guid": str(uuid.uuid4()), "referral_id": next_id, "user_id": uid, "kind": kind,
                                        "note": "", "answer_guid": str(uuid.uuid4()) if kind == "answer" else None,
                                        "at": at})
                level.append((next_id, guid))
            previous = level
        conn.execute(insert(referrals), rows)
        conn.execute(insert(referral_recipients), recips)
        conn.execute(insert(referral_events), evs)
        kinds = [k for k, share in KINDS for _ in range(share)]
        letters = [str(uuid.uuid4()) for _ in range(50_000)]
        for start in range(0, events, CHUNK):
            conn.execute(insert(rasad_events), [
                {"agency_id": aid, "cursor": c, "id": f"bench:{c}", "kind": rnd.choice(kinds),
                 "letter_guid": rnd.choice(letters), "referral_guid": None, "user_id": rnd.choice(people),
                 "at": now - dt.timedelta(seconds=events - c), "detail": '{"note": "", "answer_guid": null}'}
                for c in range(start + 1, min(events, start + CHUNK) + 1)])
        conn.execute(insert(sequences).values(name=f"rasad:{aid}", value=events))
    engine.dispose()
    return letter


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--page", type=int, default=100_000, help="events to page through")
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (DABIR_TEST_PG_URL) instead of SQLite")
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from app.sync.api import DabirApi
    from app.ui.referral_tree import ReferralTree
    from devkit.pki import TestPKI
    from devkit.server_process import DEMO_PASSWORD, ServerProcess
    from tests.server.conftest import fresh_pg_database

    qapp = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="bench-rasad-") as tmp, \
            (fresh_pg_database("rasadtree_bench") if args.pg else _nothing()) as pg_url:
        server = ServerProcess(Path(tmp), TestPKI(name="Dabir Rasad Bench"), database_url=pg_url or "")
        server.setup()
        nid_b = server.demo["agencies"][1]["national_id"]  # type: ignore[index]
        db_url = pg_url or f"sqlite:///{server.data_dir / 'dabir.sqlite3'}"
        t = time.perf_counter()
        letter = seed(db_url, nid_b, args.events)
        print(f"seeded {args.events:,} events and a {sum(LEVELS):,}-node tree in {time.perf_counter() - t:.0f} s")
        server.start()
        try:
            with DabirApi(server.base_url, server.ca_bundle) as api:
                api.login("b.admin", DEMO_PASSWORD)
                window = ReferralTree(None, letter, open_api=lambda _s: api)  # type: ignore[arg-type]
                window.show()
                fetch, total = [], []
                for i in range(17):
                    t0 = time.perf_counter()
                    tree = api.rasad_tree(letter)
                    t1 = time.perf_counter()
                    window.show_tree(tree)
                    window.grab()
                    qapp.processEvents()
                    t2 = time.perf_counter()
                    if i >= 2:
                        fetch.append((t1 - t0) * 1000)
                        total.append((t2 - t0) * 1000)
                assert len(tree["referrals"]) == sum(LEVELS)
                read, after, t0 = 0, 0, time.perf_counter()
                while read < args.page:
                    page = api.rasad_events(nid_b, after=after, limit=1000)
                    read += len(page["events"])
                    after = page["next"]
                    if after is None:
                        break
                rate = read / (time.perf_counter() - t0)
        finally:
            server.stop()
    backend = "PostgreSQL" if args.pg else "SQLite"
    print(describe())
    print(f"{backend}, {args.events:,} events in the agency, a {sum(LEVELS):,}-node tree (depth {len(LEVELS)})")
    print(f"tree fetched:            median {statistics.median(fetch):6.1f} ms  p95 {pct(fetch, 95):6.1f} ms")
    print(f"tree fetched + painted:  median {statistics.median(total):6.1f} ms  p95 {pct(total, 95):6.1f} ms"
          f"  (target <= 300 ms)")
    print(f"web service paging:      {read:,} events at {rate:,.0f} events/s (target >= 5,000)")
    return 0


class _nothing:
    """A stand-in context for the PostgreSQL database when running on SQLite."""

    def __enter__(self) -> str:
        return ""

    def __exit__(self, *exc: Any) -> None:
        return None


if __name__ == "__main__":
    sys.exit(main())
