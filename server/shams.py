"""SHAMS allocation at registration (DOMAIN.md section 4).

One transaction per registration: lock the (origin, domain, year) counter row, take the next
sequence, insert the letter row with its signed receipt, commit. A rollback (for example a
concurrent retry of the same GUID losing the race on the primary key) also rolls back the
counter, so sequences stay gap-free; the unique constraints on ``letters`` are the backstop.
Idempotent per letter GUID: a retry gets the stored SHAMS and the very same receipt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache, partial
from typing import Any

import orjson
from fastapi.responses import Response
from sqlalchemy import Connection

from app.protocol.jalali import format_datetime, jalali_year_of
from app.protocol.package import LetterPackage
from app.protocol.receipt import format_time
from app.protocol.shams import Domain, Shams
from server.auth import Caller, Principal, Role
from server.context import ServerContext, as_utc
from server.db import Numbered, RawConn, WriteSteps
from server.errors import ApiError
from server.idempotency import json_bytes, replay_of, stored_response
from server.idempotency import store as store_idempotent
from server.signatures import SignatureChecker


def domain_for(kind: str) -> Domain:
    return Domain.INTERNAL if kind == "internal" else Domain.OUTGOING


_COUNTER_UPDATE = ("UPDATE shams_counters SET last_seq = last_seq + ?"
                   " WHERE origin = ? AND domain = ? AND year = ? RETURNING last_seq")
_COUNTER_CREATE = ("INSERT INTO shams_counters (origin, domain, year, last_seq) VALUES (?, ?, ?, 0)"
                   " ON CONFLICT DO NOTHING")
_LETTER_SQL = ("SELECT guid, agency_id, shams, content_sha256, registered_at, receipt FROM letters"
               " WHERE guid = ?")
_LETTER_INSERT = ("INSERT INTO letters (guid, agency_id, origin, domain, year, seq, shams, kind, content_sha256,"
                  " registered_at, registered_by, signer_national_codes, receipt, package)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_LETTER_COLUMNS = ("guid", "agency_id", "shams", "content_sha256", "registered_at", "receipt")
# What a registration checks, read with the token check (server.auth.Caller.read_steps): the
# Idempotency-Key record, the letter if already registered, the agency's uploaded trust roots and
# its signatories' certificates (by SHA-256).
_FACTS_COLUMNS = (
    "i.request_hash, i.status_code, i.body, l.guid, l.agency_id, l.shams, l.content_sha256, l.registered_at,"
    " l.receipt, (SELECT {agg} FROM trust_roots WHERE agency_id = u.agency_id),"
    " (SELECT {agg} FROM certificates WHERE agency_id = u.agency_id)"
)
_FACTS_JOINS = " LEFT JOIN idempotency_keys i ON i.user_id = u.id AND i.key = ? LEFT JOIN letters l ON l.guid = ?"


def _csv(value: str | None) -> list[str]:
    return value.split(",") if value else []


def take_sequences(ctx: ServerContext, conn: Connection | RawConn, key: Any, n: int) -> int:
    """Take ``n`` numbers of the (origin, domain value, year) counter ``key`` and return the last
    (a group's registrations take theirs together, see :class:`server.db.Numbered`).
    ``UPDATE … RETURNING`` takes the counter row's write lock until commit (PostgreSQL) inside the
    ``BEGIN IMMEDIATE`` write (SQLite); the row is created on first use of an (origin, domain, year)."""
    row = conn.exec_driver_sql(*take_statement(ctx, key, n)).first()
    if row is None:
        conn.exec_driver_sql(ctx.db.sql(_COUNTER_CREATE), key)
        row = conn.exec_driver_sql(*take_statement(ctx, key, n)).first()
    return int(row[0])  # type: ignore[index]


def take_statement(ctx: ServerContext, key: Any, n: int) -> tuple[str, tuple[Any, ...]]:
    """``UPDATE … RETURNING`` that takes ``n`` numbers of an existing counter (no row if none)."""
    return ctx.db.sql(_COUNTER_UPDATE), (n, *key)


def _letter_row(ctx: ServerContext, conn: Connection | RawConn, guid: str) -> dict[str, Any] | None:
    row = conn.exec_driver_sql(ctx.db.sql(_LETTER_SQL), (guid,)).first()
    return None if row is None else _letter_view(ctx, row)


def _letter_view(ctx: ServerContext, row: Any) -> dict[str, Any]:
    out = dict(zip(_LETTER_COLUMNS, row, strict=True))
    out["registered_at"] = ctx.db.dt_value(out["registered_at"])
    return out


def registration_view(row: Any, ctx: ServerContext, shams: Shams | None = None) -> dict[str, Any]:
    shams = shams or Shams.parse(row["shams"])
    registered_at = as_utc(row["registered_at"])
    return {
        "guid": row["guid"],
        "shams": shams.canonical,
        "shams_display": shams.display,
        "registered_at": format_time(registered_at),
        "registered_at_jalali": _jalali_text(registered_at),
        "content_sha256": row["content_sha256"],
        "receipt": row["receipt"] if isinstance(row["receipt"], dict) else orjson.loads(row["receipt"]),
        "verify_url": f"{ctx.settings.public_url.rstrip('/')}/api/v1/verify/{shams.canonical}",
    }


# Registration times have whole seconds and hundreds of letters share one: convert each once.
_jalali_text = lru_cache(maxsize=256)(partial(format_datetime, persian_digits=False))
_jalali_year = lru_cache(maxsize=256)(jalali_year_of)


def stored_package(row: Any) -> dict[str, Any]:
    """The letter package as registered: the stored content and signatures, with the receipt
    (kept in its own column, so the write that allocates the SHAMS serializes only the receipt)."""
    package = orjson.loads(row["package"])
    package["receipts"] = [orjson.loads(row["receipt"])]
    return package


def _check_sender(principal: Principal, content: dict[str, Any]) -> None:
    principal.require(Role.SECRETARY)
    if content["sender"]["agency"] != principal.agency_national_id:
        raise ApiError(403, "foreign_sender", "فرستنده نامه سازمان شما نیست؛ ثبت این نامه مجاز نیست.",
                       "The letter's sender agency is not your agency.", "content.sender.agency")
    if content["kind"] == "internal":
        check_internal_recipients(content, principal)


def _same_letter(row: Any, principal: Principal, content_sha: str) -> bool:
    if row["agency_id"] != principal.agency_id or row["content_sha256"] != content_sha:
        raise ApiError(409, "guid_conflict",
                       "نامه‌ای دیگر با همین شناسه پیش‌تر ثبت شده است؛ متن نامه پس از ثبت قابل تغییر نیست.",
                       "Another letter with this GUID is already registered; registered content cannot change.",
                       "content.guid")
    return True


def register(ctx: ServerContext, checker: SignatureChecker, caller: Caller, package: LetterPackage,
             key: str, digest: str) -> WriteSteps[Response]:
    """Register a letter: checks in one read and signature verification outside any
    transaction, then one short group-committed write that allocates the SHAMS and stores the
    letter, its receipt and the idempotency record together (all or nothing).

    The write does not re-read what the checks read: a concurrent twin that committed in between
    (same GUID from another request, or the same Idempotency-Key) makes an INSERT hit the
    primary key; that job's savepoint — its counter increment included — rolls back, and the
    next round answers from what the twin stored (replay, 409, or the registered letter).

    Written as :data:`~server.db.WriteSteps` (it yields its reads and its write job), driven by
    ``Database.run_steps_async`` on the event loop: on PostgreSQL the read waits there, sent
    together with other requests' reads (:class:`~server.db.ReadBatcher`).
    """
    content = package.content
    guid = package.guid
    content_bytes = package.content_bytes()
    content_sha = hashlib.sha256(content_bytes).hexdigest()
    db = ctx.db
    signer_codes: str | None = None  # set once the signatures are verified
    package_json = b""
    for _attempt in range(3):
        # the token and everything the checks need in one statement (on PostgreSQL a round trip
        # each would cost more than the statements themselves)
        columns = _FACTS_COLUMNS.format(agg=db.csv_agg("sha256"))
        facts = yield from caller.read_steps(columns, _FACTS_JOINS, (key, guid))
        idem, letter, roots, certs = facts[0:3], facts[3:9], facts[9], facts[10]
        principal = caller.principal
        _check_sender(principal, content)
        replay = replay_of(idem if idem[0] is not None else None, digest)
        if replay is not None:
            return replay
        row = _letter_view(ctx, letter) if letter[0] is not None else None
        if row is None and signer_codes is None:
            if not package.signatures:
                raise ApiError(422, "unsigned", "نامه امضا نشده است؛ ثبت نامه بدون امضای الکترونیکی ممکن نیست.",
                               "The letter carries no signature.", "signatures")
            store = yield from checker.store_steps([principal.agency_id], _csv(roots))
            registered = set(_csv(certs)) if ctx.settings.require_registered_signers else None
        stored: bytes | None = None
        if row is not None:  # already registered (a retry by GUID): the same SHAMS and receipt
            _same_letter(row, principal, content_sha)
            stored = json_bytes(registration_view(row, ctx))
        elif signer_codes is None:
            signer_codes = _verified_signers(checker, content_bytes, package, store, registered)
            # serialized here, outside the write (which holds the writer lock): no receipt in it
            package_json = LetterPackage(content=content, signatures=package.signatures).to_json_bytes(content_bytes)

        # The registration time: whole seconds, UTC (as the receipt carries it); its Jalali year
        # (which rolls over at 1 Farvardin, Tehran time) picks the counter.
        now = ctx.clock().astimezone(dt.UTC).replace(microsecond=0)

        def write(conn: RawConn, seq: int | None = None, stored: bytes | None = stored,
                  codes: str = signer_codes or "", package_json: bytes = package_json,
                  principal: Principal = principal, now: dt.datetime = now) -> Response:
            if stored is None:
                assert seq is not None
                row, shams = _store_letter(ctx, conn, principal, package, content_sha, codes, package_json, now, seq)
                body = json_bytes(registration_view(row, ctx, shams))
            else:
                body = stored
            store_idempotent(ctx, conn, principal.user_id, key, digest, 200, body)
            return stored_response(200, body, replayed=False)

        try:
            if stored is not None:
                return (yield write)
            counter = (principal.agency_national_id, domain_for(content["kind"]).value, _jalali_year(now))
            return (yield Numbered(counter, partial(take_sequences, ctx), write, partial(take_statement, ctx)))
        except db.retryable_errors:
            continue  # a concurrent twin committed first (or a deadlock victim): look again
    raise ApiError(503, "busy", "کارگزار موقتاً پاسخ‌گو نیست؛ لطفاً دوباره تلاش کنید.", "Try again.")


def _verified_signers(checker: SignatureChecker, content_bytes: bytes, package: LetterPackage, store: Any,
                      registered: set[str] | None) -> str:
    check = checker.check(content_bytes, package.signatures, store)
    if not check.valid:
        raise ApiError(422, "invalid_signature",
                       "امضای الکترونیکی نامه معتبر نیست: " + "؛ ".join(check.reasons_fa or ["نامشخص"]) + ".",
                       "The letter's signature is not valid: " + "; ".join(check.reasons_en or ["unknown"]),
                       "signatures")
    # a certificate's SHA-256 fingerprint is the hash of its DER (as certificates.sha256 stores it)
    if registered is not None and not all(hashlib.sha256(c).hexdigest() in registered for c in check.signer_certs):
        raise ApiError(422, "signer_not_registered",
                       "گواهی امضاکننده برای این سازمان ثبت نشده است؛ با راهبر سازمان تماس بگیرید.",
                       "The signing certificate is not registered for a signatory of your agency.",
                       "signatures")
    return ",".join(check.signer_national_codes)


def _store_letter(ctx: ServerContext, conn: RawConn, principal: Principal, package: LetterPackage,
                  content_sha: str, signer_codes: str, package_json: bytes, now: dt.datetime,
                  seq: int) -> tuple[dict[str, Any], Shams]:
    """Queue the registered letter: SHAMS number ``seq`` of the Jalali year of ``now``, with its
    signed receipt."""
    content = package.content
    domain = domain_for(content["kind"])
    origin = principal.agency_national_id
    year = _jalali_year(now)
    shams = Shams(origin, domain, year, seq)
    receipt = ctx.receipt_signer.receipt(shams=shams.canonical, registered_at=now, content_sha256=content_sha,
                                         guid=package.guid)
    receipt_json = orjson.dumps(receipt).decode()
    db = ctx.db
    conn.queue(db.sql(_LETTER_INSERT), (
        package.guid, principal.agency_id, origin, domain.value, year, seq, shams.canonical, content["kind"],
        content_sha, db.dt_param(now), principal.user_id, signer_codes, receipt_json, package_json))
    return {"guid": package.guid, "shams": shams.canonical, "registered_at": now, "content_sha256": content_sha,
            "receipt": receipt}, shams  # the receipt as a dict: not parsed back from what was just written


def check_internal_recipients(content: dict[str, Any], principal: Principal) -> None:
    """An internal letter (domain I) stays inside the sender's agency: at registration and at delivery."""
    for i, r in enumerate(content["recipients"]):
        if r["agency"] != principal.agency_national_id:
            raise ApiError(422, "internal_recipient_outside_agency",
                           "گیرندگان نامه داخلی باید از واحدها یا کارکنان همین سازمان باشند.",
                           "Internal letters go only to units and people of the same agency.",
                           f"content.recipients[{i}].agency")
