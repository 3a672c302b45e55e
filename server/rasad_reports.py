"""Rasad reports (گزارش‌های رصد): four queries on the referrals' summary (not on ``rasad_events``).

Every report covers the referrals created in a period of Tehran dates, in one scope
(:func:`server.rasad_access.scope_for`): a whole agency, or one unit of it, in which case only the
referrals addressed to members of that unit count. The pairs come from ``referral_summary``
(server/rasad_summary.py, kept in the referral writes); a recipient's unit is their unit when the
referral was made.

A recipient's part in a referral (a *pair*) has one status: recalled (the sender took the referral
back), closed, answered, read (read but neither answered nor closed) or open; pending = open or
read; overdue = pending with a due date before today in Tehran. Durations are whole seconds from
the referral's creation; percentiles are nearest-rank (the value at rank ⌈p·n⌉ of the sorted
values), ranked here in Python so that SQLite and PostgreSQL give the same answer.
The shapes are documented in docs/rasad.md («Reports»).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    select,
)

from app.protocol.jalali import TEHRAN
from app.protocol.receipt import format_time
from server.auth import Role
from server.context import as_utc
from server.rasad_access import Scope
from server.tables.accounts import agencies, units, users
from server.tables.letters import incoming_registrations, letters
from server.tables.referrals import referral_summary, referrals

NAMES = ("open_referrals", "timing", "waiting", "instructions")
SENIOR_ROLES = frozenset({Role.SIGNATORY.value, Role.UNIT_MANAGER.value, Role.AGENCY_ADMIN.value})
WAITING_TOP = 50
INSTRUCTIONS_TOP = 500
PENDING = ("open", "read")


# -- the pairs (referral × recipient) of a scope and period ---------------------------------------

def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, end+1 00:00) Tehran time, in UTC (how created_at is stored)."""
    def utc(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), TEHRAN).astimezone(dt.UTC)
    return utc(start), utc(end + dt.timedelta(days=1))


def in_scope(scope: Scope, start: dt.date, end: dt.date) -> list[ColumnElement[bool]]:
    """The summary rows of the scope's referrals created in the period."""
    lo, hi = period_bounds(start, end)
    s = referral_summary
    where = [s.c.agency_id == scope.agency_id, s.c.created_at >= lo, s.c.created_at < hi]
    if scope.unit_code is not None:
        where.append(s.c.unit_code == scope.unit_code)
    return where


# Pending, as separate terms: the partial index ix_referral_summary_pending has these conditions.
PENDING_WHERE = (referral_summary.c.recalled_at.is_(None), referral_summary.c.answered_at.is_(None),
                 referral_summary.c.closed_at.is_(None))


def _overdue(today: dt.date) -> ColumnElement[bool]:
    """Of a pending pair: due before today."""
    return and_(referral_summary.c.due_date.is_not(None), referral_summary.c.due_date < today.isoformat())


def pairs(scope: Scope, start: dt.date, end: dt.date, today: dt.date, *extra: ColumnElement[bool]) -> Select[Any]:
    """One row per recipient of each referral in scope and period, with its status."""
    s = referral_summary
    recalled = s.c.recalled_at.is_not(None)
    status = case((recalled, "recalled"), (s.c.closed_at.is_not(None), "closed"),
                  (s.c.answered_at.is_not(None), "answered"), (s.c.first_at.is_not(None), "read"), else_="open")
    pending = and_(*PENDING_WHERE)
    return (select(s.c.referral_id, s.c.from_user_id, s.c.created_at, s.c.user_id, status.label("status"),
                   pending.label("pending"), and_(pending, _overdue(today)).label("overdue"))
            .where(*in_scope(scope, start, end), *extra))


# -- people ------------------------------------------------------------------------------------

class People:
    """The agency's users and unit names, loaded once per report (an agency has hundreds, not millions)."""

    def __init__(self, conn: Connection, agency_id: int) -> None:
        unit_names = dict(conn.execute(select(units.c.code, units.c.name).where(units.c.agency_id == agency_id)).all())
        self.unit_names: dict[str | None, str] = {**unit_names, None: ""}
        self.rows = {r.id: r for r in conn.execute(select(users.c.id, users.c.username, users.c.display_name,
                                                          users.c.unit_code, users.c.roles)
                                                   .where(users.c.agency_id == agency_id))}

    def person(self, user_id: int) -> dict[str, Any]:
        r = self.rows[user_id]
        return {"username": r.username, "name": r.display_name, "unit": r.unit_code,
                "unit_name": self.unit_names.get(r.unit_code, "")}

    def unit(self, code: str | None) -> dict[str, Any]:
        return {"unit": code, "unit_name": self.unit_names.get(code, "")}

    def senior(self) -> list[int]:
        return [i for i, r in self.rows.items() if SENIOR_ROLES & set(r.roles.split(","))]


def _count(flag: Any) -> Any:
    return func.sum(case((flag, 1), else_=0))


# -- the reports -------------------------------------------------------------------------------

def open_referrals(conn: Connection, scope: Scope, start: dt.date, end: dt.date, today: dt.date,
                   people: People) -> dict[str, Any]:
    """Pending and overdue pairs per recipient and per recipient's unit, most pending first."""
    s = referral_summary
    rows = conn.execute(select(s.c.user_id, s.c.unit_code, func.count(), _count(_overdue(today)))
                        .where(*in_scope(scope, start, end), *PENDING_WHERE)
                        .group_by(s.c.user_id, s.c.unit_code)).all()
    by_unit: dict[str | None, list[int]] = {}
    by_person: dict[int, list[int]] = {}
    for user_id, unit, n_open, n_overdue in rows:
        for acc in (by_unit.setdefault(unit, [0, 0]), by_person.setdefault(user_id, [0, 0])):
            acc[0] += int(n_open)
            acc[1] += int(n_overdue or 0)
    persons: list[dict[str, Any]] = [{"person": people.person(u), "open": n[0], "overdue": n[1]}
                                     for u, n in by_person.items()]
    persons.sort(key=lambda r: (-r["open"], -r["overdue"], r["person"]["username"]))
    unit_rows = [{**people.unit(code), "open": n[0], "overdue": n[1]} for code, n in by_unit.items()]
    unit_rows.sort(key=lambda r: (-r["open"], -r["overdue"], r["unit"] or ""))
    return {"units": unit_rows, "people": persons,
            "total": {"open": sum(r["open"] for r in persons), "overdue": sum(r["overdue"] for r in persons)}}


def nearest_rank(ascending: list[int], pct: int) -> int:
    """The value at rank ⌈pct·n/100⌉ (1-based) of ``ascending`` (sorted, not empty)."""
    return ascending[(pct * len(ascending) + 99) // 100 - 1]


def _stats(values: list[int]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "median_s": None, "p90_s": None}
    values.sort()
    return {"count": len(values), "median_s": nearest_rank(values, 50), "p90_s": nearest_rank(values, 90)}


def _ints(joined: str | None) -> list[int]:
    return [int(v) for v in joined.split(",")] if joined else []


def timing(conn: Connection, scope: Scope, start: dt.date, end: dt.date, today: dt.date,
           people: People) -> dict[str, Any]:
    """Median and p90 (nearest rank) of the time to first action and to close, per unit and overall:
    the durations are ranked here, the same way whatever the database. They come as one joined
    string per unit (group_concat / string_agg): a year's hundreds of thousands of values would
    cost more as as many rows."""
    s = referral_summary

    def joined(col: Any) -> Any:
        return func.aggregate_strings(cast(col, String), ",")

    first: dict[str | None, list[int]] = {}
    close: dict[str | None, list[int]] = {}
    for unit, first_s, close_s in conn.execute(
            select(s.c.unit_code, joined(s.c.first_s), joined(s.c.close_s))
            .where(*in_scope(scope, start, end), s.c.recalled_at.is_(None), s.c.first_s.is_not(None))
            .group_by(s.c.unit_code)):
        first[unit], close[unit] = _ints(first_s), _ints(close_s)
    unit_rows = [{**people.unit(u), "first_action": _stats(first[u]), "close": _stats(close[u])}
                 for u in sorted(first, key=lambda code: code or "")]
    overall = {"first_action": _stats([v for vs in first.values() for v in vs]),
               "close": _stats([v for vs in close.values() for v in vs])}
    return {"overall": overall, "units": unit_rows}


def waiting(conn: Connection, scope: Scope, start: dt.date, end: dt.date, today: dt.date,
            people: People) -> dict[str, Any]:
    """The registered incoming letters with pending referrals, longest registered first (top 50):
    the pending pairs grouped by letter in the database, joined to the registrations."""
    s, ir = referral_summary, incoming_registrations
    per_letter = (select(s.c.letter_guid, func.count().label("pending"), _count(_overdue(today)).label("overdue"),
                         func.min(s.c.created_at).label("oldest"),
                         func.aggregate_strings(cast(s.c.user_id, String), ",").label("on"))
                  .where(*in_scope(scope, start, end), *PENDING_WHERE).group_by(s.c.letter_guid).subquery("w"))
    top = conn.execute(
        select(ir.c.guid, ir.c.number, ir.c.subject, ir.c.sender_name, ir.c.registered_at, per_letter.c.pending,
               per_letter.c.overdue, per_letter.c.oldest, per_letter.c.on)
        .join(per_letter, per_letter.c.letter_guid == ir.c.guid).where(ir.c.agency_id == scope.agency_id)
        .order_by(ir.c.registered_at, ir.c.id).limit(WAITING_TOP)).all()
    if not top:
        return {"items": []}
    package = {r.guid: r for r in conn.execute(select(letters.c.guid, letters.c.shams, letters.c.package)
                                               .where(letters.c.guid.in_([r.guid for r in top])))}
    items = []
    for r in top:
        registered_at, letter = as_utc(r.registered_at), package.get(r.guid)
        subject = r.subject or (orjson.loads(letter.package)["content"]["subject"] if letter else "")
        items.append({"guid": r.guid, "incoming_number": r.number, "shams": letter.shams if letter else None,
                      "subject": subject, "sender_name": r.sender_name, "registered_at": format_time(registered_at),
                      "waiting_days": (today - registered_at.astimezone(TEHRAN).date()).days,
                      "pending": int(r.pending), "overdue": int(r.overdue or 0),
                      "oldest_referral_at": format_time(as_utc(r.oldest)),
                      "waiting_on": [people.person(u) for u in sorted(set(_ints(r.on)))]})
    return {"items": items}


def _referral_status(statuses: list[str], due: str | None, today: dt.date) -> str:
    """A referral's follow-up status from its recipients' (see docs/rasad.md)."""
    if "recalled" in statuses:
        return "recalled"
    pending = [s for s in statuses if s in PENDING]
    if not pending:
        return "closed" if all(s == "closed" for s in statuses) else "answered"
    if due is not None and due < today.isoformat():
        return "overdue"
    return "read" if "open" not in pending else "open"


def instructions(conn: Connection, scope: Scope, start: dt.date, end: dt.date, today: dt.date,
                 people: People) -> dict[str, Any]:
    """Referrals sent by senior officials (signatories, unit managers, agency administrators): a
    summary per official and the newest 500 with each recipient's status (the pairs read once)."""
    senior = people.senior()
    if not senior:
        return {"officials": [], "items": [], "total": 0, "truncated": False}
    p = pairs(scope, start, end, today, referral_summary.c.from_user_id.in_(senior)).subquery()
    rows = conn.execute(select(p.c.referral_id, p.c.from_user_id, p.c.created_at, p.c.user_id, p.c.status,
                               p.c.pending, p.c.overdue)
                        .order_by(p.c.created_at.desc(), p.c.referral_id.desc(), p.c.user_id)).all()
    per_official: dict[int, dict[str, Any]] = {}
    to: dict[int, list[tuple[int, str]]] = {}
    for referral_id, sender, _at, user_id, status, pending, overdue in rows:
        o = per_official.setdefault(sender, {"person": people.person(sender), "referrals": 0, "pending": 0,
                                             "overdue": 0, "done": 0})
        if referral_id not in to:
            o["referrals"] += 1
            to[referral_id] = []
        o["pending"] += bool(pending)
        o["overdue"] += bool(overdue)
        o["done"] += status in ("answered", "closed")
        to[referral_id].append((user_id, status))
    officials = sorted(per_official.values(), key=lambda r: (-r["referrals"], r["person"]["username"]))
    newest = list(to)[:INSTRUCTIONS_TOP]  # rows came newest first
    ir = incoming_registrations
    details = {r.id: r for r in conn.execute(
        select(referrals.c.id, referrals.c.guid, referrals.c.letter_guid, referrals.c.from_user_id,
               referrals.c.instruction, referrals.c.postscript, referrals.c.due_date, referrals.c.created_at,
               ir.c.number)
        .outerjoin(ir, and_(ir.c.agency_id == scope.agency_id, ir.c.guid == referrals.c.letter_guid))
        .where(referrals.c.id.in_(newest)))} if newest else {}
    items = []
    for rid in newest:
        d = details[rid]
        recipients: list[dict[str, Any]] = [{"person": people.person(u), "status": st} for u, st in to[rid]]
        items.append({"guid": d.guid, "letter_guid": d.letter_guid, "incoming_number": d.number,
                      "from": people.person(d.from_user_id), "instruction": d.instruction, "postscript": d.postscript,
                      "due_date": d.due_date, "created_at": format_time(as_utc(d.created_at)),
                      "status": _referral_status([t["status"] for t in recipients], d.due_date, today),
                      "to": recipients})
    return {"officials": officials, "items": items, "total": len(to), "truncated": len(to) > INSTRUCTIONS_TOP}


REPORTS: dict[str, Callable[[Connection, Scope, dt.date, dt.date, dt.date, People], dict[str, Any]]] = {
    "open_referrals": open_referrals, "timing": timing, "waiting": waiting, "instructions": instructions}


def report(conn: Connection, scope: Scope, name: str, start: dt.date, end: dt.date,
           now: dt.datetime) -> dict[str, Any]:
    """The report ``name`` with its frame: agency, unit, period and when it was made."""
    today = now.astimezone(TEHRAN).date()
    body = REPORTS[name](conn, scope, start, end, today, People(conn, scope.agency_id))
    nid = conn.execute(select(agencies.c.national_id).where(agencies.c.id == scope.agency_id)).scalar_one()
    return {"report": name, "agency": nid, "unit": scope.unit_code, "from": start.isoformat(), "to": end.isoformat(),
            "as_of": format_time(now.astimezone(dt.UTC).replace(microsecond=0)), **body}


__all__ = ["NAMES", "REPORTS", "People", "pairs", "period_bounds", "report"]
