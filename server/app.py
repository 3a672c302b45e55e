"""The FastAPI application: versioned JSON API under /api/v1, OpenAPI at /openapi.json (if ``api_docs``)."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, FastAPI, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app.protocol.receipt import cert_fingerprint
from server import (
    admin_routes,
    archive_routes,
    audit,
    channel_routes,
    directory,
    document_routes,
    documents,
    letter_routes,
    rasad_report_routes,
    rasad_routes,
    tracking_page,
    verification,
)
from server.auth import bearer_token, login, logout
from server.config import Settings
from server.context import Clock, ServerContext, utc_now
from server.db import Database
from server.errors import ERROR_RESPONSES, ApiError, ContainErrors, install_handlers
from server.middleware import AccessLog, Authenticate, RequestLimits
from server.receipts import load_receipt_identity
from server.requests import LoginIn
from server.route_deps import API, After, Limit, User, ctx_of
from server.security_headers import SecurityHeaders
from server.signatures import SignatureChecker
from server.storage import create_storage
from server.verify_page import PAGE_CSP, answer_page, error_page, wants_html

log = logging.getLogger("dabir.server")

# Open to callers without a token; every other path under /api/v1 is authenticated by the
# Authenticate middleware before its body is read (a user's token; under /channel/ a channel key).
PUBLIC_PATHS = frozenset({f"{API}/auth/login", f"{API}/receipt-certificate", tracking_page.API_PATH})
PUBLIC_PREFIXES = (f"{API}/verify/",)


def protected(path: str) -> bool:
    return path.startswith(f"{API}/") and path not in PUBLIC_PATHS and not path.startswith(PUBLIC_PREFIXES)


def build_router(settings: Settings) -> APIRouter:
    """Every route under /api/v1: sign-in, the directory and the public ones here, each other area's
    from its own module."""
    r = APIRouter(prefix=API, responses=ERROR_RESPONSES)

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

    letter_routes.add_routes(r, settings)  # SHAMS, Payam, incoming, referrals and cartables
    archive_routes.add_routes(r)  # the archive (بایگانی): /api/v1/archive/…
    rasad_routes.add_routes(r)  # Rasad (رصد): /api/v1/rasad/…
    rasad_report_routes.add_routes(r)  # Rasad reports: /api/v1/rasad/reports/…
    channel_routes.add_routes(r)  # portals and pishkhan offices, by channel key: /api/v1/channel/…
    document_routes.add_routes(r)  # documents (attachments): /api/v1/uploads/…, /api/v1/documents/…

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

    admin_routes.add_routes(r)  # /api/v1/trust-roots and the agency administration: /api/v1/admin/…
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
