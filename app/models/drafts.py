"""What the letter editor reads from and writes to the store (Qt-free; the editor runs writes as ops).

Signatories and the letterhead are stored with the letter but are not part of the signed
content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.models.attachments import AttachmentEntry, entries, set_entries
from app.models.changes import Changes
from app.models.citizen_answer import check_recipients
from app.models.db import Store
from app.models.directory import DirectoryEntry
from app.models.letter_actions import require_signatory
from app.models.letter_links import LetterLink, load_link
from app.models.letters import create_letter, edit_letter, letter_content
from app.models.lifecycle import EDITABLE, State
from app.models.tables import Letter
from app.protocol.canonical import InvalidContent

# as the server words its refusal (internal_recipient_outside_agency), said before the letter is signed
INTERNAL_OUTSIDE_FA = "گیرندگان نامه داخلی باید از واحدها یا کارکنان همین سازمان باشند."


@dataclass
class DraftValues:
    subject: str = ""
    body: str = ""  # Qt rich text (HTML) or, for letters made elsewhere, plain text
    priority: str = "normal"
    classification: str = "normal"
    to: list[DirectoryEntry] = field(default_factory=list)
    cc: list[DirectoryEntry] = field(default_factory=list)
    in_reply_to: LetterLink | None = None
    follow_up_of: LetterLink | None = None
    signatories: list[DirectoryEntry] = field(default_factory=list)
    letterhead: str = ""
    attachments: list[AttachmentEntry] = field(default_factory=list)  # already in the blob store

    def recipients(self) -> list[dict[str, str]]:
        return [e.as_recipient("to") for e in self.to] + [e.as_recipient("cc") for e in self.cc]


@dataclass(frozen=True)
class LoadedDraft:
    values: DraftValues
    kind: str
    state: str
    signed: bool

    @property
    def editable(self) -> bool:
        """Drafts, and signed letters (whose signature an edit drops); nothing further along."""
        return self.kind != "incoming" and (
            State(self.state) in EDITABLE or State(self.state) is State.SIGNED
        )


@dataclass(frozen=True)
class SavedDraft:
    guid: str
    changes: Changes


def _link(link: LetterLink | None) -> tuple[str, str] | None:
    return (link.guid, link.shams) if link else None


def _letter(session: Session, guid: str) -> Letter:
    letter = session.get(Letter, guid)
    if letter is None:
        raise LookupError(f"letter {guid} is not in the store")
    return letter


def load_draft(store: Store, guid: str) -> LoadedDraft:
    with store.reader() as session:
        return _load(session, _letter(session, guid))


def _load(session: Session, letter: Letter) -> LoadedDraft:
    recipients = [(r.role, DirectoryEntry.from_recipient(r)) for r in letter.recipients]
    values = DraftValues(
        subject=letter.subject,
        body=letter.body,
        priority=letter.priority,
        classification=letter.classification,
        to=[e for role, e in recipients if role == "to"],
        cc=[e for role, e in recipients if role == "cc"],
        in_reply_to=load_link(session, letter.in_reply_to, letter.in_reply_to_shams),
        follow_up_of=load_link(session, letter.follow_up_of, letter.follow_up_of_shams),
        signatories=[DirectoryEntry.from_dict(d) for d in letter.signatories or []],
        letterhead=letter.letterhead,
        attachments=entries(letter),
    )
    return LoadedDraft(values, letter.kind, letter.state, _signed(letter))


def _signed(letter: Letter) -> bool:
    return bool(letter.signatures) or letter.state == State.SIGNED


def is_signed(store: Store, guid: str) -> bool:
    """Whether saving an edit would drop a signature (the editor asks first)."""
    with store.reader() as session:
        letter = session.get(Letter, guid)
        return letter is not None and _signed(letter)


def check_complete(store: Store, guid: str) -> None:
    """Raise :class:`InvalidContent` (with the field) unless the letter can be signed as it is."""
    with store.reader() as session:
        letter = _letter(session, guid)
        letter_content(letter)
        check_recipients(session, letter)
        _require_own_agency(letter)
        require_signatory(letter)


def _require_own_agency(letter: Letter) -> None:
    """An internal letter goes only to its own agency's units and people (the server refuses any other)."""
    if letter.kind != "internal" or not letter.sender_agency:
        return
    for i, r in enumerate(letter.recipients):
        if r.agency != letter.sender_agency:
            raise InvalidContent(f"recipients[{i}].agency", "an internal letter stays inside the agency",
                                 INTERNAL_OUTSIDE_FA)


def save_draft(
    store: Store,
    guid: str | None,
    values: DraftValues,
    *,
    kind: str,
    sender: dict[str, str],
    actor: str = "",
) -> SavedDraft:
    """Create the draft or update it (dropping a signature, see ``edit_letter``), in one transaction."""
    with store.session() as session:
        guid = _save(session, guid, values, kind=kind, sender=sender, actor=actor)
    return SavedDraft(guid, Changes.of_letters([guid]))


def _save(
    session: Session, guid: str | None, values: DraftValues, *, kind: str, sender: dict[str, str], actor: str
) -> str:
    common: dict[str, Any] = {
        "subject": values.subject,
        "body": values.body,
        "priority": values.priority,
        "classification": values.classification,
        "recipients": values.recipients(),
        "in_reply_to": _link(values.in_reply_to),
        "follow_up_of": _link(values.follow_up_of),
    }
    letter = session.get(Letter, guid) if guid else None
    if letter is None:
        letter = create_letter(session, kind=kind, sender=sender, actor=actor, guid=guid, **common)
    else:
        edit_letter(session, letter, actor=actor, **common)
    signatories = [e.as_dict() for e in values.signatories]
    if letter.signatories != signatories:
        letter.signatories = signatories
    if letter.letterhead != values.letterhead:
        letter.letterhead = values.letterhead
    set_entries(session, letter, values.attachments)
    return letter.guid
