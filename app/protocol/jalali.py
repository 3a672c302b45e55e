"""Jalali (Solar Hijri) dates: the one place where Dabir does calendar arithmetic.

jdatetime follows the 33-year arithmetic rule, which matches the official leap-year list
for 1206–1498 (Qt's 2820-year rule does not: it first errs at 1436/1437), so the UI takes
dates from here, never from Qt's Jalali calendar.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from zoneinfo import ZoneInfo

import jdatetime

from app.protocol.persian import to_ascii_digits, to_persian_digits

TEHRAN = ZoneInfo("Asia/Tehran")

MONTH_NAMES = (
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
)  # fmt: skip
# Saturday first; index 6 (Friday) is the weekend.
WEEKDAY_NAMES = ("شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه")
WEEKDAY_SHORT = ("ش", "ی", "د", "س", "چ", "پ", "ج")
FRIDAY = 6


class InvalidJalaliDate(ValueError):
    def __init__(self, message: str, message_fa: str) -> None:
        super().__init__(message)
        self.message_fa = message_fa


def is_leap(year: int) -> bool:
    return jdatetime.date(year, 1, 1).isleap()


def month_length(year: int, month: int) -> int:
    if not 1 <= month <= 12:
        raise InvalidJalaliDate(f"month {month} is out of range 1..12", "ماه باید بین ۱ تا ۱۲ باشد.")
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if is_leap(year) else 29


def is_valid(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= month_length(year, month) and 1 <= year <= 3177


def to_gregorian(year: int, month: int, day: int) -> dt.date:
    if not is_valid(year, month, day):
        raise InvalidJalaliDate(
            f"{year}/{month:02d}/{day:02d} is not a Jalali date",
            f"تاریخ {to_persian_digits(f'{year}/{month:02d}/{day:02d}')} وجود ندارد.",
        )
    return jdatetime.date(year, month, day).togregorian()


@lru_cache(maxsize=4096)  # lists show many letters of the same days
def from_gregorian(date: dt.date) -> tuple[int, int, int]:
    j = jdatetime.date.fromgregorian(date=date)
    return j.year, j.month, j.day


def weekday(year: int, month: int, day: int) -> int:
    """0 = Saturday … 6 = Friday."""
    return (to_gregorian(year, month, day).weekday() + 2) % 7


def add_days(year: int, month: int, day: int, days: int) -> tuple[int, int, int]:
    return from_gregorian(to_gregorian(year, month, day) + dt.timedelta(days=days))


def add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def today(tz: dt.tzinfo = TEHRAN) -> tuple[int, int, int]:
    return from_gregorian(dt.datetime.now(tz).date())


def jalali_year_of(moment: dt.datetime) -> int:
    """The Jalali year of an aware instant, in Tehran time (the year rolls over at 1 Farvardin)."""
    return from_gregorian(moment.astimezone(TEHRAN).date())[0]


def format_date(date: dt.date | dt.datetime, *, persian_digits: bool = True) -> str:
    """``۱۴۰۵/۰۹/۰۲``; an aware datetime is shown in Tehran time."""
    if isinstance(date, dt.datetime):
        if date.tzinfo is not None:
            date = date.astimezone(TEHRAN)
        date = date.date()
    y, m, d = from_gregorian(date)
    text = f"{y:04d}/{m:02d}/{d:02d}"
    return to_persian_digits(text) if persian_digits else text


def format_datetime(moment: dt.datetime, *, persian_digits: bool = True) -> str:
    """``۱۴۰۵/۰۹/۰۲ ۱۴:۳۰`` in Tehran time."""
    local = moment.astimezone(TEHRAN) if moment.tzinfo else moment
    text = f"{format_date(local.date(), persian_digits=False)} {local:%H:%M}"
    return to_persian_digits(text) if persian_digits else text


def format_long(date: dt.date) -> str:
    """``دوشنبه ۲ آذر ۱۴۰۵``."""
    y, m, d = from_gregorian(date)
    return f"{WEEKDAY_NAMES[weekday(y, m, d)]} {to_persian_digits(d)} {MONTH_NAMES[m - 1]} {to_persian_digits(y)}"


_DATE_RE = re.compile(r"^\s*(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*$")


def parse_date(text: str) -> dt.date:
    """Parse ``۱۴۰۵/۰۹/۰۲`` (Persian, Arabic or ASCII digits; / - or . between) → Gregorian date."""
    match = _DATE_RE.match(to_ascii_digits(text))
    if not match:
        raise InvalidJalaliDate(
            f"{text!r} is not a date of the form YYYY/MM/DD",
            "تاریخ را به شکل «سال/ماه/روز» وارد کنید، مانند ۱۴۰۵/۰۹/۰۲.",
        )
    y, m, d = (int(g) for g in match.groups())
    return to_gregorian(y, m, d)


def month_grid(year: int, month: int) -> list[list[int | None]]:
    """Weeks of the month, Saturday first, ``None`` for cells outside it (for date pickers)."""
    first = weekday(year, month, 1)
    cells: list[int | None] = [None] * first + list(range(1, month_length(year, month) + 1))
    cells += [None] * (-len(cells) % 7)
    return [cells[i : i + 7] for i in range(0, len(cells), 7)]
