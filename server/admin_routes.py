"""The agency administrator's routes (units, users, signatory certificates, trust roots, the audit
log) and the trust roots every user's client checks incoming letters against."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from server import admin, audit
from server.auth import Role, hash_password
from server.idempotency import request_digest, run_idempotent
from server.requests import CertIn, UnitIn, UserIn, UserPatch
from server.route_deps import IdemKey, Limit, Raw, User, checker_of, ctx_of

Username = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00]+$")]


def _without_password(body: BaseModel) -> bytes:
    """What the idempotency record hashes for user bodies: a fast hash over a password would be an
    offline-guessable copy of it, so the password is left out (a replay with the same key counts as
    the same request whatever the password)."""
    return body.model_dump_json(exclude={"password"}).encode("utf-8")


async def _password_hash(password: str | None) -> str | None:
    return None if password is None else await run_in_threadpool(hash_password, password)  # argon2: off the loop


def add_routes(r: APIRouter) -> None:
    """The administration's routes on the application's /api/v1 router."""

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
