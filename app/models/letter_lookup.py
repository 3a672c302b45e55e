"""Small reads about one letter for the main window: its state (which view opens it, which
actions apply) and what a printout of it shows. Qt-free."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.db import Store
from app.models.letter_view import LetterView, Signatory, common_name
from app.models.letters import INCOMING
from app.models.tables import Agency, Letter, Person, Unit
from app.protocol.persian import to_persian_digits


@dataclass(frozen=True)
class LetterSummary:
    guid: str
    state: str
    subject: str
    reject_reason: str | None


def letter_summary(store: Store, guid: str) -> LetterSummary | None:
    with store.reader() as s:
        letter = s.get(Letter, guid)
        if letter is None:
            return None
        return LetterSummary(letter.guid, letter.state, letter.subject, letter.reject_reason)


def printable_view(store: Store, guid: str) -> LetterView:
    """The letter as printed; raises ``NotRegistered`` for a letter without a SHAMS yet."""
    with store.reader() as s:
        letter = s.get(Letter, guid)
        if letter is None:
            raise LookupError(guid)
        agency = s.get(Agency, letter.sender_agency)
        view = LetterView.from_letter(letter, agency_name=agency.name if agency else letter.sender_name,
                                      signatories=_signatories(s, letter))
        return dataclasses.replace(
            view,
            sender_unit=unit_name(s, letter.sender_agency, letter.sender_unit),
            in_reply_to_date=_registered_at(s, letter.in_reply_to, letter.in_reply_to_shams),
            follow_up_of_date=_registered_at(s, letter.follow_up_of, letter.follow_up_of_shams),
            recipient_address=_citizen_address(s, letter),
        )


def _citizen_address(session: Session, letter: Letter) -> str:
    """Where an answer to a citizen's letter is posted: the address and postal code the desk took
    down from the letter it answers, when that citizen is its recipient ("" otherwise)."""
    asked = session.get(Letter, letter.in_reply_to) if letter.in_reply_to else None
    if asked is None or not asked.sender_id or asked.sender_id not in {r.agency for r in letter.recipients}:
        return ""
    postal = f"کد پستی {to_persian_digits(asked.sender_postal_code)}" if asked.sender_postal_code else ""
    return "، ".join(part for part in (asked.sender_address or "", postal) if part)


def _signatories(session: Session, letter: Letter) -> list[Signatory]:
    """Who signed, as printed: the name their certificate gives (what was signed) and the title
    the directory lists for their national code (certificates carry no title). A received letter
    keeps no signature rows: its signers are those the arrival check found valid."""
    signed = [(sig.signer_subject, sig.signer_national_code) for sig in letter.signatures]
    if not signed and letter.kind == INCOMING:
        signed = [(str(x.get("subject") or ""), x.get("national_code") or None)
                  for x in (letter.verification or {}).get("signers") or [] if x.get("valid")]
    out = []
    for subject, code in signed:
        title = session.scalars(select(Person.title).where(Person.national_code == code).limit(1)).first() if code else None
        out.append(Signatory(common_name(subject), title or "", code))
    return out


_LATIN = re.compile(r"[A-Za-z]")


def unit_name(session: Session, agency: str, code: str) -> str:
    """A unit's Persian name from the directory; a code that is not a name (Latin letters, such as
    «secretariat») is never shown to people: "" until the directory has the unit."""
    name = session.scalar(select(Unit.name).where(Unit.agency == agency, Unit.code == code)) if code else None
    if name:
        return name
    return "" if _LATIN.search(code or "") else code or ""


def desk_name(session: Session, agency: str, unit: str = "", name: str = "") -> str:
    """A desk as people read it: the agency's name (from the directory), its unit and the person."""
    row = session.get(Agency, agency) if agency else None
    parts = (row.name if row is not None else agency, unit_name(session, agency, unit), name)
    return "، ".join(dict.fromkeys(p for p in parts if p))


def own_desk(store: Store, me: dict[str, object]) -> str:
    """This workstation's desk (the login's agency and unit), named as :func:`desk_name` does."""
    with store.reader() as s:
        return desk_name(s, str(me.get("agency") or ""), str(me.get("unit") or ""))


def _registered_at(session: Session, guid: str | None, shams: str) -> dt.datetime | None:
    """When a referenced letter was registered, if this store holds it (by GUID, else by SHAMS): a
    letter that came on paper or from a citizen (no SHAMS) when this agency registered it."""
    letter = session.get(Letter, guid) if guid else None
    if letter is None and shams:
        letter = session.scalars(select(Letter).where(Letter.shams == shams).limit(1)).first()
    return (letter.registered_at or letter.incoming_at) if letter is not None else None
