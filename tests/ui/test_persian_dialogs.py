"""The standard dialogs speak Persian (Qt's own qtbase_fa catalog), open in the user's Documents
folder, and a saved file's path reads left to right inside the Persian status message."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFont, QTextLayout, QTextOption
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListView,
    QStyleOptionViewItem,
    QTreeView,
)

from app.ui.file_dialogs import documents_dir
from app.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user whose Documents folder holds a letter saved earlier."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    (tmp_path / "Documents").mkdir()
    (tmp_path / "Documents" / "نامهٔ قبلی.pdf").write_bytes(b"%PDF-1.4\n")
    return tmp_path


def test_the_pdf_save_dialog_is_persian_and_opens_in_documents(window: MainWindow, home: Path, qtbot,  # type: ignore[no-untyped-def]
                                                               artifacts_dir: Path) -> None:
    assert documents_dir() == str(home / "Documents")
    dialog = window.actions_.save_dialog("خروجی PDF", "14000123453-O-1405-187.pdf")
    qtbot.addWidget(dialog)
    assert dialog.testOption(QFileDialog.Option.DontUseNativeDialog)  # Qt's own: Persian on any desktop
    assert Path(dialog.directory().absolutePath()) == home / "Documents"  # not the program's folder
    dialog.resize(760, 460)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: any("نامهٔ قبلی" in (lbl or "") for lbl in _view_texts(dialog)), timeout=5000)
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None
    texts = {b.text().replace("&", "") for b in buttons.buttons()}
    assert {"ذخیره", "انصراف"} <= texts, texts
    labels = {lbl.text().replace("&", "") for lbl in dialog.findChildren(QLabel)}
    assert {"نام پرونده:", "جستجو در:", "پرونده‌هایی از نوع:"} <= labels, labels
    assert dialog.isRightToLeft()
    listed = _view_row(dialog, "نامهٔ قبلی.pdf")
    assert listed[1] == "۹ بایت" and listed[3].startswith("۱۴")  # Jalali, Persian digits (not «2026 12 5»)
    dialog.grab().save(str(artifacts_dir / "save_dialog_fa.png"))
    dialog.reject()


def test_the_file_list_names_sizes_and_types_in_persian_and_reads_a_number_left_to_right(  # type: ignore[no-untyped-def]
        window: MainWindow, home: Path, qtbot, artifacts_dir: Path) -> None:
    """A larger file's size and every type are Persian words (Qt wrote «۳۳٫۸ KiB», «PDF document»,
    «Folder»); a name that starts with a number reads from its start (it showed «O-1405-1.pdf-1400…»)."""
    name = "14000123453-O-1405-1.pdf"
    (home / "Documents" / name).write_bytes(b"%PDF-1.4\n" + b"0" * 34_000)
    (home / "Documents" / "نامه‌های قبلی").mkdir()
    dialog = window.actions_.save_dialog("خروجی PDF", "نامه.pdf")
    qtbot.addWidget(dialog)
    dialog.resize(760, 460)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: name in _view_texts(dialog) and "نامه‌های قبلی" in _view_texts(dialog), timeout=5000)
    listed, folder = _view_row(dialog, name), _view_row(dialog, "نامه‌های قبلی")
    assert listed[0] == name  # the name itself, as the «نام پرونده» field takes it
    assert listed[1] == "۳۳٫۲ کیلوبایت" and listed[2] == "پروندهٔ PDF", listed
    assert folder[2] == "پوشه", folder
    tree = dialog.findChild(QTreeView)
    assert tree is not None
    metrics, header = tree.fontMetrics(), tree.header()
    qtbot.waitUntil(lambda: header.sectionSize(1) > metrics.horizontalAdvance(listed[1])
                    and header.sectionSize(2) > metrics.horizontalAdvance(listed[2]), timeout=5000)  # not cut off

    # The name as the list draws it, laid out in the list's right-to-left line: from its first digit.
    view = dialog.findChild(QListView, "listView")
    assert view is not None
    index = next(view.model().index(r, 0, view.rootIndex()) for r in range(view.model().rowCount(view.rootIndex()))
                 if view.model().index(r, 0, view.rootIndex()).data() == name)
    option = QStyleOptionViewItem()
    option.initFrom(view)
    view.itemDelegateForIndex(index).initStyleOption(option, index)
    drawn = option.text
    start = drawn.index(name)
    first_digit, dot = _rtl_x(drawn, view.font(), start + 1, start + name.index(".pdf") + 1)
    assert first_digit < dot, drawn  # «14000123453-…-1.pdf» left to right, not «O-1405-1.pdf-14000123453»
    dialog.grab().save(str(artifacts_dir / "save_dialog_fa_file_list.png"))
    dialog.reject()


def test_the_paper_forms_scan_picker_is_the_persian_dialog_in_documents(  # type: ignore[no-untyped-def]
        window: MainWindow, home: Path, qtbot) -> None:
    """Not the desktop's (English) dialog opening in the program's folder: several pages at once."""
    form = window.incoming.open_paper_form()
    assert form is not None
    picker = form.scan_dialog()
    qtbot.addWidget(picker)
    assert picker.testOption(QFileDialog.Option.DontUseNativeDialog)
    assert picker.fileMode() == QFileDialog.FileMode.ExistingFiles
    assert Path(picker.directory().absolutePath()) == home / "Documents"
    picker.show()
    qtbot.waitExposed(picker)
    labels = {lbl.text().replace("&", "") for lbl in picker.findChildren(QLabel)}
    assert {"جستجو در:", "پرونده‌هایی از نوع:"} <= labels, labels
    picker.reject()
    form.reject()



def _rtl_x(text: str, font: QFont, *positions: int) -> list[float]:
    """Where these cursor positions of ``text`` land when it is laid out as one right-to-left line."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setTextDirection(Qt.LayoutDirection.RightToLeft)
    layout.setTextOption(option)
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(4000)
    layout.endLayout()
    return [float(line.cursorToX(i)[0]) for i in positions]

def _view_row(dialog: QFileDialog, name: str) -> list[str]:
    view = dialog.findChild(QListView, "listView")
    assert view is not None
    model, root = view.model(), view.rootIndex()
    row = next(r for r in range(model.rowCount(root)) if model.index(r, 0, root).data() == name)
    return [model.index(row, c, root).data() for c in range(4)]


def _view_texts(dialog: QFileDialog) -> list[str]:
    view = dialog.findChild(QListView, "listView")
    if view is None or view.model() is None:
        return []
    root = view.rootIndex()
    return [view.model().index(r, 0, root).data() for r in range(view.model().rowCount(root))]


def test_the_print_dialog_and_message_boxes_speak_persian(persian_app) -> None:  # type: ignore[no-untyped-def]
    assert QCoreApplication.translate("QPrintDialog", "Print") == "چاپ"
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "انصراف"


def test_a_saved_pdfs_path_reads_left_to_right(window: MainWindow, home: Path, artifacts_dir: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    path = home / "Documents" / "letter.pdf"
    window.actions_._pdf_written(path)
    message = window.current_message()
    assert str(path) in message
    # Lay the message out as the status bar does (a right-to-left line): the path's leading slash
    # must be at its left end, «/home/…/letter.pdf», not «home/…/letter.pdf/».
    start = message.index(str(path))
    # x after the slash, after the next character, and before the last one: rising left to right
    # (on the old text, the slash was drawn after «…letter.pdf», at the right end of the path).
    after_slash, after_next, before_last = _rtl_x(message, window.message_label.font(),
                                                  start + 1, start + 2, start + len(str(path)) - 1)
    assert after_slash < after_next < before_last
    window.resize(1500, 300)
    qtbot.wait(50)
    window.statusBar().grab().save(str(artifacts_dir / "saved_path_status_bar.png"))
