"""The letters' routes: SHAMS registration, Payam and internal exchange, the inbox and its
acknowledgements, the incoming series, and the referrals and cartables."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from app.protocol.package import MAX_SIGNATURES
from app.protocol.package_schema import package_schema
from server import incoming, payam, referrals, shams
from server.auth import Role
from server.config import Settings
from server.idempotency import request_digest, require_key, run_idempotent
from server.requests import AckIn, PaperIn, ReferralEventIn, ReferralIn
from server.route_deps import After, Guid, IdemKey, Limit, Raw, User, checker_of, ctx_of


def _package_body(settings: Settings) -> dict[str, Any]:
    """The letter package request body in the OpenAPI document (parsed by hand: see shams.parse_package)."""
    schema = package_schema(min(settings.max_signatures, MAX_SIGNATURES))
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def add_routes(r: APIRouter, settings: Settings) -> None:
    """The letters' routes on the application's /api/v1 router."""
    package_body = _package_body(settings)

    # -- SHAMS registration and exchange: a signed letter package per request ---------------
    @r.post("/letters", tags=["shams"], openapi_extra=package_body)
    async def register_letter(request: Request, user: User, raw: Raw, key: IdemKey = None) -> Response:
        key = require_key(key)
        return await shams.register(ctx_of(request), checker_of(request), user, raw, request.state, key,
                                    request_digest(request, raw))

    @r.get("/letters/{guid}", tags=["shams"])
    async def get_letter(request: Request, user: User, guid: Guid) -> dict[str, Any]:
        return payam.letter_view(ctx_of(request), user, guid)

    @r.get("/letters/{guid}/acks", tags=["payam"])
    async def get_letter_acks(request: Request, user: User, guid: Guid, after: After = 0,
                              limit: Limit = 500) -> dict[str, Any]:
        return payam.acks_feed(ctx_of(request), user, after, limit, guid)

    @r.post("/payam/messages", tags=["payam"], openapi_extra=package_body)
    async def payam_send(request: Request, user: User, raw: Raw, key: IdemKey = None) -> Response:
        key = require_key(key)
        return await payam.send(ctx_of(request), checker_of(request), user, raw, request.state, key,
                                request_digest(request, raw), internal=False)

    @r.post("/internal/messages", tags=["internal"], openapi_extra=package_body)
    async def internal_send(request: Request, user: User, raw: Raw, key: IdemKey = None) -> Response:
        key = require_key(key)
        return await payam.send(ctx_of(request), checker_of(request), user, raw, request.state, key,
                                request_digest(request, raw), internal=True)

    @r.get("/inbox", tags=["payam"])
    async def get_inbox(request: Request, user: User, after: After = 0, limit: Limit = 100) -> dict[str, Any]:
        return payam.inbox(ctx_of(request), user, after, limit)

    @r.post("/inbox/{guid}/ack", tags=["payam"])
    async def post_ack(request: Request, user: User, guid: Guid, body: AckIn, raw: Raw,
                       key: IdemKey = None) -> Response:
        ctx = ctx_of(request)
        user.require(Role.SECRETARY)
        return await run_idempotent(ctx, user, key, request_digest(request, raw), 200, lambda conn: (
            payam.acknowledgement(ctx, conn, user, guid, body.status, body.incoming_number)))

    @r.post("/inbox/{guid}/register", tags=["incoming"])
    async def post_register_incoming(request: Request, user: User, guid: str, raw: Raw,
                                     key: IdemKey = None) -> Response:
        """Number a delivered letter in the agency's incoming series; the sender is told (ack)."""
        ctx = ctx_of(request)
        user.require(Role.SECRETARY)
        return await run_idempotent(ctx, user, key, request_digest(request, raw), 200, lambda conn: (
            incoming.register_electronic(ctx, conn, user, guid)))

    @r.post("/incoming", tags=["incoming"])
    async def post_paper_incoming(request: Request, user: User, body: PaperIn, raw: Raw,
                                  key: IdemKey = None) -> Response:
        """Number a paper letter (by post or by hand) in the agency's incoming series; a person's
        or a company's letter also gets its tracking id."""
        ctx = ctx_of(request)
        user.require(Role.SECRETARY)
        sender = body.sender
        record = {"sender_kind": sender.kind, "sender_id": incoming.check_sender(sender.kind, sender.id),
                  "sender_name": sender.name, "sender_number": body.sender_number,
                  "sender_date": body.sender_date.isoformat() if body.sender_date else None, "subject": body.subject,
                  "summary": body.summary, "scans": [scan.model_dump() for scan in body.scans],
                  **incoming.citizen_fields(ctx, sender.kind, body.channel, sender.mobile, sender.postal_code,
                                            sender.address)}
        return await run_idempotent(ctx, user, key, request_digest(request, raw), 201, lambda conn: (
            incoming.register_paper(ctx, conn, user, body.guid, record)))

    # -- referrals and cartables (every role: each user's own) ------------------------------
    @r.post("/referrals", tags=["referrals"], status_code=201)
    async def post_referral(request: Request, user: User, body: ReferralIn, raw: Raw, key: IdemKey = None) -> Response:
        """Refer a letter to colleagues of the same agency."""
        ctx = ctx_of(request)
        record = {**body.model_dump(), "due_date": body.due_date.isoformat() if body.due_date else None}
        return await run_idempotent(ctx, user, key, request_digest(request, raw), 201, lambda conn: (
            referrals.create(ctx, conn, user, record)))

    @r.post("/referrals/{guid}/events", tags=["referrals"])
    async def post_referral_event(request: Request, user: User, guid: Guid, body: ReferralEventIn, raw: Raw,
                                  key: IdemKey = None) -> Response:
        """Read, answer or close a referral received; recall one sent (until it is read)."""
        ctx = ctx_of(request)
        return await run_idempotent(ctx, user, key, request_digest(request, raw), 200, lambda conn: (
            referrals.add_event(ctx, conn, user, guid, body.model_dump())))

    @r.get("/cartable", tags=["referrals"])
    async def get_cartable(request: Request, user: User, after: After = 0, limit: Limit = 100) -> dict[str, Any]:
        return referrals.cartable(ctx_of(request), user, after, limit)

    @r.get("/acks", tags=["payam"])
    async def get_acks(request: Request, user: User, after: After = 0, limit: Limit = 500) -> dict[str, Any]:
        return payam.acks_feed(ctx_of(request), user, after, limit)
