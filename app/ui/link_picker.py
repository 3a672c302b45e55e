"""Choosing the letter a draft answers (عطف) or follows up (پیرو); the candidates come from
:func:`app.models.letter_links.search_letters`."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStyle, QToolButton, QWidget

from app.models.db import Store
from app.models.letter_links import LetterLink, search_letters
from app.protocol.shams import display_text
from app.ui.editor_search_box import SearchBox


def link_label(link: LetterLink) -> str:
    number = display_text(link.shams)
    subject = f"«{link.subject}»" if link.subject else ""
    return f"{subject} {number}".strip()


class LinkPicker(QWidget):
    """A search box while empty; the chosen letter with a remove button once picked."""

    changed = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None, *, placeholder: str = "") -> None:
        super().__init__(parent)
        self._store = store
        self._link: LetterLink | None = None
        self._exclude: str | None = None
        self._read_only = False
        self._search = SearchBox(
            self._find, self, placeholder=placeholder or self.tr("Search letters by subject or number…")
        )
        self._search.picked.connect(self._on_picked)
        self._label = QLabel(self)
        self._label.setTextFormat(Qt.TextFormat.PlainText)
        self._clear = QToolButton(self)
        self._clear.setAutoRaise(True)
        self._clear.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton))
        self._clear.setToolTip(self.tr("Remove link"))
        self._clear.setAccessibleName(self.tr("Remove link"))
        self._clear.clicked.connect(lambda: self.setLink(None, notify=True))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._search, 1)
        layout.addWidget(self._label, 1)
        layout.addWidget(self._clear)
        self._update()

    def link(self) -> LetterLink | None:
        return self._link

    def setLink(self, link: LetterLink | None, *, notify: bool = False) -> None:
        changed = link != self._link
        self._link = link
        self._update()
        if changed and notify:
            self.changed.emit()

    def setExcludedGuid(self, guid: str | None) -> None:
        """The letter being edited, which must not link to itself."""
        self._exclude = guid

    def searchBox(self) -> SearchBox:
        return self._search

    def setReadOnly(self, read_only: bool) -> None:
        self._read_only = read_only
        self._update()

    def text(self) -> str:
        return self._label.text() if self._link else ""

    def _find(self, text: str) -> list[tuple[str, object]]:
        return [(link_label(link), link) for link in search_letters(self._store, text, exclude=self._exclude)]

    def _on_picked(self, link: object) -> None:
        if isinstance(link, LetterLink):
            self.setLink(link, notify=True)

    def _update(self) -> None:
        has = self._link is not None
        self._label.setText(link_label(self._link) if self._link else "")
        self._label.setToolTip(self._label.text())
        self._label.setVisible(has or self._read_only)
        self._search.setVisible(not has and not self._read_only)
        self._clear.setVisible(has and not self._read_only)
