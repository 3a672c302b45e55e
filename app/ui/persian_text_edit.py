"""A plain multi-line box for Persian notes (هامش، علت، خلاصه): right to left from the first key.

Qt lays out an empty block left to right until its text says otherwise, so a box in a right-to-left
dialog put the caret, and then the typed Persian, on the left."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit, QWidget


class PersianPlainTextEdit(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        option = self.document().defaultTextOption()
        option.setTextDirection(Qt.LayoutDirection.RightToLeft)
        option.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignAbsolute)
        self.document().setDefaultTextOption(option)
