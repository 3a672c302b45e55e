"""The channel API (``/api/v1/channel/…``): a portal or pishkhan office registers a citizen's letter.

The caller's key is checked by the Authenticate middleware before the body is read (401); the
letter is then validated (422), the agency checked against the ones the account serves (403), and
numbered and referred in one idempotent write (:mod:`server.channels`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response
from pydantic import Field, field_validator

from app.protocol.canonical import MAX_SUMMARY
from app.protocol.persian import to_ascii_digits
from server import channels, incoming
from server.context import ServerContext
from server.idempotency import request_digest, require_key, run_idempotent
from server.requests import PaperSenderIn, Strict


def not_blank(text: str) -> str:
    """A name, subject or text of spaces only would reach the cartable as an empty line."""
    if not text.strip():
        raise ValueError("must not be blank")
    return text


class ChannelSenderIn(PaperSenderIn):
    kind: Literal["person", "company"]  # a channel carries citizens' letters only
    name: str = Field(min_length=1, max_length=500)  # whom the agency answers

    _named = field_validator("name")(not_blank)


class ChannelLetterIn(Strict):
    """A citizen's letter: the agency it is for, its sender, subject and text (plain)."""

    agency: str = Field(min_length=1, max_length=20)
    sender: ChannelSenderIn
    subject: str = Field(min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=MAX_SUMMARY)
    sender_number: str = Field(default="", max_length=100)
    sender_date: dt.date | None = None

    _written = field_validator("subject", "body")(not_blank)


async def caller(request: Request) -> channels.ChannelAccount:
    """The account the Authenticate middleware found for this channel path."""
    account: channels.ChannelAccount | None = getattr(request.state, "channel", None)
    if account is None:
        raise channels.invalid_key()
    return account


Account = Annotated[channels.ChannelAccount, Depends(caller)]


def add_routes(r: APIRouter) -> None:
    @r.post("/channel/letters", tags=["channel"], status_code=201)
    async def post_channel_letter(request: Request, account: Account, body: ChannelLetterIn,
                                  key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> Response:
        """Register a citizen's letter for an agency the account serves: answered with its tracking
        id and incoming number (the same key again: the same answer)."""
        ctx: ServerContext = request.app.state.ctx
        key = require_key(key)
        sender = body.sender
        record = {"sender_kind": sender.kind, "sender_id": incoming.check_sender(sender.kind, sender.id),
                  "sender_name": sender.name, "sender_number": body.sender_number,
                  "sender_date": body.sender_date.isoformat() if body.sender_date else None,
                  "subject": body.subject, "summary": body.body,
                  **incoming.citizen_fields(ctx, sender.kind, account.channel, sender.mobile, sender.postal_code,
                                            sender.address)}
        agency = to_ascii_digits(body.agency.strip())  # typed as the sender's id may be: Persian digits
        acting = await channels.acting_for(ctx, account, agency, request.client.host if request.client else "")
        channels.key_used_elsewhere(ctx, account, acting, key)
        raw = await request.body()
        return await run_idempotent(ctx, acting, key, request_digest(request, raw), 201, lambda conn: (
            channels.register(ctx, conn, account, acting, record)))
