"""The secretary's folders and the queries behind the letter list (lazy, paged)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, func, select, text
from sqlalchemy.orm import Session

from app.models.lifecycle import State
from app.models.search import fts_query
from app.models.tables import Letter, Recipient


class Folder(StrEnum):
    DRAFTS = "drafts"
    AWAITING_SIGNATURE = "awaiting_signature"
    OUTBOX = "outbox"
    SENT = "sent"
    INCOMING = "incoming"
    ARCHIVE = "archive"


FOLDER_STATES: dict[Folder, tuple[State, ...]] = {
    Folder.DRAFTS: (State.DRAFT, State.REJECTED),
    Folder.AWAITING_SIGNATURE: (State.AWAITING_SIGNATURE,),
    Folder.OUTBOX: (State.SIGNED, State.QUEUED, State.REGISTERED),
    Folder.SENT: (State.SENT, State.DELIVERED, State.ACKNOWLEDGED),
    Folder.INCOMING: (State.RECEIVED, State.INVALID, State.REGISTERED_INCOMING),
}


def folder_filter(folder: Folder) -> ColumnElement[bool]:
    if folder is Folder.ARCHIVE:
        return Letter.archived.is_(True)
    return and_(Letter.archived.is_(False), Letter.state.in_([s.value for s in FOLDER_STATES[folder]]))


@dataclass(frozen=True)
class LetterRow:
    guid: str
    kind: str
    state: str
    subject: str
    counterpart: str  # the other side: recipients for what we send, the sender for what we receive
    shams: str | None
    date: dt.datetime  # registration time once numbered, else last change
    priority: str
    classification: str


def _search_filter(query: str | None) -> ColumnElement[bool] | None:
    match = fts_query(query or "")
    if match is None:
        return None
    return text("letters.rowid IN (SELECT rowid FROM letters_fts WHERE letters_fts MATCH :q)").bindparams(q=match)


def _where(folder: Folder, query: str | None) -> list[ColumnElement[bool]]:
    conds = [folder_filter(folder)]
    search = _search_filter(query)
    if search is not None:
        conds.append(search)
    return conds


def count_letters(session: Session, folder: Folder, query: str | None = None) -> int:
    return session.scalar(select(func.count()).select_from(Letter).where(*_where(folder, query))) or 0


_FIRST_RECIPIENT = (
    select(Recipient.name)
    .where(Recipient.letter_guid == Letter.guid)
    .order_by(Recipient.position)
    .limit(1)
    .correlate(Letter)
    .scalar_subquery()
)


def fetch_letters(
    session: Session, folder: Folder, offset: int, limit: int, query: str | None = None
) -> list[LetterRow]:
    """One page of a folder, newest first."""
    stmt = (
        select(
            Letter.guid,
            Letter.kind,
            Letter.state,
            Letter.subject,
            Letter.sender_name,
            _FIRST_RECIPIENT,
            Letter.shams,
            func.coalesce(Letter.registered_at, Letter.updated_at),
            Letter.priority,
            Letter.classification,
        )
        .where(*_where(folder, query))
        .order_by(Letter.updated_at.desc(), Letter.guid)
        .offset(offset)
        .limit(limit)
    )
    rows = []
    for guid, kind, state, subject, sender, first_rcpt, shams, when, prio, cls in session.execute(stmt):
        if isinstance(when, str):  # coalesce() loses the column type on SQLite
            when = dt.datetime.fromisoformat(when)
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        rows.append(
            LetterRow(
                guid=guid,
                kind=kind,
                state=state,
                subject=subject,
                counterpart=(sender if kind == "incoming" else first_rcpt) or "",
                shams=shams,
                date=when,
                priority=prio,
                classification=cls,
            )
        )
    return rows


def folder_counts(session: Session) -> dict[Folder, int]:
    return {f: count_letters(session, f) for f in Folder}
