"""The small reads behind the main window: letter lists, one letter's state and details, settings."""

from __future__ import annotations

import pytest

from app.models import letters as L
from app.models.changes import Changes
from app.models.db import Store
from app.models.folders import Folder
from app.models.letter_details import read_details
from app.models.letter_lists import read_count, read_folder_counts, read_outbox, read_page
from app.models.letter_lookup import letter_summary, printable_view
from app.models.letter_view import NotRegistered
from app.models.profile import (
    SERVER_BASE_SETTING,
    TOKEN_MODULE_SETTING,
    read_setting,
    server_base_setting,
    token_module_setting,
)
from app.models.tables import Letter, Setting
from tests.sync.test_engine_unit import queued_letter


def test_changes_merge_and_say_whether_anything_changed() -> None:
    assert not Changes() and Changes(settings=True)
    merged = Changes.of_letters(["a"]) | Changes(letters=frozenset({"b"}), outbox=True)
    assert merged == Changes(letters=frozenset({"a", "b"}), outbox=True)
    assert merged.touches("a") and not merged.touches("c") and not merged.touches(None)


def test_lists_and_one_letter(store: Store) -> None:
    guid = queued_letter(store, "گزارش پیشرفت پروژه")
    assert [r.guid for r in read_page(store, Folder.OUTBOX, 0, 10)] == [guid]
    assert read_page(store, Folder.OUTBOX, 0, 10, "پروژه")[0].subject == "گزارش پیشرفت پروژه"
    assert read_count(store, Folder.OUTBOX) == 1 and read_count(store, Folder.DRAFTS) == 0
    assert read_folder_counts(store)[Folder.OUTBOX] == 1
    assert [(p.guid, p.step) for p in read_outbox(store)] == [(guid, "queued")]

    summary = letter_summary(store, guid)
    assert summary is not None and (summary.state, summary.subject) == ("queued", "گزارش پیشرفت پروژه")
    assert letter_summary(store, "00000000-0000-0000-0000-000000000000") is None
    with pytest.raises(NotRegistered):
        printable_view(store, guid)  # no SHAMS yet: nothing official to print

    details = read_details(store, guid)
    assert details.state == "queued" and details.receipt == "none" and details.reject_reason is None
    assert len(details.signatures) == 1 and [p.role for p in details.parties] == ["to"]
    with store.session() as s:
        letter = s.get(Letter, guid)
        assert letter is not None
        L.transition(s, letter, "rejected")
        letter.reject_reason = "شناسه ملی گیرنده نامعتبر است."
    assert read_details(store, guid).reject_reason == "شناسه ملی گیرنده نامعتبر است."


def test_settings_the_desktop_app_reads(store: Store) -> None:
    assert read_setting(store, "profile:sender") is None
    assert token_module_setting(store) is None and server_base_setting(store) == ""
    with store.session() as s:
        s.add(Setting(key=TOKEN_MODULE_SETTING, value={"path": "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"}))
        s.add(Setting(key=SERVER_BASE_SETTING, value={"url": "https://dabir.example.ir"}))
    assert token_module_setting(store) == "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
    assert server_base_setting(store) == "https://dabir.example.ir"
    with store.session() as s:
        s.get(Setting, TOKEN_MODULE_SETTING).value = "/opt/vendor/pkcs11.so"  # type: ignore[union-attr]
    assert token_module_setting(store) == "/opt/vendor/pkcs11.so"  # a bare path is accepted too


def test_a_received_signed_letter_prints_its_signatory_from_the_arrival_check(store: Store) -> None:
    """The receiving desk's copy keeps no signature rows (the sender's CMS stays in the package):
    its printout still names who signed, as the arrival check found them, with the directory's title."""
    from app.models.tables import Agency, Person, utcnow
    from app.protocol.persian import normalize

    sender = "14000123453"
    with store.session() as s:
        s.add(Agency(national_id=sender, name="سازمان نمونه الف", name_norm=normalize("سازمان نمونه الف")))
        s.add(Person(agency=sender, username="a.signatory", name="علی رضایی", name_norm=normalize("علی رضایی"),
                     title="مدیرکل دفتر حقوقی", national_code="0001123459", signatory=True))
        letter = L.create_letter(s, kind="incoming", subject="درخواست همکاری", body="<p>متن</p>",
                                 sender={"agency": sender, "name": "دبیر دبیرخانه"},
                                 recipients=[{"agency": "14000678906", "name": "سازمان نمونه ب"}])
        letter.state, letter.shams = "registered_incoming", f"{sender}-O-1405-1"
        letter.registered_at = utcnow()
        letter.verification = {"status": "valid", "valid": True, "signers": [
            {"valid": True, "name": "علی رضایی", "subject": "2.5.4.5=0001123459,CN=علی رضایی,O=Dabir Demo,C=IR",
             "national_code": "0001123459", "title": "", "signing_time": "2026-12-05T14:42:00Z"},
            {"valid": False, "name": "جاعل", "subject": "CN=جاعل", "national_code": "", "title": ""}]}
        guid = letter.guid
    view = printable_view(store, guid)
    assert [(x.name, x.title, x.national_code) for x in view.signatories] == [
        ("علی رضایی", "مدیرکل دفتر حقوقی", "0001123459")]  # an invalid signature is not printed as a signer
    assert view.signer_national_codes == ("0001123459",)
