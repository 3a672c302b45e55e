"""A line edit that searches as the user types and offers the matches in a popup.

The search runs after a short pause in typing (the queries are small, indexed and limited,
so they run on the GUI thread); Up/Down/Enter in the popup pick a match, Enter in the box
picks the first one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

SEARCH_DELAY_MS = 120
DATA_ROLE = Qt.ItemDataRole.UserRole

# search(text) → [(label shown in the popup, value handed to `picked`)]
SearchFn = Callable[[str], Sequence[tuple[str, object]]]


class SearchBox(QLineEdit):
    picked = Signal(object)

    def __init__(self, search: SearchFn, parent: QWidget | None = None, *, placeholder: str = "") -> None:
        super().__init__(parent)
        self._search = search
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(True)
        self._model = QStandardItemModel(self)
        # setWidget (not QLineEdit.setCompleter): the box keeps its text under our control.
        self._completer = QCompleter(self._model, self)
        self._completer.setWidget(self)
        self._completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self._completer.setMaxVisibleItems(10)
        self._completer.activated[QModelIndex].connect(self._on_activated)  # type: ignore[index]  # the overload by argument type, which the stubs miss
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.runSearch)
        self.textEdited.connect(lambda _t: self._timer.start())
        self.returnPressed.connect(self._pick_first)

    def completer(self) -> QCompleter:
        return self._completer

    def results(self) -> list[object]:
        return [self._model.item(i).data(DATA_ROLE) for i in range(self._model.rowCount())]

    def resultLabels(self) -> list[str]:
        return [self._model.item(i).text() for i in range(self._model.rowCount())]

    def chooseResult(self, row: int) -> None:
        self._on_activated(self._model.index(row, 0))

    def runSearch(self) -> None:
        self._timer.stop()
        self._model.clear()
        for label, value in self._search(self.text()):
            item = QStandardItem(label)
            item.setToolTip(label)
            item.setData(value, DATA_ROLE)
            item.setEditable(False)
            self._model.appendRow(item)
        if self._model.rowCount() and self.isVisible():
            self._completer.complete()
        else:
            self._hide_popup()

    def _hide_popup(self) -> None:
        popup = self._completer.popup()
        if popup is not None:
            popup.hide()

    def _on_activated(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        value = index.data(DATA_ROLE)
        self._hide_popup()
        self.clear()
        self._model.clear()
        self.picked.emit(value)

    def _pick_first(self) -> None:
        if self._timer.isActive() or not self._model.rowCount():
            self.runSearch()
        if self._model.rowCount():
            self.chooseResult(0)
