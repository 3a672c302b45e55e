"""``Idempotency-Key`` on every state-changing call: replay returns the stored response.

The key is scoped to the user. The stored entry holds a hash of method, path and body: the
same key with a different request is refused with 409. Only successful (2xx) responses are
stored, so a request refused for a reason the user can fix (say, an untrusted CA) can be
retried with the same key after the fix. Registration and sending store the record in the
same transaction as the work (:func:`store`); the administrative calls use
:func:`run_idempotent` (two transactions; those operations are idempotent by their natural
keys, which covers the window between doing the work and storing the response).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Connection

from server.auth import Principal
from server.context import ServerContext
from server.db import Database, RawConn
from server.errors import ApiError
from server.models import idempotency_keys

MAX_KEY = 200
JSON = "application/json"
_LOOKUP_SQL = "SELECT request_hash, status_code, body FROM idempotency_keys WHERE user_id = ? AND key = ?"
_STORE_SQL = ("INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, body, created_at)"
              " VALUES (?, ?, ?, ?, ?, ?)")


def request_hash(request: Request, raw: bytes) -> str:
    return request_digest(request.method, request.url.path, request.url.query, raw)


def request_digest(method: str, path: str, query: str, raw: bytes) -> str:
    """What a stored Idempotency-Key record is bound to: method, path, query and body."""
    h = hashlib.sha256()
    h.update(f"{method} {path}?{query}\n".encode())
    h.update(raw)
    return h.hexdigest()


def require_key(key: str | None) -> str:
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise ApiError(428, "idempotency_key_required",
                       "سرآیند Idempotency-Key برای این درخواست الزامی است.",
                       f"An Idempotency-Key header (1–{MAX_KEY} printable characters) is required.",
                       "Idempotency-Key")
    return key


def json_bytes(body: Any) -> bytes:
    """A response body: compact UTF-8 JSON."""
    return orjson.dumps(body)


def stored_response(status: int, data: bytes, *, replayed: bool) -> Response:
    return Response(data, status_code=status, media_type=JSON,
                    headers={"Idempotent-Replayed": "true"} if replayed else None)


def lookup(db: Database, conn: Connection, user_id: int, key: str, digest: str) -> Response | None:
    """The stored response for this key (a replay), None if the key is new; 409 if the key was
    used for a different request."""
    return replay_of(conn.exec_driver_sql(db.sql(_LOOKUP_SQL), (user_id, key)).first(), digest)


def replay_of(row: Any, digest: str) -> Response | None:
    """:func:`lookup` for a record already read: ``(request_hash, status_code, body)`` or None."""
    if row is None:
        return None
    if row[0] != digest:
        raise ApiError(409, "idempotency_key_reused",
                       "این کلید یکتایی پیش‌تر برای درخواست دیگری به کار رفته است.",
                       "This Idempotency-Key was already used for a different request.", "Idempotency-Key")
    return stored_response(row[1], bytes(row[2]), replayed=True)


def store(ctx: ServerContext, conn: RawConn, user_id: int, key: str, digest: str, status: int,
          data: bytes) -> None:
    """Record the response inside the transaction that did the work (a plain INSERT: a concurrent
    twin with the same key makes this raise, and the caller's transaction or savepoint rolls back)."""
    db = ctx.db
    conn.queue(db.sql(_STORE_SQL), (user_id, key, digest, status, data, db.dt_param(ctx.clock())))


def run_idempotent(ctx: ServerContext, principal: Principal, key: str | None, request: Request, raw: bytes,
                   action: Callable[[], tuple[int, Any]]) -> Response:
    """Generic form for the administrative calls: the work and the record are two transactions
    (the operations are idempotent by their natural keys, which covers the window between).
    Registration and sending store their record in the same transaction as the work instead."""
    key = require_key(key)
    digest = request_hash(request, raw)
    with ctx.db.read() as conn:
        replay = lookup(ctx.db, conn, principal.user_id, key, digest)
    if replay is not None:
        return replay
    status, body = action()
    data = json_bytes(body)
    with ctx.db.write() as conn:
        conn.execute(ctx.db.insert_ignore(idempotency_keys).values(
            user_id=principal.user_id, key=key, request_hash=digest, status_code=status, body=data,
            created_at=ctx.clock()))
    return stored_response(status, data, replayed=False)

