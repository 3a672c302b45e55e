"""The letter list view: fixed row heights (100,000 rows must not be measured) and a paint signal."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from app.ui.letter_row_delegate import LetterRowDelegate
from app.ui.letter_table_model import Column, LetterTableModel

_WIDTHS = {
    Column.COUNTERPART: 260,
    Column.SHAMS: 210,
    Column.DATE: 130,
    Column.STATE: 130,
    Column.PRIORITY: 70,
}


class LetterTable(QTableView):
    # Emitted after a paint of the viewport, with the number of rows the model had then.
    painted = Signal(int)

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

    def setModel(self, model: LetterTableModel) -> None:  # type: ignore[override]  # this view shows letters only
        old = self.model()
        if isinstance(old, LetterTableModel):
            self.painted.disconnect(old.view_painted)
        super().setModel(model)
        if isinstance(model, LetterTableModel):
            self.painted.connect(model.view_painted)  # its count waits for the first paint
        hh = self.horizontalHeader()
        hh.setSectionResizeMode(Column.SUBJECT, QHeaderView.ResizeMode.Stretch)
        for column, width in _WIDTHS.items():
            hh.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.setColumnWidth(column, width)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self.row_delegate.clear_cache()  # its margins and layouts were the old style's and font's
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        self.painted.emit(model.rowCount() if model is not None else 0)
