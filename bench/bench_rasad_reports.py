"""The four Rasad reports on an agency with 1,000,000 events' worth of referrals, SQLite and PostgreSQL.

    python bench/bench_rasad_reports.py [--events 1000000] [--backend sqlite|postgres|both]

"Events' worth": each referral counts as its «referred» event, plus its recipients' read, answer and
close events and the recalls (each referral summarized by server.rasad_summary.pair_rows, as the
server's writes do), spread over one Jalali year (1404/09/01 … 1405/08/30) in one agency of
300 users in 20 units (15 senior officials), about five referrals per registered incoming letter.
The rows go straight into a migrated database (SQLAlchemy bulk INSERTs in batches of 20,000, no
server); PostgreSQL is VACUUM ANALYZEd after the load as autovacuum would, SQLite is left as the server
leaves it. Each report is timed as the server runs it (server.rasad_reports.report on one
connection), for a month, for the whole year, and for one unit's manager over the year: median
and worst of 5 runs. PostgreSQL needs DABIR_TEST_PG_URL (a database is created and dropped).
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
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, create_engine, insert, text

from bench.machine import describe
from server.migrate import upgrade
from server.rasad_access import Scope
from server.rasad_reports import NAMES, report
from server.rasad_summary import pair_rows
from server.tables.accounts import agencies, units, users
from server.tables.letters import incoming_registrations
from server.tables.referrals import referral_events, referral_recipients, referral_summary, referrals

YEAR_START = dt.datetime(2025, 11, 22, tzinfo=dt.UTC)  # 1404/09/01
NOW = YEAR_START + dt.timedelta(days=366)
BATCH = 20_000
TARGET_MS = 500


def rows(n_events: int, rng: random.Random) -> Iterator[tuple[str, list[dict[str, object]]]]:
    """(table name, a batch of rows) until ``n_events`` events' worth is written."""
    yield "units", [{"agency_id": 1, "code": f"u{i}", "name": f"واحد {i}", "active": True, "change_seq": i}
                    for i in range(20)]
    yield "users", [{"id": i, "agency_id": 1, "username": f"user{i}", "display_name": f"کاربر {i}",
                     "unit_code": f"u{i % 20}", "roles": "signatory" if i < 15 else "staff", "password_hash": "-",
                     "active": True, "change_seq": 100 + i, "created_at": YEAR_START} for i in range(1, 301)]
    events = rid = eid = letter_no = 0
    refs: list[dict[str, object]] = []
    recips: list[dict[str, object]] = []
    evs: list[dict[str, object]] = []
    regs: list[dict[str, object]] = []
    summary: list[dict[str, object]] = []
    letter = ""
    while events < n_events:
        at = YEAR_START + dt.timedelta(seconds=rng.randrange(365 * 86400))
        if rid % 5 == 0:  # a new registered incoming letter every five referrals
            letter_no += 1
            letter = str(uuid.uuid4())
            regs.append({"agency_id": 1, "guid": letter, "channel": "paper", "year": 1404, "seq": letter_no,
                         "number": f"1404-{letter_no}", "registered_at": at - dt.timedelta(hours=2),
                         "registered_by": 16, "sender_name": "فرستنده", "subject": f"نامه {letter_no}"})
            events += 1
        rid += 1
        sender, to = rng.randrange(1, 301), rng.randrange(1, 301)
        due = (at + dt.timedelta(days=rng.choice((3, 7, 14)))).date().isoformat() if rng.random() < 0.6 else None
        ref: dict[str, object] = {"id": rid, "guid": str(uuid.uuid4()), "agency_id": 1, "letter_guid": letter,
                                  "from_user_id": sender, "instruction": "اقدام", "postscript": "", "due_date": due,
                                  "created_at": at}
        refs.append(ref)
        recips.append({"referral_id": rid, "user_id": to})
        first_event = len(evs)
        events += 1
        t = at
        if rng.random() < 0.02:
            kinds = ["recall"]
        else:
            kinds = [k for k, p in (("read", 0.9), ("answer", 0.4), ("close", 0.5)) if rng.random() < p]
        for kind in kinds:
            t += dt.timedelta(seconds=rng.randrange(60, 5 * 86400))
            eid += 1
            evs.append({"id": eid, "guid": str(uuid.uuid4()), "referral_id": rid,
                        "user_id": sender if kind == "recall" else to, "kind": kind, "note": "",
                        "answer_guid": str(uuid.uuid4()) if kind == "answer" else None, "at": t})
            events += 1
        summary += pair_rows(ref, [(to, f"u{to % 20}")], evs[first_event:])  # as the server's writes do
        if len(refs) >= BATCH:
            yield "incoming_registrations", regs
            yield "referrals", refs
            yield "referral_recipients", recips
            yield "referral_events", evs
            yield "referral_summary", summary
            refs, recips, evs, regs, summary = [], [], [], [], []
    yield "incoming_registrations", regs
    yield "referrals", refs
    yield "referral_recipients", recips
    yield "referral_events", evs
    yield "referral_summary", summary


TABLES = {t.name: t for t in (units, users, incoming_registrations, referrals, referral_recipients, referral_events,
                              referral_summary)}


def load(engine: Engine, n_events: int) -> float:
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(agencies).values(id=1, national_id="14000000001", name="سازمان سنجش", active=True,
                                             change_seq=1, created_at=YEAR_START))
        for name, batch in rows(n_events, random.Random(1405)):
            if batch:
                conn.execute(insert(TABLES[name]), batch)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - start


def timed(engine: Engine, scope: Scope, name: str, start: dt.date, end: dt.date, runs: int = 5) -> tuple[float, float]:
    out = []
    with engine.connect() as conn:
        for _ in range(runs):
            t0 = time.perf_counter()
            report(conn, scope, name, start, end, NOW)
            out.append((time.perf_counter() - t0) * 1000)
    return statistics.median(out), max(out)


def bench(engine: Engine, label: str, n_events: int) -> bool:
    upgrade(engine.url.render_as_string(hide_password=False))
    print(f"{label}: loading {n_events:,} events' worth … {load(engine, n_events):.0f} s")
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in
                  ("referrals", "referral_events", "incoming_registrations")}
    print(f"{label}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    year = (YEAR_START.date(), (YEAR_START + dt.timedelta(days=364)).date())
    month = (dt.date(2026, 5, 22), dt.date(2026, 6, 21))  # 1405/03/01 … 1405/03/31
    ok = True
    for period_label, (start, end), scope in (("month", month, Scope(1)), ("year", year, Scope(1)),
                                              ("year, one unit", year, Scope(1, "u3"))):
        for name in NAMES:
            med, worst = timed(engine, scope, name, start, end)
            ok &= worst <= TARGET_MS
            print(f"{label:8} {period_label:15} {name:15} median {med:7.1f} ms  worst {worst:7.1f} ms"
                  f"  {'ok' if worst <= TARGET_MS else 'OVER'} (target <= {TARGET_MS} ms)")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    args = ap.parse_args()
    print(describe())
    ok = True
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            engine = create_engine(f"sqlite:///{tmp}/bench.db")
            ok &= bench(engine, "sqlite", args.events)
            engine.dispose()
    if args.backend in ("postgres", "both"):
        import psycopg

        url = os.environ.get("DABIR_TEST_PG_URL")
        if not url:
            print("postgres: DABIR_TEST_PG_URL is not set; skipped")
            return 0 if ok else 1
        parts = urlsplit(url)
        admin = urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))
        name = f"rasadreports_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            engine = create_engine(urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, "")))
            ok &= bench(engine, "postgres", args.events)
            engine.dispose()
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(describe())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
