"""The secretary's folders and the queries behind the letter list (lazy, paged).

A page is read in two steps: the rowids of the page, newest first, then the columns of just
those rows. Without a search the rowids come from walking the ``ix_letters_folder_order``
index (so the cost is one page, not the folder). With a search they come from the match
stream itself, newest first (the index is keyed in list order, see :mod:`app.models.search`),
so a broad word costs a page of matches, not all of them; see :func:`_search_page`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, TextClause, and_, func, literal_column, select, text, true
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from app.models.archive import FiledIn
from app.models.lifecycle import State
from app.models.paper_delivery import on_paper
from app.models.search import SEARCH_KEY_SPAN, fts_query
from app.models.tables import Letter


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
    Folder.INCOMING: (State.RECEIVED, State.INVALID, State.INCOMING_PROVISIONAL, State.REGISTERED_INCOMING),
}
_STATE_FOLDER = {state.value: folder for folder, states in FOLDER_STATES.items() for state in states}
Place = Folder | FiledIn  # what a letter list shows: a folder, or one folder of the archive's tree


def folder_filter(folder: Place | None) -> ColumnElement[bool]:
    """The letters of ``folder``; None: every letter (a search across all folders)."""
    if folder is None:
        return true()
    if isinstance(folder, FiledIn):
        return folder.condition()
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
    incoming_number: str | None = None  # what we receive: this desk's number for it (the list shows it)
    on_paper: bool = False  # sent on paper, not through Payam (a citizen's answer): the list says so

    @property
    def number(self) -> str | None:
        """The number the list shows: ours (the SHAMS we sent it under, the incoming number we gave it)."""
        return self.incoming_number if self.kind == "incoming" else self.shams


def _where(folder: Place | None, query: str | None) -> list[ColumnElement[bool] | TextClause]:
    conds: list[ColumnElement[bool] | TextClause] = [folder_filter(folder)]
    match = fts_query(query or "")
    if match is not None:
        # The unary + keeps SQLite from driving the query by rowid through this IN-list: it
        # walks the folder in list order and stops at a page, testing each row against the
        # matches (a broad word can match most of the store; sorting all of them is the slow plan).
        conds.append(
            text("+letters.search_key IN (SELECT rowid FROM letters_search WHERE letters_search MATCH :q)").bindparams(
                q=match
            )
        )
    return conds


@cache
def _folder_sql(folder: Place | None) -> str:
    """The folder filter as SQL text (its values are this module's constants or a checked folder GUID)."""
    return str(folder_filter(folder).compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


# How many of the newest matches the stream reads looking for a page before it gives up and
# the folder walk takes over (a word common elsewhere but rare in this folder).
_STREAM_CANDIDATES = 4000


def _search_page(session: Session, folder: Place | None, match: str, offset: int, limit: int) -> list[int] | None:
    """The rowids of a search page, newest first, read from the match stream; None: walk instead.

    Matches come newest first (``letters_search`` rowid DESC is search_key order) with the
    folder tested inside ``ix_letters_search_key``; reading stops once the page is in hand.
    The key orders by whole seconds of ``updated_at``, so the letters of the last second
    reached are all read too, and what was read is put in exact list order here.
    """
    need = offset + limit
    rows = session.execute(
        text(
            "SELECT k, r, u, g FROM (SELECT s.rowid AS k, letters.rowid AS r, letters.updated_at AS u, "
            "letters.guid AS g, (" + _folder_sql(folder) + ") AS f "
            "FROM letters_search s CROSS JOIN letters INDEXED BY ix_letters_search_key "
            "ON letters.search_key = s.rowid WHERE letters_search MATCH :q ORDER BY s.rowid DESC LIMIT :cap) "
            "WHERE f"
        ),
        {"q": match, "cap": _STREAM_CANDIDATES},
    )
    found = list(rows.fetchmany(need))
    complete = False  # the page is known to be among what was read
    if len(found) == need:
        second = found[-1][0] // SEARCH_KEY_SPAN
        for row in rows:
            if row[0] // SEARCH_KEY_SPAN != second:
                complete = True
                break
            found.append(row)
    rows.close()
    if not complete:
        # The stream ended: it was either every match (then the page is among them) or the
        # read limit (then this folder holds too few of them: the folder walk is cheaper).
        seen = session.execute(
            text("SELECT count(*) FROM (SELECT 1 FROM letters_search WHERE letters_search MATCH :q LIMIT :cap)"),
            {"q": match, "cap": _STREAM_CANDIDATES},
        ).scalar_one()
        if seen >= _STREAM_CANDIDATES:
            return None
    found.sort(key=lambda row: (row[2], row[3]), reverse=True)  # ORDER BY updated_at DESC, guid DESC
    return [row[1] for row in found[offset:need]]


def count_letters(session: Session, folder: Place | None, query: str | None = None) -> int:
    return session.scalar(select(func.count()).select_from(Letter).where(*_where(folder, query))) or 0


_ROWID: ColumnElement[int] = literal_column("letters.rowid")
# Stored text to aware UTC, exactly as the ORM column type reads it.
_as_datetime: Callable[[Any], dt.datetime] = Letter.__table__.c.updated_at.type.dialect_impl(  # type: ignore[assignment]
    sqlite.dialect()).result_processor(sqlite.dialect(), None)  # (None only for types that need no processing)


@cache
def _rows_sql(n: int) -> str:
    """The list columns of ``n`` letters by rowid (``?`` placeholders)."""
    return (
        "SELECT l.rowid, l.guid, l.kind, l.state, l.subject, "
        # what we receive: the sending agency's name from the directory (the person's if unknown)
        "COALESCE((SELECT a.name FROM agencies a WHERE a.national_id = l.sender_agency), l.sender_name), "
        "(SELECT r.name FROM recipients r WHERE r.letter_guid = l.guid ORDER BY r.position LIMIT 1), "
        "l.shams, l.registered_at, l.updated_at, l.priority, l.classification, l.incoming_number "
        f"FROM letters l WHERE l.rowid IN ({', '.join('?' * n)})"
    )


def fetch_letters(
    session: Session, folder: Place | None, offset: int, limit: int, query: str | None = None
) -> list[LetterRow]:
    """One page of a folder (None: of every letter), newest first."""
    match = fts_query(query or "")
    page = _search_page(session, folder, match, offset, limit) if match is not None and limit > 0 else None
    if page is None:
        page = list(session.scalars(
            select(_ROWID)
            .select_from(Letter)
            .where(*_where(folder, query))
            .order_by(Letter.updated_at.desc(), Letter.guid.desc())
            .offset(offset)
            .limit(limit)
        ))
    if not page:
        return []
    rows: dict[int, LetterRow] = {}
    # Straight to the driver: read on every keystroke and scroll, with an IN-list whose length
    # changes, this select would be built and compiled again each time.
    result = session.connection().exec_driver_sql(_rows_sql(len(page)), tuple(page))
    for rowid, guid, kind, state, subject, sender, first_rcpt, shams, registered, updated, prio, cls, number in result:
        rows[rowid] = LetterRow(
            guid=guid,
            kind=kind,
            state=state,
            subject=subject,
            counterpart=(sender if kind == "incoming" else first_rcpt) or "",
            shams=shams,
            date=_as_datetime(registered or updated),
            priority=prio,
            classification=cls,
            incoming_number=number,
        )
    paper = on_paper(session, [r.guid for r in rows.values() if r.kind == "outgoing" and r.state == State.SENT])
    return [replace(rows[r], on_paper=True) if rows[r].guid in paper else rows[r] for r in page if r in rows]


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
