"""Attachments in the windows against the real server (issue 17): agency A's sync uploads with a
progress bar in the status bar, then registers; agency B's letter view lists the attachments with
type, name and size, downloads one on demand with progress, checks it against the signed SHA-256
and opens it with the system's application; a document altered on the server is refused with the
Persian error and not opened."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.models.tables import Letter
from app.sync import account as acc
from app.sync.engine import SyncEngine
from app.token.signing import sign_detached
from app.ui.letter_details import LetterDetails
from app.ui.main_window import MainWindow
from app.ui.sync_bridge import SyncBridge
from devkit.sample_documents import big_zip, write_sample
from tests.sync import test_attachments_sync as env
from tests.sync.test_attachments_sync import desk, letter_with, stored_document
from tests.ui.editor_conftest_helpers import save_screenshot

pytestmark = [pytest.mark.gui, pytest.mark.server, pytest.mark.slow]
pki, server, soft_signer, file_keyring = env.pki, env.server, env.soft_signer, env.file_keyring  # the same fixtures


def test_upload_progress_then_the_recipient_opens_a_checked_attachment(
        persian_app: QApplication, qtbot, tmp_path: Path, server, soft_signer, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    report_pdf, _ = write_sample(tmp_path, "scan.pdf")
    report_pdf = report_pdf.rename(tmp_path / "گزارش عملکرد.pdf")
    report_pdf.write_bytes(report_pdf.read_bytes() + os.urandom(1000))
    minutes, _ = write_sample(tmp_path, "نامه.docx")
    minutes = minutes.rename(tmp_path / "صورت‌جلسه.docx")
    video = big_zip(tmp_path / "پیوست‌ها.zip", 96 * 1024 * 1024)  # big enough to watch it go up

    sender = desk(server, tmp_path / "a", "a.secretary")
    guid = letter_with(sender, server, [report_pdf, minutes, video],
                       lambda data: sign_detached(data, soft_signer.pyhanko()))
    win = MainWindow(sender)
    qtbot.addWidget(win)
    win.resize(1500, 640)
    win.show()
    bridge = SyncBridge(sender, win)
    win.attach_bridge(bridge)
    shots: list[str] = []

    def watch(name: str, data: dict[str, Any]) -> None:  # after the window's own slots
        if name == "upload_progress" and data["total"] * 0.3 < data["done"] < data["total"] and not shots:
            shots.append(f"{win.upload_progress.label.text()} | {win.upload_progress.bar.text()}")
            save_screenshot(win, artifacts_dir / "upload_progress.png")

    bridge.letterEvent.connect(watch)
    with qtbot.waitSignal(bridge.synced, timeout=120_000) as synced:
        bridge.sync_now()
    assert synced.args[0].registered == [guid], synced.args[0]
    assert shots and shots[0].startswith("بارگذاری «\u2068پیوست‌ها.zip\u2069» — ") and " در ثانیه — " in shots[0], shots
    assert "مانده | " in shots[0] and shots[0].endswith(" از ۹۶ مگابایت"), shots
    assert win.upload_progress.isHidden()  # through: the bar goes away

    receiver = desk(server, tmp_path / "b", "b.secretary")
    with acc.open_api(receiver) as api:
        assert guid in SyncEngine(receiver, api).run_once().received

    view = LetterDetails(receiver, guid)
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    viewer = view.attachments
    qtbot.waitUntil(lambda: viewer.isVisible() and viewer.list.count() == 3, timeout=10_000)
    rows = [viewer.list.item(i).text() for i in range(3)]
    assert rows[0].startswith("\u2068گزارش عملکرد.pdf\u2069 — ") and rows[0].endswith("هنوز دریافت نشده"), rows
    assert "۹۶ مگابایت" in rows[2], rows
    opened: list[Path] = []
    viewer.open_file = lambda path: opened.append(path) is None  # the system's default application opens it
    viewer.has_program = lambda _type: True  # and has a program for the type
    viewer.list.setCurrentRow(0)
    qtbot.mouseClick(viewer.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(opened), timeout=30_000)
    assert opened[0].name == "گزارش عملکرد.pdf" and opened[0].read_bytes() == report_pdf.read_bytes()
    qtbot.waitUntil(lambda: "هنوز دریافت نشده" not in viewer.list.item(0).text(), timeout=5000)
    save_screenshot(view, artifacts_dir / "letter_attachments.png")

    # A computer with no program for the type: the user is told, not left waiting.
    viewer.open_file = lambda _path: False
    qtbot.mouseClick(viewer.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: viewer.error.isVisible(), timeout=10_000)
    assert "«\u2068گزارش عملکرد.pdf\u2069»" in viewer.error.text() and "ذخیره" in viewer.error.text(), viewer.error.text()
    viewer.open_file = lambda path: opened.append(path) is None

    # "Save as": a copy where the user chooses.
    target = tmp_path / "ذخیره" / "نسخه.pdf"
    target.parent.mkdir()
    viewer.ask_save_path = lambda _name: str(target)
    qtbot.mouseClick(viewer.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: target.exists() and viewer.open_button.isEnabled(), timeout=10_000)
    assert target.read_bytes() == report_pdf.read_bytes()

    # The minutes altered on the server: the hash check fails, the user reads why, nothing opens.
    with receiver.reader() as s:
        letter = s.get(Letter, guid)
        sha = letter.attachments[1].sha256
    stored = stored_document(server, sha)
    data = bytearray(stored.read_bytes())
    data[10] ^= 0xFF
    stored.write_bytes(bytes(data))
    viewer.list.setCurrentRow(1)
    viewer.open_current()
    qtbot.waitUntil(lambda: not viewer.error.isHidden(), timeout=30_000)
    assert "مطابقت ندارد" in viewer.error.text() and "باز نمی‌شود" in viewer.error.text()
    assert len(opened) == 1 and not receiver.blobs.has(sha)
