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

import hashlib
from typing import Any

import orjson
from fastapi.responses import Response
from sqlalchemy import Connection, insert, select

from app.protocol.package import LetterPackage
from app.protocol.receipt import InvalidReceipt, format_time, receipt_matches, verify_receipt
from app.protocol.shams import InvalidShams, Shams
from app.protocol.trust import TrustStore
from server.auth import Caller, Principal, Role
from server.context import ServerContext, as_utc
from server.db import RawConn, WriteSteps
from server.errors import ApiError, not_found
from server.idempotency import json_bytes, lookup, stored_response
from server.idempotency import store as store_idempotent
from server.models import acks, agencies, deliveries, letters
from server.shams import _letter_row, check_internal_recipients, registration_view, stored_package
from server.signatures import SignatureChecker


def _fail(status: int, code: str, fa: str, en: str, field: str | None) -> ApiError:
    return ApiError(status, code, fa, en, field)


_AGENCY_ID = "SELECT id FROM agencies WHERE national_id = ? AND active = ?"
_UNIT_ID = "SELECT id FROM units WHERE agency_id = ? AND code = ?"
_USER_ID = "SELECT id FROM users WHERE agency_id = ? AND username = ?"
_DELIVERED = "SELECT cursor FROM deliveries WHERE letter_guid = ? AND recipient_agency_id = ?"
_DELIVERY_INSERT = ("INSERT INTO deliveries (cursor, letter_guid, sender_agency_id, recipient_agency_id, channel,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?)")
_MARK_SENT = "UPDATE letters SET sent_at = ? WHERE guid = ? AND sent_at IS NULL"


def _check_registered(ctx: ServerContext, conn: Connection, principal: Principal, package: LetterPackage,
                      content_sha: str) -> Any:
    content = package.content
    if content["sender"]["agency"] != principal.agency_national_id:
        raise _fail(403, "foreign_sender", "فرستنده نامه سازمان شما نیست؛ ارسال این نامه مجاز نیست.",
                    "The letter's sender agency is not your agency.", "content.sender.agency")
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
    row = _letter_row(ctx, conn, package.guid)
    if (row is None or row["agency_id"] != principal.agency_id or row["shams"] != receipt["payload"]["shams"]
            or row["content_sha256"] != content_sha):
        raise _fail(422, "shams_mismatch", "شناسه ملی سند (شمس) با ثبت این نامه در کارگزار مطابقت ندارد.",
                    "The SHAMS in the receipt does not match the server's registration of this letter.",
                    "receipts")
    return row


def _check_signatures(checker: SignatureChecker, content_bytes: bytes, package: LetterPackage,
                      stores: list[TrustStore]) -> None:
    """The signatures against each recipient agency's trust (checked outside any transaction)."""
    for store in stores:
        check = checker.check(content_bytes, package.signatures, store)
        if not check.valid:
            raise _fail(422, "invalid_signature",
                        "امضای الکترونیکی نامه معتبر نیست: " + "؛ ".join(check.reasons_fa or ["نامشخص"]) + ".",
                        "The letter's signature is not valid for the recipient: "
                        + "; ".join(check.reasons_en or ["unknown"]), "signatures")


def _deliver_in(ctx: ServerContext, conn: RawConn, guid: str, sender_agency_id: int,
                recipients: list[tuple[int, str]], channel: str) -> list[dict[str, Any]]:
    """One inbox row per (letter, recipient agency); resending is a no-op."""
    db = ctx.db
    now = db.dt_param(ctx.clock())
    for rid, _nid in recipients:
        if conn.exec_driver_sql(db.sql(_DELIVERED), (guid, rid)).first() is None:
            conn.queue(db.sql(_DELIVERY_INSERT), (db.next_value(conn, "inbox"), guid, sender_agency_id, rid, channel, now))
    conn.queue(db.sql(_MARK_SENT), (now, guid))
    return [{"agency": nid, "status": "queued"} for _rid, nid in recipients]


def _send(ctx: ServerContext, checker: SignatureChecker, principal: Principal, package: LetterPackage,
          key: str, digest: str, internal: bool) -> WriteSteps[Response]:
    """Send = checks in one read transaction, signature checks outside any transaction, then one
    short group-committed write: inbox rows, ``sent_at`` and the idempotency record together."""
    principal.require(Role.SECRETARY)
    content = package.content
    if internal and content["kind"] != "internal":
        raise _fail(422, "not_internal", "نامه صادره فقط از راه پیام ارسال می‌شود.",
                    "Outgoing letters go through Payam; use /payam/messages.", "content.kind")
    if not internal and content["kind"] != "outgoing":
        raise _fail(422, "not_outgoing", "نامه داخلی از راه پیام ارسال نمی‌شود؛ از ارسال داخلی استفاده کنید.",
                    "Internal letters are not sent through Payam; use /internal/messages.", "content.kind")
    content_bytes = package.content_bytes()
    content_sha = hashlib.sha256(content_bytes).hexdigest()
    db = ctx.db
    recipients: list[tuple[int, str]] = []  # (agency id, national id)
    with db.raw_read() as conn:
        replay = lookup(db, conn, principal.user_id, key, digest)
        if replay is not None:
            return replay
        row = _check_registered(ctx, conn, principal, package, content_sha)
        if internal:
            check_internal_recipients(content, principal)
            for i, r in enumerate(content["recipients"]):
                if r["unit"] and conn.exec_driver_sql(db.sql(_UNIT_ID), (principal.agency_id, r["unit"])).first() is None:
                    raise _fail(422, "unknown_recipient", "واحد گیرنده در این سازمان وجود ندارد.",
                                "No such unit in this agency.", f"content.recipients[{i}].unit")
                if r["person"] and conn.exec_driver_sql(db.sql(_USER_ID),
                                                        (principal.agency_id, r["person"])).first() is None:
                    raise _fail(422, "unknown_recipient", "کارمند گیرنده در این سازمان وجود ندارد.",
                                "No such person in this agency.", f"content.recipients[{i}].person")
            recipients = [(principal.agency_id, principal.agency_national_id)]
        else:
            for i, r in enumerate(content["recipients"]):
                found = conn.exec_driver_sql(db.sql(_AGENCY_ID), (r["agency"], True)).first()
                if found is None:
                    raise _fail(422, "unknown_recipient", "سازمان گیرنده در شبکه پیام شناخته نیست.",
                                "The recipient agency is not known to the exchange.", f"content.recipients[{i}].agency")
                if found[0] == principal.agency_id:
                    raise _fail(422, "recipient_is_sender",
                                "نامه صادره به سازمان خود فرستنده ارسال نمی‌شود؛ برای آن نامه داخلی بنویسید.",
                                "An outgoing letter cannot be addressed to the sender's own agency.",
                                f"content.recipients[{i}].agency")
                if all(found[0] != rid for rid, _ in recipients):
                    recipients.append((found[0], r["agency"]))
        stores = [checker.store_for(conn, [rid]) for rid, _ in recipients]
    _check_signatures(checker, content_bytes, package, stores)
    channel = "internal" if internal else "payam"

    def write(conn: RawConn) -> Response:
        sent = _deliver_in(ctx, conn, package.guid, principal.agency_id, recipients, channel)
        data = json_bytes({"guid": package.guid, "shams": row["shams"], "status": "sent", "recipients": sent})
        store_idempotent(ctx, conn, principal.user_id, key, digest, 200, data)
        return stored_response(200, data, replayed=False)

    for _attempt in range(3):
        try:
            return (yield write)
        except db.retryable_errors:
            # A concurrent twin committed first (its inbox row or idempotency record hit a unique
            # key and this job rolled back): answer as a replay would (or 409), else go again —
            # the inbox rows the twin made are then found and left alone.
            with db.raw_read() as conn:
                replay = lookup(db, conn, principal.user_id, key, digest)
            if replay is not None:
                return replay
    raise _fail(503, "busy", "کارگزار موقتاً پاسخ‌گو نیست؛ لطفاً دوباره تلاش کنید.", "Try again.", None)


def send_outgoing(ctx: ServerContext, checker: SignatureChecker, caller: Caller, package: LetterPackage,
                  key: str, digest: str) -> WriteSteps[Response]:
    return _send(ctx, checker, caller.principal, package, key, digest, internal=False)


def send_internal(ctx: ServerContext, checker: SignatureChecker, caller: Caller, package: LetterPackage,
                  key: str, digest: str) -> WriteSteps[Response]:
    return _send(ctx, checker, caller.principal, package, key, digest, internal=True)


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


def acknowledge(ctx: ServerContext, principal: Principal, guid: str, status: str,
                incoming_number: str | None) -> dict[str, Any]:
    principal.require(Role.SECRETARY)
    if status == "registered" and not incoming_number:
        raise _fail(422, "incoming_number_required", "برای اعلام ثبت، شماره وارده سازمان گیرنده لازم است.",
                    "A 'registered' acknowledgement needs the recipient's incoming number.", "incoming_number")
    with ctx.db.write() as conn:
        d = conn.execute(select(deliveries.c.sender_agency_id).where(
            deliveries.c.letter_guid == guid, deliveries.c.recipient_agency_id == principal.agency_id)).first()
        if d is None:
            raise not_found("guid")
        prev = conn.execute(select(acks).where(acks.c.letter_guid == guid,
                                               acks.c.recipient_agency_id == principal.agency_id,
                                               acks.c.status == status)).mappings().first()
        if prev is not None:
            if (prev["incoming_number"] or None) != (incoming_number if status == "registered" else None):
                raise _fail(409, "ack_conflict", "این نامه پیش‌تر با شماره وارده دیگری ثبت شده است.",
                            "This letter was already acknowledged with another incoming number.", "incoming_number")
            return _ack_view(prev, principal.agency_national_id)
        values = {"cursor": ctx.db.next_value(conn, "acks"), "letter_guid": guid, "sender_agency_id": d[0],
                  "recipient_agency_id": principal.agency_id, "status": status,
                  "incoming_number": incoming_number if status == "registered" else None, "at": ctx.clock()}
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
        view = registration_view(row, ctx)
        view["package"] = stored_package(row)
        if own:
            nid = _agency_map(conn)
            view["sent_at"] = format_time(as_utc(row["sent_at"])) if row["sent_at"] else None
            view["deliveries"] = [{"agency": nid[d["recipient_agency_id"]], "channel": d["channel"]}
                                  for d in conn.execute(select(deliveries).where(deliveries.c.letter_guid == guid)).mappings()]
            view["acks"] = [_ack_view(a, nid[a["recipient_agency_id"]])
                            for a in conn.execute(select(acks).where(acks.c.letter_guid == guid).order_by(acks.c.cursor)).mappings()]
    return view


def public_verify(ctx: ServerContext, text: str) -> dict[str, Any]:
    try:
        shams = Shams.parse(text)
    except (InvalidShams, ValueError) as exc:
        raise _fail(422, "invalid_shams", "شناسه ملی سند (شمس) نادرست وارد شده است.",
                    "Not a SHAMS of the form ORIGIN-DOMAIN-YEAR-SEQUENCE.", "shams") from exc
    with ctx.db.read() as conn:
        row = conn.execute(select(letters.c.guid, letters.c.shams, letters.c.registered_at, letters.c.content_sha256,
                                  letters.c.signer_national_codes, letters.c.receipt, agencies.c.name,
                                  agencies.c.national_id)
                           .join(agencies, agencies.c.id == letters.c.agency_id)
                           .where(letters.c.shams == shams.canonical)).mappings().first()
    if row is None:
        return {"exists": False, "shams": shams.canonical}
    return {
        "exists": True, "shams": row["shams"], "shams_display": shams.display, "guid": row["guid"],
        "agency": row["national_id"], "agency_name": row["name"],
        "registered_at": format_time(as_utc(row["registered_at"])), "content_sha256": row["content_sha256"],
        "signer_national_codes": [c for c in row["signer_national_codes"].split(",") if c],
        "receipt": orjson.loads(row["receipt"]),
    }
