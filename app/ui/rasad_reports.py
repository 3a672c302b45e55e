"""Rasad reports window («رصد ← گزارش‌ها»): an agency, a report and a Jalali date range; the
server's report (fetched on a worker) as a table and a bar chart, exported to CSV or XLSX.

The agencies offered are the server's /rasad/agencies (own agency for administrators and unit
managers, granted ones for observers); a server without that route gives the user's own agency.
The shapes of the reports are in docs/rasad.md («Reports»).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.db import Store
from app.models.directory import agency_name
from app.models.profile import read_setting, signed_in_roles
from app.protocol import jalali
from app.protocol.persian import to_persian_digits
from app.protocol.receipt import parse_time
from app.protocol.shams import display_text
from app.sync import account
from app.sync.account import SENDER_SETTING
from app.sync.api import ApiError, DabirApi
from app.ui.bar_chart import BarChart, persian_value
from app.ui.file_dialogs import ask, file_dialog
from app.ui.jalali_date_picker import JalaliDateEdit
from app.ui.ops import Op, OpContext
from app.ui.table_export import Cell, write_csv, write_xlsx

REPORTS = ("open_referrals", "timing", "waiting", "instructions")
ROLES = frozenset({"unit_manager", "agency_admin", "rasad_observer"})  # who sees the menu entry
Table = tuple[list[str], list[list[Cell]], list[str], list[tuple[str, list[float]]]]


def may_see_reports(store: Store) -> bool:
    return bool(ROLES & set(signed_in_roles(store) or []))


def _jalali(iso_time: str | None) -> str:
    """A UTC time as its Tehran Jalali date, ASCII digits (the cell's value; shown in Persian)."""
    return jalali.format_date(parse_time(iso_time), persian_digits=False) if iso_time else ""


def _jalali_day(iso_date: str | None) -> str:
    return jalali.format_date(dt.date.fromisoformat(iso_date), persian_digits=False) if iso_date else ""


def _hours(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


class RasadReportsWindow(QWidget):
    """The reports window; ``open_api`` is this profile's session (tests pass their own)."""

    def __init__(self, store: Store, *, open_api: Callable[[Store], DabirApi] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.store = store
        self._open_api = open_api or account.open_api
        self.report: dict[str, Any] | None = None
        self.headers: list[str] = []
        self.rows: list[list[Cell]] = []
        self.op: Op[Any] | None = None
        self.setWindowTitle(self.tr("Rasad reports"))
        self.setObjectName("rasadReports")
        self.resize(1000, 700)

        self.agency = QComboBox(self)
        self.agency.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.agency.setAccessibleName(self.tr("Agency"))
        self.kind = QComboBox(self)
        self.kind.setAccessibleName(self.tr("Report"))
        for name, title in zip(REPORTS, self._titles(), strict=True):
            self.kind.addItem(title, name)
        today = jalali.to_gregorian(*jalali.today())
        y, m, _d = jalali.today()
        self.start = JalaliDateEdit(self, date=jalali.to_gregorian(y, m, 1))
        self.end = JalaliDateEdit(self, date=today)
        self.show_button = QPushButton(self.tr("Show"), self)
        self.show_button.clicked.connect(self.load)
        self.csv_button = QPushButton(self.tr("Export CSV…"), self)
        self.csv_button.clicked.connect(lambda: self.export_chosen("csv"))
        self.xlsx_button = QPushButton(self.tr("Export Excel…"), self)
        self.xlsx_button.clicked.connect(lambda: self.export_chosen("xlsx"))
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.table = QTableWidget(self)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.chart = BarChart(self)

        what, when = QHBoxLayout(), QHBoxLayout()  # which report of which agency; the period and the buttons
        for row, label, widget in ((what, self.tr("Agency:"), self.agency), (what, self.tr("Report:"), self.kind),
                                   (when, self.tr("From:"), self.start), (when, self.tr("To:"), self.end)):
            row.addWidget(QLabel(label, self))
            row.addWidget(widget)
        what.addStretch(1)
        when.addWidget(self.show_button)
        when.addStretch(1)
        when.addWidget(self.csv_button)
        when.addWidget(self.xlsx_button)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(self.chart)
        split.setSizes([400, 300])
        layout = QVBoxLayout(self)
        layout.addLayout(what)
        layout.addLayout(when)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        self._set_exportable(False)
        self.load_agencies()

    def _titles(self) -> list[str]:
        return [self.tr("Open and overdue referrals"), self.tr("Time to first action and to close"),
                self.tr("Letters waiting longest"), self.tr("Instructions of senior officials")]

    def _set_exportable(self, on: bool) -> None:
        self.csv_button.setEnabled(on)
        self.xlsx_button.setEnabled(on)

    def _busy(self, on: bool, text: str = "") -> None:
        self.show_button.setEnabled(not on)
        self.status.setText(text)

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        known = exc.message_fa if isinstance(exc, ApiError | account.AccountError) else ""
        self.status.setText(known or self.tr("The report could not be fetched from the server."))

    # -- agencies -------------------------------------------------------------------------------
    def load_agencies(self) -> None:
        store, open_api = self.store, self._open_api
        me = read_setting(store, SENDER_SETTING)
        own = str(me.get("agency") or "") if isinstance(me, dict) else ""

        def work(_ctx: OpContext) -> list[dict[str, str]]:
            with open_api(store) as api:
                try:
                    return api.rasad_agencies()
                except ApiError as exc:
                    if exc.status != 404:
                        raise
            return [{"national_id": own, "name": agency_name(store, own) or own}] if own else []

        self._busy(True, self.tr("Fetching the agencies…"))
        self.op = Op(self, work).success(self._agencies_loaded).failure(self._failed).run()

    def _agencies_loaded(self, agencies: list[dict[str, str]]) -> None:
        self._busy(False)
        self.agency.clear()
        for a in agencies:
            self.agency.addItem(a["name"] or to_persian_digits(a["national_id"]), a["national_id"])
        if not agencies:
            self.status.setText(self.tr("This account may not see any agency's reports."))
        self.show_button.setEnabled(bool(agencies))

    # -- the report -----------------------------------------------------------------------------
    def load(self) -> None:
        name, agency = self.kind.currentData(), self.agency.currentData()
        start, end = self.start.date(), self.end.date()
        if start is None or end is None or start > end:
            self.status.setText(self.tr("The start of the period must not be after its end."))
            return
        store, open_api = self.store, self._open_api

        def work(_ctx: OpContext) -> dict[str, Any]:
            with open_api(store) as api:
                return api.rasad_report(name, start, end, agency=agency)

        self._busy(True, self.tr("Preparing the report…"))
        self._set_exportable(False)
        self.op = Op(self, work).success(self.show_report).failure(self._failed).run()

    def show_report(self, report: dict[str, Any]) -> None:
        self._busy(False)
        self.report = report
        self.headers, self.rows, labels, series = self.table_of(report)
        t = self.table
        t.clear()
        t.setColumnCount(len(self.headers))
        t.setRowCount(len(self.rows))
        t.setHorizontalHeaderLabels(self.headers)
        numbers = {c for c, h in enumerate(self.headers) if h == self.tr("Incoming number")}
        for r, row in enumerate(self.rows):
            for c, value in enumerate(row):
                if isinstance(value, int | float):
                    shown = persian_value(value)
                else:
                    shown = display_text(value) if c in numbers else to_persian_digits(value or "")
                item = QTableWidgetItem(shown)
                if isinstance(value, int | float):
                    item.setData(Qt.ItemDataRole.UserRole, value)
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                t.setItem(r, c, item)
        t.resizeColumnsToContents()
        self.chart.set_data(labels, series)
        self._set_exportable(True)
        period = self.tr("%1 to %2").replace("%1", jalali.format_date(dt.date.fromisoformat(report["from"]))).replace(
            "%2", jalali.format_date(dt.date.fromisoformat(report["to"])))
        self.status.setText(period if self.rows else self.tr("Nothing to report in this period."))

    def _status_names(self) -> dict[str, str]:
        return {"open": self.tr("Open"), "read": self.tr("Read"), "answered": self.tr("Answered"),
                "closed": self.tr("Closed"), "recalled": self.tr("Recalled"), "overdue": self.tr("Overdue")}

    def table_of(self, report: dict[str, Any]) -> Table:
        """Headers, rows (text and numbers, as exported), chart labels and chart series."""
        name = report["report"]
        if name == "open_referrals":
            people = report["people"]
            rows: list[list[Cell]] = [[p["person"]["name"], p["person"]["unit_name"], p["open"], p["overdue"]]
                                      for p in people]
            units = report["units"]
            return ([self.tr("Person"), self.tr("Unit"), self.tr("Open"), self.tr("Overdue")], rows,
                    [u["unit_name"] or self.tr("No unit") for u in units],
                    [(self.tr("Open"), [u["open"] for u in units]), (self.tr("Overdue"), [u["overdue"] for u in units])])
        if name == "timing":
            lines = [*report["units"], {**report["overall"], "unit_name": self.tr("The whole")}]
            rows = [[u["unit_name"] or self.tr("No unit"), u["first_action"]["count"],
                     _hours(u["first_action"]["median_s"]), _hours(u["first_action"]["p90_s"]),
                     u["close"]["count"], _hours(u["close"]["median_s"]), _hours(u["close"]["p90_s"])] for u in lines]
            return ([self.tr("Unit"), self.tr("Acted on"), self.tr("Median to first action (hours)"),
                     self.tr("90th percentile to first action (hours)"), self.tr("Closed"),
                     self.tr("Median to close (hours)"), self.tr("90th percentile to close (hours)")], rows,
                    [str(r[0]) for r in rows],
                    [(self.tr("Median to first action (hours)"), [float(r[2] or 0) for r in rows]),
                     (self.tr("Median to close (hours)"), [float(r[5] or 0) for r in rows])])
        if name == "waiting":
            items = report["items"]
            rows = [[i["incoming_number"], i["subject"], i["sender_name"], _jalali(i["registered_at"]),
                     i["waiting_days"], i["pending"], i["overdue"], "، ".join(p["name"] for p in i["waiting_on"])]
                    for i in items]
            return ([self.tr("Incoming number"), self.tr("Subject"), self.tr("Sender"), self.tr("Registered"),
                     self.tr("Days waiting"), self.tr("Open referrals"), self.tr("Overdue"), self.tr("Waiting on")],
                    rows, [display_text(i["incoming_number"]) for i in items],
                    [(self.tr("Days waiting"), [i["waiting_days"] for i in items])])
        statuses = self._status_names()
        officials = report["officials"]
        rows = [[_jalali(i["created_at"]), i["from"]["name"], i["instruction"], i["postscript"],
                 i["incoming_number"] or "", _jalali_day(i["due_date"]), statuses.get(i["status"], i["status"]),
                 "، ".join(f"{t['person']['name']} ({statuses.get(t['status'], t['status'])})" for t in i["to"])]
                for i in report["items"]]
        return ([self.tr("Date"), self.tr("From"), self.tr("Instruction"), self.tr("Postscript"),
                 self.tr("Incoming number"), self.tr("Due date"), self.tr("Follow-up"), self.tr("Recipients")], rows,
                [o["person"]["name"] for o in officials],
                [(self.tr("Pending"), [o["pending"] for o in officials]), (self.tr("Done"), [o["done"] for o in officials]),
                 (self.tr("Overdue"), [o["overdue"] for o in officials])])

    # -- export ---------------------------------------------------------------------------------
    def export(self, kind: str, path: Path) -> None:
        """Write the report shown to ``path`` as CSV (UTF-8 with BOM) or XLSX."""
        if kind == "csv":
            write_csv(path, self.headers, self.rows)
        else:
            write_xlsx(path, self.headers, self.rows, self.kind.currentText())

    def export_chosen(self, kind: str) -> None:
        if self.report is None:
            return
        name_filter = self.tr("CSV files (*.csv)") if kind == "csv" else self.tr("Excel workbooks (*.xlsx)")
        dialog = file_dialog(self, self.tr("Export the report"), name_filter, save=True)
        dialog.setDefaultSuffix(kind)
        dialog.selectFile(f"{self.report['report']}-{self.report['from']}-{self.report['to']}.{kind}")
        chosen = ask(dialog)
        if not chosen:
            return
        try:
            self.export(kind, Path(chosen))
        except OSError:
            self.status.setText(self.tr("The file could not be written there."))
            return
        self.status.setText(self.tr("Exported."))
