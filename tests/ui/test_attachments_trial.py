"""The attachment defects the user trial found (issue 17), in the letter view against a stand-in
download: what is handed to the system is named after its checked type, never the sender's
``run.bat``; no program for a type is said so on Linux too; the chosen row stays chosen after a
download; a failed hash check is logged and worded for the action; downloads show bytes, speed and
time left; a finished «ذخیره در…» is confirmed; each open gets a fresh read-only copy."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.models.attachments import AttachmentEntry
from app.models.db import Store
from app.models.tables import Attachment, Letter
from app.sync.documents import DocumentCorrupt
from app.ui.attachments_panel import AttachmentsViewer
from tests.ui.conftest import add_letter
from tests.ui.editor_conftest_helpers import save_screenshot

pytestmark = pytest.mark.gui

PDF_BYTES = b"%PDF-1.7\n" + b"x" * 3000
FILES = (  # (name the sender gave, media type signed, bytes)
    ("run.bat", "text/plain", b"@echo off\r\nformat c: /q\r\n"),
    ("invoice\u202efdp.exe", "application/pdf", PDF_BYTES),
    ("report.PDF", "application/pdf", PDF_BYTES + b"2"),
    ("forged.pdf", "application/pdf", b"just text pretending to be a PDF\n"),  # signed type, other content
)


def stand_in_fetch(data: dict[str, bytes], *, delay: float = 0.0) -> Callable[..., None]:
    """The download: the bytes land in the blob store, reporting progress piece by piece."""
    def fetch(store: Store, entry: AttachmentEntry, on_progress: Callable[[int, int], None]) -> None:
        body = data[entry.sha256]
        for done in range(0, len(body), max(1, len(body) // 4)):
            on_progress(done, len(body))
            time.sleep(delay)
        on_progress(len(body), len(body))
        store.blobs.put_stream(io.BytesIO(body))
    return fetch


def letter_with(store: Store, files: tuple[tuple[str, str, bytes], ...]) -> tuple[str, dict[str, bytes]]:
    """A letter naming these attachments (their bytes not downloaded yet)."""
    guid = add_letter(store, "ارسال فاکتور")  # the view lists any letter's attachments alike
    data: dict[str, bytes] = {}
    with store.session() as s:
        letter = s.get(Letter, guid)
        assert letter is not None
        for i, (name, media_type, body) in enumerate(files):
            sha = hashlib.sha256(body).hexdigest()
            data[sha] = body
            letter.attachments.append(Attachment(position=i, sha256=sha, size=len(body), media_type=media_type,
                                                 file_name=name))
    return guid, data


@pytest.fixture
def viewer(persian_app: QApplication, qtbot, store: Store) -> AttachmentsViewer:  # type: ignore[no-untyped-def]
    guid, data = letter_with(store, FILES)
    view = AttachmentsViewer(store, guid, stand_in_fetch(data))
    qtbot.addWidget(view)
    view.resize(700, 220)
    view.refresh()
    qtbot.waitUntil(lambda: view.list.count() == len(FILES), timeout=5000)
    view.opened = []  # type: ignore[attr-defined]
    view.open_file = lambda path: view.opened.append(path) is None  # type: ignore[attr-defined]
    view.has_program = lambda _type: True
    return view


def open_row(qtbot, view: AttachmentsViewer, row: int) -> None:  # type: ignore[no-untyped-def]
    view.list.setCurrentRow(row)
    view.open_current()
    qtbot.waitUntil(lambda: view.open_button.isEnabled(), timeout=10_000)


def test_what_is_opened_or_saved_is_named_after_its_checked_type(viewer: AttachmentsViewer, qtbot,  # type: ignore[no-untyped-def]
                                                                  artifacts_dir: Path) -> None:
    opened: list[Path] = viewer.opened  # type: ignore[attr-defined]
    for row in range(3):
        open_row(qtbot, viewer, row)
    assert [p.name for p in opened] == ["run.bat.txt", "invoicefdp.exe.pdf", "report.PDF"]
    assert opened[0].read_bytes() == FILES[0][2]

    suggested: list[str] = []
    viewer.ask_save_path = lambda name: suggested.append(name) and ""  # type: ignore[func-returns-value]
    viewer.list.setCurrentRow(0)
    viewer.save_current()
    assert suggested == ["run.bat.txt"]

    # Signed as a PDF, but the bytes are text: neither opened nor saved, and the user reads why.
    open_row(qtbot, viewer, 3)
    assert len(opened) == 3
    assert "مطابقت ندارد" in viewer.error.text() and "\u2068forged.pdf\u2069" in viewer.error.text()
    save_screenshot(viewer, artifacts_dir / "attachment_type_mismatch.png")


def test_each_open_is_a_fresh_read_only_copy(viewer: AttachmentsViewer, qtbot) -> None:  # type: ignore[no-untyped-def]
    opened: list[Path] = viewer.opened  # type: ignore[attr-defined]
    open_row(qtbot, viewer, 2)
    first = opened[0]
    assert stat.S_IMODE(first.stat().st_mode) & 0o222 == 0  # the program offers «save as», not overwriting
    first.chmod(0o600)
    first.write_bytes(b"%PDF-1.7 the user's notes")  # edited anyway
    open_row(qtbot, viewer, 2)
    assert opened[1] != first and opened[1].name == "report.PDF"
    assert first.read_bytes() == b"%PDF-1.7 the user's notes"  # the user's edit is not overwritten


def test_no_program_for_the_type_is_said_on_linux(viewer: AttachmentsViewer, qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                  monkeypatch: pytest.MonkeyPatch, artifacts_dir: Path) -> None:
    """xdg-open starts (QDesktopServices answers True) and then finds nothing: ask xdg-mime first."""
    from app.ui.attachments_panel import program_for

    tools = tmp_path / "bin"
    tools.mkdir()
    asked = tmp_path / "asked"
    for name, script in (("xdg-mime", f'echo "$@" >> {asked}\n[ "$3" = text/plain ] && echo gedit.desktop\nexit 0\n'),
                         ("xdg-open", "exit 0\n")):
        (tools / name).write_text("#!/bin/sh\n" + script)
        (tools / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr("sys.platform", "linux")
    viewer.has_program = program_for
    open_row(qtbot, viewer, 1)
    assert viewer.opened == []  # type: ignore[attr-defined]
    assert "query default application/pdf" in asked.read_text()
    assert "برنامه‌ای برای باز کردن «\u2068invoicefdp.exe.pdf\u2069»" in viewer.error.text(), viewer.error.text()
    save_screenshot(viewer, artifacts_dir / "attachment_no_program.png")
    open_row(qtbot, viewer, 0)  # text has one: handed over
    assert [p.name for p in viewer.opened] == ["run.bat.txt"]  # type: ignore[attr-defined]
    monkeypatch.setattr("sys.platform", "win32")  # Windows: the system's own answer to opening decides
    assert program_for("application/pdf")


def test_the_chosen_row_stays_chosen_after_a_download_and_a_save_is_confirmed(  # type: ignore[no-untyped-def]
        viewer: AttachmentsViewer, qtbot, tmp_path: Path, artifacts_dir: Path) -> None:
    target = tmp_path / "ذخیره" / "گزارش.pdf"
    target.parent.mkdir()
    viewer.ask_save_path = lambda _name: str(target)
    viewer.list.setCurrentRow(2)
    viewer.save_current()
    qtbot.waitUntil(lambda: target.exists() and viewer.open_button.isEnabled(), timeout=10_000)
    qtbot.waitUntil(lambda: "هنوز دریافت نشده" not in viewer.list.item(2).text(), timeout=5000)
    assert viewer.list.currentRow() == 2
    assert target.read_bytes() == FILES[2][2]
    assert viewer.error.text() == f"پیوست در «\u2066\u202a{target}\u202c\u2069» ذخیره شد."
    assert "#2e7d32" in viewer.error.styleSheet()  # a confirmation, not an error
    save_screenshot(viewer, artifacts_dir / "attachment_saved.png")


def test_a_failed_hash_check_is_logged_and_worded_for_the_action(viewer: AttachmentsViewer, qtbot,  # type: ignore[no-untyped-def]
                                                                  tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    def corrupt(_store: Store, _entry: AttachmentEntry, _progress: Callable[[int, int], None]) -> None:
        raise DocumentCorrupt("Received 3009 bytes with another SHA-256 than the letter's (3009 bytes expected).")

    viewer._fetch = corrupt
    sha = viewer.list.entries()[2].sha256
    caplog.set_level(logging.WARNING, logger="app.ui.attachments_panel")
    viewer.ask_save_path = lambda _name: str(tmp_path / "x.pdf")
    viewer.list.setCurrentRow(2)
    viewer.save_current()
    qtbot.waitUntil(lambda: not viewer.error.isHidden(), timeout=5000)
    assert viewer.error.text().endswith("پرونده ذخیره نمی‌شود.") and "مطابقت ندارد" in viewer.error.text()
    assert any(sha[:12] in r.getMessage() and "hash check" in r.getMessage() for r in caplog.records), caplog.records
    assert not (tmp_path / "x.pdf").exists()
    open_row(qtbot, viewer, 2)
    assert viewer.error.text().endswith("پرونده باز نمی‌شود.")


def test_download_progress_shows_bytes_speed_and_time_left(viewer: AttachmentsViewer, qtbot, store: Store,  # type: ignore[no-untyped-def]
                                                           artifacts_dir: Path) -> None:
    big = b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024)
    guid, data = letter_with(store, (("گزارش-۱۴۰۵.pdf", "application/pdf", big),))
    view = AttachmentsViewer(store, guid, stand_in_fetch(data, delay=0.15))
    qtbot.addWidget(view)
    view.resize(760, 200)
    view.show()
    view.open_file = lambda _path: True
    view.has_program = lambda _type: True
    view.refresh()
    qtbot.waitUntil(lambda: view.list.count() == 1, timeout=5000)
    shots: list[str] = []

    def watch() -> None:
        text = view.progress_label.text()
        if view.progress_label.isVisible() and "در ثانیه" in text and not shots:
            shots.append(text)
            save_screenshot(view, artifacts_dir / "attachment_download_progress.png")

    view.progress.valueChanged.connect(lambda _v: watch())
    view.open_current()
    qtbot.waitUntil(lambda: view.open_button.isEnabled() and view.progress.isHidden(), timeout=10_000)
    assert shots, "no progress with a speed was shown"
    assert shots[0].startswith("دریافت «\u2068گزارش-۱۴۰۵\u200e.pdf\u2069»: ") and " از ۳ مگابایت — " in shots[0], shots
    assert shots[0].endswith("ثانیه مانده"), shots
