"""``Idempotency-Key`` on every state-changing call: a retry gets the stored response.

The key is scoped to the user. The stored record holds a hash of method, path, query and body:
the same key with a different request is refused with 409. Only successful responses are stored
— in the same transaction as the work they answer — so a request refused for a reason the user
can fix (say, an untrusted CA) can be retried with the same key after the fix.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from server.auth import Principal
from server.context import ServerContext
from server.errors import ApiError
from server.tables.base import idempotency_keys

MAX_KEY = 200
# Statements built once: SQLAlchemy then reuses their compiled form and cache key.
_LOOKUP = (select(idempotency_keys.c.request_hash, idempotency_keys.c.status_code, idempotency_keys.c.body)
           .where(idempotency_keys.c.user_id == bindparam("user_id"), idempotency_keys.c.key == bindparam("key")))
_STORE = insert(idempotency_keys)


def request_digest(request: Request, body: bytes) -> str:
    """What a stored record is bound to: method, path, query and body."""
    h = hashlib.sha256()
    h.update(f"{request.method} {request.url.path}?{request.url.query}\n".encode())
    h.update(body)
    return h.hexdigest()


def require_key(key: str | None) -> str:
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise ApiError(428, "idempotency_key_required",
                       "سرآیند Idempotency-Key برای این درخواست الزامی است.",
                       f"An Idempotency-Key header (1–{MAX_KEY} printable characters) is required.",
                       "Idempotency-Key")
    return key


def json_response(status: int, body: bytes, *, replayed: bool = False) -> Response:
    return Response(body, status_code=status, media_type="application/json",
                    headers={"Idempotent-Replayed": "true"} if replayed else None)


def lookup(conn: Connection, user_id: int, key: str, digest: str) -> Response | None:
    """The stored response for this key (a replay); None if the key is new; 409 if the key was
    used for a different request."""
    row = conn.execute(_LOOKUP, {"user_id": user_id, "key": key}).first()
    if row is None:
        return None
    if row.request_hash != digest:
        raise ApiError(409, "idempotency_key_reused",
                       "این کلید یکتایی پیش‌تر برای درخواست دیگری به کار رفته است.",
                       "This Idempotency-Key was already used for a different request.", "Idempotency-Key")
    return json_response(row.status_code, bytes(row.body), replayed=True)


def store(ctx: ServerContext, conn: Connection, user_id: int, key: str, digest: str, status: int,
          body: bytes) -> None:
    """Record the response in the transaction that did the work. A plain INSERT: a concurrent twin
    with the same key makes it raise, and the job's savepoint rolls back with its work."""
    conn.execute(_STORE, {"user_id": user_id, "key": key, "request_hash": digest, "status_code": status, "body": body,
                          "created_at": ctx.clock()})


async def run_idempotent(ctx: ServerContext, principal: Principal, key: str | None, digest: str, status: int,
                         work: Callable[[Connection], Any]) -> Response:
    """Answer a replay from the record; otherwise run ``work(conn)`` and store its answer (JSON) in
    the same write (see :func:`write_idempotent`)."""
    key = require_key(key)
    with ctx.db.read() as conn:
        replay = lookup(conn, principal.user_id, key, digest)
    return replay or await write_idempotent(ctx, principal, key, digest, status, work)


async def write_idempotent(ctx: ServerContext, principal: Principal, key: str, digest: str, status: int,
                           work: Callable[[Connection], Any]) -> Response:
    """Run ``work(conn)`` and store its answer (JSON) under the key in the same write. If a twin with
    the same key commits first, answer as its replay."""
    def job(conn: Connection) -> bytes:
        body = orjson.dumps(work(conn))
        store(ctx, conn, principal.user_id, key, digest, status, body)
        return body

    for _attempt in range(3):
        try:
            return json_response(status, await ctx.db.write(job))
        except IntegrityError:  # a twin stored the record first (or won a unique key of the work)
            with ctx.db.read() as conn:
                replay = lookup(conn, principal.user_id, key, digest)
            if replay is not None:
                return replay
    raise busy()


def busy() -> ApiError:
    return ApiError(503, "busy", "کارگزار موقتاً پاسخ‌گو نیست؛ لطفاً دوباره تلاش کنید.", "Try again.",
                    headers={"Retry-After": "1"})
