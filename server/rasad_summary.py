"""Rasad's summary of the referrals: one row per (referral, recipient) with the times the reports need.

The reports (server/rasad_reports.py) read only this table, so a year's report reads one narrow row
per recipient instead of every referral of the period with its events. The rows of a referral are
rewritten from the referral tables (the source of truth) by :func:`refresh`, inside the transaction
of the write that changed it (server/referrals.py); migration 0012 fills it for existing referrals
the same way, and :func:`pair_rows` is the one place a row is computed.

Per recipient: read_at, answered_at, closed_at = the time of their first such event; first_at =
the earliest of the three; recalled_at = the sender's recall (it concerns every recipient);
first_s, close_s = whole seconds from the referral's creation to first_at, closed_at. unit_code is
the recipient's unit when the referral was made (for referrals made before 0012: their unit then).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from server.context import as_utc
from server.tables.accounts import users
from server.tables.referrals import referral_events, referral_recipients, referral_summary, referrals

FIRST_ACTION_KINDS = ("read", "answer", "close")
BATCH = 2000


def _seconds(later: dt.datetime | None, earlier: dt.datetime) -> int | None:
    return None if later is None else round((later - earlier).total_seconds())


def pair_rows(ref: Mapping[Any, Any], recipients: Iterable[tuple[int, str | None]],
              events: Sequence[Mapping[Any, Any]]) -> list[dict[str, Any]]:
    """The summary rows of one referral (id, agency_id, letter_guid, from_user_id, due_date,
    created_at) from its recipients (user id, unit) and its events (user_id, kind, at)."""
    created = as_utc(ref["created_at"])

    def first(kinds: tuple[str, ...], user_id: int | None) -> dt.datetime | None:
        return min((as_utc(e["at"]) for e in events
                    if e["kind"] in kinds and (user_id is None or e["user_id"] == user_id)), default=None)

    recalled = first(("recall",), None)
    rows = []
    for user_id, unit in recipients:
        first_at = first(FIRST_ACTION_KINDS, user_id)
        closed_at = first(("close",), user_id)
        rows.append({"referral_id": ref["id"], "user_id": user_id, "agency_id": ref["agency_id"],
                     "letter_guid": ref["letter_guid"], "from_user_id": ref["from_user_id"], "unit_code": unit,
                     "created_at": created, "due_date": ref["due_date"], "read_at": first(("read",), user_id),
                     "first_at": first_at, "answered_at": first(("answer",), user_id), "closed_at": closed_at,
                     "recalled_at": recalled, "first_s": _seconds(first_at, created),
                     "close_s": _seconds(closed_at, created)})
    return rows


def refresh(conn: Connection, referral_ids: Sequence[int]) -> None:
    """Rewrite the summary rows of these referrals from the referral tables (a recipient keeps the
    unit their row already has; a new row takes the recipient's unit now). The referral writes
    call it after taking the cartable counter, whose row lock orders them: each sees the events
    committed before it."""
    if not referral_ids:
        return
    ids = list(referral_ids)
    s, rr = referral_summary, referral_recipients
    kept = {(r.referral_id, r.user_id): r.unit_code for r in conn.execute(
        select(s.c.referral_id, s.c.user_id, s.c.unit_code).where(s.c.referral_id.in_(ids)))}
    recipients: dict[int, list[tuple[int, str | None]]] = {}
    for rid, uid, unit in conn.execute(select(rr.c.referral_id, rr.c.user_id, users.c.unit_code)
                                       .join(users, users.c.id == rr.c.user_id).where(rr.c.referral_id.in_(ids))
                                       .order_by(rr.c.referral_id, rr.c.user_id)):
        recipients.setdefault(rid, []).append((uid, kept.get((rid, uid), unit)))
    events: dict[int, list[Any]] = {}
    for e in conn.execute(select(referral_events.c.referral_id, referral_events.c.user_id, referral_events.c.kind,
                                 referral_events.c.at).where(referral_events.c.referral_id.in_(ids))).mappings():
        events.setdefault(e["referral_id"], []).append(e)
    rows = [row for ref in conn.execute(
                select(referrals.c.id, referrals.c.agency_id, referrals.c.letter_guid, referrals.c.from_user_id,
                       referrals.c.due_date, referrals.c.created_at).where(referrals.c.id.in_(ids))).mappings()
            for row in pair_rows(ref, recipients.get(ref["id"], []), events.get(ref["id"], []))]
    conn.execute(delete(s).where(s.c.referral_id.in_(ids)))
    if rows:
        conn.execute(insert(s), rows)


def backfill(conn: Connection) -> None:
    """Summarize every referral (migration 0012), a batch of referrals at a time."""
    ids = list(conn.execute(select(referrals.c.id).order_by(referrals.c.id)).scalars())
    for i in range(0, len(ids), BATCH):
        refresh(conn, ids[i:i + BATCH])


__all__ = ["backfill", "pair_rows", "refresh"]
