"""The letter list: a table model that loads one folder page by page, as Anki's browser does.

A folder or search change reads the first page on a worker (:class:`Op`), so typing never
waits for SQLite; the model keeps showing the old rows until the new ones arrive and drops
answers to queries that have been superseded. The count of all matches follows on another
worker once the view has painted the new rows (started at once, it would take a core from the
paint on a two-core machine). Further pages are fetched on demand by the view (``canFetchMore``/``fetchMore``) as the
user scrolls; that page too is read on a worker and appended when it arrives, so scrolling
never freezes the window, however slow the store is (many pages deep, ``OFFSET`` is not free).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor

from app.models.changes import Changes
from app.models.db import Store
from app.models.folders import Folder, LetterRow, Place
from app.models.letter_lists import read_count, read_page
from app.protocol.canonical import Priority
from app.protocol.jalali import format_datetime
from app.protocol.shams import display_text
from app.ui.labels import classification_name, priority_name, state_name
from app.ui.ops import Op, OpContext
from app.ui.store_changes import StoreChanges

PAGE_SIZE = 100  # a screenful is ~25 rows; the view asks for more as it scrolls
# The first page of a folder or search: a screenful and a half, so that the answer to a keystroke
# is read, formatted and painted sooner; the next pages come as the view asks for them.
FIRST_PAGE_SIZE = 40
GUID_ROLE = Qt.ItemDataRole.UserRole + 1
# The count starts when the view reports a paint of the new rows, or after this long without
# one (no view, a hidden window).
COUNT_FALLBACK_MS = 100

AnyIndex = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    SUBJECT = 0
    COUNTERPART = 1
    SHAMS = 2
    DATE = 3
    STATE = 4
    PRIORITY = 5


def column_title(column: Column) -> str:
    return {
        Column.SUBJECT: QCoreApplication.translate("LetterTableModel", "Subject"),
        Column.COUNTERPART: QCoreApplication.translate("LetterTableModel", "Counterpart"),
        Column.SHAMS: QCoreApplication.translate("LetterTableModel", "Number"),
        Column.DATE: QCoreApplication.translate("LetterTableModel", "Date"),
        Column.STATE: QCoreApplication.translate("LetterTableModel", "State"),
        Column.PRIORITY: QCoreApplication.translate("LetterTableModel", "Priority"),
    }[column]


@dataclass(frozen=True, slots=True)
class DisplayRow:
    """A letter row formatted for display: once, when first painted (not per paint, and not
    for the rows of a page that are never scrolled into view)."""

    row: LetterRow
    cells: tuple[str, ...]
    tooltip: str


def format_row(row: LetterRow) -> DisplayRow:
    cells = (
        row.subject,
        row.counterpart,
        display_text(row.number),
        format_datetime(row.date),
        state_name(row.state, on_paper=row.on_paper),
        priority_name(row.priority),
    )
    tooltip = row.subject
    if row.classification != "normal":
        tooltip = f"{row.subject}\n{classification_name(row.classification)}"
    return DisplayRow(row, cells, tooltip)


@dataclass(frozen=True, slots=True)
class _Page:
    generation: int
    folder: Place
    query: str
    all_folders: bool
    size: int  # how many rows were asked for
    rows: list[LetterRow]


_PRIORITY_COLORS: dict[str, QColor] = {Priority.URGENT: QColor("#b45309"), Priority.IMMEDIATE: QColor("#b91c1c")}


def priority_color(item: DisplayRow, column: int) -> QColor | None:
    """The text colour of an urgent or immediate letter's priority cell (else the palette's)."""
    return _PRIORITY_COLORS.get(item.row.priority) if column == Column.PRIORITY else None


class LetterTableModel(QAbstractTableModel):
    """Rows of one folder (optionally filtered by a search), newest first, loaded lazily.

    A change of folder or search first reads one page and shows it, then counts the matches
    in a second query: the list updates as soon as possible and the count follows.
    """

    # Emitted on the GUI thread: the first page of a new folder/search is in place …
    reloaded = Signal()
    # … and then how many letters match in all.
    counted = Signal(int)
    load_failed = Signal(str)

    def __init__(self, store: Store, parent: QObject | None = None, *, page_size: int = PAGE_SIZE,
                 first_page_size: int = FIRST_PAGE_SIZE) -> None:
        super().__init__(parent)
        self._store = store
        self._page_size = page_size
        self._first_page_size = first_page_size
        self._rows: list[LetterRow] = []
        self._display: dict[int, DisplayRow] = {}
        self._total: int | None = None  # None until counted
        self._exhausted = True  # a short page was read: nothing more to fetch
        # What the rows show; what was last asked for may still be loading.
        self._folder: Place = Folder.DRAFTS
        self._query = ""
        self._all_folders = True  # a search looks in every folder unless narrowed to this one
        self._wanted: tuple[Place, str, bool] = (self._folder, self._query, self._all_folders)
        self._generation = 0
        self._pending: Op[_Page] | None = None
        self._counting: Op[int] | None = None
        self._count_due: _Page | None = None  # counted once the view has painted its first page
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(COUNT_FALLBACK_MS)
        self._count_timer.timeout.connect(self.start_count)
        self._fetching: Op[list[LetterRow]] | None = None
        # One worker for pages, so they arrive in order and a superseded one is cancelled before
        # it starts; another for counts, so that a slow count never holds up scrolling.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._count_pool = QThreadPool(self)
        self._count_pool.setMaxThreadCount(1)
        self.pages_fetched = 0  # pages read since the last reload (tests, bench)
        StoreChanges.instance().changed.connect(self._on_store_changed)

    # --- what to show ---------------------------------------------------------------

    @property
    def folder(self) -> Place:
        return self._folder

    @property
    def query(self) -> str:
        return self._query

    @property
    def all_folders(self) -> bool:
        """A search shown now covers every folder (not only :attr:`folder`)."""
        return self._all_folders

    @property
    def total(self) -> int | None:
        """How many letters match, once counted (``None`` while counting)."""
        return self._total

    @property
    def loading(self) -> bool:
        return self._pending is not None or self._counting is not None or self._count_due is not None

    def set_folder(self, folder: Place) -> None:
        self.load(folder, self._wanted[1], self._wanted[2])

    def set_query(self, query: str) -> None:
        self.load(self._wanted[0], query, self._wanted[2])

    def set_all_folders(self, all_folders: bool) -> None:
        self.load(self._wanted[0], self._wanted[1], all_folders)

    def load(self, folder: Place, query: str = "", all_folders: bool = True, *, force: bool = False) -> None:
        """Show ``folder`` filtered by ``query`` (every folder's letters with ``all_folders``);
        the rows change when the first page is read. A forced reload of what is shown (a sync
        brought changes) reads as many rows as are loaded now, so the view keeps its place."""
        query = query.strip()
        wanted = (folder, query, all_folders)
        if not force and wanted == self._wanted and (self.loading or self._generation):
            return
        same = wanted == (self._folder, self._query, self._all_folders)
        self._wanted = wanted
        self._generation += 1
        generation, store = self._generation, self._store
        size = max(self._first_page_size, len(self._rows)) if same else self._first_page_size
        scope: Place | None = None if query and all_folders else folder
        for op in (self._pending, self._counting, self._fetching):
            if op is not None:
                op.cancel()
        self._counting = self._fetching = self._count_due = None
        self._count_timer.stop()

        def first_page(_ctx: OpContext) -> _Page:
            return _Page(generation, folder, query, all_folders, size, read_page(store, scope, 0, size, query or None))

        self._pending = Op(self, first_page).in_pool(self._pool).success(self._apply).failure(self._failed).run()

    def refresh(self) -> None:
        self.load(*self._wanted, force=True)

    def _on_store_changed(self, changes: Changes, _handler: object) -> None:
        """Letters were added or changed: any of them may now belong to (or leave) this folder."""
        if changes.letters and self._generation:
            self.refresh()

    def wait(self, timeout_ms: int = 10_000) -> None:
        """Block until the page and the count asked for are in (tests, bench)."""
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            self.start_count()  # not waiting for a paint
            for pool in (self._pool, self._count_pool):
                pool.waitForDone(max(0, int((deadline - time.monotonic()) * 1000)))
            QCoreApplication.sendPostedEvents()
            QCoreApplication.processEvents()
            if not (self.loading or self._fetching) or time.monotonic() > deadline:
                return

    def _apply(self, page: _Page) -> None:
        if page.generation != self._generation:
            return  # an answer to a question nobody is asking any more
        self._pending = None
        self.beginResetModel()
        self._folder, self._query, self._all_folders = page.folder, page.query, page.all_folders
        self._rows = page.rows
        self._display = {}
        self._total = None
        self._exhausted = len(page.rows) < page.size
        self.pages_fetched = 1
        if not self._exhausted:
            self._count_due = page
            self._count_timer.start()
        self.endResetModel()
        self.reloaded.emit()
        if self._exhausted:
            self._set_total(page.generation, len(page.rows))

    def view_painted(self, *_args: object) -> None:
        """The view painted: the count of a new first page can start now (see the module doc)."""
        if self._count_due is not None:
            self.start_count()

    def start_count(self) -> None:
        """Count the matches of the first page shown, if that count is still due."""
        page, self._count_due = self._count_due, None
        self._count_timer.stop()
        if page is None or page.generation != self._generation:
            return
        query, store = page.query, self._store
        folder = self._scope()

        def count(_ctx: OpContext) -> int:
            return read_count(store, folder, query or None)

        self._counting = (
            Op(self, count)
            .in_pool(self._count_pool)
            .success(lambda n: self._set_total(page.generation, n))
            .failure(self._failed)
            .run()
        )

    def _set_total(self, generation: int, total: int) -> None:
        if generation != self._generation:
            return
        self._counting = None
        self._total = max(total, len(self._rows))
        self.counted.emit(self._total)

    def _failed(self, exc: BaseException) -> None:
        self._pending = self._counting = self._fetching = self._count_due = None
        self._count_timer.stop()
        self.load_failed.emit(str(exc))

    # --- lazy paging ----------------------------------------------------------------

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008 (Qt's signature)
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        """Ask for the next page; it is appended when it arrives (the view asks again meanwhile)."""
        if parent.isValid() or self._exhausted or self._fetching is not None or self._pending is not None:
            return
        generation, offset, size = self._generation, len(self._rows), self._page_size
        folder, query, store = self._scope(), self._query, self._store

        def next_page(_ctx: OpContext) -> list[LetterRow]:
            return read_page(store, folder, offset, size, query or None)

        self._fetching = (
            Op(self, next_page)
            .in_pool(self._pool)
            .success(lambda rows: self._append(generation, offset, rows))
            .failure(self._failed)
            .run()
        )

    def _scope(self) -> Place | None:
        """What the rows shown are read from: the folder, or every folder (None) for such a search."""
        return None if self._query and self._all_folders else self._folder

    def _append(self, generation: int, offset: int, rows: list[LetterRow]) -> None:
        if generation != self._generation or offset != len(self._rows):
            return
        self._fetching = None
        self._exhausted = len(rows) < self._page_size or (
            self._total is not None and offset + len(rows) >= self._total
        )
        if rows:
            self.beginInsertRows(QModelIndex(), offset, offset + len(rows) - 1)
            self._rows.extend(rows)
            self.pages_fetched += 1
            self.endInsertRows()

    # --- QAbstractTableModel --------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return column_title(Column(section))
        return None

    def letter_at(self, row: int) -> LetterRow:
        return self._rows[row]

    def display_row(self, row: int) -> DisplayRow:
        """Row ``row`` formatted for display (formatted on first use, then kept)."""
        item = self._display.get(row)
        if item is None:
            item = self._display[row] = format_row(self._rows[row])
        return item

    def painted_cell(self, row: int, column: int) -> tuple[str, QColor | None, bool]:
        """What the row delegate draws: the text and its colour (never bold)."""
        item = self.display_row(row)
        return item.cells[column], priority_color(item, column), False

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        if role == GUID_ROLE:
            return self._rows[index.row()].guid
        item = self.display_row(index.row())
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return item.cells[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.tooltip if col == Column.SUBJECT else item.cells[col]
        if role == Qt.ItemDataRole.ForegroundRole:
            return priority_color(item, col)
        return None
