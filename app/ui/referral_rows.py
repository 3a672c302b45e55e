"""The letter view's rows of the referrals of the letter to me: who referred it, when, with which
instruction, margin note (هامش) and due date (the cartable's columns cut the note short)."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication

from app.models import referrals as R
from app.models.db import Store
from app.protocol.jalali import format_date, format_datetime


def _tr(text: str) -> str:
    return QCoreApplication.translate("ReferralRows", text)


def referral_rows(row: Callable[[str, str], str], store: Store, letter_guid: str) -> list[str]:
    """Oldest first, as they came; nothing when no one is signed in or nothing was referred to me."""
    me = R.signed_in(store)
    if not me:
        return []
    out = []
    for r in reversed(R.cartable_page(store, me, letter_guid=letter_guid)):
        who = _tr("«%1» from %2, %3").replace("%1", r.instruction).replace(
            "%2", r.from_name or r.from_person).replace("%3", format_datetime(r.created_at))
        out.append(row(_tr("Referral:"), html.escape(who)))
        if r.postscript:
            out.append(row(_tr("Margin note:"), html.escape(r.postscript)))
        if r.due_date is not None:
            out.append(row(_tr("Due:"), html.escape(format_date(r.due_date))))
    return out
