"""Registering incoming letters at this desk (ثبت وارده), electronic and paper. Qt-free.

Both are registered at once, offline too: the letter becomes «ثبت موقت» (provisional: no number
yet) and an ``incoming`` operation goes into the outbox; the sync engine asks the server for the
agency's next incoming number, one letter after another in the order they were registered.
A paper letter's scanned pages (or files its sender brought) go into the local blob store as attachments with no remote
address; the sync engine uploads them before asking for the number, and the registration names
them, so a colleague the letter is referred to gets them listed with their addresses.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, object_session

from app.models import letters as L
from app.models.attachments import AttachmentRefused, check_file, from_content, server_base
from app.models.changes import Changes
from app.models.db import Store
from app.models.document_limits import DEFAULT, DocumentLimits, server_limits
from app.models.lifecycle import State
from app.models.tables import Attachment, Letter, OutboxOperation, new_guid, utcnow
from app.protocol.canonical import (
    MAX_SUMMARY,
    Classification,
    InvalidContent,
    Priority,
    choice,
    validate_body,
    validate_subject,
)
from app.protocol.citizen import MAX_ADDRESS, validate_mobile, validate_postal_code
from app.protocol.documents import document_address
from app.protocol.media import safe_file_name
from app.protocol.persian import (
    InvalidIdentifier,
    to_persian_digits,
    validate_national_code,
    validate_national_id,
)
from app.protocol.receipt import parse_time
from app.protocol.tracking import is_valid

INCOMING_OP = "incoming"  # the outbox operation that asks the server for the incoming number
PAPER = "paper"
SENDER_KINDS = ("agency", "person", "company")
CITIZEN_KINDS = ("person", "company")  # their letters get a tracking id from the server
_SHA256 = re.compile(r"[0-9a-f]{64}")


class NotRegistrable(ValueError):
    """The letter cannot be registered as incoming (not received, or registered already)."""

    def __init__(self, message: str, message_fa: str) -> None:
        super().__init__(message)
        self.message_fa = message_fa


def operation_key(guid: str) -> str:
    """One incoming number per letter: the same key on every retry (also the server's)."""
    return f"{INCOMING_OP}:{guid}"


def _enqueue(session: Session, guid: str) -> None:
    """Queue the numbering; a refused one is tried again (the server keeps no answer for a refusal)."""
    key = operation_key(guid)
    item = session.scalars(select(OutboxOperation).where(OutboxOperation.idempotency_key == key)).first()
    if item is None:
        session.add(OutboxOperation(letter_guid=guid, op=INCOMING_OP, idempotency_key=key))
    else:
        item.status, item.attempts, item.last_error, item.next_attempt_at = "pending", 0, None, utcnow()


def is_provisional(letter: Letter) -> bool:
    return letter.state == State.INCOMING_PROVISIONAL


def register_received(store: Store, guid: str, *, actor: str = "", now: dt.datetime | None = None) -> Changes:
    """Register a received electronic letter; numbered at the next sync (NotRegistrable if it is
    not a received letter waiting for registration)."""
    with store.session() as s:
        letter = s.get(Letter, guid)
        if letter is None or letter.kind != L.INCOMING or letter.state != State.RECEIVED:
            raise NotRegistrable(f"letter {guid} is not a received letter waiting for registration",
                                 "فقط نامهٔ دریافت‌شده‌ای که هنوز ثبت نشده است ثبت وارده می‌شود.")
        letter.incoming_at = now or utcnow()
        letter.reject_reason = None
        L.transition(s, letter, State.INCOMING_PROVISIONAL, actor=actor)
        _enqueue(s, guid)
        L.audit(s, "incoming_registered", guid, actor, channel=letter.channel or "electronic")
    return Changes.of_letters([guid], outbox=True)


@dataclass(frozen=True)
class PaperLetter:
    """What the paper registration form holds."""

    sender_kind: str  # agency | person | company
    sender_id: str  # national id (agency, company) or national code (person), any digits
    sender_name: str
    subject: str
    summary: str = ""
    sender_number: str = ""
    sender_date: dt.date | None = None
    priority: str = Priority.NORMAL
    classification: str = Classification.NORMAL
    scans: Sequence[Path] = ()
    # a person or a company: the channel's code and how to reach them (the server issues a tracking id)
    channel: str | None = None
    mobile: str = ""
    postal_code: str = ""
    address: str = ""


def check_contact(paper: PaperLetter) -> tuple[str, str, str]:
    """A person's or company's mobile, postal code and address, checked (InvalidContent with the
    Persian reason); empty for an agency's letter."""
    if paper.sender_kind not in CITIZEN_KINDS:
        return "", "", ""
    try:
        mobile = validate_mobile(paper.mobile)
    except InvalidIdentifier as exc:
        raise InvalidContent("sender.mobile", str(exc), exc.message_fa) from exc
    try:
        postal_code = validate_postal_code(paper.postal_code)
    except InvalidIdentifier as exc:
        raise InvalidContent("sender.postal_code", str(exc), exc.message_fa) from exc
    address = paper.address.strip()
    if len(address) > MAX_ADDRESS:
        raise InvalidContent("sender.address", f"is longer than {MAX_ADDRESS} characters",
                             f"نشانی از {to_persian_digits(MAX_ADDRESS)} نویسه بیشتر است.")
    return mobile, postal_code, address


def check_sender(kind: str, sender_id: str) -> str:
    """The sender's id in ASCII digits, checked for its kind (InvalidContent with the Persian reason)."""
    if kind not in SENDER_KINDS:
        raise InvalidContent("sender.kind", "must be agency, person or company", "نوع فرستنده نامعتبر است.")
    try:
        return validate_national_code(sender_id) if kind == "person" else validate_national_id(sender_id)
    except InvalidIdentifier as exc:
        raise InvalidContent("sender.id", str(exc), exc.message_fa) from exc


def scan_type(path: Path, limits: DocumentLimits = DEFAULT) -> str:
    """The media type of a scanned page or a file the sender brought, told by its content as for any
    attachment (InvalidContent with the Persian reason: too large, or not an allowed kind of document)."""
    try:
        return check_file(path, limits)
    except AttachmentRefused as exc:
        raise InvalidContent("scans", str(exc), exc.message_fa) from exc


def register_paper(store: Store, paper: PaperLetter, *, actor: str = "", now: dt.datetime | None = None) -> str:
    """Register a paper letter provisionally (numbered at the next sync); returns its GUID.
    Everything is checked before anything is written."""
    sender_id = check_sender(paper.sender_kind, paper.sender_id)
    subject = validate_subject(paper.subject)
    name = paper.sender_name.strip()
    if not name:
        raise InvalidContent("sender.name", "is required", "نام فرستنده را بنویسید.")
    summary = validate_body(paper.summary.strip())
    if len(summary) > MAX_SUMMARY:
        raise InvalidContent("summary", f"is longer than {MAX_SUMMARY} characters",
                             f"خلاصه نامه از {to_persian_digits(f'{MAX_SUMMARY:,}')} نویسه بیشتر است.")
    priority = choice(paper.priority, "priority", Priority)
    classification = choice(paper.classification, "classification", Classification)
    mobile, postal_code, address = check_contact(paper)
    limits = server_limits(store)
    types = [scan_type(p, limits) for p in paper.scans]
    blobs = [store.blobs.put_file(p) for p in paper.scans]  # before the transaction: files may be large
    guid = new_guid()
    with store.session() as s:
        letter = Letter(
            guid=guid, kind=L.INCOMING, state=State.INCOMING_PROVISIONAL.value, channel=PAPER, subject=subject,
            body=summary, sender_kind=paper.sender_kind, sender_id=sender_id,
            sender_agency=sender_id if paper.sender_kind != "person" else "", sender_name=name[:500],
            sender_number=paper.sender_number.strip()[:100], sender_date=paper.sender_date,
            priority=priority, classification=classification, incoming_at=now or utcnow(),
            citizen_channel=paper.channel if paper.sender_kind in CITIZEN_KINDS else None,
            sender_mobile=mobile or None, sender_postal_code=postal_code or None, sender_address=address or None,
        )
        for i, (path, media, (sha, size)) in enumerate(zip(paper.scans, types, blobs, strict=True)):
            letter.attachments.append(Attachment(position=i, sha256=sha, size=size, media_type=media,
                                                 file_name=safe_file_name(path.name, sha[:16]), remote_address=None))
        s.add(letter)
        s.flush()
        _enqueue(s, guid)
        L.audit(s, "incoming_registered", guid, actor, channel=PAPER, pages=len(blobs))
    return guid


def store_paper_record(s: Session, record: dict[str, Any], *, actor: str = "") -> str:
    """Keep a paper letter another desk of this agency registered, from the record the server's
    cartable carries with a referral of it (sender, numbers, subject), its scans as the letter's
    attachments at their address on this profile's server (downloaded on demand, hash-checked)."""
    sender: dict[str, Any] = record["sender"] if isinstance(record.get("sender"), dict) else {}
    kind = sender.get("kind") if sender.get("kind") in ("agency", "person", "company") else "person"
    sender_id = str(sender.get("id") or "")[:11]
    try:
        sender_date = dt.date.fromisoformat(record["sender_date"]) if record.get("sender_date") else None
    except (TypeError, ValueError):
        sender_date = None
    guid = str(record["guid"])
    base = server_base(s)
    scans = [{**a, "address": document_address(base, a["sha256"]) if base else None}
             for a in record.get("scans") or [] if isinstance(a, dict) and _SHA256.fullmatch(str(a.get("sha256")))]
    s.add(Letter(
        guid=guid, kind=L.INCOMING, state=State.REGISTERED_INCOMING.value, channel=PAPER,
        subject=str(record.get("subject") or "(بدون موضوع)")[:500],
        body=str(record.get("summary") or "")[:MAX_SUMMARY], sender_kind=kind, sender_id=sender_id,
        sender_agency=sender_id if kind != "person" else "", sender_name=str(sender.get("name") or "")[:500],
        sender_number=str(record.get("sender_number") or "")[:100], sender_date=sender_date,
        incoming_number=str(record.get("incoming_number") or "")[:40] or None,
        tracking_id=_tracking_id(record), citizen_channel=str(record.get("citizen_channel") or "")[:32] or None,
        sender_mobile=str(sender.get("mobile") or "")[:11] or None,
        sender_postal_code=str(sender.get("postal_code") or "")[:10] or None,
        sender_address=str(sender.get("address") or "")[:500] or None,
        incoming_at=parse_time(record["registered_at"]) if record.get("registered_at") else None,
        attachments=from_content({"attachments": scans})))
    L.audit(s, "received", guid, actor, channel=PAPER, pages=len(scans))
    return guid


def _tracking_id(record: dict[str, Any]) -> str | None:
    """The record's tracking id if it is one (anything else from the server is dropped)."""
    value = str(record.get("tracking_id") or "")
    return value if is_valid(value) else None


def apply_registration(s: Session, guid: str, record: dict[str, Any], *, actor: str = "") -> bool:
    """A desk of this agency registered a letter referred here: its incoming number shows here too
    (a copy this store already numbered keeps its own). Returns whether anything changed."""
    letter = s.get(Letter, guid)
    number = str(record.get("incoming_number") or "")[:40]
    if letter is None or not number or letter.incoming_number:
        return False
    letter.incoming_number = number
    letter.incoming_at = parse_time(record["registered_at"]) if record.get("registered_at") else None
    if letter.state in (State.RECEIVED, State.INCOMING_PROVISIONAL):  # an invalid letter stays flagged
        L.transition(s, letter, State.REGISTERED_INCOMING, actor=actor, incoming_number=number)
    return True


def store_number(letter: Letter, result: dict[str, Any]) -> None:
    """Keep what the server numbered a letter with: its incoming number and, for a person's or a
    company's letter, its tracking id. Drafts already answering it («عطف», written before the
    number came) name it by that number from now on."""
    letter.incoming_number = result["incoming_number"]
    letter.incoming_at = parse_time(result["registered_at"])
    letter.tracking_id = _tracking_id(result) or letter.tracking_id
    session = object_session(letter)
    if session is not None:
        session.execute(update(Letter).where(
            Letter.in_reply_to == letter.guid, Letter.state == State.DRAFT.value,
            or_(Letter.in_reply_to_shams.is_(None), Letter.in_reply_to_shams == ""))
            .values(in_reply_to_shams=letter.incoming_number).execution_options(synchronize_session=False))


def paper_request(letter: Letter) -> dict[str, Any]:
    """What the server numbers a paper letter by, naming its scans (uploaded first)."""
    sender: dict[str, Any] = {"kind": letter.sender_kind, "id": letter.sender_id, "name": letter.sender_name}
    citizen: dict[str, Any] = {}
    if letter.sender_kind in CITIZEN_KINDS:
        sender |= {"mobile": letter.sender_mobile or "", "postal_code": letter.sender_postal_code or "",
                   "address": letter.sender_address or ""}
        citizen = {"channel": letter.citizen_channel}
    return {"guid": letter.guid, "sender": sender, **citizen,
            "sender_number": letter.sender_number or "",
            "sender_date": letter.sender_date.isoformat() if letter.sender_date else None,
            "subject": letter.subject, "summary": letter.body or "",
            "scans": [{"sha256": a.sha256, "size": a.size, "media_type": a.media_type, "name": a.file_name}
                      for a in letter.attachments]}
