"""The letter state machine (DOMAIN.md section 5).

Outgoing and internal: draft → (awaiting_signature →) signed → queued → registered → sent →
delivered → acknowledged (registered at the recipient); the server's refusal moves a queued
or registered letter to rejected, from where it returns to draft for correction.
Incoming: received → registered, or received → invalid (kept, never dropped). Registering at
this desk is at once, offline too: the letter is registered provisionally (no incoming number
yet) and registered once the server has numbered it; a refusal returns it to received.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    DRAFT = "draft"
    AWAITING_SIGNATURE = "awaiting_signature"
    SIGNED = "signed"
    QUEUED = "queued"
    REGISTERED = "registered"
    SENT = "sent"
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"
    RECEIVED = "received"
    INVALID = "invalid"
    INCOMING_PROVISIONAL = "incoming_provisional"
    REGISTERED_INCOMING = "registered_incoming"


S = State
OUTGOING_TRANSITIONS: dict[State, frozenset[State]] = {
    S.DRAFT: frozenset({S.AWAITING_SIGNATURE, S.SIGNED}),
    S.AWAITING_SIGNATURE: frozenset({S.DRAFT, S.SIGNED}),
    S.SIGNED: frozenset({S.DRAFT, S.QUEUED}),
    S.QUEUED: frozenset({S.REGISTERED, S.REJECTED}),
    S.REGISTERED: frozenset({S.SENT, S.REJECTED}),
    S.SENT: frozenset({S.DELIVERED, S.ACKNOWLEDGED}),
    S.DELIVERED: frozenset({S.ACKNOWLEDGED}),
    S.ACKNOWLEDGED: frozenset(),
    S.REJECTED: frozenset({S.DRAFT}),
}
INCOMING_TRANSITIONS: dict[State, frozenset[State]] = {
    S.RECEIVED: frozenset({S.INCOMING_PROVISIONAL, S.REGISTERED_INCOMING, S.INVALID}),  # INVALID: a later check settled it
    S.INCOMING_PROVISIONAL: frozenset({S.REGISTERED_INCOMING, S.RECEIVED}),
    S.INVALID: frozenset({S.REGISTERED_INCOMING, S.RECEIVED}),  # RECEIVED: valid under roots added later
    S.REGISTERED_INCOMING: frozenset(),
}
# States in which the content may still change (no signature covers it yet).
EDITABLE = frozenset({S.DRAFT, S.AWAITING_SIGNATURE})

STATE_NAMES_FA: dict[State, str] = {
    S.DRAFT: "پیش‌نویس",
    S.AWAITING_SIGNATURE: "در انتظار امضا",
    S.SIGNED: "امضاشده",
    S.QUEUED: "در صف ارسال",
    S.REGISTERED: "شماره‌گذاری‌شده",
    S.SENT: "ارسال‌شده",
    S.DELIVERED: "تحویل‌شده",
    S.ACKNOWLEDGED: "ثبت‌شده نزد گیرنده",
    S.REJECTED: "بازگشتی",
    S.RECEIVED: "دریافت‌شده",
    S.INVALID: "نامعتبر",
    S.INCOMING_PROVISIONAL: "ثبت موقت",
    S.REGISTERED_INCOMING: "ثبت‌شده",
}


class IllegalTransition(ValueError):
    def __init__(self, kind: str, current: str, target: str) -> None:
        super().__init__(f"a {kind} letter cannot go from {current!r} to {target!r}")
        self.current, self.target = current, target
        cur = STATE_NAMES_FA.get(State(current), current) if current in State._value2member_map_ else current
        tgt = STATE_NAMES_FA.get(State(target), target) if target in State._value2member_map_ else target
        self.message_fa = f"نامه در وضعیت «{cur}» است و نمی‌توان آن را به وضعیت «{tgt}» برد."


class SealedContent(ValueError):
    """The content of a signed, numbered or received letter cannot change in place."""

    message_fa = "متن این نامه امضا یا ثبت شده است و قابل ویرایش نیست."


def initial_state(kind: str) -> State:
    return S.RECEIVED if kind == "incoming" else S.DRAFT


def check_transition(kind: str, current: str, target: str) -> State:
    table = INCOMING_TRANSITIONS if kind == "incoming" else OUTGOING_TRANSITIONS
    try:
        cur, tgt = State(current), State(target)
    except ValueError:
        raise IllegalTransition(kind, current, target) from None
    if tgt not in table.get(cur, frozenset()):
        raise IllegalTransition(kind, current, target)
    return tgt
