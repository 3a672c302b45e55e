"""The A5 receipt of a citizen's letter: what it prints (read back from the PDF and its QR code),
and «چاپ رسید» in the window: off until the tracking id comes with a real sync, then on, with a
notification that selects the letter."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from app.models.db import Store, open_store
from app.models.directory import CHANNELS_SETTING
from app.models.incoming import PaperLetter, register_paper
from app.models.tables import Agency, Letter, Setting
from app.protocol.jalali import format_date
from app.protocol.persian import ltr_island, normalize
from app.protocol.tracking import display_tracking_id, is_valid, new_tracking_id
from app.sync import account as acc
from app.sync.account import SENDER_SETTING
from app.ui.citizen_receipt import (
    NoReceipt,
    mask_identifier,
    paint_receipt,
    read_receipt,
    receipt_printer,
    render_receipt_pdf,
)
from app.ui.main_window import MainWindow
from app.ui.sync_bridge import SyncBridge
from devkit.pki import TestPKI
from devkit.server_process import DEMO_PASSWORD, ServerProcess
from tests.sync.servers import engine_through, file_keyring, unreachable
from tests.ui.workflow_helpers import pdf_text, sync_pass

BASE = "https://dabir.example.ir"
CITIZEN = "0010203044"
COMPANY = "10101010103"
OWN = "14000123453"
REGISTERED = dt.datetime(2026, 11, 23, 7, 30, tzinfo=dt.UTC)  # ۱۴۰۵/۰۹/۰۲ ۱۱:۰۰ in Tehran


def run(*args: str) -> str:
    return subprocess.run(list(args), capture_output=True, text=True, check=True).stdout


def citizen_letter(store: Store, *, kind: str = "person", sender_id: str = CITIZEN, channel: str = "pishkhan",
                   tracking_id: str | None = None) -> str:
    guid = register_paper(store, PaperLetter(
        sender_kind=kind, sender_id=sender_id, sender_name="علی رضایی", subject="درخواست تمدید پروانهٔ کسب",
        summary="تمدید پروانه", channel=channel, mobile="09123456789"))
    if tracking_id is not None:  # as the sync stores what the server numbered it with
        with store.session() as s:
            letter = s.get(Letter, guid)
            assert letter is not None
            letter.tracking_id, letter.incoming_number, letter.incoming_at = tracking_id, "1405/27", REGISTERED
            letter.state = "registered_incoming"
    return guid


def printed_digits(pdf: Path) -> str:
    """The page's text with its digits as printed (``pdf_text`` normalizes them to ASCII)."""
    return unicodedata.normalize("NFKC", run("pdftotext", str(pdf), "-"))


def qr_texts(pdf: Path, tmp_path: Path) -> list[str]:
    """The QR codes a phone would read off the printed page (rendered at 200 dpi, decoded by zxing)."""
    zxingcpp = pytest.importorskip("zxingcpp")
    scan = tmp_path / "scan"
    run("pdftoppm", "-png", "-r", "200", "-singlefile", str(pdf), str(scan))
    image = QImage(str(scan) + ".png").convertToFormat(QImage.Format.Format_Grayscale8)
    return [r.text for r in zxingcpp.read_barcodes(image)]


def a5_points(pdf: Path) -> tuple[float, float]:
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", run("pdfinfo", str(pdf)))
    assert size is not None
    return float(size.group(1)), float(size.group(2))


def test_the_receipt_is_an_a5_page_with_the_tracking_id_its_qr_and_the_facts(  # type: ignore[no-untyped-def]
        persian_app, store: Store, tmp_path: Path, artifacts_dir: Path) -> None:
    tracking_id = new_tracking_id()
    guid = citizen_letter(store, tracking_id=tracking_id)
    with store.session() as s:  # the server's own channel list, as the directory sync keeps it
        s.add(Setting(key=CHANNELS_SETTING, value=[{"code": "pishkhan", "name": "دفتر پیشخوان شمارهٔ دوازده"}]))
        s.add(Agency(national_id=OWN, name="وزارت نمونه", name_norm="وزارت نمونه"))
        s.add(Setting(key=SENDER_SETTING, value={"agency": OWN, "unit": "secretariat", "person": "s.ahmadi"}))
    receipt = read_receipt(store, guid, BASE + "/")
    pdf = render_receipt_pdf(receipt, tmp_path / "receipt.pdf")

    width, height = a5_points(pdf)
    assert abs(width - 420) <= 1 and abs(height - 595) <= 1
    assert "Pages:           1" in run("pdfinfo", str(pdf))
    assert pdf.stat().st_mode & 0o077 == 0  # owner-only
    text = pdf_text(pdf)
    for expected in ("وزارت نمونه", "رسید ثبت نامه", display_tracking_id(tracking_id), "دفتر پیشخوان شمارهٔ دوازده",
                     format_date(REGISTERED), "۱۱:۰۰", "۱۴۰۵/۲۷", "علی رضایی", "درخواست تمدید پروانهٔ کسب",
                     "کد ملی", "******۳۰۴۴", "برای پیگیری", f"{BASE}/track"):
        assert normalize(expected) in text, expected
    printed = printed_digits(pdf)
    for persian in (display_tracking_id(tracking_id), "۱۴۰۵/۲۷", format_date(REGISTERED)):  # Persian digits on paper
        assert persian in printed, persian
    assert CITIZEN[:6] not in text and "۳۰۴۴" in printed  # never the whole national code: its last four only
    assert qr_texts(pdf, tmp_path) == [f"{BASE}/track?t={tracking_id}"]

    run("pdftoppm", "-png", "-r", "110", "-singlefile", str(pdf), str(artifacts_dir / "citizen-receipt"))
    assert (artifacts_dir / "citizen-receipt.png").stat().st_size > 10_000


def test_a_companys_receipt_names_its_national_id_and_the_default_channel_before_any_sync(  # type: ignore[no-untyped-def]
        persian_app, store: Store, tmp_path: Path) -> None:
    guid = citizen_letter(store, kind="company", sender_id=COMPANY, channel="post", tracking_id=new_tracking_id())
    receipt = read_receipt(store, guid, BASE)
    assert receipt.channel_name == "پست" and mask_identifier(COMPANY) == "*******۰۱۰۳"
    pdf = render_receipt_pdf(receipt, tmp_path / "company.pdf")
    assert normalize("شناسه ملی") in pdf_text(pdf) and COMPANY[:7] not in pdf_text(pdf)
    assert "*******۰۱۰۳" in printed_digits(pdf)


def test_the_print_path_paints_the_same_a5_page(persian_app, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """What «چاپ رسید» sends to the printer once its dialog is accepted: the printer is preset to A5."""
    from PySide6.QtPrintSupport import QPrinter

    tracking_id = new_tracking_id()
    receipt = read_receipt(store, citizen_letter(store, tracking_id=tracking_id), BASE)
    printer = receipt_printer(receipt)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    paint_receipt(printer, receipt)
    del printer
    width, height = a5_points(tmp_path / "printed.pdf")
    assert abs(width - 420) <= 1 and abs(height - 595) <= 1
    assert display_tracking_id(tracking_id) in printed_digits(tmp_path / "printed.pdf")


def test_no_receipt_without_a_tracking_id_or_a_server_address(persian_app, store: Store) -> None:  # type: ignore[no-untyped-def]
    waiting = citizen_letter(store)
    with pytest.raises(NoReceipt) as exc:
        read_receipt(store, waiting, BASE)
    assert "همگام‌سازی" in exc.value.message_fa
    with pytest.raises(NoReceipt) as exc:
        read_receipt(store, citizen_letter(store, tracking_id=new_tracking_id()), "")
    assert "کارگزار" in exc.value.message_fa


# --- in the window, against the real server ---------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    srv = ServerProcess(tmp_path_factory.mktemp("receipt-server"), TestPKI(name="Dabir Receipt Test"))
    srv.setup()
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def _keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from file_keyring(tmp_path, monkeypatch)


def _offline(server: ServerProcess) -> Any:
    return engine_through(lambda _api: unreachable(server))


@pytest.mark.server
@pytest.mark.gui
def test_print_receipt_waits_for_the_tracking_id_and_a_notification_says_when_it_came(  # type: ignore[no-untyped-def]
        persian_app, server: ServerProcess, _keyring: Path, tmp_path: Path, qtbot, artifacts_dir: Path) -> None:
    store = open_store(tmp_path / "desk")
    acc.login(store, acc.Account(server.base_url, "b.secretary", str(server.ca_bundle)), DEMO_PASSWORD)
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.resize(1280, 760)
    win.show()
    qtbot.waitUntil(lambda: not win.model.loading, timeout=10_000)
    actions = win.incoming
    guid = citizen_letter(store)  # registered at the desk while the server cannot be reached
    win.open_letter(guid)
    assert not actions.print_receipt.isEnabled() and not actions.save_receipt.isEnabled()
    assert actions.print_receipt.text() == "چاپ رسید" and actions.save_receipt.text() == "ذخیرهٔ رسید به PDF…"
    assert "پس از همگام‌سازی بعدی" in actions.print_receipt.toolTip()

    win.attach_bridge(SyncBridge(store, win, engine_factory=_offline(server)))  # offline: no id, no notice
    assert sync_pass(win.bridge, qtbot).online is False
    assert not actions.print_receipt.isEnabled() and not win.notifier.history

    win.tabs.setCurrentIndex(0)  # the list in front: the notification brings the letter back
    win.attach_bridge(SyncBridge(store, win))  # the production engine, against the real server
    report = sync_pass(win.bridge, qtbot)
    assert report.numbered == [guid], report
    with store.reader() as s:
        letter = s.get(Letter, guid)
        assert letter is not None and letter.tracking_id is not None and is_valid(letter.tracking_id)
        tracking_id = letter.tracking_id
    qtbot.waitUntil(lambda: bool(win.notifier.history), timeout=5000)
    title, message = win.notifier.history[-1]
    assert title == "رسید آمادهٔ چاپ"
    shown_id = ltr_island(display_tracking_id(tracking_id))
    assert message == f"شناسه پیگیری {shown_id} برای نامهٔ «درخواست تمدید پروانهٔ کسب» صادر شد."
    win.resize(1200, 720)  # the demo's window: the status bar cuts the message's end, never the id
    qtbot.waitUntil(lambda: win.message_label.text().startswith(f"رسید آمادهٔ چاپ: شناسه پیگیری {shown_id}"),
                    timeout=5000)
    assert not actions.print_receipt.isEnabled()  # nothing selected in the list yet

    win.notifier.clicked()  # the user clicks the notification: the letter is selected
    assert win.current_tab_guid() == guid
    qtbot.waitUntil(actions.print_receipt.isEnabled, timeout=5000)
    assert actions.save_receipt.isEnabled()
    out = tmp_path / "receipt.pdf"
    names: list[str] = []
    actions.ask_save_path = lambda _title, name: names.append(name) or str(out)
    op = actions.save_selected_receipt()
    assert op is not None
    qtbot.waitUntil(lambda: op.is_done, timeout=20_000)
    assert win.last_warning is None, win.last_warning
    assert names == [f"رسید-{tracking_id}.pdf"]
    assert display_tracking_id(tracking_id) in printed_digits(out)
    assert qr_texts(out, tmp_path) == [f"{server.base_url}/track?t={tracking_id}"]
    QApplication.processEvents()
