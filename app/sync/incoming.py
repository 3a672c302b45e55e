"""Numbering registered incoming letters: the ``incoming`` operations of the outbox, in order.

Unlike the rest of the outbox these go one at a time, oldest first, and stop at the first that
cannot go yet: the agency's incoming numbers follow the order the letters were registered in.
Each step calls the server with the operation's fixed key (a retry gets the same number), then
stores the number and the operation's progress in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, Protocol

from sqlalchemy import select

from app.models import letters as L
from app.models.db import Store
from app.models.incoming import INCOMING_OP, PAPER, paper_request, store_number
from app.models.lifecycle import State
from app.models.tables import Letter, OutboxOperation
from app.sync.api import ApiError

log = logging.getLogger(__name__)


class IncomingApi(Protocol):
    def register_incoming(self, guid: str, *, idempotency_key: str) -> dict[str, Any]: ...
    def register_paper(self, body: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]: ...


Event = tuple[str, dict[str, Any]]


def _next(store: Store, now: dt.datetime) -> tuple[int, str, str, dict[str, Any] | None] | None:
    """The oldest pending incoming operation if its time has come: (op id, letter, key, paper request or None)."""
    with store.reader() as s:
        item = s.scalars(select(OutboxOperation).where(OutboxOperation.op == INCOMING_OP,
                                                       OutboxOperation.status == "pending")
                         .order_by(OutboxOperation.id).limit(1)).first()
        if item is None or item.next_attempt_at > now:
            return None
        letter = s.get(Letter, item.letter_guid)
        paper = paper_request(letter) if letter is not None and letter.channel == PAPER else None
        return item.id, item.letter_guid, item.idempotency_key, paper


def number_pending(store: Store, api: IncomingApi, call: Callable[[Callable[[], Any]], Any],
                   clock: Callable[[], dt.datetime], actor: str) -> Iterator[Event]:
    """Ask for the numbers of the registered letters waiting for one, in order, yielding what each
    became. ``call`` runs a server call and raises the engine's Offline/LoginRequired (which stop
    this, as the whole run)."""
    while (step := _next(store, clock())) is not None:
        op_id, guid, key, paper = step
        try:
            if paper is not None:
                result: dict[str, Any] | ApiError = call(partial(api.register_paper, paper, idempotency_key=key))
            else:
                result = call(partial(api.register_incoming, guid, idempotency_key=key))
        except ApiError as exc:  # refused: the registration is undone, the reason kept
            result = exc
        yield _store(store, op_id, result, actor)


def _store(store: Store, op_id: int, result: dict[str, Any] | ApiError, actor: str) -> Event:
    with store.session() as s:
        item = s.get(OutboxOperation, op_id)
        assert item is not None
        letter = s.get(Letter, item.letter_guid)
        if isinstance(result, ApiError):
            reason = result.message_fa or result.message_en
            item.status, item.last_error = "failed", f"{result.status} {result.code}: {result.message_en}"
            if letter is not None and letter.state == State.INCOMING_PROVISIONAL:  # back to be registered again
                letter.incoming_at, letter.reject_reason = None, reason
                L.transition(s, letter, State.RECEIVED, actor=actor, code=result.code)
            log.warning("server refused the incoming number of %s: %s %s", item.letter_guid, result.status, result.code)
            return "incoming_refused", {"guid": item.letter_guid, "reason": reason, "code": result.code}
        item.status = "done"
        if letter is not None:
            store_number(letter, result)
            if letter.state == State.INCOMING_PROVISIONAL:
                L.transition(s, letter, State.REGISTERED_INCOMING, actor=actor, incoming_number=result["incoming_number"])
        return "numbered", {"guid": item.letter_guid, "incoming_number": result["incoming_number"],
                            "tracking_id": letter.tracking_id if letter is not None else None}


def refuse(store: Store, op_id: int, exc: ApiError, actor: str) -> Event:
    """Refuse an incoming operation before its call (a paper letter's scan cannot be uploaded), as a
    refusal by the server is stored."""
    return _store(store, op_id, exc, actor)
