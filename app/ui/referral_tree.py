"""The incoming tree (درخت وارده) of a letter as the server's Rasad builds it: who referred it to
whom, when, with which instruction and postscript, how far each got and the answers, as a Qt tree
(right-to-left, Persian names, Jalali times, a colour per status).

The server works the tree out (GET /rasad/letters/{guid}/tree), so every workstation shows the
same one; this window fetches it on a worker and only paints it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QDialog, QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.models.db import Store
from app.protocol.jalali import TEHRAN, format_date
from app.protocol.persian import to_persian_digits
from app.protocol.shams import display_text
from app.sync import account
from app.sync.api import DabirApi
from app.ui.ops import Op, OpContext

# status -> (colour, bold): overdue stands out, closed and recalled recede
STATUS_COLOURS = {
    "open": ("#1565c0", False), "read": ("#00838f", False), "answered": ("#2e7d32", False),
    "closed": ("#616161", False), "recalled": ("#6d4c41", False), "overdue": ("#c62828", True),
}
COLUMNS = 6  # who, to, instruction and postscript, due date, status, when


def _tr(text: str) -> str:
    return QCoreApplication.translate("ReferralTree", text)


def status_text(status: str) -> str:
    return _status_names().get(status, status)


def _status_names() -> dict[str, str]:
    return {"open": _tr("Open"), "read": _tr("Read"), "answered": _tr("Answered"), "closed": _tr("Closed"),
            "recalled": _tr("Recalled"), "overdue": _tr("Overdue")}


def _date(text: str | None) -> str:
    return format_date(dt.date.fromisoformat(text)) if text else ""


def _who(person: dict[str, Any] | None) -> str:
    if not person:
        return ""
    return f"{person['name']} ({person['unit_name']})" if person.get("unit_name") else str(person["name"])


class _ReferralItem(QTreeWidgetItem):
    """A referral's row; its recipients' tooltip is written when asked for, not for all rows up front."""

    referral: dict[str, Any]
    painter: _Painter

    def data(self, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            return self.painter.recipients_tip(self.referral)
        return super().data(column, role)


class _Painter:
    """Makes the items of one tree; what thousands of rows share (translated names, brushes, the
    Jalali form of each day) is worked out once per tree, not once per row."""

    def __init__(self) -> None:
        self.names = _status_names()
        self.labels = {"read_at": _tr("read"), "answered_at": _tr("answered"), "closed_at": _tr("closed")}
        self.brushes = {status: QBrush(QColor(colour)) for status, (colour, _bold) in STATUS_COLOURS.items()}
        self.days: dict[dt.date, str] = {}

    def time(self, text: str | None) -> str:
        """An ISO-8601 UTC time as a Jalali date and Tehran time in Persian digits."""
        if not text:
            return ""
        local = dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(TEHRAN)
        day = self.days.get(local.date())
        if day is None:
            day = self.days[local.date()] = format_date(local.date())
        return f"{day} {to_persian_digits(f'{local:%H:%M}')}"

    def status(self, item: QTreeWidgetItem, column: int, status: str) -> None:
        item.setText(column, self.names.get(status, status))
        if status in self.brushes:
            item.setForeground(column, self.brushes[status])
        if STATUS_COLOURS.get(status, ("", False))[1]:
            font = QFont(item.font(column))
            font.setBold(True)
            item.setFont(column, font)

    def referral(self, r: dict[str, Any]) -> QTreeWidgetItem:
        names = self.names
        to = "، ".join(f"{_who(t['person'])}: {names.get(t['status'], t['status'])}" for t in r["to"])
        what = r["instruction"] + (f" — {r['postscript']}" if r["postscript"] else "")
        item = _ReferralItem([_who(r["from"]), to, what, _date(r["due_date"]), "", self.time(r["created_at"])])
        item.referral, item.painter = r, self
        self.status(item, 4, r["status"])
        item.setToolTip(2, what)
        item.setData(0, Qt.ItemDataRole.UserRole, r["guid"])
        return item

    def recipients_tip(self, r: dict[str, Any]) -> str:
        """Each recipient's progress with its times, the close note and the recall."""
        names = self.names
        tips = [f"{_who(t['person'])}: {names.get(t['status'], t['status'])}"
                + "".join(f"، {label} {self.time(t[key])}" for key, label in self.labels.items() if t[key])
                for t in r["to"]]
        if r["close_note"]:
            tips.append(_tr("Close note: %1").replace("%1", r["close_note"]))
        if r["recalled_at"]:
            tips.append(_tr("Recalled at %1").replace("%1", self.time(r["recalled_at"])))
        return "\n".join(tips)

    def answer(self, a: dict[str, Any]) -> QTreeWidgetItem:
        number = display_text(a["shams"])
        known = " ".join(p for p in (number, a["subject"]) if p)  # neither: a draft, not on the server yet
        text = _tr("Answer %1").replace("%1", known) if known else _tr("Answer (a draft, not registered yet)")
        item = QTreeWidgetItem([_who(a["by"]), "", text, "", "", self.time(a["at"])])
        item.setForeground(2, self.brushes["answered"])
        item.setData(0, Qt.ItemDataRole.UserRole, a["guid"])
        return item


def build_tree(widget: QTreeWidget, tree: dict[str, Any]) -> QTreeWidgetItem:
    """Fill ``widget`` with the letter as root and its referrals under the referral they refer on."""
    widget.clear()
    paint = _Painter()
    letter = tree["letter"]
    numbers = " ".join(p for p in (display_text(letter["incoming_number"]), display_text(letter["shams"])) if p)
    root = QTreeWidgetItem([letter["sender_name"], _who(letter["registered_by"]),  # from the sender to the desk
                            " ".join(p for p in (numbers, letter["subject"]) if p), "", "",
                            paint.time(letter["registered_at"])])
    font = QFont(root.font(2))
    font.setBold(True)
    root.setFont(2, font)
    children: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    known = {r["guid"] for r in tree["referrals"]}
    for r in tree["referrals"]:  # already in created_at, guid order
        children[r["parent_guid"] if r["parent_guid"] in known else None].append(r)
    stack: list[tuple[QTreeWidgetItem, str | None]] = [(root, None)]
    while stack:  # iterative: a deep tree does not reach Python's recursion limit
        parent_item, guid = stack.pop()
        for r in children.get(guid, []):
            item = paint.referral(r)
            parent_item.addChild(item)
            for a in r["answers"]:
                item.addChild(paint.answer(a))
            stack.append((item, r["guid"]))
    widget.addTopLevelItem(root)
    widget.expandAll()
    return root


class ReferralTree(QDialog):
    """«درخت ارجاع»: the letter's incoming tree, fetched from the server when opened."""

    def __init__(self, store: Store, letter_guid: str, *, agency: str | None = None,
                 open_api: Callable[[Store], DabirApi] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("referralTree")
        self.setWindowTitle(self.tr("Referral tree"))
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.store, self.letter_guid, self.agency = store, letter_guid, agency
        self._open_api = open_api or account.open_api  # this profile's session (the one sync uses)
        self.tree_data: dict[str, Any] | None = None
        self.status = QLabel(self.tr("Reading the tree from the server…"))
        self.status.setObjectName("referralTreeStatus")
        self.status.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("referralTreeView")
        self.tree.setColumnCount(COLUMNS)
        self.tree.setHeaderLabels([self.tr("From"), self.tr("To"), self.tr("Instruction and postscript"),
                                   self.tr("Due date"), self.tr("Status"), self.tr("When")])
        self.tree.setUniformRowHeights(True)  # a two-thousand-node tree stays quick to lay out
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.tree.header().setStretchLastSection(False)
        for column, width in enumerate((260, 260, 300, 90, 90, 120)):
            self.tree.setColumnWidth(column, width)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.tree, 1)
        self.resize(1150, 520)
        self.op: Op[dict[str, Any]] | None = None

    def load(self) -> Op[dict[str, Any]]:
        """Fetch the tree on a worker; paint it when it arrives."""
        store, open_api, guid, agency = self.store, self._open_api, self.letter_guid, self.agency

        def fetch(_ctx: OpContext) -> dict[str, Any]:
            with open_api(store) as api:
                return api.rasad_tree(guid, agency)

        self.op = Op(self, fetch).success(self.show_tree).failure(self._failed).run()
        return self.op

    def show_tree(self, tree: dict[str, Any]) -> None:
        self.tree_data = tree
        build_tree(self.tree, tree)
        count = to_persian_digits(len(tree["referrals"]))
        as_of = _Painter().time(tree["as_of"])
        self.status.setText(self.tr("%1 referrals; as of %2").replace("%1", count).replace("%2", as_of))

    def _failed(self, exc: BaseException) -> None:
        if getattr(exc, "status", None) == 404:
            self.status.setText(self.tr("This letter's tree is not available to you."))
        else:
            self.status.setText(getattr(exc, "message_fa", None) or self.tr("The tree could not be read."))
