"""The rows the letter view adds for an incoming letter: its incoming number here (or «موقت»
while the server has not numbered it), and a paper letter's sender, the sender's number and
date, and its scanned pages (kept on this computer only, not yet uploaded); a person's or a
company's letter, its tracking id (issued by the server at the sync), channel and contact details."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication

from app.models.letter_details import Details
from app.protocol.jalali import format_date, format_datetime
from app.protocol.persian import ltr_island, to_persian_digits
from app.protocol.shams import display_text
from app.protocol.tracking import display_tracking_id


def _tr(text: str) -> str:
    return QCoreApplication.translate("IncomingDetails", text)


def incoming_rows(row: Callable[[str, str], str], extra: dict[str, Any]) -> list[str]:
    """``row(label, value_html)`` for each fact; none for a letter that is not incoming."""
    if not extra:
        return []
    e = html.escape
    out = []
    number, at = extra.get("incoming_number"), extra.get("incoming_at")
    if number:
        out.append(row(_tr("Incoming number:"), e(display_text(number))))
    elif at is not None:
        provisional = _tr("Provisional — numbered at the next sync")
        out.append(row(_tr("Incoming number:"), f'<span style="color:#e65100;">{e(provisional)}</span>'))
    if at is not None:
        out.append(row(_tr("Registered here on:"), e(format_datetime(at))))
    out += _citizen_rows(row, extra, numbered=bool(number))
    if extra.get("channel") != "paper":
        return out
    if not extra.get("citizen_channel"):  # a person's or company's letter names its channel above
        out.append(row(_tr("Received:"), e(_tr("On paper (by post or by hand)"))))
    kind, sender_id = extra.get("sender_kind"), extra.get("sender_id")
    if sender_id:
        label = _tr("National code:") if kind == "person" else _tr("National id:")
        out.append(row(label, e(to_persian_digits(sender_id))))
    if extra.get("sender_number"):
        out.append(row(_tr("Sender's letter number:"), e(display_text(extra["sender_number"]))))
    if extra.get("sender_date") is not None:
        out.append(row(_tr("Sender's letter date:"), e(format_date(extra["sender_date"]))))
    pages = extra.get("pages")
    if pages is None:  # the printed sheet: the scans are filed with it
        return out
    if pages:
        local = _tr("on this computer only; not uploaded yet")
        items = "<br>".join(f"{e(name)} — <i>{e(local)}</i>" if only_here else e(name) for name, only_here in pages)
        out.append(row(_tr("Scanned pages:"), items))
    else:
        out.append(row(_tr("Scanned pages:"), e(_tr("None"))))
    return out


def _citizen_rows(row: Callable[[str, str], str], extra: dict[str, Any], *, numbered: bool) -> list[str]:
    """A person's or a company's letter: its tracking id (or when it comes), channel and contact."""
    if "tracking_id" not in extra:
        return []
    e, out = html.escape, []
    if extra["tracking_id"]:
        out.append(row(_tr("Tracking id:"), e(ltr_island(display_tracking_id(extra["tracking_id"])))))
    elif not numbered:  # numbered without one: registered before tracking ids were issued
        out.append(row(_tr("Tracking id:"), f'<span style="color:#e65100;">{e(_tr("Issued after the sync"))}</span>'))
    for label, key in ((_tr("Received through:"), "citizen_channel"), (_tr("Mobile:"), "mobile"),
                       (_tr("Postal code:"), "postal_code"), (_tr("Address:"), "address")):
        if extra.get(key):
            out.append(row(label, e(to_persian_digits(extra[key]))))
    return out


def paper_sheet_html(d: Details) -> str:
    """The registration sheet printed for a paper letter's file: its incoming number, sender,
    dates, subject and summary (it has no SHAMS, letterhead or QR code of its own)."""
    e = html.escape

    def row(label: str, value: str) -> str:  # value first: Qt's tables do not mirror columns
        return f'<tr><td>{value}</td><td style="color:#555; padding-right:12px;">{e(label)}</td></tr>'

    rows = [row(_tr("Sender:"), e(d.sender)), row(_tr("Subject:"), e(d.subject)),
            *incoming_rows(row, {**d.extra, "pages": None})]
    summary = e(d.body).replace("\n", "<br>")
    # a person's or company's letter may have come through a portal, not on paper: its channel row says how
    title = _tr("Registration sheet of an incoming letter") if d.extra.get("citizen_channel") else _tr(
        "Registration sheet of an incoming paper letter")
    return (f'<div dir="rtl"><h2 align="center">{e(title)}</h2>'
            f'<table dir="rtl" align="right" cellspacing="6">{"".join(rows)}</table>'
            f'<h4>{e(_tr("Summary"))}</h4><p dir="rtl">{summary or "—"}</p></div>')
