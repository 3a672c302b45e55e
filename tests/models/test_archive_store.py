"""The archive in the local store: filing moves a letter from its working folder into «بایگانی»
and under its folder (in several folders at once, as a paper secretariat files copies), a
draft is not filed, unfiling needs a reason, a refused filing puts the letter back, and a store
made before the archive upgrades with its letters intact."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.models import archive as A
from app.models import letters as L
from app.models.db import SCHEMA_HEAD, Store, make_engine, migrate, schema_version
from app.models.folders import Folder, count_letters, fetch_letters, folder_counts
from app.models.tables import ArchiveChange, Letter, OutboxOperation
from app.protocol.canonical import InvalidContent
from app.protocol.persian import national_id_check_digit

AGENCY = "1400012345" + national_id_check_digit("1400012345")
SENDER = {"agency": AGENCY, "unit": "دبیرخانه", "person": "secretary", "name": "وزارت نمونه"}
CASE, SUBJECT = str(uuid.uuid4()), str(uuid.uuid4())


def _letter(store: Store, subject: str, state: str = "received") -> str:
    with store.session() as s:
        letter = L.create_letter(s, kind="incoming", subject=subject, body="", sender=SENDER,
                                 recipients=[{"role": "to", "agency": AGENCY, "name": "دبیرخانه"}])
        s.flush()
        letter.state = state
        return letter.guid


def _folders(store: Store) -> None:
    with store.session() as s:
        A.apply_folders(s, {"items": [
            {"id": CASE, "parent": None, "title": "دعوی شرکت نمونه", "file_number": "۱۴۰۵/ح/۱۲", "cursor": 1},
            {"id": SUBJECT, "parent": None, "title": "مکاتبات حقوقی", "file_number": "1405/ح/3", "cursor": 2}]})


def test_filing_moves_the_letter_into_its_folders_and_out_again(store: Store) -> None:
    _folders(store)
    guid = _letter(store, "اعتراض به نتیجه مناقصه")
    other = _letter(store, "دعوت به جلسه")
    A.file_letter(store, guid, CASE, "secretary")
    A.file_letter(store, guid, SUBJECT, "secretary")  # a copy in the subject file too
    with pytest.raises(InvalidContent) as again:
        A.file_letter(store, guid, CASE, "secretary")
    assert again.value.message_fa == "نامه پیش‌تر در همین پرونده بایگانی شده است."
    with store.reader() as s:
        assert [r.guid for r in fetch_letters(s, A.FiledIn(CASE), 0, 10)] == [guid]
        assert [r.guid for r in fetch_letters(s, A.FiledIn(SUBJECT), 0, 10)] == [guid]
        assert [r.guid for r in fetch_letters(s, Folder.INCOMING, 0, 10)] == [other]
        assert folder_counts(s)[Folder.ARCHIVE] == 1 and count_letters(s, A.FiledIn(CASE)) == 1
        assert count_letters(s, A.FiledIn(CASE), "مناقصه") == 1 and count_letters(s, A.FiledIn(CASE), "جلسه") == 0
        assert [r.guid for r in fetch_letters(s, A.FiledIn(CASE), 0, 10, "مناقصه")] == [guid]
    assert sorted(n.title for n in A.places(store, guid)) == ["دعوی شرکت نمونه", "مکاتبات حقوقی"]
    with pytest.raises(InvalidContent):
        A.unfile_letter(store, guid, CASE, "secretary", "  ")  # why, or not at all
    A.unfile_letter(store, guid, CASE, "secretary", "به پرونده دیگری مربوط است.")
    with store.reader() as s:
        assert s.get(Letter, guid).archived  # type: ignore[union-attr]  # still in the subject file
    A.unfile_letter(store, guid, SUBJECT, "secretary", "بایگانی اشتباه")
    with store.reader() as s:
        assert not s.get(Letter, guid).archived  # type: ignore[union-attr]
        assert {r.guid for r in fetch_letters(s, Folder.INCOMING, 0, 10)} == {guid, other}
        ops = [o.op for o in s.scalars(select(OutboxOperation).order_by(OutboxOperation.id))]
        assert ops == [A.FILE_OP, A.FILE_OP, A.UNFILE_OP, A.UNFILE_OP]


def test_search_finds_a_letter_by_the_file_number_of_its_folder(store: Store) -> None:
    _folders(store)
    guid = _letter(store, "اعتراض به نتیجه مناقصه")
    _letter(store, "دعوت به جلسه")
    with store.reader() as s:
        assert count_letters(s, None, "۱۴۰۵/ح/۱۲") == 0
    A.file_letter(store, guid, CASE, "secretary")
    with store.reader() as s:
        for typed in ("۱۴۰۵/ح/۱۲", "1405/ح/12", "مناقصه ۱۴۰۵/ح/۱۲"):
            assert [r.guid for r in fetch_letters(s, None, 0, 10, typed)] == [guid], typed
    with store.session() as s:  # the folder is renumbered on the server: found by the new number
        A.apply_folders(s, {"items": [{"id": CASE, "parent": None, "title": "دعوی شرکت نمونه",
                                       "file_number": "۱۴۰۵/ح/۹۹", "cursor": 3}]})
    with store.reader() as s:
        assert count_letters(s, None, "۱۴۰۵/ح/۹۹") == 1 and count_letters(s, None, "۱۴۰۵/ح/۱۲") == 0
    A.unfile_letter(store, guid, CASE, "secretary", "اشتباه")
    with store.reader() as s:
        assert count_letters(s, None, "۱۴۰۵/ح/۹۹") == 0


def test_a_draft_is_not_filed_and_a_refused_filing_puts_the_letter_back(store: Store) -> None:
    _folders(store)
    with pytest.raises(InvalidContent) as draft:
        A.file_letter(store, _letter(store, "پیش‌نویس", state="draft"), CASE, "secretary")
    assert draft.value.message_fa == "نامه پیش از ارسال یا ثبت در دبیرخانه بایگانی نمی‌شود."
    guid = _letter(store, "نامه وارده")
    A.file_letter(store, guid, CASE, "secretary")
    with store.session() as s:
        item = s.scalars(select(OutboxOperation)).one()
        A.mark_refused(s, item, "شما مجوز انجام این کار را ندارید.", "403 forbidden")
    with store.reader() as s:
        assert not s.get(Letter, guid).archived  # type: ignore[union-attr]
        assert s.scalars(select(ArchiveChange)).one().reject_reason == "شما مجوز انجام این کار را ندارید."
    assert A.places(store, guid) == []


def test_a_store_made_before_the_archive_upgrades_with_its_letters(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "dabir.sqlite3")
    migrate(engine, "0011")
    now = dt.datetime(2026, 1, 1)
    guid = "33333333-3333-3333-3333-333333333333"
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO letters (guid, kind, state, subject, body, sender_agency, sender_unit, sender_person,"
            " sender_name, priority, classification, in_reply_to_shams, follow_up_of_shams, archived, letterhead,"
            " signatories, created_at, updated_at) VALUES (:g, 'incoming', 'received', 'گزارش', '', :a, '', '', '',"
            " 'normal', 'normal', '', '', 1, '', '[]', :t, :t)"), {"g": guid, "a": AGENCY, "t": now})
    migrate(engine)
    assert schema_version(engine) == SCHEMA_HEAD
    engine.dispose()
    store = Store(tmp_path)
    try:
        with store.reader() as s:
            # archived before the tree existed: still in «بایگانی», in no folder
            assert [r.guid for r in fetch_letters(s, Folder.ARCHIVE, 0, 10)] == [guid]
        assert A.tree(store) == [] and A.places(store, guid) == []
    finally:
        store.close()


def test_folders_are_listed_by_file_number_as_numbers(store: Store) -> None:
    """«۱۴۰۵/ح/۳» comes before «۱۴۰۵/ح/۱۲», as in a filing cabinet, whatever digits were typed."""
    _folders(store)
    assert [n.file_number for n in A.tree(store)] == ["1405/ح/3", "۱۴۰۵/ح/۱۲"]
