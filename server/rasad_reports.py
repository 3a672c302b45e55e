"""Rasad reports (گزارش‌های رصد): four queries on the referrals themselves (not on ``rasad_events``).

Every report covers the referrals created in a period of Tehran dates, in one scope
(:func:`server.rasad_access.scope_for`): a whole agency, or one unit of it, in which case only the
referrals addressed to members of that unit count. The unit of a person is their unit today.

A recipient's part in a referral (a *pair*) has one status: recalled (the sender took the referral
back), closed, answered, read (read but neither answered nor closed) or open; pending = open or
read; overdue = pending with a due date before today in Tehran. Durations are whole seconds from
the referral's creation; percentiles are nearest-rank (the value at rank ⌈p·n⌉ of the sorted
values), computed in SQL with integer arithmetic so SQLite and PostgreSQL give the same answer.
The shapes are documented in docs/rasad.md («Reports»).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    union_all,
)

from app.protocol.jalali import TEHRAN
from app.protocol.receipt import format_time
from server.auth import Role
from server.context import as_utc
from server.models import (
    agencies,
    incoming_registrations,
    letters,
    referral_events,
    referral_recipients,
    referrals,
    units,
    users,
)
from server.rasad_access import Scope

NAMES = ("open_referrals", "timing", "waiting", "instructions")
SENIOR_ROLES = frozenset({Role.SIGNATORY.value, Role.UNIT_MANAGER.value, Role.AGENCY_ADMIN.value})
WAITING_TOP = 50
INSTRUCTIONS_TOP = 500
FIRST_ACTION_KINDS = ("read", "answer", "close")
PENDING = ("open", "read")


# -- the pairs (referral × recipient) of a scope and period ---------------------------------------

def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, end+1 00:00) Tehran time, in UTC (how created_at is stored)."""
    def utc(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), TEHRAN).astimezone(dt.UTC)
    return utc(start), utc(end + dt.timedelta(days=1))


def _seconds(conn: Connection, later: Any, earlier: Any) -> ColumnElement[Any]:
    """Whole seconds from ``earlier`` to ``later`` (the one expression that differs by dialect)."""
    if conn.dialect.name == "sqlite":
        return cast(func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0), Integer)
    return cast(func.round(func.extract("epoch", later - earlier)), Integer)


def pairs(conn: Connection, scope: Scope, start: dt.date, end: dt.date, today: dt.date,
          *extra: ColumnElement[bool]) -> Select[Any]:
    """One row per recipient of each referral in scope and period: ids, times and status. The
    events are aggregated once per (referral, recipient) and joined, not looked up row by row."""
    lo, hi = period_bounds(start, end)
    r, e = referrals, referral_events
    in_period = [r.c.agency_id == scope.agency_id, r.c.created_at >= lo, r.c.created_at < hi, *extra]

    def first(*kinds: str) -> Any:
        return func.min(case((e.c.kind.in_(kinds), e.c.at)))

    acted = (select(e.c.referral_id, e.c.user_id, first(*FIRST_ACTION_KINDS).label("first_at"),
                    first("answer").label("answered_at"), first("close").label("closed_at"))
             .join(r, r.c.id == e.c.referral_id).where(*in_period, e.c.kind.in_(FIRST_ACTION_KINDS))
             .group_by(e.c.referral_id, e.c.user_id).subquery("acted"))
    recalled = (select(e.c.referral_id).join(r, r.c.id == e.c.referral_id)
                .where(*in_period, e.c.kind == "recall").distinct().subquery("recalled"))
    inner = (select(r.c.id.label("referral_id"), r.c.guid, r.c.letter_guid, r.c.from_user_id, r.c.created_at,
                    r.c.due_date, referral_recipients.c.user_id, users.c.unit_code,
                    recalled.c.referral_id.is_not(None).label("recalled"), acted.c.first_at, acted.c.answered_at,
                    acted.c.closed_at)
             .join(referral_recipients, referral_recipients.c.referral_id == r.c.id)
             .join(users, users.c.id == referral_recipients.c.user_id)
             .outerjoin(acted, and_(acted.c.referral_id == r.c.id, acted.c.user_id == referral_recipients.c.user_id))
             .outerjoin(recalled, recalled.c.referral_id == r.c.id)
             .where(*in_period))
    if scope.unit_code is not None:
        inner = inner.where(users.c.unit_code == scope.unit_code)
    p = inner.subquery("p")
    status = case((p.c.recalled, "recalled"), (p.c.closed_at.is_not(None), "closed"),
                  (p.c.answered_at.is_not(None), "answered"), (p.c.first_at.is_not(None), "read"), else_="open")
    pending = and_(~p.c.recalled, p.c.answered_at.is_(None), p.c.closed_at.is_(None))
    overdue = and_(pending, p.c.due_date.is_not(None), p.c.due_date < today.isoformat())
    return select(p, status.label("status"), pending.label("pending"), overdue.label("overdue"),
                  _seconds(conn, p.c.first_at, p.c.created_at).label("first_s"),
                  _seconds(conn, p.c.closed_at, p.c.created_at).label("close_s"))


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
    p = pairs(conn, scope, start, end, today).subquery()
    rows = conn.execute(select(p.c.user_id, func.count(), _count(p.c.overdue)).where(p.c.pending)
                        .group_by(p.c.user_id)).all()
    by_unit: dict[str | None, list[int]] = {}
    persons: list[dict[str, Any]] = []
    for user_id, n_open, n_overdue in rows:
        person = people.person(user_id)
        persons.append({"person": person, "open": int(n_open), "overdue": int(n_overdue or 0)})
        acc = by_unit.setdefault(person["unit"], [0, 0])
        acc[0] += int(n_open)
        acc[1] += int(n_overdue or 0)
    persons.sort(key=lambda r: (-r["open"], -r["overdue"], r["person"]["username"]))
    unit_rows = [{**people.unit(code), "open": n[0], "overdue": n[1]} for code, n in by_unit.items()]
    unit_rows.sort(key=lambda r: (-r["open"], -r["overdue"], r["unit"] or ""))
    return {"units": unit_rows, "people": persons,
            "total": {"open": sum(r["open"] for r in persons), "overdue": sum(r["overdue"] for r in persons)}}


def timing(conn: Connection, scope: Scope, start: dt.date, end: dt.date, today: dt.date,
           people: People) -> dict[str, Any]:
    """Median and p90 (nearest rank) of the time to first action and to close, per unit and overall."""
    p = pairs(conn, scope, start, end, today).cte("pairs")
    parts = [select(literal(level).label("level"),
                    (p.c.unit_code if level == "unit" else literal(None, String)).label("unit_code"),
                    literal(metric).label("metric"), p.c[column].label("secs"))
             .where(~p.c.recalled, p.c[column].is_not(None))
             for level in ("unit", "all") for metric, column in (("first_action", "first_s"), ("close", "close_s"))]
    d = union_all(*parts).subquery("d")
    group = (d.c.level, d.c.unit_code, d.c.metric)
    ranked = select(*group, d.c.secs, func.row_number().over(partition_by=group, order_by=d.c.secs).label("rn"),
                    func.count().over(partition_by=group).label("n")).subquery("r")
    med = func.max(case((ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.secs)))
    p90 = func.max(case((ranked.c.rn == (9 * ranked.c.n + 9) // 10, ranked.c.secs)))
    rows = conn.execute(select(ranked.c.level, ranked.c.unit_code, ranked.c.metric, func.max(ranked.c.n), med, p90)
                        .group_by(ranked.c.level, ranked.c.unit_code, ranked.c.metric)).all()
    empty: dict[str, Any] = {"count": 0, "median_s": None, "p90_s": None}
    overall: dict[str, Any] = {"first_action": dict(empty), "close": dict(empty)}
    per_unit: dict[str | None, dict[str, Any]] = {}
    for level, unit, metric, n, median_s, p90_s in rows:
        stats = {"count": int(n), "median_s": int(median_s), "p90_s": int(p90_s)}
        if level == "all":
            overall[metric] = stats
        else:
            per_unit.setdefault(unit, {**people.unit(unit), "first_action": dict(empty), "close": dict(empty)})
            per_unit[unit][metric] = stats
    unit_rows = sorted(per_unit.values(), key=lambda r: r["unit"] or "")
    return {"overall": overall, "units": unit_rows}


def waiting(conn: Connection, scope: Scope, start: dt.date, end: dt.date, today: dt.date,
            people: People) -> dict[str, Any]:
    """The registered incoming letters with pending referrals, longest registered first (top 50)."""
    p = pairs(conn, scope, start, end, today).subquery()
    per_letter = (select(p.c.letter_guid, func.count().label("pending"), _count(p.c.overdue).label("overdue"),
                         func.min(p.c.created_at).label("oldest"))
                  .where(p.c.pending).group_by(p.c.letter_guid).subquery("w"))
    ir = incoming_registrations
    top = conn.execute(
        select(ir.c.guid, ir.c.number, ir.c.channel, ir.c.subject, ir.c.sender_name, ir.c.registered_at,
               letters.c.shams, per_letter.c.pending, per_letter.c.overdue, per_letter.c.oldest)
        .select_from(per_letter)
        .join(ir, and_(ir.c.agency_id == scope.agency_id, ir.c.guid == per_letter.c.letter_guid))
        .outerjoin(letters, letters.c.guid == ir.c.guid)
        .order_by(ir.c.registered_at, ir.c.id).limit(WAITING_TOP)).mappings().all()
    on: dict[str, list[int]] = {}
    if top:
        waiting_pairs = pairs(conn, scope, start, end, today, referrals.c.letter_guid.in_([r["guid"] for r in top]))
        w = waiting_pairs.subquery()
        for guid, user_id in conn.execute(select(w.c.letter_guid, w.c.user_id).where(w.c.pending).distinct()
                                          .order_by(w.c.letter_guid, w.c.user_id)):
            on.setdefault(guid, []).append(user_id)
    items = []
    for r in top:
        registered = as_utc(r["registered_at"])
        items.append({"guid": r["guid"], "incoming_number": r["number"], "shams": r["shams"], "subject": r["subject"],
                      "sender_name": r["sender_name"], "registered_at": format_time(registered),
                      "waiting_days": (today - registered.astimezone(TEHRAN).date()).days,
                      "pending": int(r["pending"]), "overdue": int(r["overdue"] or 0),
                      "oldest_referral_at": format_time(as_utc(r["oldest"])),
                      "waiting_on": [people.person(u) for u in on.get(r["guid"], [])]})
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
    summary per official and the newest 500 with each recipient's status."""
    senior = people.senior()
    if not senior:
        return {"officials": [], "items": [], "total": 0, "truncated": False}
    p = pairs(conn, scope, start, end, today, referrals.c.from_user_id.in_(senior)).subquery()
    done = p.c.status.in_(("answered", "closed"))
    officials: list[dict[str, Any]] = []
    for user_id, n_ref, n_pending, n_overdue, n_done in conn.execute(
            select(p.c.from_user_id, func.count(p.c.referral_id.distinct()), _count(p.c.pending),
                   _count(p.c.overdue), _count(done)).group_by(p.c.from_user_id)):
        officials.append({"person": people.person(user_id), "referrals": int(n_ref), "pending": int(n_pending or 0),
                          "overdue": int(n_overdue or 0), "done": int(n_done or 0)})
    officials.sort(key=lambda r: (-r["referrals"], r["person"]["username"]))
    total = sum(r["referrals"] for r in officials)
    newest = (select(p.c.referral_id, p.c.created_at).distinct()
              .order_by(p.c.created_at.desc(), p.c.referral_id.desc()).limit(INSTRUCTIONS_TOP).subquery())
    rows = conn.execute(select(p.c.referral_id, p.c.guid, p.c.letter_guid, p.c.from_user_id, p.c.created_at,
                               p.c.due_date, p.c.user_id, p.c.status, referrals.c.instruction, referrals.c.postscript,
                               incoming_registrations.c.number)
                        .join(newest, newest.c.referral_id == p.c.referral_id)
                        .join(referrals, referrals.c.id == p.c.referral_id)
                        .outerjoin(incoming_registrations, and_(
                            incoming_registrations.c.agency_id == scope.agency_id,
                            incoming_registrations.c.guid == p.c.letter_guid))
                        .order_by(p.c.created_at.desc(), p.c.referral_id.desc(), p.c.user_id)).mappings().all()
    items: dict[int, dict[str, Any]] = {}
    for r in rows:
        item = items.setdefault(r["referral_id"], {
            "guid": r["guid"], "letter_guid": r["letter_guid"], "incoming_number": r["number"],
            "from": people.person(r["from_user_id"]), "instruction": r["instruction"], "postscript": r["postscript"],
            "due_date": r["due_date"], "created_at": format_time(as_utc(r["created_at"])), "to": []})
        item["to"].append({"person": people.person(r["user_id"]), "status": r["status"]})
    for item in items.values():
        item["status"] = _referral_status([t["status"] for t in item["to"]], item["due_date"], today)
    return {"officials": officials, "items": list(items.values()), "total": total,
            "truncated": total > INSTRUCTIONS_TOP}


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
