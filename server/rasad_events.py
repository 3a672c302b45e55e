"""Rasad events (رویدادهای رصد): what happened to an agency's letters, appended inside the write that did it.

Each write path (registration, referral, referral event, filing) calls :func:`record` with the
action's own id in the same transaction, so an event exists exactly when its action committed, and
an action replayed (a retry, a duplicate push from a client's outbox) finds its event already there
and adds nothing. Cursors come from the per-agency counter ``rasad:<agency id>`` taken in that
transaction, so a reader paging by cursor never sees a smaller cursor appear later.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select

from app.protocol.receipt import format_time
from server.context import ServerContext, as_utc
from server.db import next_value
from server.tables.accounts import units, users
from server.tables.rasad import rasad_events

KINDS = ("registered", "referred", "read", "answered", "closed", "recalled", "filed", "unfiled")
# a referral event's kind as the referrals API names it -> the Rasad kind
REFERRAL_KINDS = {"read": "read", "answer": "answered", "close": "closed", "recall": "recalled"}


def counter(agency_id: int) -> str:
    return f"rasad:{agency_id}"


def registration_id(agency_id: int, letter_guid: str) -> str:
    """A registration's event id: a letter is registered once per agency (its GUID alone is shared)."""
    return f"registered:{agency_id}:{letter_guid}"


def record(ctx: ServerContext, conn: Connection, *, agency_id: int, event_id: str, kind: str, letter_guid: str,
           user_id: int, at: dt.datetime, referral_guid: str | None = None,
           detail: dict[str, Any] | None = None) -> None:
    """Append one event (nothing when ``event_id`` is already recorded)."""
    if kind not in KINDS:
        raise ValueError(f"unknown Rasad event kind {kind!r}")
    if conn.execute(select(rasad_events.c.cursor).where(rasad_events.c.id == event_id)).first() is not None:
        return
    conn.execute(insert(rasad_events).values(
        agency_id=agency_id, cursor=next_value(ctx.db, conn, counter(agency_id)), id=event_id, kind=kind,
        letter_guid=letter_guid, referral_guid=referral_guid, user_id=user_id, at=at,
        detail=orjson.dumps(detail or {}).decode()))


def people(conn: Connection, user_ids: set[int]) -> dict[int, dict[str, Any]]:
    """Each user as Rasad shows a person: username, name, unit code and unit name."""
    if not user_ids:
        return {}
    rows = conn.execute(select(users.c.id, users.c.username, users.c.display_name, users.c.unit_code,
                               units.c.name.label("unit_name"))
                        .select_from(users.outerjoin(units, (units.c.agency_id == users.c.agency_id)
                                                     & (units.c.code == users.c.unit_code)))
                        .where(users.c.id.in_(sorted(user_ids)))).all()
    return {r.id: {"username": r.username, "name": r.display_name, "unit": r.unit_code, "unit_name": r.unit_name or ""}
            for r in rows}


def page(conn: Connection, agency_id: int, after: int, limit: int) -> dict[str, Any]:
    """The agency's events after cursor ``after``, oldest first; ``next`` is the cursor to ask
    after for the following page (None: nothing more now)."""
    rows = conn.execute(select(rasad_events).where(rasad_events.c.agency_id == agency_id,
                                                   rasad_events.c.cursor > after)
                        .order_by(rasad_events.c.cursor).limit(limit)).all()
    actors = people(conn, {r.user_id for r in rows})
    events = [{"cursor": r.cursor, "id": r.id, "kind": r.kind, "at": format_time(as_utc(r.at)),
               "letter_guid": r.letter_guid, "referral_guid": r.referral_guid, "actor": actors[r.user_id],
               "detail": orjson.loads(r.detail)} for r in rows]
    return {"events": events, "next": rows[-1].cursor if len(rows) == limit else None}
