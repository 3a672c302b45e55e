"""Rasad reports: known referrals written straight into a migrated database (SQLite and PostgreSQL),
summarized as the server's writes do, give known counts and percentiles; the route answers by scope through the real server."""

from __future__ import annotations

import datetime as dt
import json
import ssl
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, Engine, create_engine, insert, select, update

from server import rasad_summary
from server.migrate import upgrade
from server.rasad_access import Scope
from server.rasad_reports import nearest_rank, report
from server.tables.accounts import agencies, units, users
from server.tables.letters import incoming_registrations, letters
from server.tables.rasad import rasad_grants
from server.tables.referrals import referral_events, referral_recipients, referrals
from tests.server.conftest import Env, fresh_pg_database, refusal

NOW = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)  # 13:30 in Tehran
START, END = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
T0 = dt.datetime(2026, 11, 10, 8, 0, tzinfo=dt.UTC)
L1, L2, L3 = (str(uuid.UUID(int=i)) for i in (1, 2, 3))


class Data:
    """Agency 1 (units u1, u2) and agency 2; writes referrals and their events."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        for aid in (1, 2):
            conn.execute(insert(agencies).values(id=aid, national_id=f"1400000000{aid}", name=f"سازمان {aid}",
                                                 active=True, change_seq=aid, created_at=T0))
        conn.execute(insert(units), [{"agency_id": 1, "code": c, "name": n, "active": True, "change_seq": i}
                                     for i, (c, n) in enumerate((("u1", "دفتر مدیرکل"), ("u2", "فناوری")))])
        self.ids: dict[str, int] = {}
        for i, (name, roles, unit, agency) in enumerate((
                ("boss", "signatory", "u1", 1), ("m1", "staff,unit_manager", "u1", 1), ("s1", "staff", "u1", 1),
                ("s2", "staff", "u2", 1), ("s3", "staff", "u2", 1), ("b1", "signatory", None, 2)), start=1):
            conn.execute(insert(users).values(id=i, agency_id=agency, username=name, display_name=f"کاربر {name}",
                                              unit_code=unit, roles=roles, password_hash="-", active=True,
                                              change_seq=10 + i, created_at=T0))
            self.ids[name] = i
        self.next_id = 0

    def refer(self, sender: str, to: str, at: dt.datetime, letter: str, due: str | None = None,
              agency: int = 1, events: tuple[tuple[str, int], ...] = ()) -> None:
        """A referral created at ``at``; ``events``: (kind, seconds after ``at``) by the recipient."""
        self.next_id += 1
        rid = self.next_id
        self.conn.execute(insert(referrals).values(id=rid, guid=str(uuid.uuid4()), agency_id=agency, letter_guid=letter,
                                                   from_user_id=self.ids[sender], instruction="اقدام",
                                                   postscript="پی‌نوشت", due_date=due, created_at=at))
        self.conn.execute(insert(referral_recipients).values(referral_id=rid, user_id=self.ids[to]))
        for kind, secs in events:
            who = sender if kind == "recall" else to
            self.conn.execute(insert(referral_events).values(
                guid=str(uuid.uuid4()), referral_id=rid, user_id=self.ids[who], kind=kind, note="",
                answer_guid=str(uuid.uuid4()) if kind == "answer" else None, at=at + dt.timedelta(seconds=secs)))
        rasad_summary.refresh(self.conn, [rid])  # as the server's referral writes do

    def register(self, guid: str, number: str, at: dt.datetime, *, electronic: bool = False) -> None:
        """A paper letter registered with its subject, or a delivered one whose subject is in its package."""
        if electronic:
            self.conn.execute(insert(letters).values(
                guid=guid, agency_id=2, origin="14000000002", domain="x", year=1405, seq=7, shams="SHAMS-7", kind="outgoing",
                content_sha256="0" * 64, registered_at=at, registered_by=6, signer_national_codes="", receipt="{}",
                package=json.dumps({"content": {"subject": f"نامه {number}"}}).encode()))
        self.conn.execute(insert(incoming_registrations).values(
            agency_id=1, guid=guid, channel="electronic" if electronic else "paper", year=1405,
            seq=int(number.split("-")[1]), number=number, registered_at=at, registered_by=self.ids["boss"],
            sender_name="فرستنده", subject="" if electronic else f"نامه {number}"))


def seed(conn: Connection) -> None:
    d = Data(conn)
    d.register(L1, "1405-10", dt.datetime(2026, 11, 1, 6, 0, tzinfo=dt.UTC))
    d.register(L2, "1405-11", dt.datetime(2026, 11, 2, 6, 0, tzinfo=dt.UTC), electronic=True)
    for i in range(10):  # boss → s1: read after 60·(i+1) s; the first four closed after 1000·(i+1) s
        events: tuple[tuple[str, int], ...] = (("read", 60 * (i + 1)),)
        if i < 4:
            events += (("close", 1000 * (i + 1)),)
        d.refer("boss", "s1", T0 + dt.timedelta(minutes=i), L1, "2026-11-20", events=events)
    d.refer("m1", "s2", T0, L2, events=(("read", 100), ("answer", 150)))  # m1 → s2: read after 100, 200, 300 s
    d.refer("m1", "s2", T0 + dt.timedelta(hours=1), L2, events=(("read", 200),))
    d.refer("m1", "s2", T0 + dt.timedelta(hours=2), L2, events=(("read", 300),))
    d.refer("s1", "s3", T0, L3, "2026-12-31")  # open, not yet due; L3 was never registered incoming
    d.refer("boss", "s2", T0, L2, events=(("recall", 30),))  # recalled: neither open nor timed
    d.refer("boss", "s1", dt.datetime(2026, 10, 15, tzinfo=dt.UTC), L1)  # before the period
    d.refer("boss", "s1", dt.datetime(2026, 11, 30, 20, 29, tzinfo=dt.UTC), L1)  # 30 Nov 23:59 Tehran: in
    d.refer("boss", "s1", dt.datetime(2026, 11, 30, 20, 31, tzinfo=dt.UTC), L1)  # 1 Dec 00:01 Tehran: out
    d.ids["b1"] = 6
    d.refer("b1", "b1", T0, L1, agency=2)  # another agency


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    def ready(url: str) -> Engine:
        upgrade(url)
        eng = create_engine(url)
        with eng.begin() as conn:
            seed(conn)
        return eng

    if request.param == "sqlite":
        eng = ready(f"sqlite:///{tmp_path_factory.mktemp('reports') / 'r.db'}")
        yield eng
        eng.dispose()
        return
    with fresh_pg_database("rasadreports") as url:
        eng = ready(url)
        yield eng
        eng.dispose()


def run(engine: Engine, name: str, unit: str | None = None) -> dict[str, Any]:
    with engine.connect() as conn:
        return report(conn, Scope(1, unit), name, START, END, NOW)


def _names(rows: list[dict[str, Any]], *keys: str) -> list[tuple[Any, ...]]:
    return [(r["person"]["username"], *(r[k] for k in keys)) for r in rows]


def test_open_referrals_per_person_and_unit(engine: Engine) -> None:
    r = run(engine, "open_referrals")
    assert (r["agency"], r["unit"], r["from"], r["to"], r["as_of"]) == (
        "14000000001", None, "2026-11-01", "2026-11-30", "2026-12-05T10:00:00Z")
    # s1: six read-not-closed, overdue (due 20 Nov) + the one of 30 Nov 23:59 (no due date)
    assert _names(r["people"], "open", "overdue") == [("s1", 7, 6), ("s2", 2, 0), ("s3", 1, 0)]
    assert r["people"][0]["person"] == {"username": "s1", "name": "کاربر s1", "unit": "u1", "unit_name": "دفتر مدیرکل"}
    assert [(u["unit"], u["unit_name"], u["open"], u["overdue"]) for u in r["units"]] == [
        ("u1", "دفتر مدیرکل", 7, 6), ("u2", "فناوری", 3, 0)]
    assert r["total"] == {"open": 10, "overdue": 6}


def test_a_unit_manager_sees_only_their_unit(engine: Engine) -> None:
    r = run(engine, "open_referrals", "u2")
    assert r["unit"] == "u2"
    assert _names(r["people"], "open") == [("s2", 2), ("s3", 1)]
    assert [u["unit"] for u in r["units"]] == ["u2"]
    assert [w["incoming_number"] for w in run(engine, "waiting", "u2")["items"]] == ["1405-11"]
    timing = run(engine, "timing", "u2")
    assert [u["unit"] for u in timing["units"]] == ["u2"]
    assert timing["overall"]["first_action"] == {"count": 3, "median_s": 200, "p90_s": 300}
    assert {i["from"]["username"] for i in run(engine, "instructions", "u2")["items"]} == {"m1", "boss"}


def test_timing_medians_and_p90_by_nearest_rank(engine: Engine) -> None:
    r = run(engine, "timing")
    # first action: 60…600 (s1) and 100, 200, 300 (s2): 13 values, ranks 7 and 12
    assert r["overall"]["first_action"] == {"count": 13, "median_s": 300, "p90_s": 540}
    assert r["overall"]["close"] == {"count": 4, "median_s": 2000, "p90_s": 4000}
    u1, u2 = r["units"]
    assert (u1["unit"], u1["first_action"], u1["close"]) == (
        "u1", {"count": 10, "median_s": 300, "p90_s": 540}, {"count": 4, "median_s": 2000, "p90_s": 4000})
    assert (u2["unit"], u2["unit_name"], u2["first_action"], u2["close"]) == (
        "u2", "فناوری", {"count": 3, "median_s": 200, "p90_s": 300}, {"count": 0, "median_s": None, "p90_s": None})


def test_waiting_letters_oldest_first(engine: Engine) -> None:
    items = run(engine, "waiting")["items"]
    assert [(w["incoming_number"], w["pending"], w["overdue"], w["subject"], w["shams"]) for w in items] == [
        ("1405-10", 7, 6, "نامه 1405-10", None), ("1405-11", 2, 0, "نامه 1405-11", "SHAMS-7")]  # paper, electronic
    first = items[0]
    assert first["registered_at"] == "2026-11-01T06:00:00Z" and first["waiting_days"] == 34
    assert first["oldest_referral_at"] == "2026-11-10T08:04:00Z"  # the four before it are closed
    assert [p["username"] for p in first["waiting_on"]] == ["s1"]


def test_instructions_of_senior_officials_with_follow_up(engine: Engine) -> None:
    r = run(engine, "instructions")
    # boss (signatory): 10 + the recalled one + the one of 30 Nov; m1 (unit manager): 3; s1 (staff): none
    assert _names(r["officials"], "referrals", "pending", "overdue", "done") == [
        ("boss", 12, 7, 6, 4), ("m1", 3, 2, 0, 1)]
    assert (r["total"], r["truncated"], len(r["items"])) == (15, False, 15)
    newest = r["items"][0]
    assert (newest["from"]["username"], newest["created_at"], newest["status"], newest["incoming_number"]) == (
        "boss", "2026-11-30T20:29:00Z", "open", "1405-10")
    statuses = sorted(i["status"] for i in r["items"])
    assert statuses == sorted(["open", "recalled", "answered", "read", "read"] + ["closed"] * 4 + ["overdue"] * 6)
    assert all(i["instruction"] == "اقدام" and i["to"] for i in r["items"])


# -- the route, through the real server -----------------------------------------------------------

def test_route_scope_and_bad_input(env: Env) -> None:
    with env.client("a.admin") as admin:
        admin.add_user("a.itmanager", "مدیر فناوری", "manager-pass-1", ["unit_manager"], unit="it")
        whole = admin.rasad_report("timing", dt.date(2026, 1, 1), dt.date(2026, 12, 31))
        assert (whole["report"], whole["agency"], whole["unit"]) == ("timing", env.nid_a, None)
        assert refusal(lambda: admin.rasad_report("timing", dt.date(2026, 2, 1), dt.date(2026, 1, 1)))[0] == 422
        assert refusal(lambda: admin.rasad_report("nothing", dt.date(2026, 1, 1), dt.date(2026, 1, 2)))[0] == 422
        assert refusal(lambda: admin.rasad_report("timing", dt.date(2026, 1, 1), dt.date(2026, 1, 2),
                                                  agency=env.nid_b))[0] == 404
    with env.client("a.itmanager", "manager-pass-1") as manager:
        assert manager.rasad_report("open_referrals", dt.date(2026, 1, 1), dt.date(2026, 1, 2))["unit"] == "it"
    with env.client("a.staff") as staff:
        assert refusal(lambda: staff.rasad_report("waiting", dt.date(2026, 1, 1), dt.date(2026, 1, 2)))[0] == 404
    with env.client("b.admin") as other:
        assert refusal(lambda: other.rasad_report("waiting", dt.date(2026, 1, 1), dt.date(2026, 1, 2),
                                                  agency=env.nid_a))[0] == 404


def test_dates_at_the_ends_of_the_calendar_are_refused_not_500(env: Env) -> None:
    """The period's Tehran midnights in UTC overflowed datetime (500) at 0001-01-01 and 9999-12-31."""
    with env.client("a.admin") as admin:
        for start, end in ((dt.date(9999, 12, 31), dt.date(9999, 12, 31)), (dt.date(1, 1, 1), dt.date(1, 1, 2))):
            assert refusal(lambda: admin.rasad_report("timing", start, end)) == (422, "invalid_period")  # noqa: B023


def test_an_observer_sees_only_a_granted_agency_until_revoked(env: Env) -> None:
    """Grants written as the operator's CLI writes them (the grant commands are the tree's part)."""
    with env.client("a.admin") as admin:
        admin.add_user("a.watcher", "ناظر رصد", "watcher-pass-1", ["rasad_observer"])
    day = dt.date(2026, 1, 1)
    engine = create_engine(f"sqlite:///{env.server.data_dir / 'dabir.sqlite3'}")
    try:
        with env.client("a.watcher", "watcher-pass-1") as watcher:
            assert refusal(lambda: watcher.rasad_report("waiting", day, day, agency=env.nid_b))[0] == 404
            assert refusal(lambda: watcher.rasad_report("waiting", day, day))[0] == 404  # not even its own
            with engine.begin() as conn:
                observer = conn.execute(select(users.c.id).where(users.c.username == "a.watcher")).scalar_one()
                b = conn.execute(select(agencies.c.id).where(agencies.c.national_id == env.nid_b)).scalar_one()
                conn.execute(insert(rasad_grants).values(observer_id=observer, agency_id=b, granted_at=NOW,
                                                         granted_by="test"))
            seen = watcher.rasad_report("waiting", day, day, agency=env.nid_b)
            assert (seen["agency"], seen["unit"], seen["items"]) == (env.nid_b, None, [])
            assert refusal(lambda: watcher.rasad_report("waiting", day, day, agency=env.nid_a))[0] == 404
            with engine.begin() as conn:
                conn.execute(update(rasad_grants).where(rasad_grants.c.observer_id == observer)
                             .values(revoked_at=NOW, revoked_by="test"))
            assert refusal(lambda: watcher.rasad_report("waiting", day, day, agency=env.nid_b))[0] == 404
    finally:
        engine.dispose()


def test_the_reports_are_in_the_openapi_document(env: Env) -> None:
    with httpx.Client(base_url=env.server.base_url, verify=ssl.create_default_context(cafile=str(env.server.ca_bundle))) as http:
        doc = http.get("/openapi.json").json()
    op = doc["paths"]["/api/v1/rasad/reports/{name}"]["get"]
    assert op["tags"] == ["rasad"] and {p["name"] for p in op["parameters"]} >= {"name", "from", "to", "agency"}


def test_nearest_rank_is_a_value_that_occurred() -> None:
    ten = list(range(10, 110, 10))
    assert (nearest_rank(ten, 50), nearest_rank(ten, 90), nearest_rank(ten, 100)) == (50, 90, 100)
    assert (nearest_rank([7], 50), nearest_rank([7], 90)) == (7, 7)
    assert (nearest_rank([1, 2], 50), nearest_rank([1, 2], 90)) == (1, 2)  # never 1.5
