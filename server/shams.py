"""SHAMS allocation at registration (DOMAIN.md section 4).

One transaction per registration: lock the (origin, domain, year) counter row, take the next
sequence, insert the letter row with its signed receipt, commit. A rollback (for example a
concurrent retry of the same GUID losing the race on the primary key) also rolls back the
counter, so sequences stay gap-free; the unique constraints on ``letters`` are the backstop.
Idempotent per letter GUID: a retry gets the stored SHAMS and the very same receipt.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.models.jalali import format_datetime, jalali_year_of
from app.models.package import LetterPackage
from app.models.receipt import format_time, make_receipt
from app.models.shams import Domain, Shams
from server.auth import Principal, Role
from server.context import ServerContext, as_utc
from server.errors import ApiError
from server.models import certificates, letters, shams_counters
from server.signatures import SignatureChecker


def domain_for(kind: str) -> Domain:
    return Domain.INTERNAL if kind == "internal" else Domain.OUTGOING


def next_sequence(ctx: ServerContext, conn: Connection, origin: str, domain: Domain, year: int) -> int:
    """Increment the counter row; on PostgreSQL the UPDATE holds the row lock until commit."""
    conn.execute(ctx.db.insert_ignore(shams_counters).values(origin=origin, domain=domain.value, year=year,
                                                             last_seq=0))
    if not ctx.db.is_sqlite:
        conn.execute(select(shams_counters.c.last_seq).where(
            shams_counters.c.origin == origin, shams_counters.c.domain == domain.value,
            shams_counters.c.year == year).with_for_update())
    return conn.execute(
        update(shams_counters)
        .where(shams_counters.c.origin == origin, shams_counters.c.domain == domain.value,
               shams_counters.c.year == year)
        .values(last_seq=shams_counters.c.last_seq + 1)
        .returning(shams_counters.c.last_seq)
    ).scalar_one()


def registration_view(row: Any, ctx: ServerContext) -> dict[str, Any]:
    shams = Shams.parse(row["shams"])
    registered_at = as_utc(row["registered_at"])
    return {
        "guid": row["guid"],
        "shams": shams.canonical,
        "shams_display": shams.display,
        "registered_at": format_time(registered_at),
        "registered_at_jalali": format_datetime(registered_at, persian_digits=False),
        "content_sha256": row["content_sha256"],
        "receipt": json.loads(row["receipt"]),
        "verify_url": f"{ctx.settings.public_url.rstrip('/')}/api/v1/verify/{shams.canonical}",
    }


def _check_sender(principal: Principal, content: dict[str, Any]) -> None:
    principal.require(Role.SECRETARY)
    if content["sender"]["agency"] != principal.agency_national_id:
        raise ApiError(403, "foreign_sender", "فرستنده نامه سازمان شما نیست؛ ثبت این نامه مجاز نیست.",
                       "The letter's sender agency is not your agency.", "content.sender.agency")
    if content["kind"] == "internal":
        for i, r in enumerate(content["recipients"]):
            if r["agency"] != principal.agency_national_id:
                raise ApiError(422, "internal_recipient_outside_agency",
                               "گیرندگان نامه داخلی باید از واحدها یا کارکنان همین سازمان باشند.",
                               "Internal letters go only to units and people of the same agency.",
                               f"content.recipients[{i}].agency")


def _existing(conn: Connection, guid: str) -> Any:
    return conn.execute(select(letters).where(letters.c.guid == guid)).mappings().first()


def _same_letter(row: Any, principal: Principal, content_sha: str) -> bool:
    if row["agency_id"] != principal.agency_id or row["content_sha256"] != content_sha:
        raise ApiError(409, "guid_conflict",
                       "نامه‌ای دیگر با همین شناسه پیش‌تر ثبت شده است؛ متن نامه پس از ثبت قابل تغییر نیست.",
                       "Another letter with this GUID is already registered; registered content cannot change.",
                       "content.guid")
    return True


def register(ctx: ServerContext, checker: SignatureChecker, principal: Principal,
             package: LetterPackage) -> dict[str, Any]:
    content = package.content
    _check_sender(principal, content)
    guid, content_sha = package.guid, package.content_sha256()
    with ctx.db.read() as conn:
        row = _existing(conn, guid)
        if row is not None and _same_letter(row, principal, content_sha):
            return registration_view(row, ctx)
        if not package.signatures:
            raise ApiError(422, "unsigned", "نامه امضا نشده است؛ ثبت نامه بدون امضای الکترونیکی ممکن نیست.",
                           "The letter carries no signature.", "signatures")
        store = checker.store_for(conn, [principal.agency_id])
        check = checker.check(package.content_bytes(), package.signatures, store)
        if not check.valid:
            raise ApiError(422, "invalid_signature",
                           "امضای الکترونیکی نامه معتبر نیست: " + "؛ ".join(check.reasons_fa or ["نامشخص"]) + ".",
                           "The letter's signature is not valid: " + "; ".join(check.reasons_en or ["unknown"]),
                           "signatures")
        if ctx.settings.require_registered_signers:
            from app.models.receipt import cert_fingerprint

            registered = set(conn.execute(select(certificates.c.sha256).where(
                certificates.c.agency_id == principal.agency_id)).scalars())
            if not all(cert_fingerprint(c) in registered for c in check.signer_certs):
                raise ApiError(422, "signer_not_registered",
                               "گواهی امضاکننده برای این سازمان ثبت نشده است؛ با راهبر سازمان تماس بگیرید.",
                               "The signing certificate is not registered for a signatory of your agency.",
                               "signatures")
    codes = ",".join(check.signer_national_codes)
    for _attempt in range(3):
        try:
            return _allocate(ctx, principal, package, content_sha, codes)
        except IntegrityError:
            # A concurrent retry of the same GUID won; our transaction (and counter) rolled back.
            with ctx.db.read() as conn:
                row = _existing(conn, guid)
            if row is not None and _same_letter(row, principal, content_sha):
                return registration_view(row, ctx)
    raise ApiError(503, "busy", "کارگزار موقتاً پاسخ‌گو نیست؛ لطفاً دوباره تلاش کنید.", "Try again.")


def _allocate(ctx: ServerContext, principal: Principal, package: LetterPackage, content_sha: str,
              signer_codes: str) -> dict[str, Any]:
    content = package.content
    domain = domain_for(content["kind"])
    origin = principal.agency_national_id
    with ctx.db.write() as conn:
        row = _existing(conn, package.guid)
        if row is not None and _same_letter(row, principal, content_sha):
            return registration_view(row, ctx)
        now = ctx.clock().astimezone(dt.UTC).replace(microsecond=0)
        year = jalali_year_of(now)  # rolls over at 1 Farvardin, Tehran time
        seq = next_sequence(ctx, conn, origin, domain, year)
        shams = Shams(origin, domain, year, seq)
        receipt = make_receipt(shams=shams.canonical, registered_at=now, content_sha256=content_sha,
                               guid=package.guid, private_key=ctx.receipt_key, certificate=ctx.receipt_cert)
        stored = LetterPackage(content=content, signatures=package.signatures, receipts=[receipt])
        values = {
            "guid": package.guid, "agency_id": principal.agency_id, "origin": origin, "domain": domain.value,
            "year": year, "seq": seq, "shams": shams.canonical, "kind": content["kind"],
            "content_sha256": content_sha, "registered_at": now, "registered_by": principal.user_id,
            "signer_national_codes": signer_codes, "receipt": json.dumps(receipt, ensure_ascii=False),
            "package": stored.to_json_bytes(),
        }
        conn.execute(insert(letters).values(**values))
    return registration_view(values, ctx)
