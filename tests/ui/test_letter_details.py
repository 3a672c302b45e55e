"""The read-only letter view (SHAMS, receipt, acknowledgements, a rejection) and PDF export."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool

from app.models.db import Store
from app.models.letters import create_letter
from app.models.tables import Agency, Letter, Setting, Unit
from app.protocol.jalali import format_datetime
from app.protocol.persian import normalize
from app.protocol.receipt import parse_time
from app.protocol.shams import display_text
from app.sync.engine import SyncEngine
from app.ui.letter_details import LetterDetails
from app.ui.main_window import MainWindow
from app.ui.sync_bridge import SyncBridge
from tests.sync.test_engine_unit import B, ScriptedServer, queued_letter
from tests.ui.editor_conftest_helpers import save_screenshot
from tests.ui.workflow_helpers import pdf_text

pytestmark = [pytest.mark.gui]
SUBJECT = "درخواست تمدید قرارداد پشتیبانی"
ACK_AT = "2026-11-26T08:30:00Z"


def test_details_show_shams_receipt_and_acknowledgement(window: MainWindow, store: Store, qtbot, artifacts_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = ScriptedServer()
    guid = queued_letter(store, SUBJECT)
    bridge = SyncBridge(store, window, engine_factory=lambda st, ev: SyncEngine(st, server, on_event=ev))
    window.attach_bridge(bridge)
    with qtbot.waitSignal(bridge.synced, timeout=10_000):
        bridge.sync_now()
    server.ack_items = [{"cursor": 1, "guid": guid, "recipient_agency": B, "status": "registered",
                         "incoming_number": "1405/7781", "at": ACK_AT}]
    with qtbot.waitSignal(bridge.synced, timeout=10_000):
        bridge.sync_now()
    assert window.notifier.history[-1] == ("تحویل نامه", f"نامه «{SUBJECT}» نزد گیرنده ثبت شد.")
    window.notifier.clicked()  # the balloon clicked: the letter opens
    assert isinstance(window.tabs.currentWidget(), LetterDetails) and window.tabs.currentWidget().guid == guid
    with store.reader() as s:
        shams = s.get(Letter, guid).shams
        assert s.get(Letter, guid).state == "acknowledged"

    details = window.open_letter(guid)
    assert isinstance(details, LetterDetails)
    # the actions follow the letter in the current tab, whatever the list selection is
    assert window.actions_.print.isEnabled() and window.actions_.export_pdf.isEnabled()
    window.tabs.setCurrentIndex(0)
    window.table.clearSelection()
    assert not window.actions_.print.isEnabled()
    window.tabs.setCurrentWidget(details)
    assert window.actions_.export_signed_pdf.isEnabled()
    text = details.text()
    assert display_text(shams) in text  # ۱۴۰۰۰۱۲۳۴۵۳-ص-۱۴۰۵-۱, held left to right
    assert "ثبت‌شده نزد گیرنده" in text and "دریافت و تأیید شد" in text
    assert f"ثبت شد به شماره وارده {display_text('1405/7781')} — {format_datetime(parse_time(ACK_AT))}" in text
    assert "۱۴۰۵/۰۹/۰۴" in text  # registered 2026-11-25 10:00 UTC = ۴ آذر ۱۴۰۵, Tehran
    window.resize(1100, 700)
    save_screenshot(window, artifacts_dir / "letter_details.png")

    # Export PDF (through an Op): the letter with its subject.
    with store.session() as s:
        s.add(Setting(key="server:base_url", value={"url": "https://dabir.example.ir"}))
    out = tmp_path / "letter.pdf"
    window.actions_.ask_save_path = lambda _title, _name: str(out)
    op = window.actions_.export_selected_pdf()  # the open details tab is the current letter
    assert op is not None
    qtbot.waitUntil(lambda: op.is_done, timeout=20_000)
    assert window.last_warning is None, window.last_warning
    assert out.read_bytes().startswith(b"%PDF")
    assert out.stat().st_mode & 0o777 == 0o600  # owner-only, like the signed PDF
    assert normalize(SUBJECT) in pdf_text(out)
    assert "ذخیره شد" in window.current_message()
    QThreadPool.globalInstance().waitForDone(10_000)


def test_a_rejected_letter_leads_with_the_servers_reason(persian_app, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    guid = queued_letter(store, "درخواست تخصیص اعتبار")
    with store.session() as s:
        letter = s.get(Letter, guid)
        letter.state = "rejected"
        letter.reject_reason = "شناسه ملی گیرنده در فهرست دستگاه‌ها نیست."
    details = LetterDetails(store, guid)
    qtbot.addWidget(details)
    details.show()
    assert details.banner.isVisible() and details.correct_button.isVisible()
    assert details.banner.text() == "بازگشت از سوی کارگزار: شناسه ملی گیرنده در فهرست دستگاه‌ها نیست."
    assert "بازگشتی" in details.state_label.text() and "هنوز شماره‌گذاری نشده است" in details.text()
    with qtbot.waitSignal(details.correctRequested) as blocker:
        details.correct_button.click()
    assert blocker.args == [guid]


def test_the_sender_of_our_own_letter_reads_agency_unit_and_name(persian_app, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    own = "14000123453"
    with store.session() as s:
        s.add(Agency(national_id=own, name="وزارت نمونه", name_norm="وزارت نمونه"))
        s.add(Unit(agency=own, code="secretariat", name="دبیرخانه مرکزی", name_norm="دبیرخانه مرکزی"))
        letter = create_letter(s, kind="outgoing", subject=SUBJECT, body="", recipients=[{"agency": B}],
                               sender={"agency": own, "unit": "secretariat", "person": "s.ahmadi",
                                       "name": "دبیر دبیرخانه"})
        guid = letter.guid
    view = LetterDetails(store, guid)
    qtbot.addWidget(view)
    assert "وزارت نمونه، دبیرخانه مرکزی، دبیر دبیرخانه" in view.text()


def test_a_received_letter_can_be_printed_and_exported_as_the_senders_letter(  # type: ignore[no-untyped-def]
        window: MainWindow, store: Store, qtbot, tmp_path: Path) -> None:
    with store.session() as s:
        s.add(Setting(key="server:base_url", value={"url": "https://dabir.example.ir"}))
        letter = create_letter(s, kind="incoming", subject=SUBJECT, body="<p>با سلام، متن نامهٔ رسیده.</p>",
                               sender={"agency": B, "unit": "", "name": "سازمان برنامه و بودجه"},
                               recipients=[{"role": "to", "agency": "14000123453", "name": "وزارت نمونه"}])
        letter.state, letter.shams = "registered_incoming", f"{B}-O-1405-40"
        letter.registered_at = parse_time("2026-11-25T09:00:00Z")
        guid = letter.guid
    details = window.open_letter(guid)
    assert isinstance(details, LetterDetails)
    assert window.actions_.print.isEnabled() and window.actions_.export_pdf.isEnabled()
    assert not window.actions_.export_signed_pdf.isEnabled()  # we do not sign another agency's letter
    out = tmp_path / "received.pdf"
    window.actions_.ask_save_path = lambda _title, _name: str(out)
    op = window.actions_.export_selected_pdf()
    assert op is not None
    qtbot.waitUntil(lambda: op.is_done, timeout=20_000)
    assert window.last_warning is None, window.last_warning
    text = pdf_text(out)
    assert normalize(SUBJECT) in text and "سازمان برنامه و بودجه" in text
    QThreadPool.globalInstance().waitForDone(10_000)
