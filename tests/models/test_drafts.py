"""Drafts as the editor reads and writes them: one transaction per save, and what it changed."""

from __future__ import annotations

import pytest

from app.models import letters as L
from app.models.db import Store
from app.models.directory import DirectoryEntry
from app.models.drafts import (
    INTERNAL_OUTSIDE_FA,
    DraftValues,
    check_complete,
    is_signed,
    load_draft,
    save_draft,
)
from app.models.letter_links import LetterLink
from app.models.tables import AuditEvent, Letter
from app.protocol.canonical import InvalidContent, content_sha256
from tests.models.directory_seed import MINISTRY, OWN_AGENCY

SENDER = {"agency": OWN_AGENCY, "unit": "secretariat", "person": "karimi", "name": "مریم کریمی"}
REZAEI = DirectoryEntry("person", MINISTRY, unit="it", person="rezaei", name="علی رضایی")
MINISTRY_ENTRY = DirectoryEntry("agency", MINISTRY, name="وزارت علوم، تحقیقات و فناوری")
KARIMI = DirectoryEntry("person", OWN_AGENCY, person="karimi", name="مریم کریمی، مدیرکل دبیرخانه",
                        national_code="0067749828")


def values(**kw: object) -> DraftValues:
    base: dict[str, object] = {"subject": "درخواست همکاری", "body": "<p>با سلام</p>", "to": [REZAEI]}
    return DraftValues(**{**base, **kw})  # type: ignore[arg-type]


def test_save_creates_then_updates_one_letter_and_says_which(store: Store) -> None:
    created = save_draft(store, None, values(cc=[MINISTRY_ENTRY], letterhead="سربرگ معاونت",
                                             signatories=[REZAEI]), kind="internal", sender=SENDER, actor="karimi")
    assert created.changes.letters == {created.guid} and not created.changes.outbox
    loaded = load_draft(store, created.guid)
    assert (loaded.kind, loaded.state, loaded.signed, loaded.editable) == ("internal", "draft", False, True)
    assert loaded.values.to == [REZAEI] and loaded.values.cc == [MINISTRY_ENTRY]
    assert loaded.values.signatories == [REZAEI] and loaded.values.letterhead == "سربرگ معاونت"

    link = LetterLink(created.guid, "14000123453-O-1405-7", "")
    updated = save_draft(store, created.guid, values(subject="درخواست همکاری (دوم)", in_reply_to=link),
                         kind="internal", sender=SENDER, actor="karimi")
    assert updated.guid == created.guid and updated.changes.letters == {created.guid}
    again = load_draft(store, created.guid).values
    assert again.subject == "درخواست همکاری (دوم)" and again.cc == []
    assert again.in_reply_to == LetterLink(created.guid, link.shams, "درخواست همکاری (دوم)")  # subject looked up
    with store.reader() as s:
        assert s.query(Letter).count() == 1
        assert [e.action for e in s.query(AuditEvent).order_by(AuditEvent.id)] == ["created", "edited"]


def test_a_failed_save_writes_nothing(store: Store) -> None:
    with pytest.raises(InvalidContent) as exc:
        save_draft(store, None, values(priority="whenever"), kind="outgoing", sender=SENDER)
    assert exc.value.field == "priority"
    with store.reader() as s:
        assert s.query(Letter).count() == 0 and s.query(AuditEvent).count() == 0


def test_saving_a_signed_letter_drops_its_signature(store: Store) -> None:
    guid = save_draft(store, None, values(), kind="outgoing", sender=SENDER).guid
    with store.session() as s:
        letter = s.get(Letter, guid)
        assert letter is not None
        L.add_signature(s, letter, cms=b"cms", content_sha256_hex=content_sha256(L.letter_content(letter)))
    assert is_signed(store, guid) and load_draft(store, guid).editable  # still editable: the edit unsigns it
    save_draft(store, guid, values(subject="اصلاحیه"), kind="outgoing", sender=SENDER)
    assert not is_signed(store, guid) and load_draft(store, guid).state == "draft"


def test_check_complete_names_the_missing_field(store: Store) -> None:
    guid = save_draft(store, None, values(to=[]), kind="outgoing", sender=SENDER).guid
    with pytest.raises(InvalidContent) as exc:
        check_complete(store, guid)
    assert exc.value.field.startswith("recipients")
    save_draft(store, guid, values(), kind="outgoing", sender=SENDER)
    with pytest.raises(InvalidContent) as exc:  # no signatory listed: it cannot go for signature
        check_complete(store, guid)
    assert exc.value.field == "signatories" and "امضاکننده" in exc.value.message_fa
    save_draft(store, guid, values(signatories=[KARIMI]), kind="outgoing", sender=SENDER)
    check_complete(store, guid)  # complete now: no error
    with pytest.raises(LookupError):
        load_draft(store, "00000000-0000-0000-0000-000000000000")


def test_an_internal_letter_to_another_agency_does_not_go_for_signature(store: Store) -> None:
    """The server refuses it at registration (internal_recipient_outside_agency): said before the
    signatory signs it for nothing, next to the recipients."""
    guid = save_draft(store, None, values(signatories=[KARIMI]), kind="internal", sender=SENDER).guid  # to REZAEI
    with pytest.raises(InvalidContent) as exc:
        check_complete(store, guid)
    assert (exc.value.field, exc.value.message_fa) == ("recipients[0].agency", INTERNAL_OUTSIDE_FA)
    colleague = DirectoryEntry("person", OWN_AGENCY, person="rahimi", name="سارا رحیمی")
    save_draft(store, guid, values(to=[colleague], signatories=[KARIMI]), kind="internal", sender=SENDER)
    check_complete(store, guid)  # inside the agency: it goes
