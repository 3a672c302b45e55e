"""The Rasad reports window: the agency offered, a report as a Persian table and a bar chart
(screenshot in test-artifacts/), CSV and XLSX exports read back, and the menu entry only for
unit managers, agency administrators and observers."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from app.models.db import Store
from app.protocol.shams import display_text
from app.sync.account import remember_sender
from app.sync.api import ApiError
from app.ui.rasad_reports import RasadReportsWindow
from tests.support.catalogs import checked_translations
from tests.ui.conftest import OWN
from tests.ui.editor_conftest_helpers import save_screenshot


def person(username: str, name: str, unit: str, unit_name: str) -> dict[str, str]:
    return {"username": username, "name": name, "unit": unit, "unit_name": unit_name}


KARIMI = person("m.karimi", "مریم کریمی", "it", "فناوری اطلاعات")
RAHIMI = person("a.rahimi", "علی رحیمی", "office", "دفتر مدیرکل")
FRAME = {"agency": OWN["agency"], "unit": None, "from": "2026-11-22", "to": "2026-12-21",
         "as_of": "2026-12-05T10:00:00Z"}
REPORTS: dict[str, dict[str, Any]] = {
    "open_referrals": {**FRAME, "report": "open_referrals",
                       "units": [{"unit": "it", "unit_name": "فناوری اطلاعات", "open": 12, "overdue": 5},
                                 {"unit": "office", "unit_name": "دفتر مدیرکل", "open": 4, "overdue": 1}],
                       "people": [{"person": KARIMI, "open": 12, "overdue": 5},
                                  {"person": RAHIMI, "open": 4, "overdue": 1}],
                       "total": {"open": 16, "overdue": 6}},
    "timing": {**FRAME, "report": "timing",
               "overall": {"first_action": {"count": 13, "median_s": 5400, "p90_s": 36000},
                           "close": {"count": 4, "median_s": 90000, "p90_s": 180000}},
               "units": [{"unit": "it", "unit_name": "فناوری اطلاعات",
                          "first_action": {"count": 10, "median_s": 3600, "p90_s": 30600},
                          "close": {"count": 4, "median_s": 90000, "p90_s": 180000}}]},
    "waiting": {**FRAME, "report": "waiting", "items": [
        {"guid": "3f0c8a52-0000-4000-8000-000000000001", "incoming_number": "1405-10", "shams": None,
         "subject": "درخواست تمدید قرارداد پشتیبانی", "sender_name": "شرکت نمونه", "registered_at": "2026-11-01T06:00:00Z",
         "waiting_days": 34, "pending": 7, "overdue": 6, "oldest_referral_at": "2026-11-10T08:04:00Z",
         "waiting_on": [KARIMI, RAHIMI]},
        {"guid": "3f0c8a52-0000-4000-8000-000000000002", "incoming_number": "1405-11", "shams": "SHAMS-7",
         "subject": "دعوت به جلسه", "sender_name": "وزارت راه و شهرسازی", "registered_at": "2026-11-02T06:00:00Z",
         "waiting_days": 33, "pending": 2, "overdue": 0, "oldest_referral_at": "2026-11-10T08:00:00Z",
         "waiting_on": [KARIMI]}]},
    "instructions": {**FRAME, "report": "instructions", "total": 1, "truncated": False,
                     "officials": [{"person": RAHIMI, "referrals": 12, "pending": 7, "overdue": 6, "done": 4}],
                     "items": [{"guid": "3f0c8a52-0000-4000-8000-000000000003", "letter_guid": "x",
                                "incoming_number": "1405-10", "from": RAHIMI, "instruction": "اقدام",
                                "postscript": "فوری بررسی شود", "due_date": "2026-11-20",
                                "created_at": "2026-11-10T08:00:00Z", "status": "overdue",
                                "to": [{"person": KARIMI, "status": "read"}]}]},
}


class FakeApi:
    """The two calls the window makes, answered as the server would."""

    def __init__(self, agencies: list[dict[str, str]] | None) -> None:
        self.agencies, self.asked = agencies, []  # type: ignore[var-annotated]

    def __enter__(self) -> FakeApi:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def rasad_agencies(self) -> list[dict[str, str]]:
        if self.agencies is None:
            raise ApiError(404, "not_found", "یافت نشد.", "Not found.")
        return self.agencies

    def rasad_report(self, name: str, start: dt.date, end: dt.date, agency: str | None = None) -> dict[str, Any]:
        self.asked.append((name, start, end, agency))
        return REPORTS[name]


def _window(store: Store, qtbot, api: FakeApi) -> RasadReportsWindow:  # type: ignore[no-untyped-def]
    remember_sender(store, {"agency": OWN["agency"], "username": "s.ahmadi", "display_name": "سارا احمدی",
                            "roles": ["agency_admin"]})
    win = RasadReportsWindow(store, open_api=lambda _s: api)  # type: ignore[arg-type, return-value]
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.agency.count() > 0 and win.show_button.isEnabled(), timeout=5000)
    return win


def _show(win: RasadReportsWindow, qtbot, name: str) -> None:  # type: ignore[no-untyped-def]
    win.kind.setCurrentIndex(win.kind.findData(name))
    win.show_button.click()
    qtbot.waitUntil(lambda: win.report is not None and win.report["report"] == name, timeout=5000)


def test_a_report_as_a_persian_table_and_bar_chart(persian_app, store: Store, qtbot,  # type: ignore[no-untyped-def]
                                                   artifacts_dir: Path) -> None:
    api = FakeApi([{"national_id": OWN["agency"], "name": "سازمان نمونه الف"},
                   {"national_id": "14000234561", "name": "وزارت راه و شهرسازی"}])
    win = _window(store, qtbot, api)
    assert win.windowTitle() == "گزارش‌های رصد" and win.isRightToLeft()
    assert [win.agency.itemText(i) for i in range(2)] == ["سازمان نمونه الف", "وزارت راه و شهرسازی"]
    assert not win.csv_button.isEnabled()  # nothing to export yet
    win.agency.setCurrentIndex(1)
    win.start.setDate(dt.date(2026, 11, 22))
    win.end.setDate(dt.date(2026, 12, 21))
    _show(win, qtbot, "open_referrals")
    assert api.asked == [("open_referrals", dt.date(2026, 11, 22), dt.date(2026, 12, 21), "14000234561")]
    t = win.table
    assert [t.horizontalHeaderItem(c).text() for c in range(t.columnCount())] == ["کارمند", "واحد", "باز", "دیرکرددار"]
    assert [t.item(0, c).text() for c in range(4)] == ["مریم کریمی", "فناوری اطلاعات", "۱۲", "۵"]
    assert win.chart.labels == ["فناوری اطلاعات", "دفتر مدیرکل"]
    assert win.chart.series == [("باز", [12.0, 4.0]), ("دیرکرددار", [5.0, 1.0])]
    assert "فناوری اطلاعات: باز ۱۲، دیرکرددار ۵" in win.chart.accessibleDescription()
    assert win.status.text() == "از ۱۴۰۵/۰۹/۰۱ تا ۱۴۰۵/۰۹/۳۰"
    save_screenshot(win, artifacts_dir / "rasad_report_open_referrals.png")
    _show(win, qtbot, "timing")
    assert t.item(0, 2).text() == "۱" and t.item(1, 0).text() == "کل سازمان"  # hours; the whole agency last
    assert t.item(1, 6).text() == "۵۰"  # p90 to close: 180,000 s
    assert win.chart.series[0] == ("میانه زمان تا نخستین اقدام (ساعت)", [1.0, 1.5])
    save_screenshot(win, artifacts_dir / "rasad_report_timing.png")


def test_exports_read_back_as_shown(persian_app, store: Store, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = _window(store, qtbot, FakeApi([{"national_id": OWN["agency"], "name": "سازمان نمونه الف"}]))
    _show(win, qtbot, "open_referrals")
    win.export("csv", tmp_path / "r.csv")
    raw = (tmp_path / "r.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    with open(tmp_path / "r.csv", encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f)) == [["کارمند", "واحد", "باز", "دیرکرددار"], ["مریم کریمی", "فناوری اطلاعات", "12", "5"],
                                       ["علی رحیمی", "دفتر مدیرکل", "4", "1"]]
    assert (tmp_path / "r.csv").stat().st_mode & 0o077 == 0
    _show(win, qtbot, "timing")
    win.export("xlsx", tmp_path / "r.xlsx")
    sheet = load_workbook(tmp_path / "r.xlsx").active
    assert sheet is not None and sheet.sheet_view.rightToLeft
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["واحد", "اقدام‌شده", "میانه زمان تا نخستین اقدام (ساعت)"]
    assert rows[1] == ["فناوری اطلاعات", 10, 1, 8.5, 4, 25, 50]  # numbers stay numbers
    assert rows[2][0] == "کل سازمان" and len(rows) == 3


def test_without_the_agencies_route_the_own_agency_is_offered(persian_app, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    win = _window(store, qtbot, FakeApi(None))
    assert win.agency.count() == 1 and win.agency.currentData() == OWN["agency"]


@pytest.mark.parametrize(("roles", "shown"), [(["staff"], False), (["secretary", "signatory"], False),
                                              (["unit_manager"], True), (["agency_admin"], True),
                                              (["rasad_observer"], True)])
def test_the_menu_entry_is_for_managers_admins_and_observers(persian_app, store: Store, qtbot,  # type: ignore[no-untyped-def]
                                                             roles: list[str], shown: bool) -> None:
    from app.ui.main_window import MainWindow

    remember_sender(store, {"agency": OWN["agency"], "username": "s.ahmadi", "display_name": "سارا احمدی",
                            "roles": roles})
    win = MainWindow(store)
    qtbot.addWidget(win)
    assert win.rasad_menu.title() == "&رصد" and win.rasad_reports_action.text() == "گزارش‌ها…"
    assert win.rasad_menu.menuAction().isVisible() is shown
    if shown:
        reports = win.show_rasad_reports()
        assert win.show_rasad_reports() is reports  # one window, brought forward
        assert reports.testAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        reports.close()


def test_reports_catalog_is_complete_and_in_sync_with_the_code(tmp_path: Path) -> None:
    import re

    for t in checked_translations("rasad_reports_fa.ts", ["app/ui/rasad_reports.py"], tmp_path):
        assert not re.search(r"[,;?0-9]", t.replace("%1", "").replace("%2", "")), t


def test_waiting_letters_and_instructions_in_the_window(persian_app, store: Store, qtbot,  # type: ignore[no-untyped-def]
                                                        artifacts_dir: Path) -> None:
    win = _window(store, qtbot, FakeApi([{"national_id": OWN["agency"], "name": "سازمان نمونه الف"}]))
    _show(win, qtbot, "waiting")
    t = win.table
    assert [t.item(0, c).text() for c in range(t.columnCount())] == [
        display_text("1405-10"), "درخواست تمدید قرارداد پشتیبانی", "شرکت نمونه", "۱۴۰۵/۰۸/۱۰", "۳۴", "۷", "۶",
        "مریم کریمی، علی رحیمی"]
    assert display_text("1405-10") == "\u2066\u202d۱۴۰۵-۱۰\u202c\u2069"  # held left to right, as everywhere
    assert win.chart.labels == [display_text("1405-10"), display_text("1405-11")] and win.chart.series == [("روزهای انتظار", [34.0, 33.0])]
    save_screenshot(win, artifacts_dir / "rasad_report_waiting.png")
    _show(win, qtbot, "instructions")
    assert [t.item(0, c).text() for c in range(t.columnCount())] == [
        "۱۴۰۵/۰۸/۱۹", "علی رحیمی", "اقدام", "فوری بررسی شود", display_text("1405-10"), "۱۴۰۵/۰۸/۲۹", "دیرکرددار",
        "مریم کریمی (خوانده‌شده)"]
    assert win.chart.labels == ["علی رحیمی"]
    assert win.chart.series == [("در جریان", [7.0]), ("انجام‌شده", [4.0]), ("دیرکرددار", [6.0])]
    save_screenshot(win, artifacts_dir / "rasad_report_instructions.png")
    win.export("csv", artifacts_dir / "rasad_report_instructions.csv")
    with open(artifacts_dir / "rasad_report_instructions.csv", encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f))[1][:3] == ["1405/08/19", "علی رحیمی", "اقدام"]  # Jalali, ASCII digits
