"""Referrals (ارجاع) between users of one agency, and each user's cartable (کارتابل).

A referral names a letter the agency may read (its own, or one delivered to it, or a paper letter
it registered), the sender, one or more active colleagues, an instruction from the server's list,
a postscript and an optional due date. Events follow it: a recipient reads, answers (with the
answering letter's GUID) or closes it (with a note); the sender may recall it until a recipient
has read it. Every change adds one feed row per person concerned (sender and recipients), cursor
from a counter row like the inbox, so each user pulls their own cartable whatever their role.
Staff may refer only letters referred to them; secretaries, signatories and administrators any
letter of the agency.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Connection, insert, select

from app.protocol.receipt import format_time
from server import rasad_events, rasad_summary
from server.auth import DESK_ROLES, Principal, Role
from server.context import ServerContext, as_utc
from server.db import next_value
from server.errors import ApiError, forbidden, not_found
from server.incoming import paper_record, registration_view
from server.shams import stored_package
from server.tables.accounts import users
from server.tables.letters import deliveries, incoming_registrations, letters
from server.tables.referrals import cartable_entries, referral_events, referral_recipients, referrals

FEED = "cartable"
# The desk refers any letter of the agency; staff refer only what was referred to them.
REFERRING_ROLES = (*DESK_ROLES, Role.STAFF)


def _fail(status: int, code: str, fa: str, en: str, field: str | None = None) -> ApiError:
    return ApiError(status, code, fa, en, field)


def letter_visible(conn: Connection, agency_id: int, guid: str) -> bool:
    """The agency's own letter, one delivered to it, or a paper letter it registered."""
    if conn.execute(select(letters.c.guid).where(letters.c.guid == guid, letters.c.agency_id == agency_id)).first():
        return True
    if conn.execute(select(deliveries.c.id).where(deliveries.c.letter_guid == guid,
                                                  deliveries.c.recipient_agency_id == agency_id)).first():
        return True
    return conn.execute(select(incoming_registrations.c.id).where(
        incoming_registrations.c.guid == guid, incoming_registrations.c.agency_id == agency_id)).first() is not None


def _referred_to(conn: Connection, user_id: int, letter_guid: str) -> bool:
    return conn.execute(select(referrals.c.id).join(
        referral_recipients, referral_recipients.c.referral_id == referrals.c.id).where(
        referrals.c.letter_guid == letter_guid, referral_recipients.c.user_id == user_id)).first() is not None


def _recipient_ids(conn: Connection, principal: Principal, usernames: list[str]) -> list[int]:
    """Each named user once: active, of the caller's agency, not the caller (422 otherwise)."""
    ids: list[int] = []
    for i, name in enumerate(usernames):
        row = conn.execute(select(users.c.id, users.c.agency_id, users.c.active).where(users.c.username == name)).first()
        if row is None or row.agency_id != principal.agency_id or not row.active:
            raise _fail(422, "unknown_recipient", "گیرنده ارجاع از کارکنان فعال این سازمان نیست.",
                        "A referral goes to active users of the sender's agency only.", f"to[{i}]")
        if row.id == principal.user_id:
            raise _fail(422, "recipient_is_sender", "نامه به خود ارجاع‌دهنده ارجاع نمی‌شود.",
                        "A referral cannot be addressed to its sender.", f"to[{i}]")
        if row.id not in ids:
            ids.append(row.id)
    return ids


def _feed(ctx: ServerContext, conn: Connection, referral_id: int, event_id: int | None) -> None:
    """One cartable row for the sender and each recipient, all under one new cursor."""
    sender = conn.execute(select(referrals.c.from_user_id).where(referrals.c.id == referral_id)).scalar_one()
    people = [sender, *conn.execute(select(referral_recipients.c.user_id).where(
        referral_recipients.c.referral_id == referral_id)).scalars()]
    cursor = next_value(ctx.db, conn, FEED)
    conn.execute(insert(cartable_entries), [{"cursor": cursor, "user_id": uid, "referral_id": referral_id,
                                             "event_id": event_id} for uid in dict.fromkeys(people)])


def _new_id(key: Any) -> int:
    return int(key[0])


def _usernames(conn: Connection, agency_id: int) -> dict[int, str]:
    """The agency's usernames by id (a referral never leaves its agency)."""
    return dict(conn.execute(select(users.c.id, users.c.username).where(users.c.agency_id == agency_id)).all())


def _referral_view(conn: Connection, row: Any, names: dict[int, str]) -> dict[str, Any]:
    to = conn.execute(select(referral_recipients.c.user_id).where(
        referral_recipients.c.referral_id == row["id"]).order_by(referral_recipients.c.user_id)).scalars()
    return {"id": row["guid"], "letter_guid": row["letter_guid"], "parent": row["parent_guid"],
            "from": names[row["from_user_id"]], "to": [names[u] for u in to], "instruction": row["instruction"],
            "postscript": row["postscript"], "due_date": row["due_date"],
            "created_at": format_time(as_utc(row["created_at"]))}


def _event_view(row: Any, referral_guid: str, names: dict[int, str]) -> dict[str, Any]:
    return {"id": row["guid"], "referral": referral_guid, "kind": row["kind"], "by": names[row["user_id"]], "note": row["note"],
            "answer_guid": row["answer_guid"], "at": format_time(as_utc(row["at"]))}


def create(ctx: ServerContext, conn: Connection, principal: Principal, body: dict[str, Any]) -> dict[str, Any]:
    """Store the referral and feed it to every cartable concerned; the same referral again is a no-op."""
    principal.require(*REFERRING_ROLES)
    names = _usernames(conn, principal.agency_id)
    prev = conn.execute(select(referrals).where(referrals.c.guid == body["id"])).mappings().first()
    if prev is not None:
        view = _referral_view(conn, prev, names)
        same = (prev["from_user_id"] == principal.user_id and view["letter_guid"] == body["letter_guid"]
                and sorted(view["to"]) == sorted(set(body["to"])) and view["instruction"] == body["instruction"]
                and view["postscript"] == body["postscript"] and view["due_date"] == body["due_date"])
        if not same:
            raise _fail(409, "referral_id_conflict", "ارجاعی دیگر با همین شناسه پیش‌تر ثبت شده است.",
                        "Another referral with this id already exists.", "id")
        return view
    if body["instruction"] not in ctx.settings.instructions:
        raise _fail(422, "unknown_instruction", "دستور ارجاع در فهرست دستورهای این سازمان نیست.",
                    "The instruction is not in the server's list.", "instruction")
    if not letter_visible(conn, principal.agency_id, body["letter_guid"]):
        raise not_found("letter_guid")
    if not principal.at_desk and not _referred_to(conn, principal.user_id,
                                                                               body["letter_guid"]):
        raise forbidden("Staff may refer only letters referred to them.")
    if body["parent"] is not None:
        parent = conn.execute(select(referrals.c.id).where(referrals.c.guid == body["parent"],
                                                           referrals.c.letter_guid == body["letter_guid"])).first()
        if parent is None or not conn.execute(select(referral_recipients.c.user_id).where(
                referral_recipients.c.referral_id == parent.id,
                referral_recipients.c.user_id == principal.user_id)).first():
            raise not_found("parent")
    to = _recipient_ids(conn, principal, body["to"])
    row = {"guid": body["id"], "agency_id": principal.agency_id, "letter_guid": body["letter_guid"],
           "parent_guid": body["parent"], "from_user_id": principal.user_id, "instruction": body["instruction"],
           "postscript": body["postscript"], "due_date": body["due_date"],
           "created_at": ctx.clock().astimezone(dt.UTC).replace(microsecond=0)}
    row["id"] = _new_id(conn.execute(insert(referrals).values(**row)).inserted_primary_key)
    conn.execute(insert(referral_recipients), [{"referral_id": row["id"], "user_id": u} for u in to])
    _feed(ctx, conn, row["id"], None)
    rasad_summary.refresh(conn, [row["id"]])
    view = _referral_view(conn, row, names)
    rasad_events.record(ctx, conn, agency_id=principal.agency_id, event_id=row["guid"], kind="referred",
                        letter_guid=row["letter_guid"], referral_guid=row["guid"], user_id=principal.user_id,
                        at=row["created_at"], detail={k: view[k] for k in (
                            "parent", "to", "instruction", "postscript", "due_date")})
    return view


def _events_of(conn: Connection, referral_id: int) -> list[Any]:
    return list(conn.execute(select(referral_events).where(referral_events.c.referral_id == referral_id)
                             .order_by(referral_events.c.id)).mappings())


def add_event(ctx: ServerContext, conn: Connection, principal: Principal, guid: str,
              body: dict[str, Any]) -> dict[str, Any]:
    """Record an event on a referral the caller sent (recall) or received (read, answer, close);
    body: kind, note, answer_guid and the event's own GUID (``id``, one made up if none)."""
    kind, note, answer_guid = body["kind"], body["note"], body["answer_guid"]
    ref = conn.execute(select(referrals).where(referrals.c.guid == guid,
                                               referrals.c.agency_id == principal.agency_id)).mappings().first()
    if ref is None:
        raise not_found("id")
    recipients = set(conn.execute(select(referral_recipients.c.user_id).where(
        referral_recipients.c.referral_id == ref["id"])).scalars())
    mine = principal.user_id == ref["from_user_id"] if kind == "recall" else principal.user_id in recipients
    if not mine:
        raise not_found("id")  # someone else's referral: not even its existence is told
    names = _usernames(conn, principal.agency_id)
    events = _events_of(conn, ref["id"])
    if any(e["kind"] == "recall" for e in events):
        if kind == "recall":
            return _event_view(next(e for e in events if e["kind"] == "recall"), guid, names)
        raise _fail(409, "referral_recalled", "این ارجاع را ارجاع‌دهنده بازپس گرفته است.",
                    "The sender recalled this referral.", "id")
    if kind == "recall" and any(e["kind"] == "read" for e in events):
        raise _fail(409, "referral_read", "ارجاعی که خوانده شده است بازپس گرفته نمی‌شود.",
                    "A referral a recipient has read cannot be recalled.", "kind")
    if kind == "answer" and not answer_guid:
        raise _fail(422, "answer_guid_required", "برای پاسخ، شناسه نامه پاسخ لازم است.",
                    "An answer names the answering letter (answer_guid).", "answer_guid")
    if kind == "read":  # once per reader
        prev = next((e for e in events if e["kind"] == "read" and e["user_id"] == principal.user_id), None)
        if prev is not None:
            return _event_view(prev, guid, names)
    event_guid = body["id"] or str(uuid.uuid4())
    prev_event = conn.execute(select(referral_events).where(referral_events.c.guid == event_guid)).mappings().first()
    if prev_event is not None:  # the same event sent again under another key
        if prev_event["referral_id"] != ref["id"] or prev_event["kind"] != kind:
            raise _fail(409, "event_id_conflict", "رویدادی دیگر با همین شناسه پیش‌تر ثبت شده است.",
                        "Another event with this id already exists.", "id")
        return _event_view(prev_event, guid, names)
    row = {"guid": event_guid, "referral_id": ref["id"], "user_id": principal.user_id, "kind": kind, "note": note,
           "answer_guid": answer_guid if kind == "answer" else None,
           "at": ctx.clock().astimezone(dt.UTC).replace(microsecond=0)}
    event_id = _new_id(conn.execute(insert(referral_events).values(**row)).inserted_primary_key)
    _feed(ctx, conn, ref["id"], event_id)
    rasad_summary.refresh(conn, [ref["id"]])
    rasad_events.record(ctx, conn, agency_id=principal.agency_id, event_id=event_guid,
                        kind=rasad_events.REFERRAL_KINDS[kind], letter_guid=ref["letter_guid"], referral_guid=guid,
                        user_id=principal.user_id, at=row["at"],
                        detail={"note": note, "answer_guid": row["answer_guid"]})
    return _event_view(row, guid, names)


def cartable(ctx: ServerContext, principal: Principal, after: int, limit: int) -> dict[str, Any]:
    """The caller's referrals sent and received and their events, by cursor. A referral entry carries
    the letter's package (when the server holds one) so a recipient can read the letter, or a paper
    letter's registration record."""
    with ctx.db.read() as conn:
        rows = conn.execute(select(cartable_entries).where(
            cartable_entries.c.user_id == principal.user_id, cartable_entries.c.cursor > after)
            .order_by(cartable_entries.c.cursor).limit(limit)).mappings().all()
        names = _usernames(conn, principal.agency_id)
        items = []
        for r in rows:
            ref = conn.execute(select(referrals).where(referrals.c.id == r["referral_id"])).mappings().one()
            if r["event_id"] is None:
                letter = conn.execute(select(letters.c.package, letters.c.receipt).where(
                    letters.c.guid == ref["letter_guid"])).mappings().first()
                item = {"cursor": r["cursor"], "type": "referral", "referral": _referral_view(conn, ref, names),
                        "package": stored_package(letter) if letter else None}
                if letter is None and (paper := paper_record(conn, principal.agency_id, ref["letter_guid"])):
                    item["paper"] = paper  # a paper letter: its registration record
                elif letter is not None and (number := registration_view(conn, principal.agency_id,
                                                                         ref["letter_guid"])):
                    item["incoming"] = number  # registered at the desk: its incoming number here too
                items.append(item)
            else:
                event = conn.execute(select(referral_events).where(referral_events.c.id == r["event_id"])).mappings().one()
                items.append({"cursor": r["cursor"], "type": "event", "event": _event_view(event, ref["guid"], names)})
    return {"items": items, "cursor": items[-1]["cursor"] if items else after, "more": len(items) == limit,
            "instructions": list(ctx.settings.instructions)}
