"""The staff member a paper letter is referred to sees its scanned pages in the letter view and opens
one, downloaded on demand and hash-checked, against the real server (issues 16/17)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.ui.letter_details import LetterDetails
from tests.sync import test_attachments_sync as env
from tests.sync.test_paper_scans import referred_paper_letter
from tests.ui.editor_conftest_helpers import save_screenshot

pytestmark = [pytest.mark.gui, pytest.mark.server]
pki, server, file_keyring = env.pki, env.server, env.file_keyring  # the same fixtures


def test_the_referee_sees_and_opens_the_scans(persian_app: QApplication, qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                              server, artifacts_dir: Path) -> None:
    staff, guid, pages = referred_paper_letter(tmp_path, server)
    view = LetterDetails(staff, guid)
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    viewer = view.attachments
    qtbot.waitUntil(lambda: viewer.isVisible() and viewer.list.count() == 2, timeout=10_000)
    rows = [viewer.list.item(i).text() for i in range(2)]
    assert rows[0].startswith("\u2068صفحه ۱\u200e.pdf\u2069 — ") and rows[0].endswith("هنوز دریافت نشده"), rows
    assert rows[1].startswith("\u2068صفحه ۲\u200e.jpg\u2069 — "), rows
    lines = view.info.toPlainText().splitlines()  # a row's value comes before its label
    at = lines.index("صفحه‌های پویش‌شده:")
    assert lines[at - 2:at] == ["صفحه ۱.pdf", "صفحه ۲.jpg"], lines  # not «ندارد», not "on this computer only"
    to = lines[lines.index("گیرندگان:") - 1]
    assert "،" not in to, to  # written to the agency, not to the referee's own unit

    opened: list[Path] = []
    viewer.open_file = lambda path: opened.append(path) is None  # the system's default application opens it
    viewer.has_program = lambda _type: True  # and has a program for the type
    viewer.list.setCurrentRow(0)
    qtbot.mouseClick(viewer.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(opened), timeout=30_000)
    assert opened[0].name == "صفحه ۱.pdf" and opened[0].read_bytes() == pages[0].read_bytes()
    qtbot.waitUntil(lambda: "هنوز دریافت نشده" not in viewer.list.item(0).text(), timeout=5000)
    save_screenshot(view, artifacts_dir / "paper_scans_at_referee.png")
