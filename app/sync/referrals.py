"""Sending referrals and their events: the ``refer`` and ``referral_event`` outbox operations, in order.

One at a time, oldest first, like incoming numbering: an event made offline never reaches the
server before its referral. Each step calls the server with the operation's fixed key (a retry
is stored once), then stores the outcome and the operation's progress in one transaction. A
refusal is kept with its Persian reason and the queue goes on.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, Protocol

from sqlalchemy import select

from app.models import referrals as R
from app.models.db import Store
from app.models.tables import OutboxOperation
from app.sync.api import ApiError

log = logging.getLogger(__name__)
Event = tuple[str, dict[str, Any]]


class ReferralApi(Protocol):
    def refer(self, body: dict[str, Any], *, idempotency_key: str) -> dict[str, Any]: ...
    def referral_event(self, referral_id: str, kind: str, *, note: str = "", answer_guid: str | None = None,
                       event_id: str | None = None, idempotency_key: str) -> dict[str, Any]: ...


def _next(store: Store, now: dt.datetime) -> tuple[int, str, str, dict[str, Any]] | None:
    """The oldest pending referral operation if its time has come: (op id, op, key, request)."""
    with store.reader() as s:
        item = s.scalars(select(OutboxOperation).where(OutboxOperation.op.in_(R.OPS),
                                                       OutboxOperation.status == "pending")
                         .order_by(OutboxOperation.id).limit(1)).first()
        if item is None or item.next_attempt_at > now:
            return None
        op, body = R.request_of(s, item)
        return item.id, op, item.idempotency_key, body


def send_pending(store: Store, api: ReferralApi, call: Callable[[Callable[[], Any]], Any],
                 clock: Callable[[], dt.datetime]) -> Iterator[Event]:
    """Send the waiting referrals and events in order, yielding what each became. ``call`` runs a
    server call and raises the engine's Offline/LoginRequired (which stop this, as the whole run)."""
    while (step := _next(store, clock())) is not None:
        op_id, op, key, body = step
        try:
            if op == R.REFER_OP:
                result: dict[str, Any] | ApiError = call(partial(api.refer, body, idempotency_key=key))
            else:
                result = call(partial(api.referral_event, body["referral"], body["kind"], note=body["note"],
                                      answer_guid=body["answer_guid"], event_id=body["id"], idempotency_key=key))
        except ApiError as exc:
            result = exc
        yield _store(store, op_id, result)


def _store(store: Store, op_id: int, result: dict[str, Any] | ApiError) -> Event:
    with store.session() as s:
        item = s.get(OutboxOperation, op_id)
        assert item is not None
        if isinstance(result, ApiError):
            reason = result.message_fa or result.message_en
            R.mark_refused(s, item, reason, f"{result.status} {result.code}: {result.message_en}")
            log.warning("server refused %s %s: %s %s", item.op, item.idempotency_key, result.status, result.code)
            return "referral_refused", {"guid": item.letter_guid, "reason": reason, "code": result.code}
        R.mark_synced(s, item, result)
        return "referral_sent", {"guid": item.letter_guid, "op": item.op}
