"""The FastAPI application: versioned JSON API under /api/v1, OpenAPI at /openapi.json."""

from __future__ import annotations

import inspect
import logging
from typing import Annotated, Any, Literal

from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from app.protocol.receipt import cert_fingerprint
from server import admin, directory, payam
from server.auth import Principal, authenticate, bearer_token, login, logout
from server.config import Settings
from server.context import Clock, ServerContext, utc_now
from server.db import Database
from server.errors import install_handlers
from server.idempotency import run_idempotent
from server.middleware import AccessLog, BodyLimit
from server.package_routes import API, PackageLane, handle_package
from server.receipts import load_receipt_identity
from server.signatures import SignatureChecker

log = logging.getLogger("dabir.server")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class LoginIn(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class AckIn(Strict):
    status: Literal["delivered", "registered"]
    incoming_number: str | None = Field(default=None, min_length=1, max_length=100)


class UnitIn(Strict):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    name: str = Field(min_length=1, max_length=500)
    parent: str | None = Field(default=None, max_length=64)


class UserIn(Strict):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9_.\-]+$")
    display_name: str = Field(min_length=1, max_length=500)
    password: str = Field(min_length=8, max_length=1024)
    roles: list[str] = Field(min_length=1, max_length=5)
    unit: str | None = Field(default=None, max_length=64)
    national_code: str | None = Field(default=None, max_length=10)
    title: str = Field(default="", max_length=500)


class UserPatch(Strict):
    display_name: str | None = Field(default=None, min_length=1, max_length=500)
    title: str | None = Field(default=None, max_length=500)
    password: str | None = Field(default=None, min_length=8, max_length=1024)
    roles: list[str] | None = Field(default=None, min_length=1, max_length=5)
    unit: str | None = Field(default=None, max_length=64)
    active: bool | None = None


class CertIn(Strict):
    certificate_pem: str = Field(min_length=50, max_length=20000)


_PACKAGE_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "description": "A dabir.letter-package v1 (see docs/letter-package.md)"}}}}}


def ctx_of(request: Request) -> ServerContext:
    return request.app.state.ctx


async def raw_body(request: Request) -> bytes:
    return await request.body()


def current(request: Request) -> Principal:
    principal = authenticate(ctx_of(request), bearer_token(request))
    request.state.username = principal.username
    return principal


User = Annotated[Principal, Depends(current)]
Raw = Annotated[bytes, Depends(raw_body)]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key")]
After = Annotated[int, Query(ge=0)]
Limit = Annotated[int, Query(ge=1, le=500)]


def _without_password(body: BaseModel) -> bytes:
    """What the idempotency table hashes for user bodies: a fast hash over a password would be an
    offline-guessable copy of it, so the password is left out (a replay with the same key counts as
    the same request whatever the password)."""
    return body.model_dump_json(exclude={"password"}).encode("utf-8")


def build_router() -> APIRouter:
    r = APIRouter(prefix=API)

    # -- identity ----------------------------------------------------------------------
    @r.post("/auth/login", tags=["auth"])
    def auth_login(body: LoginIn, request: Request) -> dict[str, Any]:
        request.state.username = body.username
        ip = request.client.host if request.client else "-"
        return login(ctx_of(request), body.username, body.password, ip)

    @r.post("/auth/logout", tags=["auth"])
    def auth_logout(request: Request, user: User) -> dict[str, Any]:
        logout(ctx_of(request), bearer_token(request))
        return {"logged_out": True}

    @r.get("/me", tags=["auth"])
    def me(user: User) -> dict[str, Any]:
        return {"username": user.username, "agency": user.agency_national_id, "roles": sorted(user.roles),
                "unit": user.unit_code}

    # -- directory -----------------------------------------------------------------------
    @r.get("/directory", tags=["directory"])
    def get_directory(request: Request, user: User, after: After = 0, limit: Limit = 500) -> dict[str, Any]:
        return directory.changes(ctx_of(request), after, limit)

    # -- SHAMS registration --------------------------------------------------------------
    # The package endpoints (register, send) are answered by server.package_routes.PackageLane
    # before FastAPI routing; these declarations document them and serve as the same handler's
    # fallback. They run on the event loop: checks are short reads and CPU work (signature
    # verification), and the write is awaited from the group-commit thread.
    async def package_endpoint(request: Request, raw: bytes, key: str | None) -> Response:
        return await handle_package(ctx_of(request), request.app.state.checker, request.scope, raw,
                                    request.headers.get("authorization", ""), key)

    @r.post("/letters", tags=["shams"], openapi_extra=_PACKAGE_BODY)
    async def register_letter(request: Request, raw: Raw, key: IdemKey = None) -> Response:
        return await package_endpoint(request, raw, key)

    @r.get("/letters/{guid}", tags=["shams"])
    def get_letter(request: Request, user: User, guid: str) -> dict[str, Any]:
        return payam.letter_view(ctx_of(request), user, guid)

    @r.get("/letters/{guid}/acks", tags=["payam"])
    def get_letter_acks(request: Request, user: User, guid: str, after: After = 0, limit: Limit = 500) -> dict[str, Any]:
        return payam.acks_feed(ctx_of(request), user, after, limit, guid)

    # -- exchange ----------------------------------------------------------------------
    @r.post("/payam/messages", tags=["payam"], openapi_extra=_PACKAGE_BODY)
    async def payam_send(request: Request, raw: Raw, key: IdemKey = None) -> Response:
        return await package_endpoint(request, raw, key)

    @r.post("/internal/messages", tags=["internal"], openapi_extra=_PACKAGE_BODY)
    async def internal_send(request: Request, raw: Raw, key: IdemKey = None) -> Response:
        return await package_endpoint(request, raw, key)

    @r.get("/inbox", tags=["payam"])
    def get_inbox(request: Request, user: User, after: After = 0, limit: Limit = 100) -> dict[str, Any]:
        return payam.inbox(ctx_of(request), user, after, limit)

    @r.post("/inbox/{guid}/ack", tags=["payam"])
    def post_ack(request: Request, user: User, guid: str, body: AckIn, raw: Raw, key: IdemKey = None) -> Response:
        ctx = ctx_of(request)
        return run_idempotent(ctx, user, key, request, raw, lambda: (
            200, payam.acknowledge(ctx, user, guid, body.status, body.incoming_number)))

    @r.get("/acks", tags=["payam"])
    def get_acks(request: Request, user: User, after: After = 0, limit: Limit = 500) -> dict[str, Any]:
        return payam.acks_feed(ctx_of(request), user, after, limit)

    # -- public ------------------------------------------------------------------------
    @r.get("/verify/{shams_text}", tags=["public"])
    def verify(request: Request, shams_text: str) -> dict[str, Any]:
        return payam.public_verify(ctx_of(request), shams_text)

    @r.get("/receipt-certificate", tags=["public"], response_class=Response,
           responses={200: {"content": {"application/x-pem-file": {}}}})
    def receipt_certificate(request: Request) -> Response:
        cert = ctx_of(request).receipt_cert
        return Response(cert.public_bytes(serialization.Encoding.PEM), media_type="application/x-pem-file",
                        headers={"X-Certificate-SHA256": cert_fingerprint(cert)})

    # -- agency administration -----------------------------------------------------------
    @r.post("/admin/units", tags=["admin"])
    def admin_add_unit(request: Request, user: User, body: UnitIn, raw: Raw, key: IdemKey = None) -> Response:
        ctx = ctx_of(request)

        def act() -> tuple[int, Any]:
            user.require(admin.Role.AGENCY_ADMIN)
            admin.create_unit(ctx, user.agency_id, body.code, body.name, body.parent)
            return 201, {"code": body.code, "name": body.name}
        return run_idempotent(ctx, user, key, request, raw, act)

    @r.post("/admin/users", tags=["admin"])
    def admin_add_user(request: Request, user: User, body: UserIn, raw: Raw, key: IdemKey = None) -> Response:
        ctx = ctx_of(request)
        def act() -> tuple[int, Any]:
            user.require(admin.Role.AGENCY_ADMIN)
            admin.create_user(ctx, user.agency_id, username=body.username, display_name=body.display_name,
                              password=body.password, roles=body.roles, unit=body.unit,
                              national_code=body.national_code, title=body.title)
            return 201, {"username": body.username, "roles": sorted(set(body.roles))}
        return run_idempotent(ctx, user, key, request, _without_password(body), act)

    @r.patch("/admin/users/{username}", tags=["admin"])
    def admin_patch_user(request: Request, user: User, username: str, body: UserPatch, raw: Raw,
                         key: IdemKey = None) -> Response:
        ctx = ctx_of(request)
        return run_idempotent(ctx, user, key, request, _without_password(body), lambda: (
            200, admin.update_user(ctx, user, username, body.model_dump(exclude_unset=True))))

    @r.post("/admin/users/{username}/certificates", tags=["admin"])
    def admin_add_cert(request: Request, user: User, username: str, body: CertIn, raw: Raw,
                       key: IdemKey = None) -> Response:
        ctx = ctx_of(request)
        return run_idempotent(ctx, user, key, request, raw, lambda: (
            201, admin.add_signatory_certificate(ctx, user, username, body.certificate_pem)))

    @r.post("/admin/trust-roots", tags=["admin"])
    def admin_add_root(request: Request, user: User, body: CertIn, raw: Raw, key: IdemKey = None) -> Response:
        ctx = ctx_of(request)
        return run_idempotent(ctx, user, key, request, raw, lambda: (
            201, admin.add_trust_root(ctx, user, body.certificate_pem)))

    @r.get("/admin/trust-roots", tags=["admin"])
    def admin_list_roots(request: Request, user: User) -> dict[str, Any]:
        return admin.list_trust_roots(ctx_of(request), user, request.app.state.checker.server_roots)

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


def create_app(settings: Settings, *, clock: Clock = utc_now, ctx: ServerContext | None = None,
               package_lane: bool = True) -> FastAPI:
    ctx = ctx or create_context(settings, clock)
    app = FastAPI(title="Dabir central server", version="1.0.0",
                  description="Reference central server: SHAMS numbering, Payam exchange, directory, receipts.",
                  **_NO_TELEMETRY)
    app.state.ctx = ctx
    app.state.checker = SignatureChecker(settings.trust_dir_path)
    install_handlers(app)

    @app.get("/healthz", tags=["public"])
    def healthz() -> dict[str, str]:
        with ctx.db.read() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok"}

    app.include_router(build_router())
    if package_lane:  # off only in the test that compares the lane with the declared routes
        app.add_middleware(PackageLane, state=app.state)
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes)
    app.add_middleware(AccessLog)
    return app
