"""The paper letter form lists its pages as a letter's attachments are listed (issue 17's trial: a
~70 px box scrolling sideways, names clipped, no icon or size), and its file dialog starts in the
folder the last pages came from."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.models.db import Store
from app.ui.paper_incoming_dialog import PaperIncomingDialog
from tests.ui.editor_conftest_helpers import save_screenshot

pytestmark = pytest.mark.gui


def test_pages_are_listed_with_icon_name_and_size(persian_app: QApplication, qtbot, store: Store, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                  artifacts_dir: Path) -> None:
    folder = tmp_path / "پویش"
    folder.mkdir()
    page = folder / "صفحه اول نامهٔ شرکت ساختمانی-۱۴۰۵.pdf"
    page.write_bytes(b"%PDF-1.7\n" + b"x" * 40_000)
    photo = folder / "عکس.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"y" * 2000)
    script = folder / "run.bat"
    script.write_text("@echo off\r\n")
    dialog = PaperIncomingDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.scan_dialog().directory().absolutePath() != str(folder)
    dialog.ask_scan_files = lambda: [str(page), str(photo), str(script)]
    dialog.add_scans()
    qtbot.waitUntil(lambda: not dialog.checking_scans, timeout=5000)
    rows = [dialog.scan_list.item(i).text() for i in range(dialog.scan_list.count())]
    assert rows == ["\u2068صفحه اول نامهٔ شرکت ساختمانی-۱۴۰۵\u200e.pdf\u2069 — ۳۹٫۱ کیلوبایت",
                    "\u2068عکس.jpg\u2069 — ۲ کیلوبایت"], rows
    assert not dialog.scan_list.item(0).icon().isNull()
    assert dialog.scans == [page, photo]
    assert "«\u2068run.bat\u2069» به نام یک برنامه یا اسکریپت است" in dialog.error.text()  # said at once
    assert dialog.scan_list.width() >= 400 and not dialog.scan_list.horizontalScrollBar().isVisible()
    assert dialog.scan_dialog().directory().absolutePath() == str(folder)  # the next dialog starts here
    save_screenshot(dialog, artifacts_dir / "paper_scan_list.png")
    dialog.sender_kind.setCurrentIndex(dialog.sender_kind.findData("person"))  # the tallest form
    QApplication.processEvents()
    assert dialog.sizeHint().height() <= 740  # still fits a 1366×768 screen
    save_screenshot(dialog, artifacts_dir / "paper_scan_list_person.png")
    dialog.scan_list.setCurrentRow(0)
    dialog._remove_scan()
    assert dialog.scans == [photo] and dialog.scan_list.count() == 1
