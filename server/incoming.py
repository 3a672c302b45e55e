"""Incoming registration (ثبت وارده): each agency's own incoming numbers, electronic and paper.

One series per agency and Jalali year, gap-free like SHAMS: the counter row is taken with
``UPDATE … RETURNING`` in the write that stores the registration, so a rolled-back write gives
its number back. A letter is numbered once: a retry (same key, or the same letter under a new
key) gets the number it already has. Registering an electronic letter also records the
"registered" acknowledgement the sender sees; a paper letter is kept as a minimal record
(sender, numbers, subject) with the list of its scanned pages, which must already be uploaded to
the documents system: the colleagues it is referred to fetch them from there. A letter from a
person or a company also gets a tracking id (شناسه پیگیری), random and unique, which the sender
looks its status up by (:mod:`server.tracking`).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from app.protocol.citizen import validate_mobile, validate_postal_code
from app.protocol.jalali import format_datetime, jalali_year_of
from app.protocol.persian import InvalidIdentifier, validate_national_code, validate_national_id
from app.protocol.receipt import format_time
from app.protocol.tracking import new_tracking_id
from server.attachments import require_uploaded
from server.auth import Principal, Role
from server.context import ServerContext, as_utc
from server.errors import ApiError, not_found
from server.payam import acknowledgement
from server.rasad_events import record as record_event
from server.rasad_events import registration_id
from server.tables.letters import deliveries, incoming_counters, incoming_registrations

_NEXT = (update(incoming_counters)
         .where(incoming_counters.c.agency_id == bindparam("c_agency"), incoming_counters.c.year == bindparam("c_year"))
         .values(last_seq=incoming_counters.c.last_seq + 1).returning(incoming_counters.c.last_seq))
_EXISTING = select(incoming_registrations).where(incoming_registrations.c.agency_id == bindparam("agency_id"),
                                                 incoming_registrations.c.guid == bindparam("guid"))
SENDER_KINDS = ("agency", "person", "company")
CITIZEN_KINDS = ("person", "company")  # senders who get a tracking id
_TRACKING_TAKEN = select(incoming_registrations.c.id).where(incoming_registrations.c.tracking_id == bindparam("t"))


def incoming_number(year: int, seq: int) -> str:
    """How the number is written (ASCII; shown in Persian digits): year/sequence."""
    return f"{year}/{seq}"


def next_incoming(ctx: ServerContext, conn: Connection, agency_id: int, year: int) -> int:
    """The series' next number; the counter row stays locked until commit (created on first use)."""
    seq = conn.execute(_NEXT, {"c_agency": agency_id, "c_year": year}).scalar()
    if seq is None:
        conn.execute(ctx.db.insert_ignore(incoming_counters).values(agency_id=agency_id, year=year, last_seq=0))
        seq = conn.execute(_NEXT, {"c_agency": agency_id, "c_year": year}).scalar_one()
    return int(seq)


def _view(row: Any) -> dict[str, Any]:
    at = as_utc(row["registered_at"])
    view = {"guid": row["guid"], "channel": row["channel"], "incoming_number": row["number"], "year": row["year"],
            "seq": row["seq"], "registered_at": format_time(at),
            "registered_at_jalali": format_datetime(at, persian_digits=False)}
    if row.get("tracking_id"):
        view |= {"tracking_id": row["tracking_id"], "citizen_channel": row["citizen_channel"]}
    return view


def _new_tracking_id(conn: Connection) -> str:
    """A random id no letter has yet (a clash among 10¹¹ ids is rare; the unique index is the backstop)."""
    while True:
        tracking_id = new_tracking_id()
        if conn.execute(_TRACKING_TAKEN, {"t": tracking_id}).first() is None:
            return tracking_id


def _conflict() -> ApiError:
    return ApiError(409, "incoming_guid_conflict", "نامه‌ای دیگر با همین شناسه پیش‌تر ثبت وارده شده است.",
                    "Another incoming letter with this GUID is already registered.", "guid")


def _register(ctx: ServerContext, conn: Connection, principal: Principal, guid: str, channel: str,
              record: dict[str, Any]) -> dict[str, Any]:
    """Number the letter (or answer the number it already has)."""
    prev = conn.execute(_EXISTING, {"agency_id": principal.agency_id, "guid": guid}).mappings().first()
    if prev is not None:
        if prev["channel"] != channel or (channel == "paper" and (
                prev["subject"] != record["subject"] or _scans(prev) != record["scans"])):
            raise _conflict()
        return _view(prev)
    now = ctx.clock().astimezone(dt.UTC).replace(microsecond=0)
    year = jalali_year_of(now)
    seq = next_incoming(ctx, conn, principal.agency_id, year)
    row = {"agency_id": principal.agency_id, "guid": guid, "channel": channel, "year": year, "seq": seq,
           "number": incoming_number(year, seq), "registered_at": now, "registered_by": principal.user_id,
           "sender_kind": None, "sender_id": None, "sender_name": "", "sender_number": "", "sender_date": None,
           "subject": "", **{k: v for k, v in record.items() if k != "scans"}}
    if row["sender_kind"] in CITIZEN_KINDS:
        row["tracking_id"] = _new_tracking_id(conn)
    scans = record.get("scans")
    conn.execute(insert(incoming_registrations).values(**row, scans=json.dumps(scans, ensure_ascii=False) if scans
                                                       else None))
    record_event(ctx, conn, agency_id=principal.agency_id, event_id=registration_id(principal.agency_id, guid),
                 kind="registered", letter_guid=guid, user_id=principal.user_id, at=now,
                 detail={"channel": channel, "incoming_number": row["number"], "sender_name": row["sender_name"],
                         "subject": row["subject"]})
    return _view(row)


def _scans(row: Any) -> list[dict[str, Any]]:
    """A paper registration's scans (none for a row registered before they were kept)."""
    return json.loads(row["scans"]) if row["scans"] else []


def paper_record(conn: Connection, agency_id: int, guid: str) -> dict[str, Any] | None:
    """A paper letter the agency registered, as its users' cartables carry it: the record and its
    scans (each user of the agency may download them)."""
    row = conn.execute(_EXISTING, {"agency_id": agency_id, "guid": guid}).mappings().first()
    if row is None or row["channel"] != "paper":
        return None
    sender = {"kind": row["sender_kind"], "id": row["sender_id"], "name": row["sender_name"]}
    if row["tracking_id"]:
        sender |= {"mobile": row["sender_mobile"] or "", "postal_code": row["sender_postal_code"] or "",
                   "address": row["sender_address"] or ""}
    return {**_view(row), "sender": sender,
            "sender_number": row["sender_number"], "sender_date": row["sender_date"], "subject": row["subject"],
            "summary": row["summary"] or "", "scans": _scans(row)}


def registration_view(conn: Connection, agency_id: int, guid: str) -> dict[str, Any] | None:
    """The agency's incoming number of a letter (any channel), if a desk registered it: the
    colleagues it is referred to show the same number."""
    row = conn.execute(_EXISTING, {"agency_id": agency_id, "guid": guid}).mappings().first()
    return None if row is None else _view(row)


def register_electronic(ctx: ServerContext, conn: Connection, principal: Principal, guid: str) -> dict[str, Any]:
    """Number a letter delivered to the agency and tell its sender (the "registered" acknowledgement)."""
    principal.require(Role.SECRETARY)
    delivered = conn.execute(select(deliveries.c.id).where(
        deliveries.c.letter_guid == guid, deliveries.c.recipient_agency_id == principal.agency_id)).first()
    if delivered is None:
        raise not_found("guid")
    view = _register(ctx, conn, principal, guid, "electronic", {})
    acknowledgement(ctx, conn, principal, guid, "registered", view["incoming_number"])
    return view


def check_sender(kind: str, sender_id: str) -> str:
    """The paper letter's sender id, validated for its kind (422 with the Persian reason)."""
    try:
        if kind == "person":
            return validate_national_code(sender_id)
        return validate_national_id(sender_id)
    except InvalidIdentifier as exc:
        raise ApiError(422, "invalid_sender_id", exc.message_fa, str(exc), "sender.id") from exc


def citizen_fields(ctx: ServerContext, kind: str, channel: str | None, mobile: str, postal_code: str,
                   address: str) -> dict[str, Any]:
    """A person's or company's letter: its channel (one this server lists) and the sender's contact
    details, checked (422 with the Persian reason); nothing for an agency's letter."""
    if kind not in CITIZEN_KINDS:
        return {}
    if channel is not None and channel not in ctx.settings.channels:
        raise ApiError(422, "unknown_channel", "مجرای دریافت نامه در فهرست مجراهای این کارگزار نیست.",
                       f"channel {channel!r} is not one of this server's citizen channels", "channel")
    try:
        mobile, postal_code = validate_mobile(mobile), validate_postal_code(postal_code)
    except InvalidIdentifier as exc:
        field = "sender.mobile" if "mobile" in str(exc) else "sender.postal_code"
        raise ApiError(422, "invalid_sender_contact", exc.message_fa, str(exc), field) from exc
    return {"citizen_channel": channel, "sender_mobile": mobile or None, "sender_postal_code": postal_code or None,
            "sender_address": address.strip() or None}


def register_paper(ctx: ServerContext, conn: Connection, principal: Principal, guid: str,
                   record: dict[str, Any]) -> dict[str, Any]:
    """Number a letter that came by post or by hand; ``record`` holds its sender, numbers, subject and
    scans (409 ``attachment_missing`` for a scan the agency has not completely uploaded)."""
    principal.require(Role.SECRETARY)
    for i, scan in enumerate(record["scans"]):
        require_uploaded(conn, principal.agency_id, scan, f"scans[{i}]")
    return _register(ctx, conn, principal, guid, "paper", record)
