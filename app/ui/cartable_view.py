"""The cartable (کارتابل): the referrals addressed to me (or sent by me), unread in bold, overdue
in red, sortable by any column. Its buttons open the letter (which marks it read), refer it on,
answer it with a new letter linked by «عطف», close it with a note, or recall one I sent while
it is unread."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models import referrals as R
from app.models.changes import Changes
from app.models.db import Store
from app.protocol.jalali import format_date
from app.protocol.persian import to_persian_digits
from app.ui.ops import OpContext, StoreOp
from app.ui.store_changes import StoreChanges

OVERDUE = QColor("#c62828")


class _SortItem(QTableWidgetItem):
    """Sorts by the value kept in UserRole (dates as ISO text), not by the Persian text shown."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.data(Qt.ItemDataRole.UserRole), other.data(Qt.ItemDataRole.UserRole)
        return str(mine or "") < str(theirs or "")


class CartableView(QDialog):
    """Lists the cartable; the window gives it what it needs to open, refer and answer letters."""

    openLetter = Signal(str)  # letter GUID
    referOn = Signal(str, str)  # letter GUID, referral GUID
    answer = Signal(str, str)  # letter GUID, referral GUID

    def __init__(self, store: Store, me: str, parent: QWidget | None = None,
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        super().__init__(parent)
        self.setObjectName("cartable")
        self.setWindowTitle(self.tr("Cartable"))
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.store, self.me, self.today = store, me, today
        self.rows: list[R.CartableRow] = []
        # Tests replace this: the note a referral is closed with (None: cancelled).
        self.ask_note: Callable[[], str | None] = self._ask_note

        self.which = QComboBox()
        self.which.setObjectName("cartableWhich")
        self.which.addItem(self.tr("Referred to me"), False)
        self.which.addItem(self.tr("Referred by me"), True)
        self.which.currentIndexChanged.connect(lambda _i: self.reload())
        self.table = QTableWidget(0, 7)
        self.table.setObjectName("cartableTable")
        self.table.setHorizontalHeaderLabels([self.tr("Subject"), self.tr("From"), self.tr("Instruction"),
                                              self.tr("Postscript"), self.tr("Due date"), self.tr("Referred on"),
                                              self.tr("Status")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setSortingEnabled(True)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda _i: self.open_current())

        self.open_button = self._button("cartableOpen", self.tr("Open letter"), self.open_current)
        self.refer_button = self._button("cartableReferOn", self.tr("Refer on"), self._refer_on)
        self.answer_button = self._button("cartableAnswer", self.tr("Answer"), self._answer)
        self.close_button = self._button("cartableClose", self.tr("Close with a note"), self.close_current)
        self.recall_button = self._button("cartableRecall", self.tr("Recall"), self.recall_current)
        buttons = QHBoxLayout()
        buttons.addWidget(self.which)
        buttons.addStretch(1)
        for b in (self.open_button, self.refer_button, self.answer_button, self.close_button, self.recall_button):
            buttons.addWidget(b)
        self.error = QLabel()
        self.error.setObjectName("cartableError")
        self.error.setStyleSheet("color: #b71c1c;")
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table)
        layout.addWidget(self.error)
        self.resize(1000, 520)
        StoreChanges.instance().changed.connect(self._on_changes)
        self.reload()

    def _button(self, name: str, text: str, slot: Callable[[], object]) -> QPushButton:
        b = QPushButton(text)
        b.setObjectName(name)
        b.clicked.connect(lambda _checked=False: slot())
        return b

    def _on_changes(self, changes: Changes, _maker: object = None) -> None:
        if changes.letters or changes.outbox:
            self.reload()

    # --- the list -----------------------------------------------------------------------
    def reload(self) -> None:
        self.error.hide()
        sent = bool(self.which.currentData())
        self.rows = R.cartable(self.store, self.me, sent=sent)
        today = self.today()
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(self.rows))
        header = self.table.horizontalHeaderItem(1)
        if header is not None:  # whom I referred them to, or who referred them to me
            header.setText(self.tr("Referred to") if sent else self.tr("From"))
        for i, r in enumerate(self.rows):
            who = "، ".join(r.to_names) if sent else r.from_name
            cells = [
                (r.subject or self.tr("(letter not here yet)"), r.subject),
                (who, who),
                (r.instruction, r.instruction),
                (r.postscript, r.postscript),
                (format_date(r.due_date) if r.due_date else "", r.due_date.isoformat() if r.due_date else ""),
                (format_date(r.created_at), r.created_at.isoformat()),
                (self.status_text(r), r.status),
            ]
            font = QFont(self.table.font())
            font.setBold(not r.read and not sent)
            for col, (text, key) in enumerate(cells):
                item = _SortItem(to_persian_digits(text) if col in (4, 5) else text)
                item.setData(Qt.ItemDataRole.UserRole, key)
                item.setData(Qt.ItemDataRole.UserRole + 1, r.guid)
                item.setFont(font)
                item.setToolTip(self.status_detail(r) if col == 6 else item.text())  # a narrow column elides it
                if r.overdue(today):
                    item.setForeground(OVERDUE)
                if r.recalled or r.closed:
                    item.setForeground(QColor("#757575"))
                self.table.setItem(i, col, item)
        self.table.setSortingEnabled(True)
        # the status is read at a glance: wide enough for "read; your step was refused", not for every reason
        self.table.setColumnWidth(6, min(max(self.table.sizeHintForColumn(6), 100), 260))
        self._update_buttons()

    def status_text(self, r: R.CartableRow) -> str:
        names = {"refused": self.tr("Refused by the server: %1").replace("%1", r.reject_reason or ""),
                 "recalled": self.tr("Recalled"), "closed": self.tr("Closed"), "answered": self.tr("Answered"),
                 "pending": self.tr("Waiting for sync"), "read": self.tr("Read"), "unread": self.tr("Unread")}
        if r.step_refused and r.status != "refused":
            return self.tr("%1; your step was refused").replace("%1", names[r.status])
        return names[r.status]

    def status_detail(self, r: R.CartableRow) -> str:
        """The status with the server's reason for refusing my last step, if it did."""
        if r.step_refused and r.status != "refused":
            plain = self.status_text(dataclasses.replace(r, step_refused=None))
            return self.tr("%1 (the server refused your step: %2)").replace("%1", plain).replace(
                "%2", r.step_refused.rstrip("."))
        return self.status_text(r)

    def current(self) -> R.CartableRow | None:
        items = self.table.selectedItems()
        if not items:
            return None
        guid = items[0].data(Qt.ItemDataRole.UserRole + 1)
        return next((r for r in self.rows if r.guid == guid), None)

    def select(self, referral_guid: str) -> None:
        for i in range(self.table.rowCount()):
            item = self.table.item(i, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole + 1) == referral_guid:
                flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
                self.table.selectionModel().select(self.table.model().index(i, 0), flags)
                return

    def _update_buttons(self) -> None:
        r = self.current()
        live = r is not None and not r.recalled
        mine = r is not None and not r.sent_by_me
        self.open_button.setEnabled(r is not None)
        for b in (self.refer_button, self.answer_button, self.close_button):
            b.setEnabled(live and mine and not (r is not None and r.closed))
        self.recall_button.setEnabled(live and r is not None and r.sent_by_me and not r.read)

    # --- the steps ------------------------------------------------------------------------
    def _event(self, kind: str, note: str = "") -> None:
        r = self.current()
        if r is None:
            return
        store, me, guid = self.store, self.me, r.guid

        def work(_ctx: OpContext) -> Changes:
            return R.add_event(store, guid, me, kind, note).changes

        StoreOp(self, work).failure(self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        self.error.setText(getattr(exc, "message_fa", None) or self.tr("The step could not be done."))
        self.error.show()

    def open_current(self) -> None:
        r = self.current()
        if r is None:
            return
        if not r.sent_by_me and not r.read and not r.recalled:
            self._event("read")
        self.openLetter.emit(r.letter_guid)

    def _refer_on(self) -> None:
        if (r := self.current()) is not None:
            self.referOn.emit(r.letter_guid, r.guid)

    def _answer(self) -> None:
        if (r := self.current()) is not None:
            self.answer.emit(r.letter_guid, r.guid)

    def close_current(self) -> None:
        note = self.ask_note()
        if note is not None:
            self._event("close", note)

    def recall_current(self) -> None:
        self._event("recall")

    def _ask_note(self) -> str | None:
        from PySide6.QtWidgets import QInputDialog

        text, ok = QInputDialog.getMultiLineText(self, self.tr("Close the referral"), self.tr("Note:"))
        return text if ok else None
