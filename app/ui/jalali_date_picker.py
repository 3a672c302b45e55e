"""Jalali date picking: a month calendar and a date line edit with a calendar popup.

Every calendar fact (month lengths, leap years, weekdays) comes from :mod:`app.protocol.jalali`;
Qt's own Jalali calendar follows the 2820-year rule and is wrong for some years (1436/1437).
Values cross the API as Gregorian ``datetime.date``; only the display is Jalali.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from PySide6.QtCore import QEvent, QPoint, QRegularExpression, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QRegularExpressionValidator,
    QValidator,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.protocol import jalali
from app.protocol.persian import to_ascii_digits, to_persian_digits

FRIDAY_COLOR = QColor("#c62828")
TODAY_BACKGROUND = QColor("#dcebfa")
# Item data roles of the day cells.
DAY_ROLE = Qt.ItemDataRole.UserRole
TODAY_ROLE = Qt.ItemDataRole.UserRole + 1
WEEKS = 6  # every month fits in six Saturday-first weeks; a fixed count keeps the popup still

JDate = tuple[int, int, int]


def _today() -> JDate:
    return jalali.today()


def _clamp_day(year: int, month: int, day: int) -> JDate:
    return year, month, min(day, jalali.month_length(year, month))


class _PersianSpinBox(QSpinBox):
    """A year spin box that shows and accepts Persian digits (no thousands separator)."""

    def textFromValue(self, value: int) -> str:
        return to_persian_digits(str(value))

    def valueFromText(self, text: str) -> int:
        digits = to_ascii_digits(text).strip()
        return int(digits) if digits.isdigit() else self.value()

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        digits = to_ascii_digits(text).strip()
        if not digits:
            return QValidator.State.Intermediate, text, pos
        if not digits.isdigit():
            return QValidator.State.Invalid, text, pos
        value = int(digits)
        if self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos


class _DayTable(QTableWidget):
    """The day grid; keys go to the calendar first, since they move by date, not by cell."""

    def __init__(self, calendar: JalaliCalendarWidget) -> None:
        super().__init__(WEEKS, 7, calendar)
        self._calendar = calendar

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._calendar._handle_key(event):
            event.accept()
        elif event.key() == Qt.Key.Key_Escape:
            event.ignore()  # let a popup above close itself
        else:
            super().keyPressEvent(event)


class JalaliCalendarWidget(QWidget):
    """A Jalali month calendar: Saturday first, Friday marked as the weekend, today highlighted.

    Keys: arrows move by a day (mirrored for right-to-left: ← is the next day) or a week,
    PageUp/PageDown by a month (with Ctrl, by a year), Home goes to today, Enter chooses.
    """

    dateChanged = Signal(object)  # the selected date moved (dt.date)
    activated = Signal(object)  # a date was chosen: click or Enter (dt.date)
    currentPageChanged = Signal(int, int)  # the shown Jalali year and month

    MIN_YEAR = 1
    MAX_YEAR = 3177

    def __init__(self, parent: QWidget | None = None, *, date: dt.date | None = None) -> None:
        super().__init__(parent)
        self._selected: JDate = jalali.from_gregorian(date) if date else _today()
        self._page: tuple[int, int] = self._selected[:2]

        self._prev = QToolButton(self)
        self._prev.setAutoRaise(True)
        self._prev.setToolTip(self.tr("Previous month (Page Up)"))
        self._prev.clicked.connect(self.showPreviousMonth)
        self._next = QToolButton(self)
        self._next.setAutoRaise(True)
        self._next.setToolTip(self.tr("Next month (Page Down)"))
        self._next.clicked.connect(self.showNextMonth)
        self._month = QComboBox(self)
        self._month.addItems(list(jalali.MONTH_NAMES))
        self._month.setAccessibleName(self.tr("Month"))
        self._month.activated.connect(lambda i: self.setCurrentPage(self._page[0], i + 1))
        self._year = _PersianSpinBox(self)
        self._year.setRange(self.MIN_YEAR, self.MAX_YEAR)
        self._year.setAccessibleName(self.tr("Year"))
        self._year.valueChanged.connect(lambda y: self.setCurrentPage(y, self._page[1]))
        self._today_button = QToolButton(self)
        self._today_button.setText(self.tr("Today"))
        self._today_button.setToolTip(self.tr("Go to today (Home)"))
        self._today_button.clicked.connect(self.showToday)

        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self._prev)  # first = start side: right in a right-to-left layout
        header.addStretch(1)
        header.addWidget(self._month)
        header.addWidget(self._year)
        header.addStretch(1)
        header.addWidget(self._today_button)
        header.addWidget(self._next)

        self._table = _DayTable(self)
        t = self._table
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        t.setShowGrid(False)
        t.setTabKeyNavigation(False)
        t.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        t.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        t.verticalHeader().hide()
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        t.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        t.horizontalHeader().setSectionsClickable(False)
        t.horizontalHeader().setHighlightSections(False)
        for col, short in enumerate(jalali.WEEKDAY_SHORT):
            item = QTableWidgetItem(short)
            item.setToolTip(jalali.WEEKDAY_NAMES[col])
            if col == jalali.FRIDAY:
                item.setForeground(FRIDAY_COLOR)
            t.setHorizontalHeaderItem(col, item)
        t.cellClicked.connect(self._on_cell_clicked)
        t.setMinimumSize(QSize(7 * 34, 28 + WEEKS * 28))
        self.setFocusProxy(t)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(header)
        layout.addWidget(t)
        self._update_arrows()
        self._render()

    # --- public API -------------------------------------------------------------------

    def selectedDate(self) -> dt.date:
        return jalali.to_gregorian(*self._selected)

    def selectedJalali(self) -> JDate:
        return self._selected

    def setSelectedDate(self, date: dt.date) -> None:
        self._select(jalali.from_gregorian(date), emit=False)

    def setSelectedJalali(self, year: int, month: int, day: int) -> None:
        jalali.to_gregorian(year, month, day)  # raises InvalidJalaliDate for 1404/12/30
        self._select((year, month, day), emit=False)

    def currentPage(self) -> tuple[int, int]:
        """The shown (Jalali year, month)."""
        return self._page

    def setCurrentPage(self, year: int, month: int) -> None:
        year = max(self.MIN_YEAR, min(self.MAX_YEAR, year))
        if (year, month) != self._page:
            self._page = (year, month)
            self._render()
            self.currentPageChanged.emit(year, month)

    def showNextMonth(self) -> None:
        self.setCurrentPage(*jalali.add_months(*self._page, 1))

    def showPreviousMonth(self) -> None:
        self.setCurrentPage(*jalali.add_months(*self._page, -1))

    def showToday(self) -> None:
        self._select(_today(), emit=True)

    def dayTable(self) -> QTableWidget:
        return self._table

    def cellOf(self, day: int) -> tuple[int, int] | None:
        """(row, column) of a day of the shown month; the column is the weekday (0 = Saturday)."""
        for row, week in enumerate(jalali.month_grid(*self._page)):
            for col, d in enumerate(week):
                if d == day:
                    return row, col
        return None

    def shownDays(self) -> list[int]:
        """Days of the shown month present in the grid (for tests and accessibility)."""
        days = []
        for row in range(self._table.rowCount()):
            for col in range(7):
                item = self._table.item(row, col)
                if item is not None and item.data(DAY_ROLE):
                    days.append(int(item.data(DAY_ROLE)))
        return days

    # --- behaviour --------------------------------------------------------------------

    def _select(self, date: JDate, *, emit: bool) -> None:
        changed = date != self._selected
        self._selected = date
        if date[:2] != self._page:
            self._page = date[:2]
            self._render()
            self.currentPageChanged.emit(*self._page)
        else:
            self._mark_selection()
        if changed and emit:
            self.dateChanged.emit(self.selectedDate())

    def _move_days(self, days: int) -> None:
        # At the edge of the supported range there is no next day: stay put.
        with contextlib.suppress(jalali.InvalidJalaliDate, ValueError, OverflowError):
            self._select(jalali.add_days(*self._selected, days), emit=True)

    def _move_months(self, months: int) -> None:
        year, month = jalali.add_months(*self._selected[:2], months)
        if self.MIN_YEAR <= year <= self.MAX_YEAR:
            self._select(_clamp_day(year, month, self._selected[2]), emit=True)

    def _handle_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        # In a right-to-left calendar the days run leftwards, so ← means "later".
        forward = 1 if self.layoutDirection() == Qt.LayoutDirection.LeftToRight else -1
        if key == Qt.Key.Key_Right:
            self._move_days(forward)
        elif key == Qt.Key.Key_Left:
            self._move_days(-forward)
        elif key == Qt.Key.Key_Up:
            self._move_days(-7)
        elif key == Qt.Key.Key_Down:
            self._move_days(7)
        elif key == Qt.Key.Key_PageUp:
            self._move_months(-12 if ctrl else -1)
        elif key == Qt.Key.Key_PageDown:
            self._move_months(12 if ctrl else 1)
        elif key == Qt.Key.Key_Home:
            self.showToday()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activated.emit(self.selectedDate())
        else:
            return False
        return True

    def _on_cell_clicked(self, row: int, col: int) -> None:
        item = self._table.item(row, col)
        if item is None or not item.data(DAY_ROLE):
            return
        self._select((*self._page, int(item.data(DAY_ROLE))), emit=True)
        self.activated.emit(self.selectedDate())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LayoutDirectionChange:
            self._update_arrows()
        super().changeEvent(event)

    def _update_arrows(self) -> None:
        rtl = self.layoutDirection() == Qt.LayoutDirection.RightToLeft
        # "Previous" sits on the start side and points outwards: right in RTL, left in LTR.
        self._prev.setArrowType(Qt.ArrowType.RightArrow if rtl else Qt.ArrowType.LeftArrow)
        self._next.setArrowType(Qt.ArrowType.LeftArrow if rtl else Qt.ArrowType.RightArrow)

    # --- drawing ----------------------------------------------------------------------

    def _render(self) -> None:
        year, month = self._page
        for widget, value in ((self._month, month - 1), (self._year, year)):
            widget.blockSignals(True)
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(value)
            else:
                widget.setValue(value)
            widget.blockSignals(False)
        today = _today()
        grid = jalali.month_grid(year, month)
        t = self._table
        t.clearSelection()
        for row in range(WEEKS):
            week = grid[row] if row < len(grid) else [None] * 7
            for col, day in enumerate(week):
                item = QTableWidgetItem()
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if day is None:
                    item.setFlags(Qt.ItemFlag.NoItemFlags)
                else:
                    item.setText(to_persian_digits(day))
                    item.setData(DAY_ROLE, day)
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                    item.setToolTip(jalali.format_long(jalali.to_gregorian(year, month, day)))
                    if col == jalali.FRIDAY:
                        item.setForeground(FRIDAY_COLOR)
                    if (year, month, day) == today:
                        item.setData(TODAY_ROLE, True)
                        item.setBackground(TODAY_BACKGROUND)
                        font = QFont(t.font())
                        font.setBold(True)
                        item.setFont(font)
                t.setItem(row, col, item)
        self._mark_selection()

    def _mark_selection(self) -> None:
        t = self._table
        if self._selected[:2] != self._page:
            t.clearSelection()
            t.selectionModel().clearCurrentIndex()  # setCurrentItem(None) trips a PySide refcount bug
            return
        cell = self.cellOf(self._selected[2])
        if cell is not None:
            t.setCurrentCell(*cell)


class _CalendarPopup(QFrame):
    def __init__(self, owner: JalaliDateEdit) -> None:
        super().__init__(owner, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.calendar = JalaliCalendarWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.calendar)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
        else:
            super().keyPressEvent(event)


class JalaliDateEdit(QWidget):
    """A Jalali date field: ``۱۴۰۵/۰۹/۰۲``, typed in Persian or ASCII digits, or picked.

    A typed date is checked when the user presses Enter or leaves the field; an impossible
    one (1404/12/30) shows the Persian reason beneath and the previous value stays.
    """

    dateChanged = Signal(object)  # dt.date, or None when cleared (allow_empty)

    def __init__(
        self, parent: QWidget | None = None, *, date: dt.date | None = None, allow_empty: bool = False
    ) -> None:
        super().__init__(parent)
        self._allow_empty = allow_empty
        self._date: dt.date | None = date
        if date is None and not allow_empty:
            self._date = jalali.to_gregorian(*_today())
        self._popup: _CalendarPopup | None = None

        self._edit = QLineEdit(self)
        self._edit.setPlaceholderText(to_persian_digits("1405/09/02"))
        # Only digits of any script and the separators; parse_date judges the rest.
        pattern = QRegularExpression(r"[0-9\x{06F0}-\x{06F9}\x{0660}-\x{0669}/\-. ]{0,12}")
        self._edit.setValidator(QRegularExpressionValidator(pattern, self._edit))
        self._edit.setAccessibleName(self.tr("Date"))
        self._edit.editingFinished.connect(self.commitText)
        self._edit.textEdited.connect(lambda _t: self._show_error(""))
        self._button = QToolButton(self)
        self._button.setArrowType(Qt.ArrowType.DownArrow)
        self._button.setToolTip(self.tr("Open calendar"))
        self._button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._button.clicked.connect(self.openPopup)
        self._error = QLabel(self)
        self._error.setWordWrap(True)
        self._error.setStyleSheet(f"color: {FRIDAY_COLOR.name()};")
        self._error.hide()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        row.addWidget(self._edit, 1)
        row.addWidget(self._button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self._error)
        self.setFocusProxy(self._edit)
        self._align_text()
        self._show_value()

    # --- public API -------------------------------------------------------------------

    def date(self) -> dt.date | None:
        return self._date

    def setDate(self, date: dt.date | None) -> None:
        if date is None and not self._allow_empty:
            raise ValueError("this date field does not allow an empty value")
        self._show_error("")
        self._set(date)

    def lineEdit(self) -> QLineEdit:
        return self._edit

    def popupButton(self) -> QToolButton:
        return self._button

    def errorMessage(self) -> str:
        return self._error.text() if not self._error.isHidden() else ""

    def popup(self) -> _CalendarPopup | None:
        return self._popup

    def calendar(self) -> JalaliCalendarWidget:
        return self._ensure_popup().calendar

    def commitText(self) -> bool:
        """Take the typed text as the value; on a bad date show why and keep the old value."""
        text = self._edit.text().strip()
        if not text:
            if self._allow_empty:
                self._show_error("")
                self._set(None)
                return True
            self._show_error(self.tr("Enter a date."))
            return False
        try:
            date = jalali.parse_date(text)
        except jalali.InvalidJalaliDate as exc:
            self._show_error(exc.message_fa)
            return False
        self._show_error("")
        self._set(date)
        return True

    def openPopup(self) -> None:
        """Show the calendar on the current value, or on today's Jalali date if there is none."""
        popup = self._ensure_popup()
        cal = popup.calendar
        cal.setSelectedDate(self._date or jalali.to_gregorian(*_today()))
        popup.adjustSize()
        popup.move(self._popup_position(popup))
        popup.show()
        cal.setFocus(Qt.FocusReason.PopupFocusReason)

    def hidePopup(self) -> None:
        if self._popup is not None:
            self._popup.hide()

    # --- internals --------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LayoutDirectionChange:
            self._align_text()
        super().changeEvent(event)

    def _align_text(self) -> None:
        # A date is all digits, which Qt lays out left to right (and so left-aligned) even in
        # a right-to-left form; align it with the form's start edge instead.
        rtl = self.layoutDirection() == Qt.LayoutDirection.RightToLeft
        side = Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft
        self._edit.setAlignment(Qt.AlignmentFlag.AlignAbsolute | side | Qt.AlignmentFlag.AlignVCenter)

    def _ensure_popup(self) -> _CalendarPopup:
        if self._popup is None:
            self._popup = _CalendarPopup(self)
            self._popup.calendar.activated.connect(self._on_picked)
        return self._popup

    def _popup_position(self, popup: QWidget) -> QPoint:
        below = self._edit.mapToGlobal(QPoint(0, self._edit.height()))
        if self.layoutDirection() == Qt.LayoutDirection.RightToLeft:
            # Align the popup's right edge with the field's right edge.
            below.setX(below.x() + self._edit.width() - popup.width())
        return below

    def _on_picked(self, date: dt.date) -> None:
        self.hidePopup()
        self._show_error("")
        self._set(date)
        self._edit.setFocus()

    def _set(self, date: dt.date | None) -> None:
        changed = date != self._date
        self._date = date
        self._show_value()
        if changed:
            self.dateChanged.emit(date)

    def _show_value(self) -> None:
        self._edit.setText(jalali.format_date(self._date) if self._date else "")

    def _show_error(self, message: str) -> None:
        self._error.setText(message)
        self._error.setVisible(bool(message))
        self._edit.setProperty("invalid", bool(message))
        self._edit.setStyleSheet(f"border: 1px solid {FRIDAY_COLOR.name()};" if message else "")
