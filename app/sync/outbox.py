"""The persisted outbox: what still has to reach the server, kept in the local store.

Every operation has a fixed idempotency key derived from the letter GUID, so a retry after a
crash or a timeout asks the server the same question and gets the same answer.
"""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import letters as L
from app.models.lifecycle import State
from app.models.tables import (
    Attachment,
    Letter,
    OutboxOperation,
    Receipt,
    Recipient,
    Setting,
    Signature,
    utcnow,
)
from app.protocol.canonical import content_sha256
from app.protocol.package import LetterPackage

REGISTER, SEND, ACK = "register", "send", "ack"
BACKOFF_BASE = 2.0  # seconds
BACKOFF_CAP = 300.0


def idempotency_key(op: str, guid: str, extra: str = "") -> str:
    return f"{op}:{guid}" + (f":{extra}" if extra else "")


def enqueue(session: Session, op: str, guid: str, *, extra: str = "") -> OutboxOperation:
    """Add an operation unless one with the same key exists (queueing twice is harmless)."""
    return enqueue_many(session, [(op, guid, extra)])[0]


def enqueue_many(session: Session, ops: list[tuple[str, str, str]]) -> list[OutboxOperation]:
    """:func:`enqueue` for several ``(op, guid, extra)`` at once: one query for the keys that
    already exist instead of one per operation."""
    keys = [idempotency_key(op, guid, extra) for op, guid, extra in ops]
    existing = {
        item.idempotency_key: item
        for item in session.scalars(select(OutboxOperation).where(OutboxOperation.idempotency_key.in_(keys)))
    } if keys else {}
    out = []
    for (op, guid, _extra), key in zip(ops, keys, strict=True):
        item = existing.get(key)
        if item is None:
            item = existing[key] = OutboxOperation(letter_guid=guid, op=op, idempotency_key=key)
            session.add(item)
        elif item.status == "failed":
            # The same request was refused before (say, signed with a certificate the server did
            # not accept) and is queued again on purpose: try it again. The server keeps no answer
            # for a refusal, so the key is free.
            item.status, item.attempts, item.last_error, item.next_attempt_at = "pending", 0, None, utcnow()
        out.append(item)
    return out


def content_tag(content_sha256: str) -> str:
    """Part of the idempotency key: a letter corrected after a refusal is a new request."""
    return content_sha256[:16]


def queue_letter(session: Session, letter: Letter, *, actor: str = "") -> None:
    """Signed letter → outbox. Works offline; the sync engine takes it from here."""
    L.transition(session, letter, State.QUEUED, actor=actor)
    enqueue(session, REGISTER, letter.guid, extra=content_tag(content_sha256(L.letter_content(letter))))


def due(session: Session, now: dt.datetime, limit: int = 100, *, ops: tuple[str, ...] = (REGISTER, SEND, ACK)
        ) -> list[OutboxOperation]:
    """Pending operations of the given kinds whose time has come, oldest first."""
    return list(
        session.scalars(
            select(OutboxOperation)
            .where(OutboxOperation.status == "pending", OutboxOperation.next_attempt_at <= now,
                   OutboxOperation.op.in_(ops))
            .order_by(OutboxOperation.id)
            .limit(limit)
        )
    )


def pending_count(session: Session) -> int:
    return len(session.scalars(select(OutboxOperation.id).where(OutboxOperation.status == "pending")).all())


def backoff_delay(attempts: int, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: many clients coming back online don't stampede."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


def retry_later(item: OutboxOperation, error: str, now: dt.datetime) -> None:
    item.attempts += 1
    item.last_error = error[:2000]
    item.next_attempt_at = now + dt.timedelta(seconds=backoff_delay(item.attempts))


def letter_package(letter: Letter) -> LetterPackage:
    """The package of a letter (an ORM object, or the rows :func:`letter_packages` reads)."""
    return LetterPackage(
        content=L.letter_content(letter),
        signatures=[s.cms for s in letter.signatures],
        receipts=[r.data for r in letter.receipts],
    )


def letter_packages(session: Session, guids: list[str]) -> dict[str, LetterPackage]:
    """:func:`letter_package` of several letters, read with five plain queries: rows, not ORM
    objects, which are slow to load and track in bulk."""
    if not guids:
        return {}
    conn = session.connection()
    letters_t, rec_t, att_t = Letter.__table__, Recipient.__table__, Attachment.__table__
    sig_t, receipt_t = Signature.__table__, Receipt.__table__
    letters = {
        row.guid: SimpleNamespace(**row._mapping, recipients=[], attachments=[], signatures=[], receipts=[])
        for row in conn.execute(select(*(letters_t.c[n] for n in L.LETTER_CONTENT_COLUMNS)).where(letters_t.c.guid.in_(guids)))
    }
    children = (  # as the relationships order them (signatures and receipts: as stored)
        ("recipients", select(rec_t.c.letter_guid, *(rec_t.c[n] for n in L.RECIPIENT_COLUMNS.values()))
         .where(rec_t.c.letter_guid.in_(guids)).order_by(rec_t.c[L.CHILD_ORDER])),
        ("attachments", select(att_t.c.letter_guid, *(att_t.c[n] for n in L.ATTACHMENT_COLUMNS.values()))
         .where(att_t.c.letter_guid.in_(guids)).order_by(att_t.c[L.CHILD_ORDER])),
        ("signatures", select(sig_t.c.letter_guid, sig_t.c.cms).where(sig_t.c.letter_guid.in_(guids)).order_by(sig_t.c.id)),
        ("receipts", select(receipt_t.c.letter_guid, receipt_t.c.data)
         .where(receipt_t.c.letter_guid.in_(guids)).order_by(receipt_t.c.id)),
    )
    for name, query in children:
        for row in conn.execute(query):
            getattr(letters[row.letter_guid], name).append(row)
    # rows shaped like Letter (the columns and children letter_content reads), not Letter objects
    return {guid: letter_package(letter) for guid, letter in letters.items()}  # type: ignore[arg-type]


def get_cursor(session: Session, name: str) -> int:
    row = session.get(Setting, f"cursor:{name}")
    return int(row.value["cursor"]) if row else 0


def set_cursor(session: Session, name: str, value: int) -> None:
    row = session.get(Setting, f"cursor:{name}")
    if row is None:
        session.add(Setting(key=f"cursor:{name}", value={"cursor": value, "at": utcnow().isoformat()}))
    else:
        row.value = {"cursor": value, "at": utcnow().isoformat()}


def last_sync(session: Session) -> dict[str, Any] | None:
    row = session.get(Setting, "sync:last")
    return row.value if row else None
