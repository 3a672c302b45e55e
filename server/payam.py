"""Letter exchange: Payam between agencies, internal delivery inside an agency, inboxes and acks.

Send = POST the registered package *with its receipt*. The server re-checks everything a
recipient would: sender agency, receipt signature and binding (GUID, content hash, SHAMS)
against its own registry, the signatures against the trust roots of each recipient agency
(server-wide roots ∪ that agency's uploads), and that the recipients exist. Accepted letters
land in each recipient agency's inbox (one row per letter and agency, pulled by cursor,
at-least-once, idempotent by GUID). Internal letters never touch Payam: they are delivered to
the sender's own agency on the ``internal`` channel.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, NamedTuple

from fastapi.responses import Response
from sqlalchemy import Connection, bindparam, insert, select, update
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State

from app.protocol.package import LetterPackage
from app.protocol.receipt import InvalidReceipt, format_time, receipt_matches, verify_receipt
from app.protocol.trust import TrustStore
from server.attachments import check_attachments, grant
from server.auth import Principal, Role
from server.context import ServerContext, as_utc
from server.db import next_value
from server.errors import ApiError, not_found
from server.idempotency import lookup, write_idempotent
from server.shams import (
    check_internal_recipients,
    check_sender,
    invalid_signature,
    letter_row,
    parse_package,
    registration_view,
    stored_package,
    unsigned,
)
from server.signatures import SignatureChecker
from server.tables.accounts import agencies
from server.tables.letters import acks, deliveries, letters

# Statements of a send, built once: SQLAlchemy then reuses their compiled form and cache key.
_ACTIVE_AGENCY = select(agencies.c.id).where(agencies.c.national_id == bindparam("nid"), agencies.c.active.is_(True))
_DELIVERED = select(deliveries.c.id).where(deliveries.c.letter_guid == bindparam("guid"),
                                           deliveries.c.recipient_agency_id == bindparam("rid"))
_DELIVER = insert(deliveries)
_MARK_SENT = (update(letters).where(letters.c.guid == bindparam("l_guid"), letters.c.sent_at.is_(None))
              .values(sent_at=bindparam("l_sent_at")))


def _fail(status: int, code: str, fa: str, en: str, field: str | None) -> ApiError:
    return ApiError(status, code, fa, en, field)


def _check_registered(ctx: ServerContext, conn: Connection, principal: Principal, package: LetterPackage,
                      content_sha: str) -> Any:
    """The package carries this server's receipt for exactly this content, registered by this agency."""
    if not package.receipts:
        raise _fail(422, "missing_receipt", "رسید ثبت نامه پیوست نیست؛ نخست نامه را ثبت کنید.",
                    "The package carries no registration receipt; register the letter first.", "receipts")
    receipt = package.receipts[-1]
    try:
        verify_receipt(receipt, ctx.receipt_cert)
    except InvalidReceipt as exc:
        raise _fail(422, "invalid_receipt", exc.message_fa, f"Receipt check failed: {exc}", "receipts") from exc
    if not receipt_matches(receipt, guid=package.guid, content_sha256=content_sha):
        raise _fail(422, "receipt_mismatch", "رسید ثبت با متن این نامه مطابقت ندارد.",
                    "The receipt does not belong to this letter content.", "receipts")
    row = letter_row(conn, package.guid)
    if (row is None or row["agency_id"] != principal.agency_id or row["shams"] != receipt["payload"]["shams"]
            or row["content_sha256"] != content_sha):
        raise _fail(422, "shams_mismatch", "شناسه ملی سند (شمس) با ثبت این نامه در کارگزار مطابقت ندارد.",
                    "The SHAMS in the receipt does not match the server's registration of this letter.",
                    "receipts")
    return row


def _internal_recipients(conn: Connection, principal: Principal, content: dict[str, Any]) -> list[tuple[int, str]]:
    """The sender's own agency, once every unit and person named exists in it."""
    check_internal_recipients(content, principal, conn)
    return [(principal.agency_id, principal.agency_national_id)]


def _payam_recipients(conn: Connection, principal: Principal, content: dict[str, Any]) -> list[tuple[int, str]]:
    """Each recipient agency once: (id, national id); all must be active and other than the sender."""
    recipients: list[tuple[int, str]] = []
    for i, r in enumerate(content["recipients"]):
        found = conn.execute(_ACTIVE_AGENCY, {"nid": r["agency"]}).scalar()
        if found is None:
            raise _fail(422, "unknown_recipient", "سازمان گیرنده در شبکه پیام شناخته نیست.",
                        "The recipient agency is not known to the exchange.", f"content.recipients[{i}].agency")
        if found == principal.agency_id:
            raise _fail(422, "recipient_is_sender",
                        "نامه صادره به سازمان خود فرستنده ارسال نمی‌شود؛ برای آن نامه داخلی بنویسید.",
                        "An outgoing letter cannot be addressed to the sender's own agency.",
                        f"content.recipients[{i}].agency")
        if all(found != rid for rid, _ in recipients):
            recipients.append((found, r["agency"]))
    return recipients


def _deliver(ctx: ServerContext, conn: Connection, guid: str, sender_agency_id: int,
             recipients: list[tuple[int, str]], channel: str) -> None:
    """One inbox row per (letter, recipient agency); sending again adds none."""
    now = ctx.clock()
    for rid, _nid in recipients:
        if conn.execute(_DELIVERED, {"guid": guid, "rid": rid}).first() is None:
            conn.execute(_DELIVER, {"cursor": next_value(ctx.db, conn, "inbox"), "letter_guid": guid,
                                    "sender_agency_id": sender_agency_id, "recipient_agency_id": rid,
                                    "channel": channel, "created_at": now})
    conn.execute(_MARK_SENT, {"l_guid": guid, "l_sent_at": now})


class _Checked(NamedTuple):
    """A send after its checks: the letter as registered, its attachments and the recipient agencies."""

    package: LetterPackage
    row: Any
    shas: list[str]
    recipients: list[tuple[int, str]]


def check_send(ctx: ServerContext, checker: SignatureChecker, principal: Principal, raw: bytes, state: State,
               key: str, digest: str, internal: bool) -> _Checked | Response:
    """Parse, the checks in one read and the signatures against each recipient agency's trust, in
    one go off the event loop (as a registration's); a replay of ``key`` gets its first answer."""
    package = parse_package(ctx, raw)
    state.guid = package.guid  # for the audit log of a refusal
    content = package.content
    principal.require(Role.SECRETARY)
    if internal and content["kind"] != "internal":
        raise _fail(422, "not_internal", "نامه صادره فقط از راه پیام ارسال می‌شود.",
                    "Outgoing letters go through Payam; use /payam/messages.", "content.kind")
    if not internal and content["kind"] != "outgoing":
        raise _fail(422, "not_outgoing", "نامه داخلی از راه پیام ارسال نمی‌شود؛ از ارسال داخلی استفاده کنید.",
                    "Internal letters are not sent through Payam; use /internal/messages.", "content.kind")
    check_sender(principal, content, "ارسال")
    if not package.signatures:
        raise unsigned("ارسال")
    content_bytes = package.content_bytes()
    content_sha = hashlib.sha256(content_bytes).hexdigest()
    with ctx.db.read() as conn:
        replay = lookup(conn, principal.user_id, key, digest)
        if replay is not None:
            return replay
        row = _check_registered(ctx, conn, principal, package, content_sha)
        shas = check_attachments(conn, principal.agency_id, content)
        pick = _internal_recipients if internal else _payam_recipients
        recipients = pick(conn, principal, content)
        stores = [checker.store_for(conn, rid) for rid, _ in recipients]
    registered_at = as_utc(row["registered_at"])  # validity then; revocation now
    _check_for_recipients(checker, package, content_bytes, stores, registered_at)
    return _Checked(package, row, shas, recipients)


async def send(ctx: ServerContext, checker: SignatureChecker, principal: Principal, raw: bytes, state: State,
               key: str, digest: str, *, internal: bool) -> Response:
    """The checks (:func:`check_send`) outside any transaction, then one write: inbox rows,
    ``sent_at`` and the idempotency record together."""
    checked = await run_in_threadpool(check_send, ctx, checker, principal, raw, state, key, digest, internal)
    if isinstance(checked, Response):
        return checked
    package, row, shas, recipients = checked
    channel = "internal" if internal else "payam"

    def deliver(conn: Connection) -> dict[str, Any]:
        _deliver(ctx, conn, package.guid, principal.agency_id, recipients, channel)
        grant(ctx, conn, shas, [rid for rid, _nid in recipients], package.guid)
        return {"guid": package.guid, "shams": row["shams"], "status": "sent",
                "recipients": [{"agency": nid, "status": "queued"} for _rid, nid in recipients]}
    return await write_idempotent(ctx, principal, key, digest, 200, deliver)


def _check_for_recipients(checker: SignatureChecker, package: LetterPackage, content_bytes: bytes,
                          stores: list[TrustStore], registered_at: dt.datetime) -> None:
    """Each recipient agency's trust must accept the signatures (CPU work: run in a worker thread)."""
    for trust in stores:
        check = checker.check(content_bytes, package.signatures, trust, trusted_time=registered_at)
        if not check.valid:
            raise invalid_signature(check.reasons_fa, check.reasons_en, " for the recipient", check.code)


def _agency_map(conn: Connection) -> dict[int, str]:
    return dict(conn.execute(select(agencies.c.id, agencies.c.national_id)).all())


def inbox(ctx: ServerContext, principal: Principal, after: int, limit: int) -> dict[str, Any]:
    principal.require(Role.SECRETARY)
    with ctx.db.read() as conn:
        rows = conn.execute(
            select(deliveries.c.cursor, deliveries.c.channel, deliveries.c.sender_agency_id, deliveries.c.created_at,
                   letters.c.guid, letters.c.shams, letters.c.registered_at, letters.c.content_sha256,
                   letters.c.package, letters.c.receipt)
            .join(letters, letters.c.guid == deliveries.c.letter_guid)
            .where(deliveries.c.recipient_agency_id == principal.agency_id, deliveries.c.cursor > after)
            .order_by(deliveries.c.cursor).limit(limit)
        ).mappings().all()
        nid = _agency_map(conn)
    items = [{
        "cursor": r["cursor"], "channel": r["channel"], "guid": r["guid"], "shams": r["shams"],
        "from_agency": nid[r["sender_agency_id"]], "registered_at": format_time(as_utc(r["registered_at"])),
        "queued_at": format_time(as_utc(r["created_at"])), "content_sha256": r["content_sha256"],
        "package": stored_package(r),
    } for r in rows]
    return {"items": items, "cursor": items[-1]["cursor"] if items else after, "more": len(items) == limit}


def acknowledgement(ctx: ServerContext, conn: Connection, principal: Principal, guid: str, status: str,
                    incoming_number: str | None) -> dict[str, Any]:
    """Record that the recipient agency received (or registered) a letter; the same again is a no-op."""
    if status == "registered" and not incoming_number:
        raise _fail(422, "incoming_number_required", "برای اعلام ثبت، شماره وارده سازمان گیرنده لازم است.",
                    "A 'registered' acknowledgement needs the recipient's incoming number.", "incoming_number")
    number = incoming_number if status == "registered" else None
    sender = conn.execute(select(deliveries.c.sender_agency_id).where(
        deliveries.c.letter_guid == guid, deliveries.c.recipient_agency_id == principal.agency_id)).scalar()
    if sender is None:
        raise not_found("guid")
    prev = conn.execute(select(acks).where(acks.c.letter_guid == guid, acks.c.recipient_agency_id == principal.agency_id,
                                           acks.c.status == status)).mappings().first()
    if prev is not None:
        if (prev["incoming_number"] or None) != number:
            raise _fail(409, "ack_conflict", "این نامه پیش‌تر با شماره وارده دیگری ثبت شده است.",
                        "This letter was already acknowledged with another incoming number.", "incoming_number")
        return _ack_view(prev, principal.agency_national_id)
    values = {"cursor": next_value(ctx.db, conn, "acks"), "letter_guid": guid, "sender_agency_id": sender,
              "recipient_agency_id": principal.agency_id, "status": status, "incoming_number": number,
              "at": ctx.clock()}
    conn.execute(insert(acks).values(**values))
    return _ack_view(values, principal.agency_national_id)


def _ack_view(row: Any, recipient_nid: str) -> dict[str, Any]:
    return {"cursor": row["cursor"], "guid": row["letter_guid"], "recipient_agency": recipient_nid,
            "status": row["status"], "incoming_number": row["incoming_number"], "at": format_time(as_utc(row["at"]))}


def acks_feed(ctx: ServerContext, principal: Principal, after: int, limit: int, guid: str | None = None) -> dict[str, Any]:
    principal.require(Role.SECRETARY, Role.SIGNATORY, Role.STAFF, Role.AGENCY_ADMIN)
    q = select(acks).where(acks.c.sender_agency_id == principal.agency_id, acks.c.cursor > after)
    if guid:
        q = q.where(acks.c.letter_guid == guid)
    with ctx.db.read() as conn:
        rows = conn.execute(q.order_by(acks.c.cursor).limit(limit)).mappings().all()
        nid = _agency_map(conn)
    items = [_ack_view(r, nid[r["recipient_agency_id"]]) for r in rows]
    return {"items": items, "cursor": items[-1]["cursor"] if items else after, "more": len(items) == limit}


def letter_view(ctx: ServerContext, principal: Principal, guid: str) -> dict[str, Any]:
    """Own letters and letters delivered to the agency; anything else is 'not found' (no existence leak)."""
    with ctx.db.read() as conn:
        row = conn.execute(select(letters).where(letters.c.guid == guid)).mappings().first()
        if row is None:
            raise not_found("guid")
        own = row["agency_id"] == principal.agency_id
        if not own and conn.execute(select(deliveries.c.id).where(
                deliveries.c.letter_guid == guid, deliveries.c.recipient_agency_id == principal.agency_id)).first() is None:
            raise not_found("guid")
        view = registration_view(ctx, row, own=own)
        view["package"] = stored_package(row)
        if own:
            nid = _agency_map(conn)
            view["sent_at"] = format_time(as_utc(row["sent_at"])) if row["sent_at"] else None
            view["deliveries"] = [{"agency": nid[d["recipient_agency_id"]], "channel": d["channel"]}
                                  for d in conn.execute(select(deliveries).where(deliveries.c.letter_guid == guid)).mappings()]
            view["acks"] = [_ack_view(a, nid[a["recipient_agency_id"]])
                            for a in conn.execute(select(acks).where(acks.c.letter_guid == guid).order_by(acks.c.cursor)).mappings()]
    return view

