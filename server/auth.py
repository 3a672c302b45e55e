"""Identity: argon2 passwords, opaque bearer tokens (stored as SHA-256), roles, login throttling."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Request
from sqlalchemy import Connection, bindparam, delete, func, insert, select, text, update
from starlette.concurrency import run_in_threadpool

from server.context import ServerContext, as_utc
from server.errors import ApiError, forbidden, unauthenticated
from server.tables.accounts import agencies, login_failures, tokens, users
from server.throttle import busy, too_many


class Role(StrEnum):
    SECRETARY = "secretary"
    SIGNATORY = "signatory"
    STAFF = "staff"
    AGENCY_ADMIN = "agency_admin"
    UNIT_MANAGER = "unit_manager"  # Rasad: sees the trees and reports of their unit
    RASAD_OBSERVER = "rasad_observer"  # Rasad: sees only the agencies a grant names


ROLES = frozenset(r.value for r in Role)
# The desk: roles that handle every letter of their agency (staff see only what is referred to them).
DESK_ROLES = (Role.SECRETARY, Role.SIGNATORY, Role.AGENCY_ADMIN)
_hasher = PasswordHasher()
# A real hash to check against when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH = _hasher.hash("dabir-no-such-user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    agency_id: int
    agency_national_id: str
    roles: frozenset[str]
    unit_code: str | None
    ip: str = ""  # the client address of this request (for the audit log)

    @property
    def at_desk(self) -> bool:
        return bool(self.roles & {r.value for r in DESK_ROLES})

    def require(self, *roles: Role) -> None:
        if not self.roles & {r.value for r in roles}:
            raise forbidden(f"This action requires one of the roles: {', '.join(r.value for r in roles)}.")


_FAILURES = select(func.count()).select_from(login_failures).where(
    login_failures.c.username == bindparam("username"), login_failures.c.ip == bindparam("ip"),
    login_failures.c.at > bindparam("after"))
_LOGIN_USER = (select(users, agencies.c.national_id.label("agency_national_id"), agencies.c.active.label("agency_active"))
               .join(agencies, agencies.c.id == users.c.agency_id).where(users.c.username == bindparam("username")))


async def login(ctx: ServerContext, username: str, password: str, ip: str) -> dict[str, object]:
    """Admission (server.throttle) before any await, the attempt reserved in the database (so every
    worker counts it), argon2 in a few threads at a time, and a short pause before every refusal."""
    throttle = ctx.login_throttle
    now = ctx.clock()
    window = now - dt.timedelta(minutes=1)
    with ctx.db.read() as conn:
        recorded_failures = conn.execute(_FAILURES, {"username": username, "ip": ip, "after": window}).scalar_one()
        row = conn.execute(_LOGIN_USER, {"username": username}).mappings().first()
    try:
        known = row is not None and bool(row["active"]) and bool(row["agency_active"])
        attempt = throttle.admit(username, ip, recorded_failures, known=known)  # no await since the read: race-free
    except ApiError:
        await throttle.pause()
        raise
    failed = False
    reserved: int | None = None
    try:
        if throttle.hashing_full():  # (checked again on entry: this spares the reservation's writes)
            raise busy()
        reserved = await ctx.db.write(lambda conn: _reserve(ctx, conn, username, ip, now))
        if reserved is None:  # another worker's attempts filled the limit meanwhile
            raise too_many()
        async with throttle.hashing():  # argon2 is slow and large on purpose: off the event loop, a few at a time
            ok = await run_in_threadpool(verify_password, row["password_hash"] if row else _DUMMY_HASH, password)
        failed = not (ok and row and row["active"] and row["agency_active"])
    except ApiError:  # 429, or 503: the hashing queue is full
        if reserved is not None:  # not a guess that was evaluated: it does not count
            await ctx.db.write(lambda conn: conn.execute(delete(login_failures).where(login_failures.c.id == reserved)))
        await throttle.pause()
        raise
    finally:
        throttle.done(attempt, failed=failed)
    if failed or row is None:
        await throttle.pause()
        raise ApiError(401, "invalid_credentials", "نام کاربری یا گذرواژه نادرست است.",
                       "Wrong username or password.", "password")
    token = secrets.token_urlsafe(32)
    expires = now + dt.timedelta(seconds=ctx.settings.token_ttl_seconds)

    def issue(conn: Connection) -> None:
        conn.execute(delete(login_failures).where(login_failures.c.id == reserved))  # it succeeded: not a failure
        conn.execute(insert(tokens).values(token_hash=token_hash(token), user_id=row["id"], created_at=now,
                                           expires_at=expires))
        conn.execute(delete(tokens).where(tokens.c.expires_at < now - dt.timedelta(days=1)))
    await ctx.db.write(issue)
    return {
        "token": token,
        "token_type": "bearer",
        "expires_at": expires.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "user": {"username": row["username"], "display_name": row["display_name"],
                 "agency": row["agency_national_id"], "roles": sorted(row["roles"].split(",")),
                 "unit": row["unit_code"]},
    }


def _reserve(ctx: ServerContext, conn: Connection, username: str, ip: str, now: dt.datetime) -> int | None:
    """Count this attempt as a failure until it succeeds (its row's id), unless the (username, IP)
    has used up its minute: then None. Atomic across worker processes: SQLite writes one
    transaction at a time; on PostgreSQL an advisory lock on the pair, tried and never waited
    for (busy means another worker is reserving for the same pair right now: refused too)."""
    if not ctx.db.is_sqlite and not conn.execute(_PAIR_LOCK, {"pair": f"{username}\n{ip}"}).scalar_one():
        return None
    if conn.execute(_FAILURES, {"username": username, "ip": ip, "after": now - dt.timedelta(minutes=1)}
                    ).scalar_one() >= ctx.settings.login_attempts_per_minute:
        return None
    conn.execute(delete(login_failures).where(login_failures.c.at < now - dt.timedelta(hours=1)))
    return int(conn.execute(insert(login_failures).values(username=username, ip=ip, at=now)
                            .returning(login_failures.c.id)).scalar_one())


_PAIR_LOCK = text("SELECT pg_try_advisory_xact_lock(hashtext('dabir-login:' || :pair))")


def bearer_token(request: Request) -> str:
    return bearer_from_header(request.headers.get("authorization", ""))


def bearer_from_header(header: str) -> str:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise unauthenticated()
    return value.strip()


_AUTH = (select(tokens.c.expires_at, tokens.c.revoked_at, users.c.id, users.c.username, users.c.roles,
                users.c.unit_code, users.c.active, users.c.agency_id, agencies.c.national_id,
                agencies.c.active.label("agency_active"))
         .join(users, users.c.id == tokens.c.user_id).join(agencies, agencies.c.id == users.c.agency_id)
         .where(tokens.c.token_hash == bindparam("token_hash")))


def authenticate(ctx: ServerContext, token: str) -> Principal:
    """Every request reads its token afresh: a revoked token or a deactivated user stops at once."""
    with ctx.db.read() as conn:
        row = conn.execute(_AUTH, {"token_hash": token_hash(token)}).first()
    if row is None:
        raise unauthenticated()
    expires_at, revoked_at, user_id, username, roles, unit_code, active, agency_id, national_id, agency_active = row
    if revoked_at is not None or as_utc(expires_at) <= ctx.clock() or not active or not agency_active:
        raise unauthenticated()
    return Principal(user_id, username, agency_id, national_id, frozenset(roles.split(",")), unit_code)


async def logout(ctx: ServerContext, token: str) -> None:
    now = ctx.clock()
    await ctx.db.write(lambda conn: conn.execute(
        update(tokens).where(tokens.c.token_hash == token_hash(token), tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)))


def revoke_user_tokens(conn: Connection, user_id: int, now: dt.datetime) -> None:
    conn.execute(update(tokens).where(tokens.c.user_id == user_id, tokens.c.revoked_at.is_(None))
                 .values(revoked_at=now))
