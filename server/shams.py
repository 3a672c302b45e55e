"""SHAMS allocation at registration (DOMAIN.md section 4).

Registration: authenticate, parse, check, verify the signatures outside any transaction, then one
short write: take the next sequence of the (origin, domain, year) counter, store the letter with
its signed receipt, what it answers of citizens' letters (:func:`server.tracking.record_answers`)
and the idempotency record, all or nothing. A rollback (a retry of the same GUID
hitting the primary key) also rolls back the counter, so sequences stay gap-free. Idempotent per
letter GUID: a retry gets the stored SHAMS and the very same receipt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache
from typing import Any, NamedTuple

import orjson
from fastapi.responses import Response
from sqlalchemy import Connection, and_, bindparam, case, insert, literal, select, union_all, update
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State

from app.protocol.jalali import format_datetime, jalali_year_of
from app.protocol.package import MAX_SIGNATURES, InvalidPackage, LetterPackage
from app.protocol.receipt import format_time
from app.protocol.shams import Domain, Shams
from app.protocol.trust import TrustStore
from server.attachments import check_attachments, grant
from server.auth import Principal, Role
from server.context import ServerContext, as_utc
from server.db import Database
from server.errors import ApiError
from server.idempotency import busy, json_response, lookup, store, write_idempotent
from server.signatures import UPLOADED_HASHES, SignatureChecker
from server.tables.accounts import certificates, units, users
from server.tables.letters import letters, shams_counters
from server.tracking import record_answers
from server.verification import new_code

# Statements built once: SQLAlchemy then reuses their compiled form and cache key.
_NEXT_SEQ = (update(shams_counters)
             .where(shams_counters.c.origin == bindparam("c_origin"), shams_counters.c.domain == bindparam("c_domain"),
                    shams_counters.c.year == bindparam("c_year"))
             .values(last_seq=shams_counters.c.last_seq + 1).returning(shams_counters.c.last_seq))
_LETTER = select(letters).where(letters.c.guid == bindparam("guid"))
_INSERT_LETTER = insert(letters)
_UNIT = select(units.c.id).where(units.c.agency_id == bindparam("agency_id"), units.c.code == bindparam("code"))
_PERSON = select(users.c.id).where(users.c.agency_id == bindparam("agency_id"), users.c.username == bindparam("username"))
# A certificate signs for its agency only while bound to an active user who holds the signatory role now.
_AUTHORIZED = and_(certificates.c.unbound_at.is_(None), users.c.active.is_(True),
                   (literal(",") + users.c.roles + literal(",")).like(f"%,{Role.SIGNATORY.value},%"))
# an agency's trust roots and its signatories' certificates (SHA-256), in one statement
_POLICY = union_all(
    UPLOADED_HASHES.add_columns(literal("root")),
    select(certificates.c.sha256, case((_AUTHORIZED, literal("cert")), else_=literal("unbound")))
    .join(users, users.c.id == certificates.c.user_id)
    .where(certificates.c.agency_id == bindparam("agency_id")))


def parse_package(ctx: ServerContext, raw: bytes) -> LetterPackage:
    """The request body as a letter package, or 422 naming the field (never more signatures than allowed)."""
    try:
        return LetterPackage.from_json_bytes(raw, max_signatures=min(ctx.settings.max_signatures, MAX_SIGNATURES))
    except InvalidPackage as exc:
        raise ApiError(422, exc.code, exc.message_fa, str(exc), exc.field) from exc


def domain_for(kind: str) -> Domain:
    return Domain.INTERNAL if kind == "internal" else Domain.OUTGOING


def next_sequence(db: Database, conn: Connection, origin: str, domain: Domain, year: int) -> int:
    """The counter's next number; its row stays locked until commit (created on first use)."""
    counter = {"c_origin": origin, "c_domain": domain.value, "c_year": year}
    seq = conn.execute(_NEXT_SEQ, counter).scalar()
    if seq is None:
        conn.execute(db.insert_ignore(shams_counters).values(origin=origin, domain=domain.value, year=year, last_seq=0))
        seq = conn.execute(_NEXT_SEQ, counter).scalar_one()
    return int(seq)


def registration_view(ctx: ServerContext, row: Any, *, own: bool = True) -> dict[str, Any]:
    """What registration answers (and a retry gets again): SHAMS, time, receipt, verify address
    with the verification code (``own``: only the registering agency gets the code)."""
    shams = Shams.parse(row["shams"])
    registered_at = as_utc(row["registered_at"])
    receipt = row["receipt"]
    code = row["verify_code"] if own else None
    return {
        "guid": row["guid"],
        "shams": shams.canonical,
        "shams_display": shams.display,
        "registered_at": format_time(registered_at),
        "registered_at_jalali": _jalali_text(registered_at),
        "content_sha256": row["content_sha256"],
        "receipt": receipt if isinstance(receipt, dict) else orjson.loads(receipt),
        "verify_code": code,
        "verify_url": f"{ctx.settings.public_url.rstrip('/')}/api/v1/verify/{shams.canonical}"
                      + (f"?c={code}" if code else ""),
    }


@lru_cache(maxsize=256)  # registration times have whole seconds, and many letters share one
def _jalali_text(moment: dt.datetime) -> str:
    return format_datetime(moment, persian_digits=False)


def stored_package(row: Any) -> dict[str, Any]:
    """The letter package as registered: content and signatures, with the receipt."""
    package = orjson.loads(row["package"])
    package["receipts"] = [orjson.loads(row["receipt"])]
    return package


def letter_row(conn: Connection, guid: str) -> Any:
    return conn.execute(_LETTER, {"guid": guid}).mappings().first()


def check_sender(principal: Principal, content: dict[str, Any], verb_fa: str) -> None:
    """Only a secretary of the sender's agency registers or sends its letters."""
    principal.require(Role.SECRETARY)
    if content["sender"]["agency"] != principal.agency_national_id:
        raise ApiError(403, "foreign_sender", f"فرستنده نامه سازمان شما نیست؛ {verb_fa} این نامه مجاز نیست.",
                       "The letter's sender agency is not your agency.", "content.sender.agency")


def check_internal_recipients(content: dict[str, Any], principal: Principal, conn: Connection) -> None:
    """An internal letter (domain I) goes only to units and people of the sender's agency that exist:
    checked at registration (no SHAMS number for a letter that could not be delivered) and at delivery."""
    for i, r in enumerate(content["recipients"]):
        if r["agency"] != principal.agency_national_id:
            raise ApiError(422, "internal_recipient_outside_agency",
                           "گیرندگان نامه داخلی باید از واحدها یا کارکنان همین سازمان باشند.",
                           "Internal letters go only to units and people of the same agency.",
                           f"content.recipients[{i}].agency")
        if r["unit"] and conn.execute(_UNIT, {"agency_id": principal.agency_id, "code": r["unit"]}).first() is None:
            raise ApiError(422, "unknown_recipient", "واحد گیرنده در این سازمان وجود ندارد.",
                           "No such unit in this agency.", f"content.recipients[{i}].unit")
        if r["person"] and conn.execute(_PERSON, {"agency_id": principal.agency_id,
                                                  "username": r["person"]}).first() is None:
            raise ApiError(422, "unknown_recipient", "کارمند گیرنده در این سازمان وجود ندارد.",
                           "No such person in this agency.", f"content.recipients[{i}].person")


MAX_REASONS = 3  # distinct reasons an invalid-signature error names: its size never grows with the input


def _distinct(reasons: list[str]) -> list[str]:
    """Each reason once, without its own full stop (the message ends with one)."""
    return [r[:300] for r in dict.fromkeys(r.rstrip(".") for r in reasons)][:MAX_REASONS]


def invalid_signature(reasons_fa: list[str], reasons_en: list[str], whose_en: str = "",
                      code: str = "invalid_signature") -> ApiError:
    """A refused signature; ``code`` says why (certificate_revoked, signing_time_skew, …)."""
    return ApiError(422, code,
                    "امضای الکترونیکی نامه معتبر نیست: " + "؛ ".join(_distinct(reasons_fa) or ["نامشخص"]) + ".",
                    f"The letter's signature is not valid{whose_en}: " + "; ".join(_distinct(reasons_en) or ["unknown"]),
                    "signatures")


def unsigned(verb_fa: str) -> ApiError:
    return ApiError(422, "unsigned", f"نامه امضا نشده است؛ {verb_fa} نامه بدون امضای الکترونیکی ممکن نیست.",
                    "The letter carries no signature.", "signatures")



class SignerPolicy(NamedTuple):
    """What an agency's signatures are checked against."""

    trust: TrustStore
    authorized: set[str] | None  # SHA-256 of certificates that sign for it now (None: any trusted signer)
    unbound: set[str]  # registered, but their holder left the role, was deactivated or they were unbound


def signer_policy(ctx: ServerContext, checker: SignatureChecker, conn: Connection, agency_id: int) -> SignerPolicy:
    """An agency's trust roots and (if the server requires it) its signatories' certificates."""
    rows = conn.execute(_POLICY, {"agency_id": agency_id}).all()
    required = ctx.settings.require_registered_signers
    return SignerPolicy(checker.store_for(conn, agency_id, [sha for sha, kind in rows if kind == "root"]),
                        {sha for sha, kind in rows if kind == "cert"} if required else None,
                        {sha for sha, kind in rows if kind == "unbound"})


def verified_signers(checker: SignatureChecker, package: LetterPackage, content_bytes: bytes,
                     policy: SignerPolicy, registered_at: dt.datetime) -> str:
    """The signers' national codes, once every signature is valid under the policy at ``registered_at``."""
    if not package.signatures:
        raise unsigned("ثبت")
    check = checker.check(content_bytes, package.signatures, policy.trust, trusted_time=registered_at)
    if not check.valid:
        raise invalid_signature(check.reasons_fa, check.reasons_en, code=check.code)
    signers = [hashlib.sha256(c).hexdigest() for c in check.signer_certs]
    if len(set(signers)) != len(signers):  # one signatory counted twice (two signings, not a byte copy)
        raise ApiError(422, "duplicate_signature", "یک امضاکننده بیش از یک بار نامه را امضا کرده است.",
                       "The same certificate signed the letter more than once.", "signatures")
    if policy.authorized is not None:
        if any(sha in policy.unbound for sha in signers):
            raise ApiError(422, "signer_not_authorized",
                           "امضاکننده این نامه اکنون مجاز به امضا از سوی این سازمان نیست (نقش امضاکننده از او گرفته "
                           "شده یا حساب او غیرفعال شده است)؛ نامه باید توسط امضاکننده مجاز امضا شود.",
                           "The signer is no longer authorised to sign for your agency (the signatory role was removed, "
                           "the user was deactivated, or the certificate was unbound).", "signatures")
        if not all(sha in policy.authorized for sha in signers):
            raise ApiError(422, "signer_not_registered",
                           "گواهی امضاکننده برای این سازمان ثبت نشده است؛ با راهبر سازمان تماس بگیرید.",
                           "The signing certificate is not registered for a signatory of your agency.", "signatures")
    return ",".join(check.signer_national_codes)


class Checked(NamedTuple):
    """A registration's package after the checks that need no transaction."""

    package: LetterPackage
    content_sha: str
    signer_codes: str
    refused: ApiError | None  # the signatures' refusal: a retry of a registered letter may still get its answer


def check_registration(ctx: ServerContext, checker: SignatureChecker, principal: Principal, raw: bytes,
                       state: State) -> Checked:
    """Parse, the sender, the recipients, the attachments and the signatures, in one trip off the
    event loop: parsing and verifying are CPU work, and the reads between them would block the loop.
    The package's GUID goes on the request ``state`` for the audit log of a refusal."""
    package = parse_package(ctx, raw)
    state.guid = package.guid
    content = package.content
    check_sender(principal, content, "ثبت")
    content_bytes = package.content_bytes()
    content_sha = hashlib.sha256(content_bytes).hexdigest()
    with ctx.db.read() as conn:
        if content["kind"] == "internal":
            check_internal_recipients(content, principal, conn)
        check_attachments(conn, principal.agency_id, content)
        policy = signer_policy(ctx, checker, conn, principal.agency_id)
    try:
        # the certificates must be valid now: the receipt's time is taken a moment later, in the write
        return Checked(package, content_sha, verified_signers(checker, package, content_bytes, policy, ctx.clock()), None)
    except ApiError as exc:  # (a certificate that has expired since the letter was registered, say)
        return Checked(package, content_sha, "", exc)


async def register(ctx: ServerContext, checker: SignatureChecker, principal: Principal, raw: bytes, state: State,
                   key: str, digest: str) -> Response:
    """Most registrations are first tries: check the signatures (outside any transaction) and write.
    A retry — the same key, or the same letter under a new key — is recognised when either step
    fails, and gets the answer stored the first time."""
    package, content_sha, signer_codes, refused = await run_in_threadpool(
        check_registration, ctx, checker, principal, raw, state)
    if refused is not None:
        earlier = await _earlier_answer(ctx, principal, package, content_sha, key, digest)
        if earlier is not None:
            return earlier
        raise refused
    for _attempt in range(3):
        try:
            return json_response(200, await ctx.db.write(
                _registration(ctx, principal, package, content_sha, signer_codes, key, digest)))
        except IntegrityError:  # registered already: a retry, or a concurrent twin that committed first
            earlier = await _earlier_answer(ctx, principal, package, content_sha, key, digest)
            if earlier is not None:
                return earlier
    raise busy()


async def _earlier_answer(ctx: ServerContext, principal: Principal, package: LetterPackage, content_sha: str,
                          key: str, digest: str) -> Response | None:
    """The answer this letter's registration already got: the replay of this key, or the letter as
    registered under another key (this key then stores the same answer); None if it is new."""
    with ctx.db.read() as conn:
        replay = lookup(conn, principal.user_id, key, digest)
        row = letter_row(conn, package.guid) if replay is None else None
    if replay is not None or row is None:
        return replay
    if row["agency_id"] != principal.agency_id or row["content_sha256"] != content_sha:
        raise ApiError(409, "guid_conflict",
                       "نامه‌ای دیگر با همین شناسه پیش‌تر ثبت شده است؛ متن نامه پس از ثبت قابل تغییر نیست.",
                       "Another letter with this GUID is already registered; registered content cannot change.",
                       "content.guid")
    return await write_idempotent(ctx, principal, key, digest, 200, lambda _conn: registration_view(ctx, row))


def _registration(ctx: ServerContext, principal: Principal, package: LetterPackage, content_sha: str,
                  signer_codes: str, key: str, digest: str) -> Any:
    """The write of a registration: SHAMS, letter row with its receipt, idempotency record."""
    content = package.content
    # serialized here, outside the write: the transaction only adds the receipt
    package_json = LetterPackage(content=content, signatures=package.signatures).to_json_bytes(package.content_bytes())

    def job(conn: Connection) -> bytes:
        # whole seconds, UTC (as the receipt carries it); its Jalali year (which rolls over at
        # 1 Farvardin, Tehran time) picks the counter
        now = ctx.clock().astimezone(dt.UTC).replace(microsecond=0)
        domain, origin, year = domain_for(content["kind"]), principal.agency_national_id, jalali_year_of(now)
        shams = Shams(origin, domain, year, next_sequence(ctx.db, conn, origin, domain, year))
        receipt = ctx.receipt_signer.receipt(shams=shams.canonical, registered_at=now, content_sha256=content_sha,
                                             guid=package.guid)
        row = {"guid": package.guid, "shams": shams.canonical, "registered_at": now, "content_sha256": content_sha,
               "receipt": receipt, "verify_code": new_code() if domain is Domain.OUTGOING else None}
        conn.execute(_INSERT_LETTER, {
            "guid": package.guid, "agency_id": principal.agency_id, "origin": origin, "domain": domain.value,
            "year": year, "seq": shams.sequence, "shams": shams.canonical, "kind": content["kind"],
            "content_sha256": content_sha, "registered_at": now, "registered_by": principal.user_id,
            "signer_national_codes": signer_codes, "receipt": orjson.dumps(receipt).decode(), "package": package_json,
            "verify_code": row["verify_code"]})
        record_answers(ctx, conn, agency_id=principal.agency_id, user_id=principal.user_id, content=content,
                       shams=shams.canonical, at=now)
        # its attachments are this letter's too: those it is referred to inside the agency read them
        grant(ctx, conn, [a["sha256"] for a in content.get("attachments") or []], [principal.agency_id], package.guid)
        body = orjson.dumps(registration_view(ctx, row))
        store(ctx, conn, principal.user_id, key, digest, 200, body)
        return body
    return job
