import datetime as dt

import pytest

from app.protocol import jalali


@pytest.mark.parametrize("year,leap", [(1399, True), (1403, True), (1404, False), (1408, True), (1436, True), (1437, False)])
def test_leap_years_follow_the_official_list(year, leap):
    assert jalali.is_leap(year) is leap
    assert jalali.is_valid(year, 12, 30) is leap


def test_new_year_dates():
    assert jalali.to_gregorian(1405, 1, 1) == dt.date(2026, 3, 21)
    assert jalali.to_gregorian(1437, 1, 1) == dt.date(2058, 3, 21)
    assert jalali.from_gregorian(dt.date(2026, 11, 23)) == (1405, 9, 2)


def test_formatting_and_parsing_round_trip():
    d = dt.date(2026, 11, 23)
    assert jalali.format_date(d) == "۱۴۰۵/۰۹/۰۲"
    assert jalali.format_date(d, persian_digits=False) == "1405/09/02"
    assert jalali.parse_date("۱۴۰۵/۰۹/۰۲") == d
    assert jalali.parse_date("1405-9-2") == d
    assert jalali.format_long(d) == "دوشنبه ۲ آذر ۱۴۰۵"


def test_datetime_is_shown_in_tehran_time():
    moment = dt.datetime(2026, 3, 20, 21, 0, tzinfo=dt.UTC)  # 00:30 on 1 Farvardin in Tehran
    assert jalali.format_datetime(moment) == "۱۴۰۵/۰۱/۰۱ ۰۰:۳۰"
    assert jalali.jalali_year_of(moment) == 1405
    assert jalali.jalali_year_of(moment - dt.timedelta(hours=1)) == 1404


def test_invalid_dates_are_refused_in_persian():
    with pytest.raises(jalali.InvalidJalaliDate) as err:
        jalali.parse_date("1404/12/30")
    assert "وجود ندارد" in err.value.message_fa
    with pytest.raises(jalali.InvalidJalaliDate):
        jalali.parse_date("فردا")
    assert jalali.parse_date("1403/12/30") == dt.date(2025, 3, 20)


def test_week_starts_on_saturday_and_friday_is_last():
    assert jalali.WEEKDAY_NAMES[0] == "شنبه" and jalali.WEEKDAY_NAMES[jalali.FRIDAY] == "جمعه"
    assert jalali.weekday(1405, 9, 7) == 0  # Saturday 2026-11-28
    grid = jalali.month_grid(1405, 9)
    assert grid[0][:2] == [None, 1] and all(len(w) == 7 for w in grid)
    assert jalali.add_days(1403, 12, 30, 1) == (1404, 1, 1)
    assert jalali.add_months(1404, 11, 2) == (1405, 1)
