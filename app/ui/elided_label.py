"""Text that may not fit its place (the status bar): cut between words with «…», whole in the tooltip."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget

ELLIPSIS = "…"


def elide_words(text: str, metrics: QFontMetrics, width: int) -> str:
    """``text`` if it fits in ``width`` pixels, else as many whole words as fit, then «…»."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    words = text.split()
    kept: list[str] = []
    for word in words:
        candidate = " ".join([*kept, word]) + ELLIPSIS
        if metrics.horizontalAdvance(candidate) > width:
            break
        kept.append(word)
    if not kept:  # not even the first word fits: Qt cuts it, but still marks the cut
        return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
    return " ".join(kept).rstrip("،؛:,") + ELLIPSIS


class ElidedLabel(QLabel):
    """A one-line label that never shows a word cut in half; the whole text is in its tooltip."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setText(text)

    def fullText(self) -> str:
        return self._full

    def setText(self, text: str) -> None:
        self._full = text
        self.updateGeometry()  # the size it asks for follows the whole text
        self._elide()

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        m = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._full) + m.left() + m.right() + 2 * self.margin() + 2
        return QSize(width, super().sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = elide_words(self._full, self.fontMetrics(), max(0, self.contentsRect().width()))
        super().setText(shown)
        self.setToolTip(self._full if shown != self._full else "")
