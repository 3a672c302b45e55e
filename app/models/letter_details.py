"""What the read-only view of one letter shows: parties, state, SHAMS, signatures, the server's
receipt (checked against the pinned certificate) and acknowledgements. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.citizen_answer import delivered_on_paper
from app.models.db import Store
from app.models.directory import channel_name
from app.models.incoming import CITIZEN_KINDS
from app.models.letter_lookup import desk_name
from app.models.letters import INCOMING, LINK_COLUMNS, letter_content
from app.models.tables import Agency, Letter, Person, Setting
from app.protocol.canonical import InvalidContent, content_sha256
from app.protocol.receipt import InvalidReceipt, parse_time, receipt_matches, verify_receipt


@dataclass(frozen=True)
class Party:
    name: str
    role: str
    ack_state: str | None = None
    ack_at: Any = None
    ack_number: str | None = None


@dataclass(frozen=True)
class Reference:
    """A letter this one answers (عطف) or follows up (پیرو); ``held``: this store has it to open."""

    kind: str  # LinkType value
    guid: str
    shams: str
    held: bool
    subject: str = ""
    registered_at: Any = None


@dataclass(frozen=True)
class Details:
    guid: str
    kind: str
    state: str
    subject: str
    body: str
    sender: str
    parties: list[Party]
    priority: str
    classification: str
    shams: str | None
    registered_at: Any
    reject_reason: str | None
    signatures: list[tuple[str, str | None, Any]]  # (signer subject, national code, signed at)
    receipt: str  # "verified" | "invalid" | "unverified" | "none"
    receipt_problem: str = ""
    verification: dict[str, Any] | None = None
    references: list[Reference] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    # incoming: who signed it as the verdict found them, with their title from the directory
    signers: list[dict[str, Any]] = field(default_factory=list)
    verify_status: str | None = None  # incoming: valid | invalid | unchecked
    on_paper: bool = False  # registered and not sent on: a citizen's answer, printed and handed over or posted


def _receipt_status(session: Session, letter: Letter) -> tuple[str, str]:
    if not letter.receipts:
        return "none", ""
    pinned = session.get(Setting, "server:receipt_cert")
    if pinned is None:
        return "unverified", ""
    receipt = letter.receipts[-1].data
    try:
        verify_receipt(receipt, pinned.value["pem"].encode())
        ours = content_sha256(letter_content(letter))
    except InvalidReceipt as exc:
        return "invalid", getattr(exc, "message_fa", "") or str(exc)
    except InvalidContent as exc:
        return "invalid", exc.message_fa
    if not receipt_matches(receipt, guid=letter.guid, content_sha256=ours, shams=letter.shams):
        return "invalid", ""
    return "verified", ""


def read_details(store: Store, guid: str) -> Details:
    """Everything the details view shows, read in one short snapshot."""
    with store.reader() as session:
        letter = session.get(Letter, guid)
        if letter is None:
            raise LookupError(f"letter {guid} is not in the store")
        return _details(session, letter)


def _sender(session: Session, letter: Letter) -> str:
    """Who sent it, ours or received alike: the agency (named from the directory), its unit and the person;
    a person or a company by name (its national code/id has a row of its own, in Persian digits)."""
    if letter.sender_kind in CITIZEN_KINDS and letter.sender_name:
        return letter.sender_name
    return desk_name(session, letter.sender_agency, letter.sender_unit, letter.sender_name)


def _signers(session: Session, letter: Letter) -> list[dict[str, Any]]:
    """The verdict's signers, each with the title the directory gives the person of that national code
    and, when the directory lists them in the sender's agency, that agency's name (whom they signed for)."""
    out = []
    agency = session.get(Agency, letter.sender_agency) if letter.sender_agency else None
    for signer in (letter.verification or {}).get("signers") or []:
        code = signer.get("national_code") or None
        person = session.scalar(select(Person).where(Person.agency == letter.sender_agency,
                                                     Person.national_code == code)) if code else None
        title = person.title if person is not None and person.title else signer.get("title") or ""
        out.append({**signer, "title": title,
                    "unit": person.unit_code or "" if person is not None else "",
                    "agency": agency.name if person is not None and agency is not None else ""})
    return out


def _details(session: Session, letter: Letter) -> Details:
    receipt, problem = _receipt_status(session, letter)
    signers = _signers(session, letter) if letter.kind == INCOMING else []
    signatures: list[tuple[str, str | None, Any]] = [
        (s.signer_subject, s.signer_national_code, s.signed_at) for s in letter.signatures]
    if letter.kind == INCOMING:
        signatures = [(x["subject"], x.get("national_code") or None,
                       parse_time(x["signing_time"]) if x.get("signing_time") else None) for x in signers]
        receipt, problem = _incoming_receipt(letter)
    return Details(
        guid=letter.guid,
        kind=letter.kind,
        state=letter.state,
        subject=letter.subject,
        body=letter.body,
        sender=_sender(session, letter),
        parties=[Party(r.name or r.unit or r.agency, r.role, r.ack_state, r.ack_at, r.ack_number)
                 for r in letter.recipients],
        priority=letter.priority,
        classification=letter.classification,
        shams=letter.shams,
        registered_at=letter.registered_at,
        reject_reason=letter.reject_reason if letter.state == "rejected" else None,
        on_paper=delivered_on_paper(session, letter),
        signatures=signatures,
        receipt=receipt,
        receipt_problem=problem,
        verification=letter.verification,
        extra=_incoming(session, letter) if letter.kind == "incoming" else {},
        references=_references(session, letter),
        signers=signers,
        verify_status=letter.verify_status if letter.kind == INCOMING else None,
    )


def _incoming(session: Session, letter: Letter) -> dict[str, Any]:
    """An incoming letter's registration at this desk; a paper letter's sender and scans; a person's
    or a company's letter, its tracking id (None until the server issues it), channel and contact."""
    citizen: dict[str, Any] = {}
    if letter.sender_kind in CITIZEN_KINDS:
        citizen = {"tracking_id": letter.tracking_id, "citizen_channel": channel_name(session, letter.citizen_channel),
                   "mobile": letter.sender_mobile, "postal_code": letter.sender_postal_code,
                   "address": letter.sender_address}
    return citizen | {"incoming_number": letter.incoming_number, "incoming_at": letter.incoming_at,
            "channel": letter.channel or "electronic", "sender_kind": letter.sender_kind,
            "sender_id": letter.sender_id, "sender_number": letter.sender_number, "sender_date": letter.sender_date,
            "pages": [(a.file_name, a.remote_address is None and a.uploaded_at is None)  # (name, only here)
                      for a in letter.attachments]}


def _references(session: Session, letter: Letter) -> list[Reference]:
    out = []
    for kind, (guid_column, shams_column) in LINK_COLUMNS.items():
        guid, shams = getattr(letter, guid_column), getattr(letter, shams_column)
        if not guid:
            continue
        target = session.get(Letter, guid)
        out.append(Reference(kind.value, guid, shams or (target.shams if target else "") or "", target is not None,
                             target.subject if target else "",
                             (target.registered_at or target.incoming_at) if target else None))
    return out


def _incoming_receipt(letter: Letter) -> tuple[str, str]:
    """The server's receipt on a received letter, as the arrival check found it."""
    receipt = (letter.verification or {}).get("receipt") or {}
    status = receipt.get("status")
    if status == "valid":
        return "verified", ""
    if status == "invalid":
        return "invalid", receipt.get("problem_fa") or ""
    return "unverified", ""
