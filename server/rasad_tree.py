"""The incoming tree (درخت وارده) of one letter in one agency: its registration and every referral
with its recipients' progress and answers, read from the referral tables (the source of truth).

A handful of queries whatever the tree's size (referrals, recipients, events, people, answers), so a
two-thousand-node tree costs the same round trips as a small one. Statuses are worked out here, so
every workstation and the web service show the same tree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import Connection, select

from app.protocol.receipt import format_time
from server.context import ServerContext, as_utc
from server.rasad_events import people
from server.tables.accounts import agencies
from server.tables.letters import incoming_registrations, letters
from server.tables.referrals import referral_events, referral_recipients, referrals

TEHRAN = ZoneInfo("Asia/Tehran")
_CHUNK = 500  # ids per IN (…) list


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else format_time(as_utc(value))


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i:i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def _letter(conn: Connection, agency_id: int, guid: str) -> tuple[dict[str, Any], int | None]:
    """The root: the letter as the agency knows it, and who registered it (a user id)."""
    reg = conn.execute(select(incoming_registrations).where(incoming_registrations.c.agency_id == agency_id,
                                                            incoming_registrations.c.guid == guid)).mappings().first()
    row = conn.execute(select(letters.c.shams, letters.c.package, agencies.c.name).join(
        agencies, agencies.c.id == letters.c.agency_id).where(letters.c.guid == guid)).first()
    subject, sender = "", ""
    if row is not None:
        subject = str(orjson.loads(row.package).get("content", {}).get("subject", ""))
        sender = row.name
    if reg is not None and reg["channel"] == "paper":
        subject, sender = reg["subject"] or subject, reg["sender_name"] or sender
    return ({"guid": guid, "subject": subject, "shams": row.shams if row is not None else None,
             "incoming_number": reg["number"] if reg is not None else None, "sender_name": sender,
             "registered_at": _time(reg["registered_at"]) if reg is not None else None},
            reg["registered_by"] if reg is not None else None)


def _recipient_status(done: dict[str, Any]) -> str:
    for kind, status in (("close", "closed"), ("answer", "answered"), ("read", "read")):
        if kind in done:
            return status
    return "open"


def _overdue(status: str, due_date: str | None, today: str) -> str:
    return "overdue" if status in ("open", "read") and due_date is not None and due_date < today else status


def _referral_status(statuses: list[str], recalled: bool) -> str:
    """Recalled; closed when every recipient closed; else the furthest any recipient got."""
    if recalled:
        return "recalled"
    if statuses and all(s == "closed" for s in statuses):
        return "closed"
    for status in ("answered", "closed", "read"):
        if status in statuses:
            return "answered" if status == "closed" else status
    return "open"


def build(ctx: ServerContext, conn: Connection, agency_id: int, letter_guid: str) -> dict[str, Any]:
    """The tree as GET /rasad/letters/{guid}/tree answers it (access already checked)."""
    now = ctx.clock()
    today = now.astimezone(TEHRAN).date().isoformat()
    letter, registered_by = _letter(conn, agency_id, letter_guid)
    refs = conn.execute(select(referrals).where(referrals.c.agency_id == agency_id,
                                                referrals.c.letter_guid == letter_guid)).mappings().all()
    ids = [r["id"] for r in refs]
    recipients: dict[int, list[int]] = defaultdict(list)
    events: dict[int, list[Any]] = defaultdict(list)
    for chunk in _chunks(ids):
        for rid, uid in conn.execute(select(referral_recipients.c.referral_id, referral_recipients.c.user_id)
                                     .where(referral_recipients.c.referral_id.in_(chunk))):
            recipients[rid].append(uid)
        for e in conn.execute(select(referral_events).where(referral_events.c.referral_id.in_(chunk))
                              .order_by(referral_events.c.id)).mappings():
            events[e["referral_id"]].append(e)
    user_ids = {r["from_user_id"] for r in refs} | {u for us in recipients.values() for u in us}
    user_ids |= {e["user_id"] for es in events.values() for e in es}
    if registered_by is not None:
        user_ids.add(registered_by)
    person = people(conn, user_ids)
    answer_guids = sorted({e["answer_guid"] for es in events.values() for e in es if e["answer_guid"]})
    answered_letters = {}
    if answer_guids:
        answered_letters = {row.guid: row for row in conn.execute(
            select(letters.c.guid, letters.c.shams, letters.c.package).where(letters.c.guid.in_(answer_guids)))}
    out = []
    for r in sorted(refs, key=lambda r: (as_utc(r["created_at"]), r["guid"])):
        evs = events[r["id"]]
        recall = next((e for e in evs if e["kind"] == "recall"), None)
        to = []
        for uid in sorted(recipients[r["id"]], key=lambda u: person[u]["username"]):
            done: dict[str, dt.datetime] = {}
            for e in evs:
                if e["user_id"] == uid and e["kind"] != "recall":
                    done.setdefault(e["kind"], e["at"])
            status = "recalled" if recall is not None else _overdue(_recipient_status(done), r["due_date"], today)
            to.append({"person": person[uid], "status": status, "read_at": _time(done.get("read")),
                       "answered_at": _time(done.get("answer")), "closed_at": _time(done.get("close"))})
        answers = []
        for e in evs:
            if e["kind"] == "answer":
                ans = answered_letters.get(e["answer_guid"])
                answers.append({"guid": e["answer_guid"], "shams": ans.shams if ans is not None else None,
                                "subject": str(orjson.loads(ans.package)["content"].get("subject", ""))
                                if ans is not None else "", "at": _time(e["at"]), "by": person[e["user_id"]]})
        closes = [e for e in evs if e["kind"] == "close"]
        status = _overdue(_referral_status([str(t["status"]) for t in to], recall is not None), r["due_date"], today)
        out.append({"guid": r["guid"], "parent_guid": r["parent_guid"], "from": person[r["from_user_id"]], "to": to,
                    "instruction": r["instruction"], "postscript": r["postscript"], "due_date": r["due_date"],
                    "created_at": _time(r["created_at"]), "status": status,
                    "recalled_at": _time(recall["at"]) if recall is not None else None,
                    "close_note": closes[-1]["note"] if closes else None, "answers": answers})
    nid = conn.execute(select(agencies.c.national_id).where(agencies.c.id == agency_id)).scalar_one()
    letter["registered_by"] = person.get(registered_by) if registered_by is not None else None
    return {"agency": nid, "letter": letter, "referrals": out, "as_of": format_time(now.astimezone(dt.UTC))}
