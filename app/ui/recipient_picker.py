"""Picking parties from the synced directory (agencies, units, people) with Persian search.

The query is normalized like the stored ``name_norm`` columns, so «علي» (Arabic ي) finds
«علی». The directory is small and every query is limited, so searching on the GUI thread
(debounced while the user types) stays well under a frame.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

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
from sqlalchemy import case, select
from sqlalchemy.orm import Session

from app.models.db import Store
from app.models.tables import Agency, Person, Recipient, Unit
from app.protocol.persian import normalize
from app.ui.editor_flow_layout import FlowLayout
from app.ui.editor_search_box import SearchBox

KINDS = ("agency", "unit", "person")
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class DirectoryEntry:
    """One addressable party; ``name`` is the label stored on a recipient (and printed)."""

    kind: str  # agency | unit | person
    agency: str  # the agency's national id
    unit: str = ""  # unit code
    person: str = ""  # username
    name: str = ""
    national_code: str | None = None

    def as_recipient(self, role: str) -> dict[str, str]:
        return {
            "role": role,
            "agency": self.agency,
            "unit": self.unit,
            "person": self.person,
            "name": self.name,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "agency": self.agency,
            "unit": self.unit,
            "person": self.person,
            "name": self.name,
            "national_code": self.national_code,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DirectoryEntry:
        return cls(
            kind=data.get("kind") or "person",
            agency=data.get("agency") or "",
            unit=data.get("unit") or "",
            person=data.get("person") or "",
            name=data.get("name") or "",
            national_code=data.get("national_code") or None,
        )

    @classmethod
    def from_recipient(cls, r: Recipient) -> DirectoryEntry:
        kind = "person" if r.person else "unit" if r.unit else "agency"
        return cls(kind=kind, agency=r.agency, unit=r.unit or "", person=r.person or "", name=r.name or "")


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _label(*parts: str | None) -> str:
    return "، ".join(p for p in parts if p)


def search_directory(
    session: Session, text: str, *, kinds: Iterable[str] = KINDS, limit: int = SEARCH_LIMIT
) -> list[DirectoryEntry]:
    """Entries whose normalized name contains the normalized ``text``; prefix matches first."""
    query = normalize(text)
    if not query:
        return []
    kinds = tuple(kinds)
    pattern, prefix = _like(query), _like(query)[1:]
    ranked: list[tuple[int, int, str, DirectoryEntry]] = []

    def rank(column: Any) -> Any:
        return case((column.like(prefix, escape="\\"), 0), else_=1)

    agency_names: dict[str, str] = {}
    if "agency" in kinds:
        stmt = (
            select(Agency.national_id, Agency.name, Agency.name_norm, rank(Agency.name_norm))
            .where(Agency.name_norm.like(pattern, escape="\\"))
            .order_by(rank(Agency.name_norm), Agency.name_norm)
            .limit(limit)
        )
        for nid, name, norm, r in session.execute(stmt):
            agency_names[nid] = name
            ranked.append((r, 0, norm, DirectoryEntry("agency", nid, name=name)))
    units: list[tuple[Any, ...]] = []
    people: list[tuple[Any, ...]] = []
    if "unit" in kinds:
        units = list(
            session.execute(
                select(Unit.agency, Unit.code, Unit.name, Unit.name_norm, rank(Unit.name_norm))
                .where(Unit.name_norm.like(pattern, escape="\\"))
                .order_by(rank(Unit.name_norm), Unit.name_norm)
                .limit(limit)
            )
        )
    if "person" in kinds:
        people = list(
            session.execute(
                select(
                    Person.agency,
                    Person.unit_code,
                    Person.username,
                    Person.name,
                    Person.title,
                    Person.national_code,
                    Person.name_norm,
                    rank(Person.name_norm),
                )
                .where(Person.name_norm.like(pattern, escape="\\"))
                .order_by(rank(Person.name_norm), Person.name_norm)
                .limit(limit)
            )
        )
    missing = {row[0] for row in (*units, *people)} - agency_names.keys()
    if missing:
        rows = session.execute(select(Agency.national_id, Agency.name).where(Agency.national_id.in_(missing)))
        agency_names.update({nid: name for nid, name in rows})
    for agency, code, name, norm, r in units:
        entry = DirectoryEntry("unit", agency, unit=code, name=_label(name, agency_names.get(agency)))
        ranked.append((r, 1, norm, entry))
    for agency, unit, username, name, title, ncode, norm, r in people:
        entry = DirectoryEntry(
            "person",
            agency,
            unit=unit or "",
            person=username,
            name=_label(name, title, agency_names.get(agency)),
            national_code=ncode,
        )
        ranked.append((r, 2, norm, entry))
    ranked.sort(key=lambda t: (t[0], t[1], t[2]))
    return [t[3] for t in ranked[:limit]]


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

    ``kinds`` narrows what can be picked (signatories are people only). Entries are unique:
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
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._kinds = tuple(kinds)
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
        with self._store.reader() as session:
            found = search_directory(session, text, kinds=self._kinds)
        return [(e.name, e) for e in found if e not in self._entries]

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
