"""The cartable (کارتابل): the referrals addressed to me (or sent by me, or overdue), unread in
bold, overdue in red, sortable by its columns and filtered as the user types. Its buttons open
the letter (which marks it read), refer it on, answer it with a new letter linked by «عطف»,
close it with a note, or recall one I sent while it is unread.

One widget, shown in the main window when its «کارتابل» folder is chosen (also by Ctrl+K). Its
model reads page by page on a worker, in SQL (:func:`app.models.referrals.cartable_page`): a
40-row first page, then 100 at a time as the view scrolls, like the letter list, so 50,000
referrals open as fast as 40 and no keystroke waits for SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QPaintEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.models import referrals as R
from app.models.changes import Changes
from app.models.db import Store
from app.protocol.jalali import format_date
from app.protocol.persian import to_persian_digits
from app.protocol.shams import display_text
from app.ui.letter_row_delegate import LetterRowDelegate
from app.ui.ops import Op, OpContext, StoreOp
from app.ui.reminders import tehran_today
from app.ui.store_changes import StoreChanges

OVERDUE = QColor("#c62828")
DONE = QColor("#757575")
FIRST_PAGE_SIZE = 40  # a screenful and a half: read, formatted and painted first
PAGE_SIZE = 100
# The model's columns, and what each sorts by in SQL (None: not sortable).
COLUMN_SORTS: tuple[str | None, ...] = ("subject", "from", "number", "instruction", "postscript", "due", "created",
                                         None)
AnyIndex = QModelIndex | QPersistentModelIndex


def _tr(text: str) -> str:
    return QCoreApplication.translate("CartableView", text)


def status_text(r: R.CartableRow) -> str:
    names = {"refused": _tr("Refused by the server: %1").replace("%1", r.reject_reason or ""),
             "recalled": _tr("Recalled"), "closed": _tr("Closed"), "answered": _tr("Answered"),
             "pending": _tr("Waiting for sync"), "read": _tr("Read"), "unread": _tr("Unread")}
    if r.step_refused and r.status != "refused":
        return _tr("%1; your step was refused").replace("%1", names[r.status])
    return names[r.status]


def status_detail(r: R.CartableRow) -> str:
    """The status with the server's reason for refusing my last step, if it did (the tooltip)."""
    if r.step_refused and r.status != "refused":
        plain = status_text(replace(r, step_refused=None))
        return _tr("%1 (the server refused your step: %2)").replace("%1", plain).replace(
            "%2", r.step_refused.rstrip("."))
    return status_text(r)


@dataclass(frozen=True, slots=True)
class _Look:
    cells: tuple[str, ...]
    font: QFont | None  # bold when unread
    color: QColor | None  # red when overdue, grey when closed or recalled


_DISPLAY, _TOOLTIP, _FONT, _FOREGROUND = (
    role.value for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.FontRole,
                            Qt.ItemDataRole.ForegroundRole))
_GUID = Qt.ItemDataRole.UserRole.value + 1


@dataclass(frozen=True)
class _Ask:
    """What the rows show: a cartable view, a filter and an order."""

    view: str = R.TO_ME
    query: str = ""
    sort: str = "created"
    descending: bool = True


class CartableModel(QAbstractTableModel):
    """The referrals of one cartable view, loaded a page at a time on a worker; a reload drops
    answers to questions nobody asks any more and keeps as many rows as were loaded."""

    reloaded = Signal()  # the first page of what was last asked for is in place
    load_failed = Signal(str)

    def __init__(self, store: Store, me: Callable[[], str], today: Callable[[], dt.date],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store, self.me, self.today = store, me, today
        self.rows: list[R.CartableRow] = []
        self.shown = self.wanted = _Ask()
        self._generation = 0
        self._exhausted = True
        self._busy: Op[Any] | None = None
        self._pool = QThreadPool(self)  # one worker: pages arrive in order, a superseded one never starts
        self._pool.setMaxThreadCount(1)
        self._looks: dict[int, _Look] = {}  # made when first painted
        self._bold = QFont()
        self._bold.setBold(True)
        self._today = today()

    # --- what to show -------------------------------------------------------------------
    def ask(self, **changes: Any) -> None:
        """Show another view, filter or order (``view``, ``query``, ``sort``, ``descending``)."""
        fields = {**self.wanted.__dict__, **changes}
        fields["query"] = str(fields["query"]).strip()
        self.load(_Ask(**fields))

    def reload(self) -> None:
        self.load(self.wanted, keep=True)

    def load(self, ask: _Ask, *, keep: bool = False) -> None:
        self.wanted = ask
        self._generation += 1
        if self._busy is not None:
            self._busy.cancel()
        size = max(FIRST_PAGE_SIZE, len(self.rows)) if keep and ask == self.shown else FIRST_PAGE_SIZE
        generation, read = self._generation, self._reader(ask)
        self._busy = (Op(self, lambda _ctx: read(0, size)).in_pool(self._pool)
                      .success(lambda rows: self._apply(generation, ask, size, rows))
                      .failure(self._failed).run())

    def _reader(self, ask: _Ask) -> Callable[[int, int], list[R.CartableRow]]:
        store, me, today = self.store, self.me, self.today()
        self._today = today

        def read(offset: int, limit: int) -> list[R.CartableRow]:  # on the worker: me() reads the store
            return R.cartable_page(store, me(), view=ask.view, query=ask.query or None, sort=ask.sort,
                                   descending=ask.descending, offset=offset, limit=limit, today=today)

        return read

    @property
    def asked(self) -> bool:
        """Something was asked for already (the model reads nothing until then)."""
        return self._generation > 0

    @property
    def loading(self) -> bool:
        return self._busy is not None

    def wait(self, timeout_ms: int = 10_000) -> None:
        """Block until what was asked for is in (tests, bench)."""
        self._pool.waitForDone(timeout_ms)
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()

    def _apply(self, generation: int, ask: _Ask, size: int, rows: list[R.CartableRow]) -> None:
        if generation != self._generation:
            return
        self._busy = None
        self.beginResetModel()
        self.shown, self.rows, self._looks = ask, rows, {}
        self._exhausted = len(rows) < size
        self.endResetModel()
        self.reloaded.emit()

    def _failed(self, exc: BaseException) -> None:
        self._busy = None
        self.load_failed.emit(str(exc))

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008 (Qt's signature)
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        """The next page, read on the worker and appended when it arrives."""
        if parent.isValid() or self._exhausted or self._busy is not None:
            return
        generation, offset, read = self._generation, len(self.rows), self._reader(self.shown)
        self._busy = (Op(self, lambda _ctx: read(offset, PAGE_SIZE)).in_pool(self._pool)
                      .success(lambda rows: self._append(generation, offset, rows))
                      .failure(self._failed).run())

    def _append(self, generation: int, offset: int, rows: list[R.CartableRow]) -> None:
        if generation != self._generation or offset != len(self.rows):
            return
        self._busy = None
        self._exhausted = len(rows) < PAGE_SIZE
        if rows:
            self.beginInsertRows(QModelIndex(), offset, offset + len(rows) - 1)
            self.rows.extend(rows)
            self.endInsertRows()

    # --- the table ----------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMN_SORTS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        sent = self.shown.view == R.SENT
        titles = (_tr("Subject"), _tr("Referred to") if sent else _tr("From"), _tr("Number"), _tr("Instruction"),
                  _tr("Postscript"), _tr("Due date"), _tr("Referred on"), _tr("Status"))
        return titles[section]

    def look(self, row: int) -> _Look:
        """The row as painted (texts, bold, colour): made when first painted, then kept."""
        if (found := self._looks.get(row)) is None:
            r = self.rows[row]
            who = "، ".join(r.to_names) if r.sent_by_me else r.from_name
            cells = (r.subject or _tr("(letter not here yet)"), who, display_text(r.number), r.instruction, r.postscript,
                     to_persian_digits(format_date(r.due_date)) if r.due_date else "",
                     to_persian_digits(format_date(r.created_at)), status_text(r))
            color = DONE if r.recalled or r.closed else (
                OVERDUE if not r.sent_by_me and r.overdue(self._today) else None)
            found = self._looks[row] = _Look(cells, self._bold if r.unread else None, color)
        return found

    def painted_cell(self, row: int, column: int) -> tuple[str, QColor | None, bool]:
        """What the row delegate draws (the letter list's: each text laid out once)."""
        look = self.look(row)
        return look.cells[column], look.color, look.font is not None

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        # Asked ~8 times per cell and paint: plain int roles, and the row's look made once.
        row = index.row()
        if not 0 <= row < len(self.rows):
            return None
        if role == _TOOLTIP and index.column() == len(COLUMN_SORTS) - 1:
            return status_detail(self.rows[row])
        if role in (_DISPLAY, _TOOLTIP):
            return self.look(row).cells[index.column()]
        if role == _FONT:
            return self.look(row).font
        if role == _FOREGROUND:
            return self.look(row).color
        if role == _GUID:
            return self.rows[row].guid
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorted in SQL over the whole cartable, not just the rows loaded."""
        key = COLUMN_SORTS[column] if 0 <= column < len(COLUMN_SORTS) else None
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if self.asked:
            self.ask(sort=key, descending=descending)
        else:  # the view set its first sort indicator: remembered, read when first shown
            self.wanted = replace(self.wanted, sort=key, descending=descending)


class CartableTable(QTableView):
    painted = Signal(int)  # after a paint of the viewport, with the rows the model had then

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row_delegate = LetterRowDelegate(self)  # the letter list's drawing: each text shaped once
        self.setItemDelegate(self.row_delegate)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self.row_delegate.clear_cache()
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        self.painted.emit(model.rowCount() if model is not None else 0)


class CartableView(QWidget):
    """Lists the cartable; the window gives it what it needs to open, refer and answer letters."""

    openLetter = Signal(str)  # letter GUID
    referOn = Signal(str, str)  # letter GUID, referral GUID
    answer = Signal(str, str)  # letter GUID, referral GUID
    showTree = Signal(str)  # letter GUID: its incoming tree (Rasad)
    stepped = Signal()  # a read, close or recall kept here: it leaves with the next sync

    def __init__(self, store: Store, me: Callable[[], str], parent: QWidget | None = None,
                 today: Callable[[], dt.date] = tehran_today) -> None:
        super().__init__(parent)
        self.setObjectName("cartable")
        self.setWindowTitle(self.tr("Cartable"))
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.store, self.me = store, me
        # Tests replace this: the note a referral is closed with (None: cancelled).
        self.ask_note: Callable[[], str | None] = self._ask_note

        self.today = today
        self.model = CartableModel(store, me, lambda: self.today(), self)
        self.which = QComboBox()
        self.which.setObjectName("cartableWhich")
        self.which.addItem(self.tr("Referred to me"), R.TO_ME)
        self.which.addItem(self.tr("Referred by me"), R.SENT)
        self.which.addItem(self.tr("Overdue"), R.OVERDUE)
        self.which.currentIndexChanged.connect(lambda _i: self.model.ask(view=self.which.currentData()))
        self.filter = QLineEdit()
        self.filter.setObjectName("cartableFilter")
        self.filter.setPlaceholderText(self.tr("Filter by subject, number, person or postscript"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(lambda text: self.model.ask(query=text))
        self.table = CartableTable()
        self.table.setObjectName("cartableTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(int(self.fontMetrics().height() * 1.6))
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the subject takes what is left
        # The others as wide as a typical value or their title (measured once, not per row); a
        # longer postscript or status (a refused step's) is elided, whole in its tooltip.
        samples = ("محمدرضا امیرحسینی", "۱۴۰۵/۱۲۳۴۵", "جهت بررسی و اظهارنظر", "نتیجه گزارش شود.", "۱۴۰۵/۰۹/۲۱",
                   "۱۴۰۵/۰۹/۲۱", "پاسخ داده شد")
        for column, sample in enumerate(samples, start=1):
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            hh.resizeSection(column, max(self.table.fontMetrics().horizontalAdvance(sample),
                                         hh.fontMetrics().horizontalAdvance(title) + 20) + 24)
        hh.setSortIndicator(COLUMN_SORTS.index("created"), Qt.SortOrder.DescendingOrder)  # newest first, before any click
        self.table.setSortingEnabled(True)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.table.doubleClicked.connect(lambda _i: self.open_current())
        # A reload (every sync pass that changed something) keeps the referral the user had chosen.
        self._kept: str | None = None
        self.model.modelAboutToBeReset.connect(self._keep_selection)
        self.model.modelReset.connect(self._restore_selection)
        self.model.load_failed.connect(self._failed_to_read)

        self.open_button = self._button("cartableOpen", self.tr("Open letter"), self.open_current)
        self.refer_button = self._button("cartableReferOn", self.tr("Refer on"), self._refer_on)
        self.answer_button = self._button("cartableAnswer", self.tr("Answer"), self._answer)
        self.close_button = self._button("cartableClose", self.tr("Close with a note"), self.close_current)
        self.recall_button = self._button("cartableRecall", self.tr("Recall"), self.recall_current)
        self.tree_button = self._button("cartableTree", self.tr("Referral tree"), self._show_tree)
        buttons = QHBoxLayout()
        buttons.addWidget(self.which)
        buttons.addWidget(self.filter, 1)
        for b in (self.open_button, self.refer_button, self.answer_button, self.close_button, self.recall_button,
                  self.tree_button):
            buttons.addWidget(b)
        self.error = QLabel()
        self.error.setObjectName("cartableError")
        self.error.setStyleSheet("color: #b71c1c;")
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.table)
        layout.addWidget(self.error)
        StoreChanges.instance().changed.connect(self._on_changes)
        self._update_buttons()

    def _button(self, name: str, text: str, slot: Callable[[], object]) -> QPushButton:
        b = QPushButton(text)
        b.setObjectName(name)
        b.clicked.connect(lambda _checked=False: slot())
        return b

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.model.asked:  # read when first shown, not at every start of the window
            self.model.reload()

    def _on_changes(self, changes: Changes, _maker: object = None) -> None:
        if (changes.letters or changes.outbox) and self.model.asked:
            self.model.reload()

    # --- the list -----------------------------------------------------------------------
    def show_view(self, view: str) -> None:
        """Show referrals to me, sent by me or overdue (R.TO_ME, R.SENT, R.OVERDUE)."""
        index = self.which.findData(view)
        if index != self.which.currentIndex():
            self.which.setCurrentIndex(index)  # asks the model
        else:
            self.reload()

    def reload(self) -> None:
        self.error.hide()
        self.model.reload()


    def current(self) -> R.CartableRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows and rows[0].row() < len(self.model.rows) else None

    def row_of(self, referral_guid: str) -> int | None:
        return next((i for i, r in enumerate(self.model.rows) if r.guid == referral_guid), None)

    def select(self, referral_guid: str) -> None:
        row = self.row_of(referral_guid)
        if row is not None:
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            self.table.selectionModel().select(self.model.index(row, 0), flags)

    def _keep_selection(self) -> None:
        r = self.current()
        self._kept = r.guid if r is not None else None

    def _restore_selection(self) -> None:
        kept, self._kept = self._kept, None
        if kept is not None:
            self.select(kept)
        self._update_buttons()

    def _update_buttons(self) -> None:
        r = self.current()
        live = r is not None and not r.recalled
        mine = r is not None and not r.sent_by_me
        self.open_button.setEnabled(r is not None)
        self.tree_button.setEnabled(r is not None)
        for b in (self.refer_button, self.answer_button, self.close_button):
            b.setEnabled(live and mine and not (r is not None and r.closed))
        if r is not None and r.answered:  # one answer: another «پاسخ» would only leave an empty draft
            self.answer_button.setEnabled(False)
        self.recall_button.setEnabled(live and r is not None and r.sent_by_me and not r.read)

    # --- the steps ------------------------------------------------------------------------
    def _event(self, kind: str, note: str = "") -> None:
        r = self.current()
        if r is None:
            return
        store, me, guid = self.store, self.me, r.guid

        def work(_ctx: OpContext) -> Changes:
            return R.add_event(store, guid, me(), kind, note).changes

        StoreOp(self, work).success(lambda _changes: self.stepped.emit()).failure(self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        self.error.setText(getattr(exc, "message_fa", None) or self.tr("The step could not be done."))
        self.error.show()

    def _failed_to_read(self, _message: str) -> None:
        self.error.setText(self.tr("The cartable could not be read."))
        self.error.show()

    def open_current(self) -> None:
        r = self.current()
        if r is None:
            return
        if not r.sent_by_me and not r.read and not r.recalled:
            self._event("read")
        self.openLetter.emit(r.letter_guid)

    def _show_tree(self) -> None:
        if (r := self.current()) is not None:
            self.showTree.emit(r.letter_guid)

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
