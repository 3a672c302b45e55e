"""Finding a letter by its SHAMS as people see it: displayed, printed, typed in either digits."""

from __future__ import annotations

import pytest

from app.models.db import Store
from app.models.folders import Folder, fetch_letters
from app.models.letters import create_letter
from app.models.search import fts_query
from app.models.tables import Letter
from app.protocol.shams import display_text

OWN = {"agency": "14000123453", "unit": "دبیرخانه", "name": "دبیرخانه"}


def _numbered(store: Store, subject: str, shams: str, state: str) -> str:
    with store.session() as s:
        letter = create_letter(s, kind="outgoing", subject=subject, body="متن ۱۴۰۵", sender=OWN,
                               recipients=[{"role": "to", "agency": "14000234561", "name": "وزارت راه"}])
        s.flush()
        row = s.get(Letter, letter.guid)
        assert row is not None
        row.state, row.shams = state, shams
        return letter.guid


@pytest.fixture
def numbered(store: Store) -> Store:
    _numbered(store, "یکم", "14000123453-O-1405-1", "sent")
    _numbered(store, "دوازدهم", "14000123453-O-1405-12", "sent")
    _numbered(store, "داخلی یکم", "14000123453-I-1405-1", "registered")
    return store


def _find(store: Store, text: str, folder: Folder | None = None) -> set[str]:
    with store.reader() as s:
        return {r.subject for r in fetch_letters(s, folder, 0, 50, text)}


@pytest.mark.parametrize("text", [
    "۱۴۰۰۰۱۲۳۴۵۳-ص-۱۴۰۵-۱",  # as displayed and printed
    display_text("14000123453-O-1405-1"),  # copied from the list, direction marks and all
    "ص-۱۴۰۵-۱",  # without the agency
    "14000123453-ص-1405-1",  # Latin digits
    "ص-1405-1",
    "14000123453-O-1405-1",  # canonical
    "o-1405-1",
])
def test_a_shams_is_found_as_displayed_or_canonical(numbered: Store, text: str) -> None:
    assert _find(numbered, text) == {"یکم"}


def test_the_domain_letter_tells_internal_from_outgoing(numbered: Store) -> None:
    assert _find(numbered, "د-۱۴۰۵-۱") == {"داخلی یکم"}
    assert _find(numbered, "14000123453-I-1405-1") == {"داخلی یکم"}
    assert _find(numbered, "ص-۱۴۰۵-۱۲") == {"دوازدهم"}


def test_no_folder_searches_every_folder(numbered: Store) -> None:
    assert _find(numbered, "۱۴۰۰۰۱۲۳۴۵۳", None) == {"یکم", "دوازدهم", "داخلی یکم"}
    assert _find(numbered, "۱۴۰۰۰۱۲۳۴۵۳", Folder.SENT) == {"یکم", "دوازدهم"}


def test_a_shams_beside_words_needs_both(numbered: Store) -> None:
    assert _find(numbered, "ص-۱۴۰۵-۱ یکم") == {"یکم"}
    assert _find(numbered, "ص-۱۴۰۵-۱ دوازدهم") == set()


def test_typed_fts_syntax_stays_inert() -> None:
    assert fts_query('shams : "x" OR') == '"shams" "x" "or"*'


def test_incoming_letters_are_found_by_the_desks_number_and_the_paper_senders_ids(store: Store) -> None:
    from app.models.incoming import PaperLetter, register_paper

    guid = register_paper(store, PaperLetter(sender_kind="person", sender_id="۰۰۱۰۲۰۳۰۴۴", sender_name="علی رضایی",
                                             subject="درخواست صدور مجوز", sender_number="۱۲/الف"))
    company = register_paper(store, PaperLetter(sender_kind="company", sender_id="14000123453",
                                                sender_name="شرکت نمونه", subject="پیشنهاد همکاری"))
    with store.session() as s:  # what the sync pass stores when the server gives the number
        letter = s.get(Letter, guid)
        assert letter is not None
        letter.incoming_number = "1405/2"
    for typed in ("۱۴۰۵/۲", "1405/2", "۰۰۱۰۲۰۳۰۴۴", "0010203044", "۱۲/الف"):
        assert _find(store, typed) == {"درخواست صدور مجوز"}, typed
    assert _find(store, "۱۴۰۰۰۱۲۳۴۵۳") == {"پیشنهاد همکاری"}
    assert company


def test_a_tracking_id_is_found_however_it_is_typed(store: Store) -> None:
    """Read off the receipt in groups and Persian digits, typed with spaces or none: the one indexed word."""
    from app.protocol.tracking import display_tracking_id, new_tracking_id

    tracking = new_tracking_id()
    guid = _numbered(store, "نامهٔ شهروند", "14000123453-O-1405-3", "sent")
    _numbered(store, "دیگری", "14000123453-O-1405-4", "sent")
    with store.session() as s:
        row = s.get(Letter, guid)
        assert row is not None
        row.tracking_id = tracking
    for typed in (display_tracking_id(tracking), display_tracking_id(tracking, persian=False), tracking,
                  display_tracking_id(tracking).replace("-", " "), f"\u2066\u202a{display_tracking_id(tracking)}\u202c\u2069"):
        assert _find(store, typed) == {"نامهٔ شهروند"}, typed
    assert fts_query("1234-5678-9012") == '"1234" "5678" "9012"*'  # not a valid id: digits as typed
