"""Answering a citizen by letter: an outgoing letter (صادره) to the person or company who wrote,
numbered at SHAMS, printed and handed over or posted — never sent through Payam.

A recipient is reached through Payam when its agency is one of the directory's agencies; a letter
with none (its recipient is a citizen, addressed by national code or national id) is sent once
registered: it goes out on paper, and the Sent folder holds it. A letter to a citizen goes to the citizen alone. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.models.db import Store
from app.models.directory import DirectoryEntry
from app.models.incoming import CITIZEN_KINDS
from app.models.letter_links import LetterLink
from app.models.lifecycle import State
from app.models.paper_delivery import on_paper
from app.models.tables import Agency, Letter, Recipient
from app.protocol.canonical import InvalidContent

PAPER_DELIVERY_FA = "ثبت‌شده — تحویل کاغذی"  # the state shown for such a letter once numbered
CITIZEN_ALONE_FA = ("نامه به شهروند فقط برای خود او فرستاده می‌شود؛ برای سازمان‌های گیرنده دیگر نامه‌ای "
                    "جداگانه بنویسید.")
REPLY_PREFIX_FA = "پاسخ: "


@dataclass(frozen=True)
class CitizenReply:
    """What the answer to a citizen's letter starts with: the citizen as recipient, «عطف», subject."""

    recipient: DirectoryEntry
    link: LetterLink
    subject: str


def citizen_reply(store: Store, letter_guid: str) -> CitizenReply | None:
    """The start of an answer to ``letter_guid``; None unless it is an incoming letter from a person
    or a company whose national code or national id is known. The «عطف» names the letter by its
    incoming number, the one on the citizen's receipt (a letter from a citizen has no SHAMS)."""
    with store.reader() as s:
        row = s.execute(select(Letter.kind, Letter.sender_kind, Letter.sender_id, Letter.sender_name, Letter.subject,
                               Letter.shams, Letter.incoming_number).where(Letter.guid == letter_guid)).first()
    if row is None or row.kind != "incoming" or row.sender_kind not in CITIZEN_KINDS or not row.sender_id:
        return None
    name = row.sender_name or row.sender_id
    link = LetterLink(letter_guid, row.shams or row.incoming_number or "", row.subject)
    return CitizenReply(DirectoryEntry("agency", row.sender_id, name=name), link, REPLY_PREFIX_FA + row.subject)


def _known_agency(session: Session, letter_guid: str) -> tuple[bool, bool]:
    """(some recipient's agency is in the directory, some recipient's is not)."""
    known = exists().where(Agency.national_id == Recipient.agency)
    rows = session.execute(select(known).where(Recipient.letter_guid == letter_guid)).scalars().all()
    return any(rows), not all(rows)


def goes_by_payam(session: Session, letter: Letter) -> bool:
    """Whether the registered letter is sent on (Payam, or the internal channel): an internal letter,
    one with a recipient agency of the directory, or any letter while this store knows no agencies
    yet (the directory comes with the first sync: the server then decides, as it always did)."""
    return letter.kind != "outgoing" or letter.guid not in on_paper(session, (letter.guid,))


def delivered_on_paper(session: Session, letter: Letter) -> bool:
    """A numbered outgoing letter that went out on paper (printed, handed over or posted), not by Payam."""
    return letter.state == State.SENT and not goes_by_payam(session, letter)


def check_recipients(session: Session, letter: Letter) -> None:
    """Refuse an outgoing letter addressed both to a citizen and to agencies (InvalidContent)."""
    if letter.kind == "outgoing" and all(_known_agency(session, letter.guid)):
        raise InvalidContent("recipients", "a letter to a citizen goes to the citizen alone", CITIZEN_ALONE_FA)
