"""The letter list's delegate: what Qt's own item drawing shows, from text laid out once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPalette, QStandardItemModel
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTableView

import app.ui.letter_row_delegate as delegate_module
from app.models.db import Store
from app.ui.letter_row_delegate import CellText, LetterRowDelegate
from app.ui.letter_table import LetterTable
from app.ui.letter_table_model import Column
from app.ui.main_window import MainWindow
from tests.ui.conftest import add_letter

pytestmark = pytest.mark.gui

LONG_SUBJECT = (
    "درخواست تمدید قرارداد پشتیبانی و نگهداری سامانه یکپارچه مکاتبات اداری دبیرخانه مرکزی "
    "و واحدهای تابعه استان برای سال ۱۴۰۵ با شرایط و مبلغ قرارداد پیشین"
)


@pytest.fixture
def win(persian_app: QApplication, store: Store, qtbot) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    """Newest first: an urgent letter, an immediate one, then one with a subject too long to show."""
    add_letter(store, LONG_SUBJECT, kind="incoming")
    add_letter(store, "ابلاغ بخشنامه", kind="incoming", priority="immediate")
    add_letter(store, "گزارش عملکرد", kind="incoming", priority="urgent")
    w = MainWindow(store)
    qtbot.addWidget(w)
    w.resize(1280, 760)
    w.show()
    w.model.wait()
    assert [w.model.letter_at(r).priority for r in range(3)] == ["urgent", "immediate", "normal"]
    yield w
    w.model.wait()


def _grab(table: LetterTable) -> QImage:
    QApplication.processEvents()
    return table.viewport().grab().toImage()


def _option(table: LetterTable, row: int, column: int) -> QStyleOptionViewItem:
    option = QStyleOptionViewItem()
    option.rect = table.visualRect(table.model().index(row, column))
    option.direction = table.layoutDirection()
    option.font = table.font()
    option.textElideMode = table.textElideMode()
    option.widget = table
    return option


def _margin(table: LetterTable) -> int:
    """QCommonStyle's text margin on either side of a cell."""
    return table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1


def _select_row(table: LetterTable, row: int) -> None:
    # Not QTableView.selectRow(): right to left, it looks for the row's first column one pixel
    # beyond the viewport's right edge, finds none and selects nothing.
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    table.selectionModel().select(table.model().index(row, 0), flags)


def _ink(image: QImage, table: LetterTable, row: int, column: int) -> list[tuple[int, int, QColor]]:
    """The pixels of a cell that differ from the cell's own background (its top-left pixel)."""
    rect = table.visualRect(table.model().index(row, column))
    background = image.pixelColor(rect.topLeft())
    return [
        (x, y, image.pixelColor(x, y))
        for y in range(rect.top(), rect.bottom() + 1)
        for x in range(rect.left(), rect.right() + 1)
        if image.pixelColor(x, y) != background
    ]


def test_the_list_is_painted_exactly_as_qt_paints_it(win: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    table = win.table
    made: list[str] = []

    class Counted(CellText):
        __slots__ = ()

        def __init__(self, text: str, *args: object) -> None:
            made.append(text)
            super().__init__(text, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(delegate_module, "CellText", Counted)
    table.row_delegate.clear_cache()
    _select_row(table, 0)
    current = win.model.index(2, Column.SHAMS)  # a focus frame in an unselected row
    table.selectionModel().setCurrentIndex(current, QItemSelectionModel.SelectionFlag.NoUpdate)
    table.setFocus()
    assert isinstance(table.itemDelegate(), LetterRowDelegate)
    ours = _grab(table)
    assert {i.row() for i in table.selectionModel().selectedIndexes()} == {0} and table.hasFocus()
    assert LONG_SUBJECT in made and "ابلاغ بخشنامه" in made  # the texts were laid out here …

    table.setItemDelegate(QStyledItemDelegate(table))
    theirs = _grab(table)
    table.setItemDelegate(table.row_delegate)
    # … and land where Qt's own drawing puts them: margins, alignment, elision, selection,
    # focus frame, priority colours, alternating rows.
    assert ours == theirs
    for row in range(3):
        assert len(_ink(ours, table, row, Column.SUBJECT)) > 100  # not blank

    made.clear()
    assert _grab(table) == ours
    assert made == []  # a repaint lays nothing out again


def test_selected_row_has_the_highlight_colour_and_highlighted_text(win: MainWindow) -> None:
    table = win.table
    table.clearFocus()  # no focus frame in the way
    _select_row(table, 0)
    image = _grab(table)
    group = QPalette.ColorGroup.Active if table.isActiveWindow() else QPalette.ColorGroup.Inactive
    highlight = table.palette().color(group, QPalette.ColorRole.Highlight)
    text = table.palette().color(group, QPalette.ColorRole.HighlightedText)
    for column in Column:
        corner = table.visualRect(win.model.index(0, column)).topLeft()
        assert image.pixelColor(corner) == highlight
        assert image.pixelColor(corner.x(), corner.y() + table.rowHeight(0)) != highlight  # row 1 is not selected
    # The priority cell of the selected (urgent) row is drawn in the highlighted-text colour, not orange.
    colours = {c.name() for _x, _y, c in _ink(image, table, 0, Column.PRIORITY)}
    assert text.name() in colours and "#b45309" not in colours


def _darkest(image: QImage, table: LetterTable, row: int, column: int) -> QColor:
    return min((c for _x, _y, c in _ink(image, table, row, column)), key=lambda c: c.lightness())


def test_urgent_and_immediate_priorities_are_coloured(win: MainWindow) -> None:
    table = win.table
    table.clearSelection()
    table.clearFocus()
    image = _grab(table)

    def near(a: QColor, b: QColor) -> bool:
        return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) < 60

    assert near(_darkest(image, table, 0, Column.PRIORITY), QColor("#b45309"))  # urgent
    assert near(_darkest(image, table, 1, Column.PRIORITY), QColor("#b91c1c"))  # immediate
    normal = _darkest(image, table, 2, Column.PRIORITY)
    assert normal.red() - normal.blue() < 30  # the palette's text colour
    assert not near(_darkest(image, table, 1, Column.SUBJECT), QColor("#b91c1c"))  # only the priority cell


def test_a_long_subject_is_elided_at_its_logical_end_on_the_left(win: MainWindow) -> None:
    table = win.table
    option = _option(table, 2, Column.SUBJECT)
    cell = table.row_delegate.cell_text(option, LONG_SUBJECT)
    assert cell.text.endswith("…") and len(cell.text) < len(LONG_SUBJECT)
    # Qt's cut: a prefix of the text, then (here, as Qt does) a zero-width joiner and "…".
    assert LONG_SUBJECT.startswith(cell.text.rstrip("…\u200d").rstrip())
    line = cell.layout.lineAt(0)
    assert line.naturalTextWidth() <= option.rect.width() - 2 * _margin(table)
    # Right to left: the text starts at the right and its ellipsis (logical end) is on the left.
    assert line.cursorToX(len(cell.text))[0] < line.cursorToX(0)[0]
    assert table.row_delegate.cell_text(option, LONG_SUBJECT) is cell  # laid out once

    # A narrower column keeps less of it; a short text is never elided.
    table.setColumnWidth(Column.COUNTERPART, table.columnWidth(Column.COUNTERPART) + 200)
    narrower = table.row_delegate.cell_text(_option(table, 2, Column.SUBJECT), LONG_SUBJECT)
    assert narrower.text.endswith("…") and len(narrower.text) < len(cell.text)
    assert table.row_delegate.cell_text(option, "ابلاغ بخشنامه").text == "ابلاغ بخشنامه"


def test_text_is_aligned_to_the_leading_side_in_either_direction(win: MainWindow) -> None:
    table = win.table
    table.clearSelection()
    table.clearFocus()
    table.setColumnWidth(Column.STATE, 200)  # wider than its text (columns otherwise fit their content)
    margin = _margin(table)

    def ink_span(image: QImage) -> tuple[int, int, int, int]:
        rect = table.visualRect(win.model.index(1, Column.STATE))
        xs = [x for x, _y, _c in _ink(image, table, 1, Column.STATE)]
        return min(xs), max(xs), rect.left(), rect.right()

    left, right, cell_left, cell_right = ink_span(_grab(table))
    assert cell_right - right <= margin + 2 and left - cell_left > 40  # right to left: on the right

    table.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    left, right, cell_left, cell_right = ink_span(_grab(table))
    assert left - cell_left <= margin + 2 and cell_right - right > 40  # left to right: on the left


def test_a_new_font_lays_the_text_out_again(win: MainWindow) -> None:
    table = win.table
    before = table.row_delegate.cell_text(_option(table, 1, Column.SUBJECT), "ابلاغ بخشنامه")
    font = QFont(table.font())
    font.setPointSize(font.pointSize() + 6)
    table.setFont(font)
    after = table.row_delegate.cell_text(_option(table, 1, Column.SUBJECT), "ابلاغ بخشنامه")
    assert after is not before
    assert after.layout.lineAt(0).naturalTextWidth() > before.layout.lineAt(0).naturalTextWidth()


def test_other_models_are_drawn_the_qt_way(qapp: QApplication, qtbot) -> None:  # type: ignore[no-untyped-def]
    model = QStandardItemModel(3, 2)
    for row in range(3):
        for column in range(2):
            model.setData(model.index(row, column, QModelIndex()), f"item {row}.{column}")
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.show()
    view.setItemDelegate(LetterRowDelegate(view))
    QApplication.processEvents()
    ours = view.viewport().grab().toImage()
    view.setItemDelegate(QStyledItemDelegate(view))
    QApplication.processEvents()
    assert view.viewport().grab().toImage() == ours
