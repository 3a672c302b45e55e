"""The referral summary the Rasad reports read: after a mixed run of actions on the real server
(referrals, a refer-on, reads, an answer without a read, a close, a recall, duplicate pushes) it
holds exactly what the referral tables say; migration 0012 fills it for referrals already there."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, create_engine, insert, select

from server.context import as_utc
from server.migrate import alembic_config, upgrade
from server.tables.accounts import agencies, units, users
from server.tables.referrals import referral_events, referral_recipients, referral_summary, referrals
from tests.server.conftest import Env, fresh_pg_database

FOR_ACTION = "برای اقدام"


def _referral(letter: str, to: list[str], parent: str | None = None) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "letter_guid": letter, "to": to, "instruction": FOR_ACTION,
            "postscript": "پی‌نوشت", "due_date": "2099-12-20", "parent": parent}


def _key() -> str:
    return str(uuid.uuid4())


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else as_utc(moment)


def recomputed(conn: Connection) -> dict[tuple[int, int], dict[str, Any]]:
    """What the summary must hold, worked out here from the referral tables (first event of each kind)."""
    events: dict[int, list[Any]] = {}
    for e in conn.execute(select(referral_events)):
        events.setdefault(e.referral_id, []).append(e)
    out = {}
    for r in conn.execute(select(referrals.c.id, referrals.c.agency_id, referrals.c.letter_guid,
                                 referrals.c.from_user_id, referrals.c.due_date, referrals.c.created_at,
                                 referral_recipients.c.user_id, users.c.unit_code)
                          .join(referral_recipients, referral_recipients.c.referral_id == referrals.c.id)
                          .join(users, users.c.id == referral_recipients.c.user_id)):
        evs = events.get(r.id, [])
        at = {k: min((as_utc(e.at) for e in evs if e.kind == k and e.user_id == r.user_id), default=None)
              for k in ("read", "answer", "close")}
        first = min((t for t in at.values() if t is not None), default=None)
        created = as_utc(r.created_at)
        out[(r.id, r.user_id)] = {
            "agency_id": r.agency_id, "letter_guid": r.letter_guid, "from_user_id": r.from_user_id,
            "unit_code": r.unit_code, "created_at": created, "due_date": r.due_date, "read_at": at["read"],
            "first_at": first, "answered_at": at["answer"], "closed_at": at["close"],
            "recalled_at": min((as_utc(e.at) for e in evs if e.kind == "recall"), default=None),
            "first_s": None if first is None else int((first - created).total_seconds()),
            "close_s": None if at["close"] is None else int((at["close"] - created).total_seconds())}
    return out


def summary(conn: Connection) -> dict[tuple[int, int], dict[str, Any]]:
    out = {}
    for r in conn.execute(select(referral_summary)).mappings():
        row = {k: _utc(v) if k.endswith("_at") else v for k, v in r.items()}
        out[(row.pop("referral_id"), row.pop("user_id"))] = row
    return out


def _mixed_actions(env: Env) -> None:
    pkg = env.received_letter()
    with env.client("b.secretary") as sec, env.client("b.staff") as staff, env.client("b.signatory") as sig:
        sec.register_incoming(pkg.guid)
        first = sec.refer(_referral(pkg.guid, ["b.staff", "b.signatory"]))
        read_id = str(uuid.uuid4())
        staff.referral_event(first["id"], "read", event_id=read_id, idempotency_key=_key())
        on = staff.refer(_referral(pkg.guid, ["b.manager"], parent=first["id"]))
        sig.referral_event(first["id"], "answer", answer_guid=str(uuid.uuid4()), event_id=str(uuid.uuid4()),
                           idempotency_key=_key())  # an answer without a read first
        close_id = str(uuid.uuid4())
        staff.referral_event(first["id"], "close", note="اقدام شد.", event_id=close_id, idempotency_key=_key())
        recalled = sec.refer(_referral(pkg.guid, ["b.staff"]))
        recall_id = str(uuid.uuid4())
        sec.referral_event(recalled["id"], "recall", event_id=recall_id, idempotency_key=_key())
        untouched = sec.refer(_referral(pkg.guid, ["b.staff", "b.manager"]))
        url = env.server.database_url or f"sqlite:///{env.server.data_dir / 'dabir.sqlite3'}"
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                before = summary(conn)
            # duplicate pushes: the referral again, the same events under new keys, a second read
            sec.refer({**_referral(pkg.guid, ["b.staff", "b.signatory"]),
                       **{k: first[k] for k in ("id", "postscript", "due_date")}}, idempotency_key=_key())
            staff.referral_event(first["id"], "read", event_id=read_id, idempotency_key=_key())
            staff.referral_event(first["id"], "read", event_id=str(uuid.uuid4()), idempotency_key=_key())
            staff.referral_event(first["id"], "close", note="اقدام شد.", event_id=close_id, idempotency_key=_key())
            sec.referral_event(recalled["id"], "recall", event_id=recall_id, idempotency_key=_key())
            sec.referral_event(recalled["id"], "recall", event_id=str(uuid.uuid4()), idempotency_key=_key())
            with engine.connect() as conn:
                after = summary(conn)
                assert after == before  # duplicates changed nothing
                assert after == recomputed(conn)
                ids = dict(conn.execute(select(referrals.c.guid, referrals.c.id)).all())
                names = dict(conn.execute(select(users.c.username, users.c.id)).all())
        finally:
            engine.dispose()
    staff_first = after[(ids[first["id"]], names["b.staff"])]
    assert staff_first["read_at"] and staff_first["closed_at"] and staff_first["answered_at"] is None
    assert staff_first["first_at"] == staff_first["read_at"] and staff_first["close_s"] is not None
    sig_first = after[(ids[first["id"]], names["b.signatory"])]
    assert sig_first["first_at"] == sig_first["answered_at"] and sig_first["read_at"] is None
    assert after[(ids[recalled["id"]], names["b.staff"])]["recalled_at"] is not None
    assert after[(ids[on["id"]], names["b.manager"])]["from_user_id"] == names["b.staff"]
    assert {k for k in after if k[0] == ids[untouched["id"]]} == {(ids[untouched["id"]], names["b.staff"]),
                                                                  (ids[untouched["id"]], names["b.manager"])}
    assert all(after[(ids[untouched["id"]], names[u])]["first_at"] is None for u in ("b.staff", "b.manager"))


@pytest.mark.server
def test_the_summary_is_what_the_referral_tables_say_sqlite(env: Env) -> None:
    _mixed_actions(env)


@pytest.mark.server
@pytest.mark.postgres
def test_the_summary_is_what_the_referral_tables_say_postgres(pg_env: Env) -> None:
    _mixed_actions(pg_env)


# -- migration 0012 on a store with referrals -------------------------------------------------------
T0 = dt.datetime(2026, 11, 10, 8, 0, tzinfo=dt.UTC)


def _seed_before_0012(engine: Engine) -> None:
    """Two referrals written as the server did before 0012: one read, answered and closed by one of
    its two recipients; one recalled."""
    with engine.begin() as conn:
        conn.execute(insert(agencies).values(id=1, national_id="14000000001", name="سازمان", active=True,
                                             change_seq=1, created_at=T0))
        conn.execute(insert(units).values(agency_id=1, code="u1", name="دفتر", active=True, change_seq=1))
        conn.execute(insert(users), [{"id": i, "agency_id": 1, "username": f"user{i}", "display_name": f"کاربر {i}",
                                      "unit_code": "u1" if i != 3 else None, "roles": "staff", "password_hash": "-",
                                      "active": True, "change_seq": 10 + i, "created_at": T0} for i in (1, 2, 3)])
        for rid, to in ((1, (2, 3)), (2, (2,))):
            conn.execute(insert(referrals).values(id=rid, guid=str(uuid.UUID(int=rid)), agency_id=1,
                                                  letter_guid=str(uuid.UUID(int=100)), from_user_id=1,
                                                  instruction=FOR_ACTION, postscript="",
                                                  due_date="2026-11-20" if rid == 1 else None,
                                                  created_at=T0 + dt.timedelta(hours=rid)))
            conn.execute(insert(referral_recipients), [{"referral_id": rid, "user_id": u} for u in to])
        for i, (rid, uid, kind, secs) in enumerate(((1, 2, "read", 60), (1, 2, "answer", 600), (1, 2, "read", 700),
                                                    (1, 2, "close", 3600), (2, 1, "recall", 30))):
            conn.execute(insert(referral_events).values(
                guid=str(uuid.UUID(int=1000 + i)), referral_id=rid, user_id=uid, kind=kind, note="",
                answer_guid=str(uuid.UUID(int=200)) if kind == "answer" else None,
                at=T0 + dt.timedelta(hours=rid, seconds=secs)))


def _backfilled(url: str) -> None:
    command.upgrade(alembic_config(url), "0011")
    engine = create_engine(url)
    try:
        _seed_before_0012(engine)
        upgrade(url)
        with engine.connect() as conn:
            got = summary(conn)
        command.downgrade(alembic_config(url), "0011")  # and back: the same rows again
        upgrade(url)
        with engine.connect() as conn:
            assert summary(conn) == got
    finally:
        engine.dispose()
    t1, t2 = T0 + dt.timedelta(hours=1), T0 + dt.timedelta(hours=2)
    common = {"agency_id": 1, "letter_guid": str(uuid.UUID(int=100)), "from_user_id": 1}
    assert got == {
        (1, 2): {**common, "unit_code": "u1", "created_at": t1, "due_date": "2026-11-20",
                 "read_at": t1 + dt.timedelta(seconds=60), "first_at": t1 + dt.timedelta(seconds=60),
                 "answered_at": t1 + dt.timedelta(seconds=600), "closed_at": t1 + dt.timedelta(seconds=3600),
                 "recalled_at": None, "first_s": 60, "close_s": 3600},
        (1, 3): {**common, "unit_code": None, "created_at": t1, "due_date": "2026-11-20", "read_at": None,
                 "first_at": None, "answered_at": None, "closed_at": None, "recalled_at": None, "first_s": None,
                 "close_s": None},
        (2, 2): {**common, "unit_code": "u1", "created_at": t2, "due_date": None, "read_at": None, "first_at": None,
                 "answered_at": None, "closed_at": None, "recalled_at": t2 + dt.timedelta(seconds=30),
                 "first_s": None, "close_s": None},
    }


def test_migration_0012_summarizes_existing_referrals_sqlite(tmp_path: Any) -> None:
    _backfilled(f"sqlite:///{tmp_path / 'store.db'}")


@pytest.mark.postgres
def test_migration_0012_summarizes_existing_referrals_postgres() -> None:
    with fresh_pg_database("rasadsum") as url:
        _backfilled(url)
