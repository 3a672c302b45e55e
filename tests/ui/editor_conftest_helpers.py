"""Shared setup for the letter-editor and date-picker GUI tests: a Persian, right-to-left app.

Plain functions rather than fixtures: ``tests/ui/conftest.py`` belongs to the main-window
tests, so each test module wraps these in its own fixtures.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QTranslator
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QWidget

from app.ui.fonts import apply_app_font
from app.ui.i18n import find_lrelease
from app.ui.resources import translations_dir
from tests.models.directory_seed import (  # noqa: F401 (the editor tests import them from here)
    MINISTRY,
    ORGANIZATION,
    OWN_AGENCY,
    seed_directory,
)

_QM_DIR = Path(tempfile.mkdtemp(prefix="dabir-editor-qm-"))
CATALOGS = ("editor_fa", "dabir_fa", "attachments_fa")  # ours, and the main catalogue if it exists yet


def compile_catalog(name: str) -> Path | None:
    """Compile ``translations/fa/<name>.ts`` into a temp dir (never beside the sources)."""
    ts = translations_dir() / "fa" / f"{name}.ts"
    tool = find_lrelease()
    if not ts.exists() or tool is None:
        return None
    qm = _QM_DIR / f"{name}.qm"
    if not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime:
        subprocess.run([tool, "-silent", str(ts), "-qm", str(qm)], check=True, capture_output=True)
    return qm


@contextmanager
def persian_ui(app: QApplication) -> Iterator[None]:
    """Right-to-left layout, the bundled font and Persian translations; undone afterwards."""
    old_direction, old_font = app.layoutDirection(), app.font()
    translators = []
    for name in CATALOGS:
        qm = compile_catalog(name)
        translator = QTranslator(app)
        if qm is not None and translator.load(str(qm)):
            app.installTranslator(translator)
            translators.append(translator)
    app.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    apply_app_font(app)
    try:
        yield
    finally:
        for translator in translators:
            app.removeTranslator(translator)
        app.setLayoutDirection(old_direction)
        app.setFont(old_font)


def save_screenshot(widget: QWidget, path: Path) -> Path:
    QApplication.processEvents()
    assert widget.grab().save(str(path)), f"could not write {path}"
    return path


def type_text(widget: QWidget, text: str) -> None:
    """Type any text, key by key (``QTest.keyClicks`` asserts on anything beyond Latin-1)."""
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, ch)
            QApplication.sendEvent(widget, event)



def assert_writes_right_to_left(edit: QPlainTextEdit) -> None:
    """A Persian text box: the caret waits on the right while empty and typed text starts there."""
    QApplication.processEvents()
    width = edit.viewport().width()
    assert edit.cursorRect().x() > width * 0.9, "empty: the caret should wait on the right"
    type_text(edit, "متن آزمایشی")
    edit.moveCursor(QTextCursor.MoveOperation.Start)
    assert edit.cursorRect().x() > width * 0.9, "the text should start at the right edge"
    edit.clear()
