"""The Jalali calendar and date field: leap years from the model, RTL keys, the popup."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCalendar, Qt
from PySide6.QtWidgets import QApplication, QFormLayout, QLabel, QVBoxLayout, QWidget

from app.protocol import jalali
from app.protocol.persian import to_persian_digits
from app.ui.jalali_date_picker import (
    FRIDAY_COLOR,
    TODAY_ROLE,
    JalaliCalendarWidget,
    JalaliDateEdit,
)
from tests.ui.editor_conftest_helpers import persian_ui, save_screenshot, type_text

pytestmark = pytest.mark.gui


@pytest.fixture
def fa_app(qapp: QApplication) -> Iterator[QApplication]:
    with persian_ui(qapp):
        yield qapp


def make_calendar(qtbot, y: int, m: int, d: int) -> JalaliCalendarWidget:
    cal = JalaliCalendarWidget(date=jalali.to_gregorian(y, m, d))
    qtbot.addWidget(cal)
    cal.show()
    return cal


def type_date(qtbot, edit: JalaliDateEdit, text: str) -> None:
    edit.lineEdit().selectAll()
    type_text(edit.lineEdit(), text)
    qtbot.keyClick(edit.lineEdit(), Qt.Key.Key_Return)


def test_esfand_1403_has_30_days_and_the_30th_is_selectable(fa_app, qtbot) -> None:
    cal = make_calendar(qtbot, 1403, 12, 1)
    assert cal.shownDays() == list(range(1, 31))
    row, col = cal.cellOf(30)
    qtbot.mouseClick(
        cal.dayTable().viewport(),
        Qt.MouseButton.LeftButton,
        pos=cal.dayTable().visualRect(cal.dayTable().model().index(row, col)).center(),
    )
    assert cal.selectedJalali() == (1403, 12, 30)
    assert cal.selectedDate() == jalali.to_gregorian(1403, 12, 30)

    edit = JalaliDateEdit()
    qtbot.addWidget(edit)
    with qtbot.waitSignal(edit.dateChanged) as sig:
        type_date(qtbot, edit, "1403/12/30")  # ASCII digits are accepted too
    assert sig.args == [jalali.to_gregorian(1403, 12, 30)]
    assert edit.lineEdit().text() == "۱۴۰۳/۱۲/۳۰"
    assert edit.errorMessage() == ""


def test_1404_12_30_does_not_exist(fa_app, qtbot) -> None:
    cal = make_calendar(qtbot, 1404, 12, 1)
    assert cal.shownDays() == list(range(1, 30))
    with pytest.raises(jalali.InvalidJalaliDate):
        cal.setSelectedJalali(1404, 12, 30)

    old = jalali.to_gregorian(1404, 12, 29)
    edit = JalaliDateEdit(date=old)
    qtbot.addWidget(edit)
    edit.show()
    changes: list[object] = []
    edit.dateChanged.connect(changes.append)
    type_date(qtbot, edit, "۱۴۰۴/۱۲/۳۰")
    assert edit.date() == old
    assert changes == []
    assert edit.errorMessage() == "تاریخ ۱۴۰۴/۱۲/۳۰ وجود ندارد."
    assert edit.findChild(QLabel).isVisible()

    type_date(qtbot, edit, "۱۴۰۴/۱۲")  # malformed: the format hint, still the old value
    assert "سال/ماه/روز" in edit.errorMessage()
    assert edit.date() == old

    type_date(qtbot, edit, "۱۴۰۴/۱۲/۲۸")  # a good date clears the error
    assert edit.date() == jalali.to_gregorian(1404, 12, 28)
    assert edit.errorMessage() == ""


def test_1436_is_leap_where_qt_is_wrong(fa_app, qtbot) -> None:
    qt_jalali = QCalendar(QCalendar.System.Jalali)
    assert not qt_jalali.isLeapYear(1436)  # Qt's 2820-year rule; the official list says leap
    cal = make_calendar(qtbot, 1436, 12, 30)
    assert cal.selectedJalali() == (1436, 12, 30)
    assert cal.shownDays() == list(range(1, 31))
    cal.showNextMonth()
    cal.showNextMonth()
    cal.showPreviousMonth()
    assert cal.currentPage() == (1437, 1)
    cal.setCurrentPage(1437, 12)
    assert cal.shownDays() == list(range(1, 30))


def test_popup_opens_on_today_or_on_the_value(fa_app, qtbot) -> None:
    edit = JalaliDateEdit(allow_empty=True)
    qtbot.addWidget(edit)
    edit.show()
    assert edit.date() is None and edit.lineEdit().text() == ""
    qtbot.mouseClick(edit.popupButton(), Qt.MouseButton.LeftButton)
    popup = edit.popup()
    assert popup is not None and popup.isVisible()
    cal = edit.calendar()
    today = jalali.today()
    assert cal.selectedJalali() == today
    assert cal.currentPage() == today[:2]
    row, col = cal.cellOf(today[2])
    item = cal.dayTable().item(row, col)
    assert item.data(TODAY_ROLE) is True
    assert item.font().bold()
    assert cal.dayTable().currentItem() is item

    # Enter chooses the highlighted day and closes the popup.
    qtbot.keyClick(cal.dayTable(), Qt.Key.Key_Return)
    assert not popup.isVisible()
    assert edit.date() == jalali.to_gregorian(*today)
    assert edit.lineEdit().text() == jalali.format_date(jalali.to_gregorian(*today))

    edit.setDate(jalali.to_gregorian(1403, 12, 30))
    edit.openPopup()
    assert cal.selectedJalali() == (1403, 12, 30)
    assert cal.currentPage() == (1403, 12)
    edit.hidePopup()


def test_friday_column_is_marked_as_the_weekend(fa_app, qtbot) -> None:
    cal = make_calendar(qtbot, 1405, 9, 1)
    table = cal.dayTable()
    assert table.horizontalHeaderItem(0).text() == "ش"  # Saturday first
    assert table.horizontalHeaderItem(jalali.FRIDAY).text() == "ج"
    assert table.horizontalHeaderItem(jalali.FRIDAY).foreground().color() == FRIDAY_COLOR
    for row in range(table.rowCount()):
        for col in range(7):
            item = table.item(row, col)
            if not item.text():
                continue
            day = int(item.data(Qt.ItemDataRole.UserRole))
            assert jalali.weekday(1405, 9, day) == col
            is_red = item.foreground().color() == FRIDAY_COLOR
            assert is_red == (col == jalali.FRIDAY)
    # Right to left: Saturday is the rightmost column, Friday the leftmost.
    assert table.columnViewportPosition(0) > table.columnViewportPosition(jalali.FRIDAY)


def test_keyboard_navigation_crosses_the_year_boundary(fa_app, qtbot) -> None:
    cal = make_calendar(qtbot, 1403, 12, 30)
    table = cal.dayTable()
    pages: list[tuple[int, int]] = []
    cal.currentPageChanged.connect(lambda y, m: pages.append((y, m)))
    qtbot.keyClick(table, Qt.Key.Key_PageDown)
    assert cal.selectedJalali() == (1404, 1, 30)
    assert pages == [(1404, 1)]
    qtbot.keyClick(table, Qt.Key.Key_PageUp)
    assert cal.selectedJalali() == (1403, 12, 30)

    # RTL: ← is the next day, → the previous one; ↓ a week later.
    qtbot.keyClick(table, Qt.Key.Key_Left)
    assert cal.selectedJalali() == (1404, 1, 1)
    qtbot.keyClick(table, Qt.Key.Key_Right)
    assert cal.selectedJalali() == (1403, 12, 30)
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert cal.selectedJalali() == (1404, 1, 7)
    qtbot.keyClick(table, Qt.Key.Key_Up)
    assert cal.selectedJalali() == (1403, 12, 30)

    # A month with fewer days clamps: 1404/01/31 → Esfand 1404 has 29.
    cal.setSelectedJalali(1405, 1, 31)
    qtbot.keyClick(table, Qt.Key.Key_PageUp)
    assert cal.selectedJalali() == (1404, 12, 29)
    qtbot.keyClick(table, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert cal.selectedJalali() == (1405, 12, 29)

    # The month buttons move the page only; Home comes back to today.
    cal.setCurrentPage(1404, 12)
    cal.showNextMonth()
    assert cal.currentPage() == (1405, 1)
    qtbot.keyClick(table, Qt.Key.Key_Home)
    assert cal.selectedJalali() == jalali.today()


def test_header_shows_persian_month_and_year(fa_app, qtbot) -> None:
    from PySide6.QtWidgets import QComboBox, QSpinBox

    cal = make_calendar(qtbot, 1403, 12, 1)
    month = cal.findChild(QComboBox)
    year = cal.findChild(QSpinBox)
    assert month.currentText() == "اسفند"
    assert year.text() == to_persian_digits(1403)
    cal.showNextMonth()
    assert month.currentText() == "فروردین"
    assert year.text() == "۱۴۰۴"
    month.setCurrentIndex(6)
    month.activated.emit(6)
    assert cal.currentPage() == (1404, 7)


def test_screenshot(fa_app, qtbot, artifacts_dir: Path) -> None:
    page = QWidget()
    qtbot.addWidget(page)
    layout = QVBoxLayout(page)
    form = QFormLayout()
    good = JalaliDateEdit(date=jalali.to_gregorian(1405, 9, 2))
    bad = JalaliDateEdit(date=jalali.to_gregorian(1404, 12, 29))
    form.addRow("تاریخ نامه:", good)
    form.addRow("مهلت پاسخ:", bad)
    layout.addLayout(form)
    cal = JalaliCalendarWidget(date=jalali.to_gregorian(*jalali.today()))
    layout.addWidget(cal)
    page.resize(360, 420)
    page.show()
    type_date(qtbot, bad, "۱۴۰۴/۱۲/۳۰")
    assert bad.errorMessage()
    path = save_screenshot(page, artifacts_dir / "date_picker.png")
    assert path.stat().st_size > 0


def test_clicking_a_day_in_the_popup_sets_the_value(fa_app, qtbot) -> None:
    edit = JalaliDateEdit(date=jalali.to_gregorian(1403, 12, 1))
    qtbot.addWidget(edit)
    edit.show()
    edit.openPopup()
    cal = edit.calendar()
    table = cal.dayTable()
    row, col = cal.cellOf(30)
    with qtbot.waitSignal(edit.dateChanged) as sig:
        qtbot.mouseClick(
            table.viewport(),
            Qt.MouseButton.LeftButton,
            pos=table.visualRect(table.model().index(row, col)).center(),
        )
    assert sig.args == [jalali.to_gregorian(1403, 12, 30)]
    assert not edit.popup().isVisible()
    assert edit.lineEdit().text() == "۱۴۰۳/۱۲/۳۰"

    edit.openPopup()
    qtbot.keyClick(table, Qt.Key.Key_Left)  # move, then Escape: nothing chosen
    qtbot.keyClick(table, Qt.Key.Key_Escape)
    assert not edit.popup().isVisible()
    assert edit.date() == jalali.to_gregorian(1403, 12, 30)
