"""The cartable read a page at a time in SQL: my referrals only, newest first, filtered through its
own index (the letter's subject and number, people, instruction and postscript; a referral that
came before its letter is found by subject once the letter arrives), the unread and overdue
counts, the reminders given once per state; migration 0013 on a store that already has referrals."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from sqlalchemy import text

from app.models import referrals as R
from app.models.db import Store, make_engine, migrate
from app.models.tables import Letter
from tests.ui.conftest import add_letter

TODAY = dt.date(2026, 12, 5)


def _to_me(store: Store, letter: str, *, sender: str = "boss", due: dt.date | None = None, created: str,
           postscript: str = "", to: tuple[str, ...] = ("me",)) -> str:
    guid = str(uuid.uuid4())
    with store.session() as s:
        R.apply_cartable(s, {"items": [{"type": "referral", "referral": {
            "id": guid, "letter_guid": letter, "parent": None, "from": sender, "to": list(to),
            "instruction": "برای اقدام", "postscript": postscript, "due_date": due.isoformat() if due else None,
            "created_at": created}}]})
    return guid


def test_pages_filters_and_counts(store: Store) -> None:
    budget = add_letter(store, "گزارش بودجه سال ۱۴۰۵", kind="incoming", state="received")
    court = add_letter(store, "استعلام دیوان محاسبات", kind="incoming", state="received")
    old = _to_me(store, budget, due=TODAY - dt.timedelta(days=1), created="2026-11-01T08:00:00Z",
                 postscript="با فوریت بررسی شود")
    new = _to_me(store, court, due=TODAY, created="2026-12-01T08:00:00Z")
    _to_me(store, court, created="2026-12-02T08:00:00Z", to=("someone-else",))  # not mine
    sent = R.refer(store, budget, "me", ["ali"], "برای اطلاع", "هامش من").value

    assert [r.guid for r in R.cartable_page(store, "me")] == [new, old]  # newest first, mine only
    assert [r.guid for r in R.cartable_page(store, "me", limit=1, offset=1)] == [old]
    assert [r.guid for r in R.cartable_page(store, "me", sort="due", descending=False)] == [old, new]
    assert [r.guid for r in R.cartable_page(store, "me", view=R.SENT)] == [sent]
    # the filter: subject (Arabic ي and Latin digits typed), postscript, a word still being typed
    assert [r.guid for r in R.cartable_page(store, "me", query="بودجه 1405")] == [old]
    assert [r.guid for r in R.cartable_page(store, "me", query="گزارش بودجه سال ۱۴۰۵")] == [old]
    assert [r.guid for r in R.cartable_page(store, "me", query="فوري")] == [old]
    assert [r.guid for r in R.cartable_page(store, "me", query="دیو")] == [new]
    assert R.cartable_page(store, "me", query="ناموجود") == []
    assert [r.guid for r in R.cartable_page(store, "me", view=R.SENT, query="هامش")] == [sent]

    assert R.unread_count(store, "me") == 2 and R.overdue_count(store, "me", TODAY) == 1
    R.add_event(store, new, "me", "read")
    assert R.unread_count(store, "me") == 1
    assert R.overdue_count(store, "me", TODAY + dt.timedelta(days=1)) == 2
    R.add_event(store, old, "me", "close", "انجام شد")
    assert R.overdue_count(store, "me", TODAY + dt.timedelta(days=1)) == 1 and R.unread_count(store, "me") == 0
    assert [r.guid for r in R.cartable_page(store, "me", view=R.OVERDUE, today=TODAY + dt.timedelta(1))] == [new]


def test_a_referral_before_its_letter_is_found_by_subject_once_the_letter_arrives(store: Store) -> None:
    letter = str(uuid.uuid4())
    ref = _to_me(store, letter, created="2026-12-01T08:00:00Z")
    assert R.cartable_page(store, "me", query="قرارداد") == []
    add_letter(store, "تمدید قرارداد پشتیبانی", kind="incoming", state="received", guid=letter)
    [row] = R.cartable_page(store, "me", query="قرارداد")
    assert row.guid == ref and row.subject == "تمدید قرارداد پشتیبانی"


def test_reminders_are_taken_once_per_state(store: Store) -> None:
    letter = add_letter(store, "گزارش عملکرد", kind="incoming", state="received")
    ref = _to_me(store, letter, due=TODAY, created="2026-12-01T08:00:00Z")
    _to_me(store, letter, due=TODAY + dt.timedelta(days=3), created="2026-12-01T09:00:00Z")
    assert [(r.referral_guid, r.state) for r in R.take_reminders(store, "me", TODAY)] == [(ref, "due")]
    assert R.take_reminders(store, "me", TODAY) == []
    tomorrow = TODAY + dt.timedelta(days=1)
    assert [(r.referral_guid, r.state) for r in R.take_reminders(store, "me", tomorrow)] == [(ref, "overdue")]
    assert R.take_reminders(store, "me", tomorrow) == [] and R.take_reminders(store, "someone", tomorrow) == []


def test_migration_0013_indexes_the_referrals_already_held(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "dabir.sqlite3")
    migrate(engine, "0011")
    letter, ref = str(uuid.uuid4()), str(uuid.uuid4())
    now = dt.datetime(2026, 12, 1, 8, 0)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO letters (guid, kind, state, subject, body, sender_agency, sender_unit, sender_person,"
            " sender_name, priority, classification, in_reply_to_shams, follow_up_of_shams, archived,"
            " created_at, updated_at, letterhead, signatories) VALUES (:g, 'incoming', 'received', 'گزارش پایش',"
            " '', '14000123453', '', '', '', 'normal', 'normal', '', '', 0, :t, :t, '', '[]')"), {"g": letter, "t": now})
        conn.execute(text("INSERT INTO letters_fts(rowid, subject, body, parties, shams) SELECT rowid, 'گزارش پایش',"
                          " '', '', '' FROM letters WHERE guid = :g"), {"g": letter})
        conn.execute(text(
            "INSERT INTO referrals (guid, letter_guid, from_person, to_people, instruction, postscript, due_date,"
            " created_at, synced_at) VALUES (:r, :g, 'boss', '[\"me\", \"ali\"]', 'برای اقدام', 'پیگیری شود',"
            " :due, :t, :t)"), {"r": ref, "g": letter, "t": now, "due": "2026-12-04"})
    engine.dispose()
    store = Store(tmp_path)
    for who in ("me", "ali"):
        [row] = R.cartable_page(store, who, query="پایش")
        assert row.guid == ref and row.subject == "گزارش پایش"
    assert [r.guid for r in R.cartable_page(store, "me", query="پیگیری")] == [ref]
    assert R.overdue_count(store, "me", TODAY) == 1 and R.unread_count(store, "ali") == 1
    with store.reader() as s:
        assert s.get(Letter, letter) is not None
    store.close()
