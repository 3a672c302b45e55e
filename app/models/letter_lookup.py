"""Small reads about one letter for the main window: its state (which view opens it, which
actions apply) and what a printout of it shows. Qt-free."""

from __future__ import annotations

from dataclasses import dataclass

from app.models.db import Store
from app.models.letter_view import LetterView
from app.models.tables import Agency, Letter


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
        return LetterView.from_letter(letter, agency_name=agency.name if agency else letter.sender_name)
