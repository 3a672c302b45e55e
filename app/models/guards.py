"""Session hooks that hold for every write: sealed content stays sealed, the index follows.

They run inside the flush, so the check and the search index commit or roll back with the
change itself, whichever code path made it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.base import PASSIVE_NO_INITIALIZE

from app.models.letters import (
    ATTACHMENT_CONTENT_COLUMNS,
    INCOMING,
    LETTER_CONTENT_COLUMNS,
    RECIPIENT_CONTENT_COLUMNS,
)
from app.models.lifecycle import EDITABLE, SealedContent, State
from app.models.search import reindex, reindex_shams
from app.models.tables import Attachment, Letter, Recipient

INDEXED = ("subject", "body", "sender_name", "verification", "incoming_number", "sender_id", "sender_number",
           "tracking_id", "shams")  # shams last: reindexed alone


def _changed(obj: Any, attrs: tuple[str, ...]) -> bool:
    state = inspect(obj)
    # An attribute set since the last flush has its old value in committed_state; only those
    # can have changes (state.attrs builds a view of every attribute on each access).
    touched = [a for a in attrs if a in state.committed_state]
    return bool(touched) and any(state.get_history(a, PASSIVE_NO_INITIALIZE).has_changes() for a in touched)


def _assert_editable(letter: Letter | None) -> None:
    if letter is None:
        return
    if letter.kind == INCOMING or State(letter.state) not in EDITABLE or letter.signatures:
        raise SealedContent(f"letter {letter.guid} is {letter.state}; its signed content cannot change")


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    with session.no_autoflush:
        for obj in session.dirty:
            if isinstance(obj, Letter) and _changed(obj, LETTER_CONTENT_COLUMNS):
                _assert_editable(obj)
            elif (isinstance(obj, Recipient) and _changed(obj, RECIPIENT_CONTENT_COLUMNS)) or (
                isinstance(obj, Attachment) and _changed(obj, ATTACHMENT_CONTENT_COLUMNS)
            ):
                _assert_editable(obj.letter)
        for obj in (*session.new, *session.deleted):
            if isinstance(obj, Recipient | Attachment):
                letter = obj.letter
                if letter is not None and letter not in session.new and letter not in session.deleted:
                    _assert_editable(letter)


def _after_flush(session: Session, _ctx: Any) -> None:
    guids: set[str | None] = set()  # None: a recipient that belongs to no letter
    numbered: dict[str, str | None] = {}  # only the SHAMS changed: no need to re-read the body
    for obj in session.new:
        if isinstance(obj, Letter):
            guids.add(obj.guid)
        elif isinstance(obj, Recipient):
            guids.add(obj.letter_guid)
    for obj in session.dirty:
        if isinstance(obj, Letter) and _changed(obj, INDEXED):
            if _changed(obj, INDEXED[:-1]):
                guids.add(obj.guid)
            else:
                numbered[obj.guid] = obj.shams
        elif isinstance(obj, Recipient) and _changed(obj, RECIPIENT_CONTENT_COLUMNS):
            guids.add(obj.letter_guid)
    for obj in session.deleted:
        if isinstance(obj, Recipient):
            guids.add(obj.letter_guid)
    changed = sorted(g for g in guids if g is not None)
    if changed:
        reindex(session.connection(), changed)
    for guid, shams in numbered.items():
        if guid not in guids:
            reindex_shams(session.connection(), guid, shams)


def install(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "after_flush", _after_flush)
