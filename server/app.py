"""The FastAPI application: versioned JSON API under /api/v1, OpenAPI at /openapi.json (if ``api_docs``)."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from app.protocol.package import MAX_SIGNATURES
from app.protocol.package_schema import UUID_PATTERN, package_schema
from app.protocol.receipt import cert_fingerprint
from server import (
    admin,
    archive,
    audit,
    channel_routes,
    directory,
    documents,
    incoming,
    payam,
    rasad_report_routes,
    rasad_routes,
    referrals,
    shams,
    tracking_page,
    verification,
)
from server.auth import Principal, Role, bearer_token, hash_password, login, logout
from server.config import Settings
from server.context import Clock, ServerContext, utc_now
from server.db import Database
from server.errors import ERROR_RESPONSES, ApiError, ContainErrors, install_handlers, unauthenticated
from server.idempotency import request_digest, require_key, run_idempotent
from server.middleware import AccessLog, Authenticate, RequestLimits
from server.receipts import load_receipt_identity
from server.requests import (
    AckIn,
    CertIn,
    LoginIn,
    PaperIn,
    ReferralEventIn,
    ReferralIn,
    UnitIn,
    UserIn,
    UserPatch,
)
from server.security_headers import SecurityHeaders
from server.signatures import SignatureChecker
from server.storage import Storage, create_storage
from server.verify_page import PAGE_CSP, answer_page, error_page, wants_html

API = "/api/v1"
log = logging.getLogger("dabir.server")


def _package_body(settings: Settings) -> dict[str, Any]:
    """The letter package request body in the OpenAPI document (parsed by hand: see shams.parse_package)."""
    schema = package_schema(min(settings.max_signatures, MAX_SIGNATURES))
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def ctx_of(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx


def storage_of(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


def checker_of(request: Request) -> SignatureChecker:
    checker: SignatureChecker = request.app.state.checker
    return checker


async def raw_body(request: Request) -> bytes:
    return await request.body()


# Open to callers without a token; every other path under /api/v1 is authenticated by the
# Authenticate middleware before its body is read (a user's token; under /channel/ a channel key).
PUBLIC_PATHS = frozenset({f"{API}/auth/login", f"{API}/receipt-certificate", tracking_page.API_PATH})
PUBLIC_PREFIXES = (f"{API}/verify/",)


def protected(path: str) -> bool:
    return path.startswith(f"{API}/") and path not in PUBLIC_PATHS and not path.startswith(PUBLIC_PREFIXES)


async def current(request: Request) -> Principal:
    """The caller the Authenticate middleware found for this (protected) path."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise unauthenticated()
    return principal


User = Annotated[Principal, Depends(current)]
Raw = Annotated[bytes, Depends(raw_body)]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key")]
After = Annotated[int, Query(ge=0, le=2**63 - 1)]  # cursors are 64-bit database integers
Limit = Annotated[int, Query(ge=1, le=500)]
Guid = Annotated[str, Path(pattern=UUID_PATTERN, description="letter GUID, canonical lowercase form")]
UploadId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
Sha256 = Annotated[str, Path(pattern=documents.SHA256_PATTERN, description="the document's SHA-256 (lowercase hex)")]
Username = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00]+$")]


def _without_password(body: BaseModel) -> bytes:
    """What the idempotency record hashes for user bodies: a fast hash over a password would be an
    offline-guessable copy of it, so the password is left out (a replay with the same key counts as
    the same request whatever the password)."""
    return body.model_dump_json(exclude={"password"}).encode("utf-8")


async def _password_hash(password: str | None) -> str | None:
    return None if password is None else await run_in_threadpool(hash_password, password)  # argon2: off the loop


def build_router(settings: Settings) -> APIRouter:
    r = APIRouter(prefix=API, responses=ERROR_RESPONSES)
    package_body = _package_body(settings)

    # -- identity ----------------------------------------------------------------------
    @r.post("/auth/login", tags=["auth"])
    async def auth_login(body: LoginIn, request: Request) -> dict[str, Any]:
        request.state.username = body.username
        ip = request.client.host if request.client else "-"
        return await login(ctx_of(request), body.username, body.password, ip)

    @r.post("/auth/logout", tags=["auth"])
    async def auth_logout(request: Request, user: User) -> dict[str, Any]:
        await logout(ctx_of(request), bearer_token(request))
        return {"logged_out": True}

    @r.get("/me", tags=["auth"])
    async def me(user: User) -> dict[str, Any]:
        return {"username": user.username, "agency": user.agency_national_id, "roles": sorted(user.roles),
                "unit": user.unit_code}

    # -- directory -----------------------------------------------------------------------
    @r.get("/directory", tags=["directory"])
    async def get_directory(request: Request, user: User, after: After = 0, limit: Limit = 500) -> dict[str, Any]:
        return directory.changes(ctx_of(request), after, limit)

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

    archive.add_routes(r, current)  # the archive (بایگانی): /api/v1/archive/…
    rasad_routes.add_routes(r, current)  # Rasad (رصد): /api/v1/rasad/…
    rasad_report_routes.add_routes(r, current)  # Rasad reports: /api/v1/rasad/reports/…
    channel_routes.add_routes(r)  # portals and pishkhan offices, by channel key: /api/v1/channel/…

    @r.get("/acks", tags=["payam"])
    async def get_acks(request: Request, user: User, after: After = 0, limit: Limit = 500) -> dict[str, Any]:
        return payam.acks_feed(ctx_of(request), user, after, limit)

    # -- documents (attachments): resumable uploads, ranged downloads ----------------------
    @r.post("/uploads", tags=["documents"], status_code=201)
    async def post_upload(request: Request, user: User, body: documents.UploadIn) -> dict[str, Any]:
        """Start an upload (``complete`` at once if the agency has this content already)."""
        return await documents.create_upload(ctx_of(request), storage_of(request), user, body)

    @r.get("/uploads/{upload_id}", tags=["documents"])
    async def get_upload(request: Request, user: User, upload_id: UploadId) -> dict[str, Any]:
        """What is stored so far: ``received`` (contiguous from 0) and the ``missing`` ranges [start, end)."""
        return documents.upload_status(ctx_of(request), user, upload_id)

    @r.put("/uploads/{upload_id}", tags=["documents"])
    async def put_upload_chunk(request: Request, user: User, upload_id: UploadId,
                               content_range: Annotated[str | None, Header(alias="Content-Range")] = None
                               ) -> dict[str, Any]:
        """One chunk, raw bytes, ``Content-Range: bytes START-END/TOTAL``."""
        return await documents.put_chunk(ctx_of(request), storage_of(request), user, upload_id, content_range, request)

    @r.post("/uploads/{upload_id}/complete", tags=["documents"])
    async def post_upload_complete(request: Request, user: User, upload_id: UploadId) -> dict[str, Any]:
        """Check size, SHA-256 and media type; answers the document's address."""
        return await documents.complete(ctx_of(request), storage_of(request), user, upload_id)

    @r.get("/documents/{sha256}", tags=["documents"], response_class=Response,
           responses={200: {"content": {"application/octet-stream": {}}}, 206: {"description": "Partial content"},
                      416: {"description": "Range not satisfiable"}})
    async def get_document(request: Request, user: User, sha256: Sha256) -> Response:
        """The document's bytes (``Range`` supported); 404 without access, as for a missing one."""
        return await documents.download(ctx_of(request), storage_of(request), user, sha256,
                                        request.headers.get("range"))

    # -- public ------------------------------------------------------------------------
    @r.get("/verify/{shams_text}", tags=["public"], responses={200: {"content": {"text/html": {}}}})
    async def verify(request: Request, shams_text: Annotated[str, Path(max_length=100)],
                     c: Annotated[str | None, Query(max_length=64)] = None) -> Response:
        """Without the code printed in the QR: only whether an outgoing letter exists. A browser
        (Accept: text/html) gets a Persian page instead of JSON."""
        html = wants_html(request.headers.get("accept", ""))
        try:
            wait = request.app.state.verify_limit.retry_after(request.client.host if request.client else "-")
            if wait:
                raise verification.too_many(wait)
            answer = verification.verify(ctx_of(request), shams_text, c)
        except ApiError as exc:
            if not html:
                raise
            return HTMLResponse(error_page(exc.message_fa), exc.status, headers={
                **(exc.headers or {}), "Content-Security-Policy": PAGE_CSP})
        if html:
            return HTMLResponse(answer_page(answer), headers={"Content-Security-Policy": PAGE_CSP})
        return JSONResponse(answer)

    @r.get("/receipt-certificate", tags=["public"], response_class=Response,
           responses={200: {"content": {"application/x-pem-file": {}}}})
    async def receipt_certificate(request: Request) -> Response:
        cert = ctx_of(request).receipt_cert
        return Response(cert.public_bytes(serialization.Encoding.PEM), media_type="application/x-pem-file",
                        headers={"X-Certificate-SHA256": cert_fingerprint(cert)})

    @r.get("/trust-roots", tags=["directory"])
    async def get_trust_roots(request: Request, user: User) -> dict[str, Any]:
        """The certificates the caller's agency trusts for letter signatures (server-wide ∪ its
        uploads): every user's client verifies incoming letters against them."""
        return admin.published_trust_roots(ctx_of(request), user, checker_of(request).server_roots)

    # -- agency administration -----------------------------------------------------------
    @r.post("/admin/units", tags=["admin"], status_code=201)
    async def admin_add_unit(request: Request, user: User, body: UnitIn, raw: Raw, key: IdemKey = None) -> Response:
        ctx = ctx_of(request)
        user.require(Role.AGENCY_ADMIN)
        return await run_idempotent(ctx, user, key, request_digest(request, raw), 201, lambda conn: (
            admin.create_unit(ctx, conn, user.agency_id, body.code, body.name, body.parent)))

    @r.post("/admin/users", tags=["admin"], status_code=201)
    async def admin_add_user(request: Request, user: User, body: UserIn, key: IdemKey = None) -> Response:
        ctx = ctx_of(request)
        user.require(Role.AGENCY_ADMIN)
        password_hash = await _password_hash(body.password)
        return await run_idempotent(ctx, user, key, request_digest(request, _without_password(body)), 201,
                                    lambda conn: admin.create_user(
            ctx, conn, user.agency_id, username=body.username, display_name=body.display_name,
            password_hash=password_hash or "", roles=body.roles, unit=body.unit, national_code=body.national_code,
            title=body.title))

    @r.patch("/admin/users/{username}", tags=["admin"])
    async def admin_patch_user(request: Request, user: User, username: Username, body: UserPatch,
                               key: IdemKey = None) -> Response:
        ctx = ctx_of(request)
        user.require(Role.AGENCY_ADMIN)
        password_hash = await _password_hash(body.password)
        return await run_idempotent(ctx, user, key, request_digest(request, _without_password(body)), 200,
                                    lambda conn: admin.update_user(
            ctx, conn, user, username, body.model_dump(exclude_unset=True), password_hash))

    @r.post("/admin/users/{username}/certificates", tags=["admin"], status_code=201)
    async def admin_add_cert(request: Request, user: User, username: Username, body: CertIn, raw: Raw,
                             key: IdemKey = None) -> Response:
        ctx = ctx_of(request)
        user.require(Role.AGENCY_ADMIN)
        cert = admin.load_certificate(body.certificate_pem)
        return await run_idempotent(ctx, user, key, request_digest(request, raw), 201, lambda conn: (
            audit.trust_change(ctx, conn, user, "certificate_added", admin.add_signatory_certificate(
                ctx, conn, user, username, cert), f"{username}: {cert.subject.rfc4514_string()}")))

    @r.post("/admin/trust-roots", tags=["admin"], status_code=201)
    async def admin_add_root(request: Request, user: User, body: CertIn, raw: Raw, key: IdemKey = None) -> Response:
        ctx = ctx_of(request)
        user.require(Role.AGENCY_ADMIN)
        cert = admin.load_certificate(body.certificate_pem, ca=True)
        return await run_idempotent(ctx, user, key, request_digest(request, raw), 201, lambda conn: (
            audit.trust_change(ctx, conn, user, "trust_root_added", admin.add_trust_root(ctx, conn, user, cert),
                               cert.subject.rfc4514_string())))

    @r.get("/admin/trust-roots", tags=["admin"])
    async def admin_list_roots(request: Request, user: User) -> dict[str, Any]:
        return admin.list_trust_roots(ctx_of(request), user, checker_of(request).server_roots)

    @r.get("/admin/users", tags=["admin"], response_model=None, responses={200: {"model": admin.AdminUsers}})
    async def admin_list_users(request: Request, user: User) -> dict[str, Any]:
        """The agency's users, their roles and signatory certificates (bound or not), and its units."""
        return admin.list_users(ctx_of(request), user)

    @r.get("/admin/audit", tags=["admin"])
    async def admin_audit(request: Request, user: User, before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
                          limit: Limit = 100,
                          code: Annotated[str | None, Query(min_length=1, max_length=64,
                                                            pattern=r"^[a-z0-9_]+$")] = None) -> dict[str, Any]:
        """The agency's audit events (refusals, trust changes), newest first; page with ``before=cursor``."""
        return audit.listing(ctx_of(request), user, before, limit, code)

    return r


# FastAPI ≥ 0.16x asks OpenTelemetry on every request whether it is configured; we export none
# (the access log is ours), so switch it off where the version has it.
_NO_TELEMETRY: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters else {})


def create_context(settings: Settings, clock: Clock = utc_now) -> ServerContext:
    key, cert = load_receipt_identity(settings.receipt_cert_path, settings.receipt_key_path)
    db = Database(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous, pool_size=settings.db_pool_size)
    return ServerContext(settings=settings, db=db, receipt_key=key, receipt_cert=cert, clock=clock)


def create_app(settings: Settings, *, clock: Clock = utc_now, ctx: ServerContext | None = None) -> FastAPI:
    ctx = ctx or create_context(settings, clock)
    docs: dict[str, Any] = {} if settings.api_docs else {"openapi_url": None, "docs_url": None, "redoc_url": None}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """Background work of a serving process: the sweep of abandoned uploads."""
        sweeper = asyncio.create_task(documents.sweep_forever(ctx, app.state.storage))
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper

    app = FastAPI(title="Dabir central server", version="1.0.0",
                  description="Reference central server: SHAMS numbering, Payam exchange, directory, receipts.",
                  lifespan=lifespan, **docs, **_NO_TELEMETRY)
    app.state.ctx = ctx
    app.state.checker = SignatureChecker(settings.trust_dir_path, settings.revocation_cache_path,
                                         soft_fail=settings.revocation_soft_fail)
    app.state.storage = create_storage(settings)
    app.state.verify_limit = verification.SlidingWindow(settings.verify_requests_per_minute)
    app.state.tracking_limit = verification.SlidingWindow(settings.tracking_lookups_per_minute)
    install_handlers(app, on_refusal=audit.record_refusal)

    @app.get("/healthz", tags=["public"])
    async def healthz() -> dict[str, str]:
        with ctx.db.read() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok"}

    app.include_router(build_router(settings))
    tracking_page.add_routes(app)  # the public status page of citizens' letters: /track, /api/v1/track
    # outermost last: AccessLog, SecurityHeaders, then Authenticate (no body read yet), then RequestLimits
    app.add_middleware(RequestLimits, limit=settings.max_request_bytes,
                       anonymous_limit=settings.max_anonymous_request_bytes, max_headers=settings.max_request_headers)
    app.add_middleware(Authenticate, ctx=ctx, protected=protected)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
    app.add_middleware(ContainErrors)
    return app
