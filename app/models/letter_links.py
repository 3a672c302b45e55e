"""The letter a draft answers (عطف) or follows up (پیرو): finding candidates and reading a stored link.

Candidates are letters that have left or reached this office (the Sent and Incoming folders),
found by subject, parties or SHAMS through the store's full-text search. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.db import Store
from app.models.folders import Folder, fetch_letters
from app.models.tables import Letter

SEARCH_LIMIT = 10


@dataclass(frozen=True)
class LetterLink:
    guid: str
    shams: str  # canonical ASCII, "" when the linked letter has none
    subject: str = ""


def search_letters(store: Store, text: str, *, exclude: str | None = None, limit: int = SEARCH_LIMIT) -> list[LetterLink]:
    """Sent and incoming letters matching ``text``, newest first, without ``exclude`` (the draft itself)."""
    if not text.strip():
        return []
    with store.reader() as session:
        rows = [
            *fetch_letters(session, Folder.SENT, 0, limit, query=text),
            *fetch_letters(session, Folder.INCOMING, 0, limit, query=text),
        ]
    rows.sort(key=lambda r: r.date, reverse=True)
    return [LetterLink(r.guid, r.shams or "", r.subject) for r in rows if r.guid != exclude][:limit]


def load_link(session: Session, guid: str | None, shams: str) -> LetterLink | None:
    """The stored link of a letter, with the linked subject when we have that letter."""
    if not guid:
        return None
    subject = session.scalar(select(Letter.subject).where(Letter.guid == guid)) or ""
    return LetterLink(guid, shams or "", subject)
