"""Picking parties from the synced directory (agencies, units, people) with Persian search.

The search itself is :func:`app.models.directory.search_directory`: small and limited, so it
answers on the GUI thread (debounced while the user types) well within a frame.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.models.db import Store
from app.models.directory import KINDS, DirectoryEntry, search_directory
from app.ui.editor_flow_layout import FlowLayout
from app.ui.editor_search_box import SearchBox


class _Chip(QFrame):
    removeRequested = Signal(object)

    def __init__(self, entry: DirectoryEntry, parent: QWidget, *, removable: bool, remove_tip: str) -> None:
        super().__init__(parent)
        self.entry = entry
        self.setObjectName("chip")
        self.setStyleSheet("#chip { background: #e8eef6; border: 1px solid #b8c7dc; border-radius: 10px; }")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 1, 3, 1)
        layout.setSpacing(2)
        label = QLabel(entry.name, self)
        label.setToolTip(entry.name)
        layout.addWidget(label)
        self.remove_button = QToolButton(self)
        self.remove_button.setAutoRaise(True)
        self.remove_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton))
        self.remove_button.setIconSize(QSize(10, 10))
        self.remove_button.setToolTip(remove_tip)
        self.remove_button.setAccessibleName(remove_tip)
        self.remove_button.clicked.connect(lambda: self.removeRequested.emit(self.entry))
        self.remove_button.setVisible(removable)
        layout.addWidget(self.remove_button)


class RecipientPicker(QWidget):
    """A search box over the directory plus the chosen entries as removable chips.

    ``kinds`` narrows what can be picked; ``signatories_of`` (an agency) offers only that agency's
    people with the signatory role, as a letter's signatories are picked. Entries are unique:
    picking one twice keeps the first.
    """

    changed = Signal()

    def __init__(
        self,
        store: Store,
        parent: QWidget | None = None,
        *,
        kinds: Sequence[str] = KINDS,
        placeholder: str = "",
        signatories_of: str | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._kinds = tuple(kinds)
        self._signatories_of = signatories_of
        self.excluded_agency = ""  # an agency not offered (an outgoing letter's own agency)
        self.within_agency = ""  # the only agency offered, with its units and people (an internal letter's)
        self._entries: list[DirectoryEntry] = []
        self._read_only = False

        self._search = SearchBox(
            self._find, self, placeholder=placeholder or self.tr("Type a name to search the directory…")
        )
        self._search.picked.connect(self._on_picked)
        self._chips = QWidget(self)
        self._flow = FlowLayout(self._chips)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self._search)
        layout.addWidget(self._chips)
        self._chips.hide()

    # --- public API -------------------------------------------------------------------

    def entries(self) -> list[DirectoryEntry]:
        return list(self._entries)

    def setEntries(self, entries: Iterable[DirectoryEntry]) -> None:
        self._entries = []
        for entry in entries:
            if entry not in self._entries:
                self._entries.append(entry)
        self._rebuild_chips()

    def addEntry(self, entry: DirectoryEntry) -> bool:
        if entry in self._entries:
            return False
        self._entries.append(entry)
        self._rebuild_chips()
        self.changed.emit()
        return True

    def removeEntry(self, entry: DirectoryEntry) -> None:
        if entry in self._entries:
            self._entries.remove(entry)
            self._rebuild_chips()
            self.changed.emit()

    def searchBox(self) -> SearchBox:
        return self._search

    def chips(self) -> list[_Chip]:
        return [c for c in self._chips.findChildren(_Chip) if c.entry in self._entries]

    def setReadOnly(self, read_only: bool) -> None:
        self._read_only = read_only
        self._search.setVisible(not read_only)
        self._rebuild_chips()

    # --- internals --------------------------------------------------------------------

    def _find(self, text: str) -> list[tuple[str, object]]:
        found = search_directory(self._store, text, kinds=self._kinds, signatories_of=self._signatories_of,
                                 within=self.within_agency or None)
        return [(e.name, e) for e in found if e not in self._entries
                and not (e.kind == "agency" and e.agency == self.excluded_agency)]

    def _on_picked(self, entry: object) -> None:
        if isinstance(entry, DirectoryEntry):
            self.addEntry(entry)

    def _rebuild_chips(self) -> None:
        while (item := self._flow.takeAt(0)) is not None:
            if (w := item.widget()) is not None:
                w.hide()
                w.deleteLater()
        for entry in self._entries:
            chip = _Chip(entry, self._chips, removable=not self._read_only, remove_tip=self.tr("Remove"))
            chip.removeRequested.connect(self.removeEntry)
            self._flow.addWidget(chip)
        self._chips.setVisible(bool(self._entries))
        self._chips.updateGeometry()
