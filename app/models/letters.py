"""Operations on letters in the local store. Every change is audited in the same transaction."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.models.blobs import BlobStore
from app.models.lifecycle import EDITABLE, SealedContent, State, check_transition, initial_state
from app.models.tables import Attachment, AuditEvent, Letter, Recipient, Signature, new_guid
from app.protocol.canonical import (
    Classification,
    InvalidContent,
    Kind,
    LinkType,
    Priority,
    RecipientRole,
    build_content,
    choice,
    content_sha256,
    validate_body,
    validate_subject,
)

INCOMING = "incoming"  # the store's kind for a received letter (signed content is outgoing or internal)


def audit(session: Session, action: str, letter_guid: str | None, actor: str = "", **detail: Any) -> None:
    session.add(AuditEvent(action=action, letter_guid=letter_guid, actor=actor, detail=detail))


def _recipients(items: list[dict[str, Any]]) -> list[Recipient]:
    out = []
    for i, r in enumerate(items):
        role = r.get("role", RecipientRole.TO)
        if role not in tuple(RecipientRole):
            raise InvalidContent(f"recipients[{i}].role", "must be to or cc", "نوع گیرنده نامعتبر است.")
        if not r.get("agency"):
            raise InvalidContent(f"recipients[{i}].agency", "is required", "دستگاه گیرنده مشخص نشده است.")
        out.append(
            Recipient(
                position=i,
                role=role,
                agency=r["agency"],
                unit=r.get("unit", ""),
                person=r.get("person", ""),
                name=r.get("name", ""),
            )
        )
    return out


def create_letter(
    session: Session,
    *,
    kind: str,
    subject: Any,
    body: Any = "",
    sender: dict[str, str],
    recipients: list[dict[str, Any]] | None = None,
    priority: str = Priority.NORMAL,
    classification: str = Classification.NORMAL,
    in_reply_to: tuple[str, str] | None = None,
    follow_up_of: tuple[str, str] | None = None,
    actor: str = "",
    guid: str | None = None,
) -> Letter:
    """A new draft (or, for kind incoming, a received letter). Links are (guid, shams) pairs."""
    if kind != INCOMING:
        choice(kind, "kind", Kind)
    letter = Letter(
        guid=guid or new_guid(),
        kind=kind,
        state=initial_state(kind).value,
        subject=validate_subject(subject),
        body=validate_body(body),
        sender_agency=sender.get("agency", ""),
        sender_unit=sender.get("unit", ""),
        sender_person=sender.get("person", ""),
        sender_name=sender.get("name", ""),
        priority=choice(priority, "priority", Priority),
        classification=choice(classification, "classification", Classification),
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        in_reply_to_shams=in_reply_to[1] if in_reply_to else "",
        follow_up_of=follow_up_of[0] if follow_up_of else None,
        follow_up_of_shams=follow_up_of[1] if follow_up_of else "",
        recipients=_recipients(recipients or []),
    )
    session.add(letter)
    audit(session, "created", letter.guid, actor, kind=kind)
    return letter


_FIELDS = {
    "subject": validate_subject,
    "body": validate_body,
    "priority": lambda v: choice(v, "priority", Priority),
    "classification": lambda v: choice(v, "classification", Classification),
}


def edit_letter(session: Session, letter: Letter, *, actor: str = "", **changes: Any) -> Letter:
    """Change a draft. Editing a signed (not yet queued) letter drops its signatures and
    returns it to draft, audited; anything further along is sealed."""
    state = State(letter.state)
    if letter.kind == INCOMING or (state not in EDITABLE and state is not State.SIGNED):
        raise SealedContent(f"letter {letter.guid} is {letter.state}; its content cannot change")
    values: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "recipients":
            continue
        if key in _FIELDS:
            values[key] = _FIELDS[key](value)
        elif key in {"sender", "in_reply_to", "follow_up_of"}:
            values[key] = value
        else:
            raise TypeError(f"unknown letter field {key!r}")
    if state is State.SIGNED or letter.signatures:
        dropped = len(letter.signatures)
        letter.signatures.clear()
        if state is not State.DRAFT:
            check_transition(letter.kind, letter.state, State.DRAFT)
            letter.state = State.DRAFT.value
        audit(session, "signature_dropped", letter.guid, actor, signatures=dropped, reason="edited")
    for key, value in values.items():
        if key == "sender":
            letter.sender_agency = value.get("agency", "")
            letter.sender_unit = value.get("unit", "")
            letter.sender_person = value.get("person", "")
            letter.sender_name = value.get("name", "")
        elif key in {"in_reply_to", "follow_up_of"}:
            setattr(letter, key, value[0] if value else None)
            setattr(letter, f"{key}_shams", value[1] if value else "")
        else:
            setattr(letter, key, value)
    if "recipients" in changes:
        letter.recipients.clear()
        session.flush()  # positions are unique per letter: retire the old rows first
        letter.recipients.extend(_recipients(changes["recipients"]))
    audit(session, "edited", letter.guid, actor, fields=sorted(changes))
    return letter


def transition(session: Session, letter: Letter, target: State | str, *, actor: str = "", **detail: Any) -> Letter:
    new = check_transition(letter.kind, letter.state, str(target))
    audit(session, "state", letter.guid, actor, old=letter.state, new=new.value, **detail)
    letter.state = new.value
    return letter


# Where each field of the canonical content lives in the store, listed once: letter_content builds
# the content from these columns, the seal guard (guards.py) refuses to change them once signed and
# the outbox reads only them to build packages.
LETTER_COLUMNS = {
    "guid": "guid", "kind": "kind", "subject": "subject", "body": "body",
    "priority": "priority", "classification": "classification",
}  # fmt: skip
SENDER_COLUMNS = {"agency": "sender_agency", "unit": "sender_unit", "person": "sender_person", "name": "sender_name"}
LINK_COLUMNS = {  # link type -> (guid column, SHAMS column); a link is present when its guid is set
    LinkType.IN_REPLY_TO: ("in_reply_to", "in_reply_to_shams"),
    LinkType.FOLLOW_UP_OF: ("follow_up_of", "follow_up_of_shams"),
}
RECIPIENT_COLUMNS = {"role": "role", "agency": "agency", "unit": "unit", "person": "person", "name": "name"}
ATTACHMENT_COLUMNS = {
    "address": "remote_address", "sha256": "sha256", "size": "size", "media_type": "media_type", "name": "file_name",
}  # fmt: skip
CHILD_ORDER = "position"  # recipients and attachments appear in the content in this order
LETTER_CONTENT_COLUMNS = (
    *LETTER_COLUMNS.values(), *SENDER_COLUMNS.values(), *(c for pair in LINK_COLUMNS.values() for c in pair),
)  # fmt: skip
RECIPIENT_CONTENT_COLUMNS = (CHILD_ORDER, *RECIPIENT_COLUMNS.values())
ATTACHMENT_CONTENT_COLUMNS = (CHILD_ORDER, *ATTACHMENT_COLUMNS.values())


def set_links(letter: Letter, links: list[dict[str, Any]]) -> None:
    """Store the content's links (عطف/پیرو) of a received letter in its link columns."""
    for link in links:
        kind = str(link.get("type") or "")
        columns = LINK_COLUMNS.get(LinkType(kind)) if kind in tuple(LinkType) else None  # unknown types: skipped
        if columns is not None and link.get("guid"):
            setattr(letter, columns[0], str(link["guid"])[:36])
            setattr(letter, columns[1], str(link.get("shams") or "")[:40])


def _fields(row: Any, columns: dict[str, str]) -> dict[str, Any]:
    return {field: getattr(row, column) for field, column in columns.items()}


def letter_content(letter: Letter) -> dict[str, Any]:
    """The canonical content a signature over this letter covers."""
    links = [{"type": t, "guid": getattr(letter, g), "shams": getattr(letter, s)} for t, (g, s) in LINK_COLUMNS.items()]
    return build_content(
        **_fields(letter, LETTER_COLUMNS),
        sender=_fields(letter, SENDER_COLUMNS),
        recipients=[_fields(r, RECIPIENT_COLUMNS) for r in letter.recipients],
        links=[link for link in links if link["guid"]],
        attachments=[_fields(a, ATTACHMENT_COLUMNS) for a in letter.attachments],
    )


class ContentChanged(ValueError):
    message_fa = "متن نامه پس از امضا تغییر کرده است؛ امضا پذیرفته نشد."


def add_signature(
    session: Session,
    letter: Letter,
    *,
    cms: bytes,
    content_sha256_hex: str,
    signer_subject: str = "",
    signer_national_code: str | None = None,
    actor: str = "",
) -> Signature:
    """Store a signature made over ``letter_content(letter)`` and mark the letter signed."""
    if content_sha256(letter_content(letter)) != content_sha256_hex:
        raise ContentChanged(f"letter {letter.guid} changed after it was signed")
    sig = Signature(
        content_sha256=content_sha256_hex,
        cms=cms,
        signer_subject=signer_subject,
        signer_national_code=signer_national_code,
    )
    if letter.state != State.SIGNED:
        transition(session, letter, State.SIGNED, actor=actor)
    letter.signatures.append(sig)
    audit(session, "signed", letter.guid, actor, signer=signer_subject, national_code=signer_national_code)
    return sig


def add_attachment(session: Session, blobs: BlobStore, letter: Letter, path: Path, *, actor: str = "") -> Attachment:
    """Copy a file into the blob store and attach it (the upload to the server comes later)."""
    sha, size = blobs.put_file(path)
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    att = Attachment(
        position=len(letter.attachments), sha256=sha, size=size, media_type=media_type, file_name=path.name
    )
    letter.attachments.append(att)
    audit(session, "attachment_added", letter.guid, actor, sha256=sha, size=size, name=path.name)
    return att
