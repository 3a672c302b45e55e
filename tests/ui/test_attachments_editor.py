"""Attaching files in the letter editor (issue 17): by the Persian file dialog and by drag and drop,
copied into the blob store at once so a draft stays complete offline and after a restart, refused
before copying when too large or not an allowed kind, addressed when sent for signature, sealed
once signed."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

from app.models.attachments import AttachmentEntry, copy_in, size_text
from app.models.db import Store, open_store
from app.models.document_limits import DEFAULT_MAX_BYTES
from app.models.letter_actions import submit_for_signature
from app.models.letters import add_signature, letter_content
from app.models.tables import Letter, Recipient, Setting
from app.protocol.canonical import content_sha256
from app.protocol.documents import document_address
from app.sync import outbox
from app.sync.outbox import queue_letter
from app.ui.letter_editor import LetterEditor
from tests.ui.editor_conftest_helpers import MINISTRY, persian_ui, save_screenshot, seed_directory, type_text

pytestmark = pytest.mark.gui

SENDER = {"agency": "14000123453", "unit": "secretariat", "person": "karimi", "name": "مریم کریمی"}
SUBJECT = "ارسال گزارش عملکرد سه‌ماهه"
SERVER = "https://dabir.example.ir"


@pytest.fixture
def fa_app(qapp: QApplication) -> Iterator[QApplication]:
    with persian_ui(qapp):
        yield qapp


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "profile")
    seed_directory(store)
    with store.session() as s:
        s.add(Setting(key="account", value={"server_url": SERVER, "username": "karimi", "ca_bundle": None}))
    yield store
    store.close()


def pdf_file(folder: Path, name: str = "گزارش عملکرد.pdf", size: int = 2_500_000) -> Path:
    path = folder / name
    with path.open("wb") as f:
        f.write(b"%PDF-1.7\n")
        f.write(os.urandom(size - 9))
    return path


def docx_file(folder: Path, name: str = "صورت‌جلسه.docx") -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    path = folder / name
    path.write_bytes(buf.getvalue())
    return path


def make_editor(qtbot, store: Store, guid: str | None = None) -> LetterEditor:  # type: ignore[no-untyped-def]
    editor = LetterEditor(store, guid, sender=SENDER, actor="karimi", autosave_ms=200)
    editor.confirm_discard = lambda: True  # type: ignore[method-assign]
    qtbot.addWidget(editor)
    editor.resize(1000, 760)
    editor.show()
    qtbot.waitExposed(editor)
    return editor


def attach_by_dialog(qtbot, editor: LetterEditor, *paths: Path) -> list[QFileDialog]:  # type: ignore[no-untyped-def]
    """Click «پیوست…» and choose the files in the real (Persian, non-native) file dialog."""
    seen: list[QFileDialog] = []

    def choose() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, QFileDialog) and w.isVisible()]
        if not dialogs:
            QTimer.singleShot(50, choose)
            return
        dialog = dialogs[0]
        seen.append(dialog)
        name_box = dialog.findChild(QLineEdit, "fileNameEdit")  # typed, as a user may
        name_box.setText(str(paths[0]) if len(paths) == 1 else " ".join(f'"{p}"' for p in paths))
        dialog.accept()
        if dialog.isVisible():  # not accepted: do not leave the test hanging in its event loop
            dialog.reject()

    QTimer.singleShot(50, choose)
    qtbot.mouseClick(editor.attachments.attach_button, Qt.MouseButton.LeftButton)
    assert seen and seen[0].windowTitle() == "پیوست کردن پرونده‌ها"
    assert seen[0].testOption(QFileDialog.Option.DontUseNativeDialog)
    return seen


def drop_files(widget, paths: list[Path]) -> None:  # type: ignore[no-untyped-def]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(widget.rect().center(), Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(QPointF(widget.rect().center()), Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(widget, drop)


def wait_listed(qtbot, editor: LetterEditor, n: int) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: len(editor.attachments.entries()) == n and not editor.attachments.busy, timeout=10_000)


def wait_saved(qtbot, editor: LetterEditor) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: editor.guid is not None and not editor.isDirty() and editor._writing is None,
                    timeout=10_000)


def stored_attachments(store: Store, guid: str) -> list[tuple[str, int, str, str, str | None]]:
    with store.reader() as s:
        letter = s.get(Letter, guid)
        assert letter is not None
        return [(a.file_name, a.size, a.media_type, a.sha256, a.remote_address) for a in letter.attachments]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_attach_by_dialog_and_by_drop_survives_a_restart(fa_app, qtbot, profile: Store, tmp_path: Path,
                                                         artifacts_dir: Path) -> None:
    pdf, docx = pdf_file(tmp_path), docx_file(tmp_path)
    editor = make_editor(qtbot, profile)
    editor.subject.setFocus()
    type_text(editor.subject, SUBJECT)
    attach_by_dialog(qtbot, editor, pdf)
    wait_listed(qtbot, editor, 1)
    drop_files(editor, [docx])
    wait_listed(qtbot, editor, 2)
    wait_saved(qtbot, editor)

    rows = [editor.attachments.list.item(i).text() for i in range(2)]
    assert rows == ["\u2068گزارش عملکرد.pdf\u2069 — ۲٫۴ مگابایت", f"\u2068صورت‌جلسه.docx\u2069 — {size_text(docx.stat().st_size)}"]
    assert editor.attachments.attach_button.text() == "پیوست…"
    save_screenshot(editor, artifacts_dir / "editor_attachments.png")
    guid = editor.guid
    assert guid is not None
    docx_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert stored_attachments(profile, guid) == [
        ("گزارش عملکرد.pdf", 2_500_000, "application/pdf", sha256_of(pdf), None),
        ("صورت‌جلسه.docx", docx.stat().st_size, docx_type, sha256_of(docx), None),
    ]
    editor.close()

    # The originals are gone (a USB stick pulled out); a restart — a new store over the same
    # profile, a new editor — still lists the draft's attachments, whose bytes are in the profile.
    pdf.unlink()
    docx.unlink()
    profile.close()
    again = open_store(profile.data_dir)
    try:
        reopened = make_editor(qtbot, again, guid)
        assert [e.name for e in reopened.attachments.entries()] == ["گزارش عملکرد.pdf", "صورت‌جلسه.docx"]
        for _name, _size, _media, sha, _address in stored_attachments(again, guid):
            assert again.blobs.verify(sha)
        reopened.close()
    finally:
        again.close()


def test_remove_before_signing_then_sealed_after_signing(fa_app, qtbot, profile: Store, tmp_path: Path) -> None:
    editor = make_editor(qtbot, profile)
    type_text(editor.subject, SUBJECT)
    editor.attachments.attach_files([pdf_file(tmp_path, size=1000), docx_file(tmp_path)])
    wait_listed(qtbot, editor, 2)
    wait_saved(qtbot, editor)
    editor.attachments.list.setCurrentRow(0)
    qtbot.mouseClick(editor.attachments.remove_button, Qt.MouseButton.LeftButton)
    wait_listed(qtbot, editor, 1)
    qtbot.waitUntil(lambda: editor.isDirty() or editor._writing is not None, timeout=2000)
    wait_saved(qtbot, editor)
    guid = editor.guid
    assert guid is not None
    assert [row[0] for row in stored_attachments(profile, guid)] == ["صورت‌جلسه.docx"]
    editor.close()

    # Sent for signature: the address on the profile's server, known from the hash, enters the content.
    with profile.session() as s:
        letter = s.get(Letter, guid)
        assert letter is not None
        letter.signatories = [{"national_code": "0067749828", "name": "مریم کریمی"}]
        letter.recipients.append(Recipient(position=0, role="to", agency=MINISTRY, name="وزارت علوم"))
    submit_for_signature(profile, guid)
    [(_name, _size, _media, sha, address)] = stored_attachments(profile, guid)
    assert address == document_address(SERVER, sha)
    with profile.session() as s:
        letter = s.get(Letter, guid)
        assert letter is not None
        content = letter_content(letter)
        assert content["attachments"][0]["address"] == address
        add_signature(s, letter, cms=b"x", content_sha256_hex=content_sha256(content))
        queue_letter(s, letter)

    sealed = make_editor(qtbot, profile, guid)
    assert [e.name for e in sealed.attachments.entries()] == ["صورت‌جلسه.docx"]
    assert not sealed.attachments.attach_button.isEnabled() and not sealed.attachments.remove_button.isEnabled()
    drop_files(sealed, [pdf_file(tmp_path, "دیگر.pdf", size=1000)])  # a signed letter: nothing changes
    sealed.attachments.list.setCurrentRow(0)
    sealed.attachments.remove_current()
    qtbot.wait(300)
    assert [e.name for e in sealed.attachments.entries()] == ["صورت‌جلسه.docx"]
    assert [row[0] for row in stored_attachments(profile, guid)] == ["صورت‌جلسه.docx"]


def test_refused_before_copying(fa_app, qtbot, profile: Store, tmp_path: Path) -> None:
    editor = make_editor(qtbot, profile)
    fake = tmp_path / "نامه.pdf"
    fake.write_bytes(b"MZ\x90\x00" + os.urandom(4000))  # a Windows program named .pdf
    huge = tmp_path / "فیلم.mp4"
    with huge.open("wb") as f:  # sparse: the limit is checked on the size, before a byte is read or copied
        f.truncate(DEFAULT_MAX_BYTES + 1)
    editor.attachments.attach_files([fake])
    qtbot.waitUntil(lambda: not editor.attachments.error.isHidden(), timeout=5000)
    assert "نوع پروندهٔ «\u2068نامه.pdf\u2069» برای پیوست مجاز نیست" in editor.attachments.error.text()
    editor.attachments.attach_files([huge])
    qtbot.waitUntil(lambda: "سقف مجاز" in editor.attachments.error.text(), timeout=5000)
    assert "۲ گیگابایت" in editor.attachments.error.text()
    qtbot.waitUntil(lambda: not editor.attachments.busy, timeout=5000)
    assert editor.attachments.entries() == []
    assert [p for p in profile.blobs.root.rglob("*") if p.is_file()] == []  # nothing was copied


def test_copy_streams_with_flat_memory(profile: Store, tmp_path: Path) -> None:
    path = pdf_file(tmp_path, "بزرگ.pdf", size=48 * 1024 * 1024)
    seen: list[int] = []
    tracemalloc.start()
    try:
        entry = copy_in(profile, path, lambda done, total: seen.append(done))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024  # a few chunks, never the file
    assert entry == AttachmentEntry(sha256_of(path), path.stat().st_size, "application/pdf", "بزرگ.pdf")
    assert seen[-1] == path.stat().st_size and len(seen) > 10
    assert profile.blobs.verify(entry.sha256)


def test_size_text_is_persian() -> None:
    assert size_text(9) == "۹ بایت"
    assert size_text(2_500_000) == "۲٫۴ مگابایت"
    assert size_text(2 * 1024**3) == "۲ گیگابایت"


def test_drop_on_the_attachment_list(fa_app, qtbot, profile: Store, tmp_path: Path) -> None:
    editor = make_editor(qtbot, profile)
    drop_files(editor.attachments, [docx_file(tmp_path), tmp_path])  # a folder is not attached
    wait_listed(qtbot, editor, 1)
    assert editor.attachments.entries()[0].name == "صورت‌جلسه.docx"
    drop_files(editor.body.viewport(), [pdf_file(tmp_path, size=1000)])  # on the text: attached, not typed in
    wait_listed(qtbot, editor, 2)
    assert editor.body.toPlainText() == ""


def test_upload_progress_reads_in_persian(fa_app, qtbot, profile: Store) -> None:
    from app.ui.attachments_progress import UploadProgress, upload_text
    from app.ui.outbox_panel import OutboxPanel
    from tests.ui.conftest import add_letter

    data = {"guid": "", "name": "گزارش.pdf", "done": 12 * 1024**2, "total": 48 * 1024**2,
            "rate": 3.1 * 1024**2, "eta": 12.4}
    assert upload_text(data) == "بارگذاری «\u2068گزارش.pdf\u2069»: ۱۲ مگابایت از ۴۸ مگابایت — ۳٫۱ مگابایت در ثانیه — ۱۲ ثانیه مانده"
    bar = UploadProgress()
    qtbot.addWidget(bar)
    bar.on_event("upload_progress", {**data, "eta": 600})
    assert not bar.isHidden()
    assert bar.label.text().endswith("— ۱۰ دقیقه مانده") and bar.bar.text() == "۱۲ مگابایت از ۴۸ مگابایت"
    bar.on_event("registered", {"guid": ""})
    assert bar.isHidden()

    guid = add_letter(profile, "نامه با پیوست", state="queued")
    with profile.session() as s:
        outbox.enqueue(s, outbox.REGISTER, guid)
    panel = OutboxPanel(profile)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.topLevelItemCount() == 1, timeout=5000)
    panel.on_sync_event("upload_progress", {**data, "guid": guid})
    assert panel.topLevelItem(0).text(1) == "بارگذاری پیوست‌ها ۲۵٪"


def test_the_copy_and_download_bar_reads_in_persian_digits(fa_app, qtbot, profile: Store) -> None:
    """The bar beside «پیوست…» while a big file is copied in (or downloaded) read «64٪»."""
    editor = make_editor(qtbot, profile)
    editor.attachments._progress(640, 1000, "")
    assert editor.attachments.progress.text() == "۶۴٪"


def test_closing_while_a_file_is_copied_keeps_it_with_the_draft(fa_app, qtbot, profile: Store, tmp_path: Path) -> None:
    big = pdf_file(tmp_path, "بزرگ.pdf", size=64 * 1024 * 1024)
    editor = make_editor(qtbot, profile)
    type_text(editor.subject, SUBJECT)
    wait_saved(qtbot, editor)
    editor.attachments.attach_files([big])
    assert editor.attachments.busy
    with qtbot.waitSignal(editor.readyToClose, timeout=30_000):
        assert not editor.flush()  # waits for the copy, then saves
    assert [row[0] for row in stored_attachments(profile, editor.guid or "")] == ["بزرگ.pdf"]


def test_several_files_at_once_from_the_last_folder_used(fa_app, qtbot, profile: Store, tmp_path: Path) -> None:
    """The trial: one file per dialog, always starting in the home folder."""
    scans = tmp_path / "اسکن‌ها"
    scans.mkdir()
    pdf, docx = pdf_file(scans, size=1000), docx_file(scans)
    editor = make_editor(qtbot, profile)
    first = attach_by_dialog(qtbot, editor, pdf, docx)
    assert first[0].fileMode() == QFileDialog.FileMode.ExistingFiles
    wait_listed(qtbot, editor, 2)
    assert [e.name for e in editor.attachments.entries()] == ["گزارش عملکرد.pdf", "صورت‌جلسه.docx"]
    again = attach_by_dialog(qtbot, editor, docx_file(scans, "دوم.docx"))
    assert Path(again[0].directory().absolutePath()) == scans
    wait_listed(qtbot, editor, 3)


def test_refusals_name_the_file_sanitized(fa_app, qtbot, profile: Store, tmp_path: Path,  # type: ignore[no-untyped-def]
                                          artifacts_dir: Path) -> None:
    """A name with a right-to-left override turned the Persian sentence around; a script's name is refused."""
    exe = tmp_path / "report\u202eftx.pdf"
    exe.write_bytes(b"MZ\x90\x00" + os.urandom(100))
    script = tmp_path / "run.bat"
    script.write_text("@echo off\r\n")
    editor = make_editor(qtbot, profile)
    editor.attachments.attach_files([exe, script])
    qtbot.waitUntil(lambda: not editor.attachments.error.isHidden(), timeout=5000)
    text = editor.attachments.error.text()
    assert "\u202e" not in text and "«\u2068reportftx.pdf\u2069»" in text, text
    assert "«\u2068run.bat\u2069» به نام یک برنامه یا اسکریپت است" in text, text
    assert editor.attachments.entries() == []
    save_screenshot(editor.attachments, artifacts_dir / "attachment_refusals.png")
