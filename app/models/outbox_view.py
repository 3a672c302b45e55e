"""What the outbox folder shows about each letter on its way to the server (Qt-free).

A letter in the outbox has at most one live operation at a time (register, then send); the
newest one tells how far it got and, while it is being retried, why the last try failed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.folders import FOLDER_STATES, Folder
from app.models.referrals import OPS as REFERRAL_OPS
from app.models.tables import Letter, OutboxOperation

MAX_ROWS = 500  # the outbox is normally a handful of letters; a runaway one must not stall the view


@dataclass(frozen=True)
class OutboxProgress:
    guid: str
    subject: str
    state: str
    step: str  # "queued" | "numbered" | "sent" | "failed" | "signed"
    attempts: int = 0
    last_error: str | None = None  # of a pending operation that is being retried
    next_attempt_at: dt.datetime | None = None
    shams: str | None = None

    @property
    def retrying(self) -> bool:
        return self.attempts > 0 and self.last_error is not None


def _step(state: str, op: OutboxOperation | None) -> str:
    if op is not None and op.status == "failed":
        return "failed"
    if state == "registered":
        return "sent" if op is not None and op.op == "send" and op.status == "done" else "numbered"
    if state in ("sent", "delivered", "acknowledged"):
        return "sent"
    return "queued" if state == "queued" else state


def outbox_progress(session: Session, limit: int = MAX_ROWS) -> list[OutboxProgress]:
    """Every letter of the outbox folder with its newest operation, newest letter first."""
    states = [s.value for s in FOLDER_STATES[Folder.OUTBOX]]
    letters = session.execute(
        select(Letter.guid, Letter.subject, Letter.state, Letter.shams)
        .where(Letter.archived.is_(False), Letter.state.in_(states))
        .order_by(Letter.updated_at.desc())
        .limit(limit)
    ).all()
    if not letters:
        return []
    newest: dict[str, OutboxOperation] = {}
    ops = session.scalars(
        select(OutboxOperation)
        .where(OutboxOperation.letter_guid.in_([g for g, *_ in letters]), OutboxOperation.op.not_in(REFERRAL_OPS))  # a referral: the cartable's
        .order_by(OutboxOperation.id)
    )
    for operation in ops:
        newest[operation.letter_guid] = operation  # ascending id: the last one seen is the newest
    out = []
    for guid, subject, state, shams in letters:
        op = newest.get(guid)
        pending = op is not None and op.status == "pending"
        out.append(
            OutboxProgress(
                guid=guid,
                subject=subject,
                state=state,
                step=_step(state, op),
                attempts=op.attempts if op is not None else 0,
                last_error=op.last_error if op is not None and (pending or op.status == "failed") else None,
                next_attempt_at=op.next_attempt_at if op is not None and pending else None,
                shams=shams,
            )
        )
    return out
