"""The letter list view: fixed row heights (100,000 rows must not be measured) and a paint signal.

It keeps the user's place when the model reloads what it shows (a background sync every
30 s): the selected letters, the current one and the scroll position are found again by GUID.
Column widths follow the content until the user drags one; then the header's state is theirs
(``columns_changed``, saved per user by the window).
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QItemSelection, QItemSelectionModel, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from app.ui.letter_row_delegate import LetterRowDelegate
from app.ui.letter_table_model import GUID_ROLE, Column, LetterTableModel

# Widest a column grows to fit its content, as a share of the view (the subject takes the rest).
_MAX_SHARE = {Column.COUNTERPART: 0.3, Column.SHAMS: 0.25, Column.DATE: 0.15, Column.STATE: 0.15, Column.PRIORITY: 0.1}
_PADDING = 24  # the cell's margins and a little air
SAVE_DELAY_MS = 500  # one save after a drag, not one per pixel


class LetterTable(QTableView):
    # Emitted after a paint of the viewport, with the number of rows the model had then.
    painted = Signal(int)
    # The user resized a column: the header's state, to remember for them.
    columns_changed = Signal(QByteArray)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("letterTable")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setSortingEnabled(False)  # the store orders (newest first); sorting would need all rows
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # Draws each cell's text from a layout made once (Qt's own drawing shapes it per paint).
        self.row_delegate = LetterRowDelegate(self)
        self.setItemDelegate(self.row_delegate)
        vh = self.verticalHeader()
        vh.hide()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(int(self.fontMetrics().height() * 1.6))
        hh = self.horizontalHeader()
        hh.setHighlightSections(False)
        hh.setDefaultAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
        hh.sectionResized.connect(self._section_resized)
        self.empty_text = ""  # said in the middle of an empty list (e.g. «نتیجه‌ای یافت نشد»)
        self.user_sized = False  # the user set the widths: content no longer does
        self._fitting = False
        self._kept: tuple[tuple[object, ...], list[str], str | None, int, str | None] | None = None
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(lambda: self.columns_changed.emit(self.horizontalHeader().saveState()))

    def setModel(self, model: LetterTableModel) -> None:  # type: ignore[override]  # this view shows letters only
        old = self.model()
        if isinstance(old, LetterTableModel):
            self.painted.disconnect(old.view_painted)
            old.modelAboutToBeReset.disconnect(self._keep_place)
            old.modelReset.disconnect(self._restore_place)
        super().setModel(model)
        if isinstance(model, LetterTableModel):
            self.painted.connect(model.view_painted)  # its count waits for the first paint
            model.modelAboutToBeReset.connect(self._keep_place)
            model.modelReset.connect(self._restore_place)
        hh = self.horizontalHeader()
        self._fitting = True
        hh.setSectionResizeMode(Column.SUBJECT, QHeaderView.ResizeMode.Stretch)
        for column in _MAX_SHARE:
            hh.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        self._fitting = False
        self.fit_columns()

    # --- the user's place across reloads ------------------------------------------------

    def _what(self, model: LetterTableModel) -> tuple[object, ...]:
        return (model.folder, model.query, model.all_folders)

    def _keep_place(self) -> None:
        model = self.model()
        assert isinstance(model, LetterTableModel)
        selected = [model.letter_at(i.row()).guid for i in self.selectionModel().selectedRows()
                    if i.row() < model.rowCount()]
        current = self.currentIndex()
        current_guid = model.letter_at(current.row()).guid if current.isValid() else None
        top = self.rowAt(0)  # the letter at the top of the view stays there
        top_guid = model.letter_at(top).guid if 0 <= top < model.rowCount() else None
        self._kept = (self._what(model), selected, current_guid, max(current.column(), 0), top_guid)

    def _restore_place(self) -> None:
        """After a reload of the same list: the same letters selected, current and in view."""
        model, kept, self._kept = self.model(), self._kept, None
        assert isinstance(model, LetterTableModel)
        if not self.user_sized:
            self.fit_columns()
        if kept is None or kept[0] != self._what(model):
            return  # another folder or search: a fresh start
        _what, selected, current_guid, column, top_guid = kept
        rows = {model.letter_at(r).guid: r for r in range(model.rowCount())}
        last = model.columnCount() - 1
        selection = QItemSelection()
        for guid in selected:
            if guid in rows:
                selection.select(model.index(rows[guid], 0), model.index(rows[guid], last))
        sm = self.selectionModel()
        if current_guid in rows:
            sm.setCurrentIndex(model.index(rows[current_guid], column), QItemSelectionModel.SelectionFlag.NoUpdate)
        sm.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        if top_guid in rows:
            self.scrollTo(model.index(rows[top_guid], 0), QAbstractItemView.ScrollHint.PositionAtTop)

    def selected_guids(self) -> list[str]:
        return [i.data(GUID_ROLE) for i in self.selectionModel().selectedRows()]

    # --- column widths ------------------------------------------------------------------

    def fit_columns(self) -> None:
        """Each column as wide as its title and the loaded rows' texts (within a share of the
        view); the subject takes what is left. An empty «شماره» column stays narrow."""
        model = self.model()
        if not isinstance(model, LetterTableModel) or self.user_sized:
            return
        hh = self.horizontalHeader()
        fm = self.fontMetrics()
        width = max(self.viewport().width(), 600)
        rows = range(min(model.rowCount(), 100))  # what a screenful or two shows
        self._fitting = True
        try:
            for column, share in _MAX_SHARE.items():
                title = str(model.headerData(column, Qt.Orientation.Horizontal))
                text_w = max([hh.fontMetrics().horizontalAdvance(title),
                              *(fm.horizontalAdvance(model.display_row(r).cells[column]) for r in rows)])
                hh.resizeSection(column, min(text_w + _PADDING, int(width * share)))
        finally:
            self._fitting = False

    def restore_columns(self, state: QByteArray) -> bool:
        """The widths the user set last time; False if the saved state does not fit this header."""
        self._fitting = True
        try:
            ok = self.horizontalHeader().restoreState(state)
        finally:
            self._fitting = False
        self.user_sized = ok
        return ok

    def _section_resized(self, column: int, _old: int, _new: int) -> None:
        if self._fitting or column == Column.SUBJECT:
            return  # ours, or the stretched subject following the view's width
        self.user_sized = True
        self._save_timer.start()

    # --- painting -----------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self.row_delegate.clear_cache()  # its margins and layouts were the old style's and font's
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        rows = model.rowCount() if model is not None else 0
        if not rows and self.empty_text:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            area = QRect(self.viewport().rect())
            area.setHeight(min(area.height(), self.fontMetrics().height() * 6))
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, self.empty_text)
            painter.end()
        self.painted.emit(rows)
