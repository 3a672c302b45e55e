"""The secretary's folders and the queries behind the letter list (lazy, paged).

A page is read in two steps: the rowids of the page, newest first, walking the
``ix_letters_folder_order`` index (so the cost is one page, not the folder), then the
columns of just those rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, func, literal_column, select, text
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
_STATE_FOLDER = {state.value: folder for folder, states in FOLDER_STATES.items() for state in states}


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


def _where(folder: Folder, query: str | None) -> list[ColumnElement[bool]]:
    conds = [folder_filter(folder)]
    match = fts_query(query or "")
    if match is not None:
        # The unary + keeps SQLite from driving the query by rowid through this IN-list: it
        # walks the folder in list order and stops at a page, testing each row against the
        # matches (a broad word can match most of the store; sorting all of them is the slow plan).
        conds.append(
            text("+letters.rowid IN (SELECT rowid FROM letters_fts WHERE letters_fts MATCH :q)").bindparams(q=match)
        )
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
_ROWID = literal_column("letters.rowid")


def fetch_letters(
    session: Session, folder: Folder, offset: int, limit: int, query: str | None = None
) -> list[LetterRow]:
    """One page of a folder, newest first."""
    page = session.scalars(
        select(_ROWID)
        .select_from(Letter)
        .where(*_where(folder, query))
        .order_by(Letter.updated_at.desc(), Letter.guid.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    if not page:
        return []
    stmt = select(
        _ROWID,
        Letter.guid,
        Letter.kind,
        Letter.state,
        Letter.subject,
        Letter.sender_name,
        _FIRST_RECIPIENT,
        Letter.shams,
        Letter.registered_at,
        Letter.updated_at,
        Letter.priority,
        Letter.classification,
    ).where(_ROWID.in_(page))
    rows: dict[int, LetterRow] = {}
    for rowid, guid, kind, state, subject, sender, first_rcpt, shams, registered, updated, prio, cls in session.execute(
        stmt
    ):
        rows[rowid] = LetterRow(
            guid=guid,
            kind=kind,
            state=state,
            subject=subject,
            counterpart=(sender if kind == "incoming" else first_rcpt) or "",
            shams=shams,
            date=registered or updated,
            priority=prio,
            classification=cls,
        )
    return [rows[r] for r in page if r in rows]


def folder_counts(session: Session) -> dict[Folder, int]:
    """All folder sizes in one pass over the folder index."""
    counts = dict.fromkeys(Folder, 0)
    for archived, state, n in session.execute(
        select(Letter.archived, Letter.state, func.count()).group_by(Letter.archived, Letter.state)
    ):
        if archived:
            counts[Folder.ARCHIVE] += n
        elif state in _STATE_FOLDER:
            counts[_STATE_FOLDER[state]] += n
    return counts
