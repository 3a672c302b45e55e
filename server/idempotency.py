"""``Idempotency-Key`` on every state-changing call: replay returns the stored response.

The key is scoped to the user. The stored entry holds a hash of method, path and body: the
same key with a different request is refused with 409. Only successful (2xx) responses are
stored, so a request refused for a reason the user can fix (say, an untrusted CA) can be
retried with the same key after the fix. The operations themselves are idempotent by letter
GUID as well, which covers the window between doing the work and storing the response.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from server.auth import Principal
from server.context import ServerContext
from server.errors import ApiError
from server.models import idempotency_keys

MAX_KEY = 200


def request_hash(request: Request, raw: bytes) -> str:
    h = hashlib.sha256()
    h.update(f"{request.method} {request.url.path}?{request.url.query}\n".encode())
    h.update(raw)
    return h.hexdigest()


def run_idempotent(ctx: ServerContext, principal: Principal, key: str | None, request: Request, raw: bytes,
                   action: Callable[[], tuple[int, Any]]) -> JSONResponse:
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise ApiError(428, "idempotency_key_required",
                       "سرآیند Idempotency-Key برای این درخواست الزامی است.",
                       f"An Idempotency-Key header (1–{MAX_KEY} printable characters) is required.",
                       "Idempotency-Key")
    digest = request_hash(request, raw)
    with ctx.db.read() as conn:
        row = conn.execute(select(idempotency_keys).where(
            idempotency_keys.c.user_id == principal.user_id, idempotency_keys.c.key == key)).mappings().first()
    if row is not None:
        if row["request_hash"] != digest:
            raise ApiError(409, "idempotency_key_reused",
                           "این کلید یکتایی پیش‌تر برای درخواست دیگری به کار رفته است.",
                           "This Idempotency-Key was already used for a different request.", "Idempotency-Key")
        return JSONResponse(json.loads(row["body"]), status_code=row["status_code"],
                            headers={"Idempotent-Replayed": "true"})
    status, body = action()
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    with ctx.db.write() as conn:
        conn.execute(ctx.db.insert_ignore(idempotency_keys).values(
            user_id=principal.user_id, key=key, request_hash=digest, status_code=status, body=data,
            created_at=ctx.clock()))
    return JSONResponse(body, status_code=status)
