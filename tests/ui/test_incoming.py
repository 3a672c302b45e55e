"""The incoming desk in the window: «ثبت وارده» on a received letter (the list and its view), and
the paper registration form with its national code check and scanned pages."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.models.changes import Changes
from app.models.db import Store
from app.models.folders import Folder
from app.models.incoming import PaperLetter, register_paper
from app.models.tables import Agency, Letter, OutboxOperation, Setting, Unit
from app.protocol.persian import normalize
from app.sync.account import SENDER_SETTING
from app.sync.engine import SyncEngine
from app.ui.letter_details import LetterDetails
from app.ui.paper_incoming_dialog import PaperIncomingDialog
from app.ui.sync_bridge import SyncBridge
from tests.sync.test_engine_unit import ScriptedServer
from tests.ui.conftest import add_letter
from tests.ui.editor_conftest_helpers import save_screenshot, type_text
from tests.ui.workflow_helpers import pdf_text

CITIZEN = "0010203044"
OWN = "14000123453"


def _state(store: Store, guid: str) -> str:
    with store.reader() as s:
        letter = s.get(Letter, guid)
        assert letter is not None
        return letter.state


def _select(window, row: int) -> None:  # type: ignore[no-untyped-def]
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    window.table.selectionModel().select(window.model.index(row, 0), flags)


def test_a_received_letter_is_registered_from_the_list_and_shows_provisional(  # type: ignore[no-untyped-def]
        window, store: Store, qtbot, artifacts_dir: Path) -> None:
    guid = add_letter(store, "درخواست همکاری در طرح ملی", kind="incoming", state="received")
    add_letter(store, "گزارش پیشرفت پروژه", kind="incoming", state="registered_incoming")
    window.resize(1280, 720)
    window.refresh()
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() == 2, timeout=5000)
    assert window.model.folder is Folder.INCOMING
    row = next(i for i in range(2) if window.model.letter_at(i).guid == guid)
    _select(window, row)
    # besides «گشودن», the received letter can be registered
    assert window.incoming.register.isEnabled() and window.incoming.register.text() == "ثبت وارده"
    assert window.incoming.paper.isEnabled()
    save_screenshot(window, artifacts_dir / "incoming_list_actions.png")
    _select(window, 1 - row)  # an already registered one cannot be registered again
    assert not window.incoming.register.isEnabled()

    details = window.open_letter(guid)
    assert isinstance(details, LetterDetails)
    assert window.incoming.register.isEnabled()  # the action follows the letter in the open tab
    window.incoming.register.trigger()
    qtbot.waitUntil(lambda: _state(store, guid) == "incoming_provisional", timeout=5000)
    qtbot.waitUntil(lambda: "موقت" in details.text(), timeout=5000)
    assert "ثبت موقت" in details.text()  # the state, until the next sync brings the number
    assert not window.incoming.register.isEnabled()
    with store.reader() as s:
        ops = s.scalars(select(OutboxOperation).where(OutboxOperation.letter_guid == guid)).all()
        assert [(o.op, o.status) for o in ops] == [("incoming", "pending")]
    save_screenshot(window, artifacts_dir / "incoming_letter_provisional.png")


def test_paper_form_checks_the_national_code_and_registers_with_scans(  # type: ignore[no-untyped-def]
        window, store: Store, qtbot, tmp_path: Path, artifacts_dir: Path) -> None:
    with store.session() as s:
        s.add(Agency(national_id="14000234561", name="وزارت راه و شهرسازی", name_norm="وزارت راه و شهرسازی"))
    scans = [tmp_path / "صفحه-۱.png", tmp_path / "صفحه-۲.pdf"]
    scans[0].write_bytes(b"\x89PNG\r\n\x1a\n" + b"page" * 50)
    scans[1].write_bytes(b"%PDF-1.4 page two")
    dialog = window.incoming.open_paper_form()
    assert isinstance(dialog, PaperIncomingDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    assert dialog.agency.count() == 1 and dialog.agency.currentText() == "وزارت راه و شهرسازی"
    assert dialog.sender_date.date() is not None  # the Jalali date picker opens on today

    dialog.sender_kind.setCurrentIndex(dialog.sender_kind.findData("person"))
    assert dialog.id_label.text() == "کد ملی:" and not dialog.agency.isVisible()
    type_text(dialog.sender_name, "علی رضایی")
    type_text(dialog.sender_id, "۰۰۱۰۲۰۳۰۴۵")  # a wrong check digit, typed in Persian digits: checked at once
    assert dialog.id_error.text() == "رقم کنترل کد ملی نادرست است." and dialog.id_error.isVisible()
    type_text(dialog.subject, "درخواست صدور مجوز")
    dialog.register_button.click()  # refused: nothing is stored
    assert dialog.error.text() == "رقم کنترل کد ملی نادرست است."
    with store.reader() as s:
        assert s.scalars(select(Letter)).all() == []
    save_screenshot(dialog, artifacts_dir / "paper_incoming_form_refused.png")

    dialog.sender_id.clear()
    type_text(dialog.sender_id, "۰۰۱۰۲۰۳۰۴۴")
    assert not dialog.id_error.isVisible()
    dialog.channel.setCurrentIndex(dialog.channel.findData("post"))  # a person's letter names its channel
    type_text(dialog.sender_number, "۱۲/الف")
    type_text(dialog.summary, "متقاضی صدور مجوز تأسیس دفتر خدمات است.")
    dialog.priority.setCurrentIndex(dialog.priority.findData("urgent"))
    dialog.ask_scan_files = lambda: [str(p) for p in scans]
    dialog.add_scans()
    qtbot.waitUntil(lambda: not dialog.checking_scans, timeout=5000)
    assert dialog.scan_list.count() == 2
    QApplication.processEvents()
    save_screenshot(dialog, artifacts_dir / "paper_incoming_form.png")
    with qtbot.waitSignal(dialog.registered, timeout=5000):
        dialog.register_button.click()

    with store.reader() as s:
        [letter] = s.scalars(select(Letter)).all()
        assert (letter.kind, letter.state, letter.channel) == ("incoming", "incoming_provisional", "paper")
        assert (letter.sender_kind, letter.sender_id, letter.sender_name) == ("person", CITIZEN, "علی رضایی")
        assert (letter.subject, letter.priority, letter.sender_number) == ("درخواست صدور مجوز", "urgent", "۱۲/الف")
        assert letter.sender_date is not None
        assert [(a.file_name, a.media_type, a.remote_address) for a in letter.attachments] == [
            ("صفحه-۱.png", "image/png", None), ("صفحه-۲.pdf", "application/pdf", None)]
        assert all(store.blobs.has(a.sha256) for a in letter.attachments)
        guid = letter.guid
    details = window.open_letter(guid)
    assert isinstance(details, LetterDetails)
    text = details.text()
    for expected in ("موقت", "پست\nمجرای دریافت:", "۰۰۱۰۲۰۳۰۴۴", "صفحه-۱.png", "فقط روی این رایانه؛ هنوز بارگذاری نشده"):
        assert expected in text, expected
    window.resize(1100, 760)
    save_screenshot(window, artifacts_dir / "paper_incoming_letter.png")


class _NumberingServer(ScriptedServer):
    """The scripted server that also gives incoming numbers, for the letter and the paper form alike."""

    def __init__(self) -> None:
        super().__init__()
        self.numbers = 0

    def _number(self) -> dict[str, Any]:
        self.numbers += 1
        return {"incoming_number": f"1405/{self.numbers + 1}", "registered_at": "2026-11-25T10:00:00Z"}

    def register_incoming(self, guid: str, *, idempotency_key: str) -> dict[str, Any]:
        return self._number()

    def register_paper(self, body: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        return self._number()


def _list_texts(window) -> list[str]:  # type: ignore[no-untyped-def]
    model = window.model
    return [str(model.index(r, c).data() or "") for r in range(model.rowCount()) for c in range(model.columnCount())]


def test_the_number_of_a_registered_letter_shows_in_the_open_tab_and_list_after_the_sync_pass(  # type: ignore[no-untyped-def]
        window, store: Store, qtbot) -> None:
    guid = add_letter(store, "درخواست همکاری در طرح ملی", kind="incoming", state="received")
    window.refresh()
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() == 1, timeout=5000)
    details = window.open_letter(guid)
    assert isinstance(details, LetterDetails)
    window.incoming.register.trigger()
    qtbot.waitUntil(lambda: "موقت" in details.text(), timeout=5000)
    qtbot.waitUntil(lambda: any("موقت" in t for t in _list_texts(window)), timeout=5000)

    server = _NumberingServer()
    bridge = SyncBridge(store, engine_factory=lambda st, ev: SyncEngine(st, server, on_event=ev))
    with qtbot.waitSignal(bridge.synced, timeout=10_000):
        bridge.sync_now()
    assert _state(store, guid) == "registered_incoming"
    qtbot.waitUntil(lambda: "۱۴۰۵/۲" in details.text(), timeout=5000)  # without leaving the tab
    assert "موقت" not in details.text()
    qtbot.waitUntil(lambda: not any("موقت" in t for t in _list_texts(window)), timeout=5000)
    assert any("۱۴۰۵/۲" in t for t in _list_texts(window))  # «شماره»: the desk's incoming number


def test_a_paper_letter_has_no_signature_banner_names_its_desk_and_gets_its_number(  # type: ignore[no-untyped-def]
        window, store: Store, qtbot) -> None:
    with store.session() as s:
        s.add(Agency(national_id=OWN, name="وزارت نمونه", name_norm="وزارت نمونه"))
        s.add(Unit(agency=OWN, code="secretariat", name="دبیرخانه مرکزی", name_norm="دبیرخانه مرکزی"))
        s.add(Setting(key=SENDER_SETTING, value={"agency": OWN, "unit": "secretariat", "person": "s.ahmadi",
                                                 "name": "سارا احمدی", "roles": ["secretary"]}))
    guid = register_paper(store, PaperLetter(sender_kind="person", sender_id=CITIZEN, sender_name="علی رضایی",
                                             subject="درخواست صدور مجوز", summary="متقاضی صدور مجوز است."))
    with store.reader() as s:
        assert s.get(Letter, guid).verify_status is None  # type: ignore[union-attr]  # never rechecked
    details = window.open_letter(guid)
    assert isinstance(details, LetterDetails)
    assert details.verification_banner.isHidden()  # a paper letter has no electronic signature to check
    text = details.text()
    assert "نامهٔ کاغذی؛ امضای الکترونیکی ندارد" in text
    assert "وزارت نمونه، دبیرخانه مرکزی" in text  # the recipients: the desk that received it

    server = _NumberingServer()
    bridge = SyncBridge(store, engine_factory=lambda st, ev: SyncEngine(st, server, on_event=ev))
    with qtbot.waitSignal(bridge.synced, timeout=10_000):
        bridge.sync_now()
    qtbot.waitUntil(lambda: "۱۴۰۵/۲" in details.text(), timeout=5000)
    with store.reader() as s:
        assert s.get(Letter, guid).verify_status is None  # type: ignore[union-attr]


def test_a_paper_letter_is_exported_as_its_registration_sheet(  # type: ignore[no-untyped-def]
        window, store: Store, qtbot, tmp_path: Path) -> None:
    def exported(paper: PaperLetter, number: str, out: Path) -> list[str]:
        """Register the letter numbered ``number``, open it and export its sheet to ``out``: the names asked."""
        guid = register_paper(store, paper)
        with store.session() as s:
            letter = s.get(Letter, guid)
            assert letter is not None
            letter.incoming_number, letter.state = number, "registered_incoming"
        window.open_letter(guid)
        assert window.actions_.print.isEnabled() and window.actions_.export_pdf.isEnabled()
        assert not window.actions_.export_signed_pdf.isEnabled()
        names: list[str] = []
        window.actions_.ask_save_path = lambda _title, name: names.append(name) or str(out)
        op = window.actions_.export_selected_pdf()
        assert op is not None
        qtbot.waitUntil(lambda: op.is_done, timeout=20_000)
        assert window.last_warning is None, window.last_warning
        return names

    out = tmp_path / "sheet.pdf"
    names = exported(PaperLetter(sender_kind="person", sender_id=CITIZEN, sender_name="علی رضایی",
                                 subject="درخواست صدور مجوز", summary="متقاضی صدور مجوز است."), "1405/2", out)
    assert names == ["وارده-1405-2.pdf"]
    text = pdf_text(out)
    for expected in ("برگ ثبت نامهٔ واردهٔ کاغذی", "درخواست صدور مجوز", "علی رضایی", "۰۰۱۰۲۰۳۰۴۴",
                     "متقاضی صدور مجوز است"):
        assert normalize(expected) in text, expected
    printed = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert not re.search(r"[0-9]", printed), printed  # Persian digits only (print_() numbered the page «1»)

    # a person's letter that came through a portal is not called a paper letter: its channel says how it came
    out = tmp_path / "portal.pdf"
    exported(PaperLetter(sender_kind="person", sender_id=CITIZEN, sender_name="علی رضایی",
                         subject="درخواست از درگاه", channel="portal"), "1405/3", out)
    text = pdf_text(out)
    assert normalize("برگ ثبت نامهٔ وارده") in text and normalize("کاغذی") not in text
    assert normalize("درگاه اینترنتی دستگاه") in text


def test_paper_form_keeps_its_fields_in_place_and_writes_the_summary_right_to_left(  # type: ignore[no-untyped-def]
        window, store: Store, qtbot) -> None:
    dialog = window.incoming.open_paper_form()
    assert isinstance(dialog, PaperIncomingDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    dialog.sender_kind.setCurrentIndex(dialog.sender_kind.findData("person"))
    QApplication.processEvents()
    before = dialog.subject.mapTo(dialog, dialog.subject.rect().topLeft())
    type_text(dialog.sender_id, "۰۰۱۰۲۰۳۰۴۵")  # the check digit is wrong: the message shows…
    assert dialog.id_error.isVisible()
    QApplication.processEvents()
    assert dialog.subject.mapTo(dialog, dialog.subject.rect().topLeft()) == before  # …without moving the form

    width = dialog.summary.viewport().width()
    assert dialog.summary.cursorRect().x() > width * 0.9  # empty: the caret waits on the right
    type_text(dialog.summary, "متقاضی صدور مجوز است.")
    dialog.summary.moveCursor(QTextCursor.MoveOperation.Start)
    assert dialog.summary.cursorRect().x() > width * 0.9  # the text starts at the right edge
    dialog.reject()


def test_a_staff_member_is_not_offered_to_register_incoming_letters(  # type: ignore[no-untyped-def]
        window, store: Store, qtbot) -> None:
    """The server numbers incoming letters for the secretariat only: a staff member who pressed
    «ثبت وارده» was told «نامه ثبت شد» and the next sync was silently refused (403)."""
    add_letter(store, "درخواست همکاری در طرح ملی", kind="incoming", state="received")
    with store.session() as s:
        s.add(Setting(key=SENDER_SETTING, value={"agency": OWN, "unit": "it", "person": "b.staff",
                                                 "name": "کارشناس", "roles": ["staff"]}))
    window.refresh()
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() == 1, timeout=5000)
    _select(window, 0)
    assert not window.incoming.register.isEnabled() and not window.incoming.paper.isEnabled()
    with store.session() as s:  # the same profile signed in again as the secretary
        setting = s.get(Setting, SENDER_SETTING)
        assert setting is not None
        setting.value = {**setting.value, "roles": ["secretary"]}
    window._on_store_changed(Changes(settings=True), None)
    assert window.incoming.register.isEnabled() and window.incoming.paper.isEnabled()


def test_the_senders_letter_number_reads_in_persian_digits(persian_app) -> None:  # type: ignore[no-untyped-def]
    """Typed on a Latin keyboard («12/45»), it was shown so beside Persian dates and codes."""
    from app.ui.incoming_details import incoming_rows

    rows = incoming_rows(lambda label, value: f"{label} {value}", {"channel": "paper", "sender_number": "12/45"})
    assert any("۱۲/۴۵" in r for r in rows) and not any("12/45" in r for r in rows), rows


def test_a_letter_from_a_channel_is_not_said_to_have_come_on_paper(persian_app) -> None:  # type: ignore[no-untyped-def]
    """A pishkhan office's letter (channel API) showed «کاغذی (پست یا تحویل دستی)» under its channel."""
    from app.ui.incoming_details import incoming_rows

    def rows(extra: dict) -> str:
        return "\n".join(incoming_rows(lambda label, value: f"{label} {value}", {"channel": "paper", **extra}))

    citizen = rows({"sender_kind": "person", "sender_id": "0010203044", "tracking_id": "269639570078",
                    "citizen_channel": "دفتر پیشخوان دولت"})
    assert "مجرای دریافت: دفتر پیشخوان دولت" in citizen and "نحوهٔ دریافت" not in citizen, citizen
    assert "نحوهٔ دریافت: کاغذی (پست یا تحویل دستی)" in rows({"sender_kind": "agency", "sender_id": "14000123453"})
