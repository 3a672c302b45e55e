"""The outbox panel: each letter on its way to the server, how far it got, and why it is retrying.

It reads its rows when shown and, while shown, whenever a store change touches letters or the
outbox (a change while hidden is read at the next show)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from app.models.changes import Changes
from app.models.db import Store
from app.models.letter_lists import read_outbox
from app.models.outbox_view import OutboxProgress
from app.protocol.jalali import format_datetime
from app.protocol.persian import to_persian_digits
from app.protocol.shams import display_text
from app.ui.attachments_progress import upload_text
from app.ui.ops import Op, OpContext
from app.ui.store_changes import StoreChanges

_GUID_ROLE = Qt.ItemDataRole.UserRole + 1


class OutboxPanel(QTreeWidget):
    letterActivated = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outboxPanel")
        self.store = store
        self.rows: list[OutboxProgress] = []
        self._stale = True  # the rows shown may be out of date (read again when shown)
        self.setRootIsDecorated(False)
        self.setIndentation(0)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHeaderLabels([self.tr("Subject"), self.tr("Progress"), self.tr("Number (SHAMS)"),
                              self.tr("Last error")])
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        for col, width in ((1, 330), (2, 200), (3, 330)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.setColumnWidth(col, width)
        self.itemActivated.connect(lambda item, _c: self.letterActivated.emit(item.data(0, _GUID_ROLE)))
        StoreChanges.instance().changed.connect(self._on_store_changed)

    def refresh(self) -> None:
        self._stale = False
        store = self.store

        def work(_ctx: OpContext) -> list[OutboxProgress]:
            return read_outbox(store)

        Op(self, work).success(self._show).run()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _on_store_changed(self, changes: Changes, _handler: object) -> None:
        if changes.letters or changes.outbox:
            if self.isVisible():
                self.refresh()
            else:
                self._stale = True

    def progress_text(self, p: OutboxProgress) -> str:
        text = {
            "signed": self.tr("Signed, not queued"),
            "queued": self.tr("Queued, waiting for a number"),
            "numbered": self.tr("Numbered, being sent"),
            "sent": self.tr("Sent"),
            "failed": self.tr("Refused by the server"),
        }.get(p.step, p.step)
        if p.retrying:
            text += " — " + self.tr("attempt %1").replace("%1", to_persian_digits(p.attempts + 1))
            if p.next_attempt_at is not None:
                text += " " + self.tr("at %1").replace("%1", format_datetime(p.next_attempt_at)[-5:])
        return text

    def error_text(self, p: OutboxProgress) -> str:
        """A short Persian reason; the engine's technical message goes to the tooltip."""
        if not p.last_error:
            return ""
        if p.step == "failed":
            return self.tr("The server refused the letter")
        return self.tr("The server could not be reached; retrying automatically")

    def on_sync_event(self, name: str, data: dict) -> None:
        """An attachment of a letter in the list is being uploaded: its progress in the row."""
        if name != "upload_progress":
            return
        total = int(data.get("total") or 0)
        percent = to_persian_digits(int(100 * int(data.get("done") or 0) / total) if total else 100)
        for i in range(self.topLevelItemCount()):
            item = self.topLevelItem(i)
            if item is not None and item.data(0, _GUID_ROLE) == data.get("guid"):
                item.setText(1, self.tr("Uploading attachments %1٪").replace("%1", percent))
                item.setToolTip(1, upload_text(data))

    def _show(self, rows: list[OutboxProgress]) -> None:
        self.rows = rows
        self.clear()
        for p in rows:
            item = QTreeWidgetItem([p.subject, self.progress_text(p), display_text(p.shams), self.error_text(p)])
            item.setData(0, _GUID_ROLE, p.guid)
            if p.last_error:
                item.setForeground(3, QBrush(QColor("#b71c1c")))
                item.setToolTip(3, f"\u2066{p.last_error}\u2069")  # isolate: an English message keeps its order
            self.addTopLevelItem(item)
