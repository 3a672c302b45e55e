"""The three letter-package endpoints (registration, Payam send, internal send) as one handler.

They carry the server's load: a signed package per request, verified and written in one
group-committed transaction. FastAPI declares them (OpenAPI, and the fallback route) and
:class:`PackageLane` answers them straight from ASGI, ahead of FastAPI's routing, dependency
solving and exception middleware — about a sixth of the server's CPU per registration. Both go
through :func:`handle_package`, so the checks, their order and the answers are the same.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from typing import Any

from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.protocol.package import InvalidPackage, LetterPackage
from server import payam, shams
from server.auth import Caller, bearer_from_header
from server.context import ServerContext
from server.errors import ApiError, internal_error
from server.idempotency import request_digest, require_key
from server.signatures import SignatureChecker

API = "/api/v1"
log = logging.getLogger("dabir.server")

Handler = Callable[..., Generator[Any, Any, Response]]
HANDLERS: dict[str, Handler] = {
    f"{API}/letters": shams.register,
    f"{API}/payam/messages": payam.send_outgoing,
    f"{API}/internal/messages": payam.send_internal,
}


def parse_package(raw: bytes) -> LetterPackage:
    try:
        return LetterPackage.from_json_bytes(raw)
    except InvalidPackage as exc:
        raise ApiError(422, "invalid_package", exc.message_fa, str(exc), "package") from exc


async def handle_package(ctx: ServerContext, checker: SignatureChecker, scope: Scope, raw: bytes,
                         authorization: str, idempotency_key: str | None) -> Response:
    """Authenticate, require the key, parse, then run the endpoint's write steps (raises ApiError).

    The handler authenticates the caller itself (registration: within its first read); a
    request refused before that is authenticated first, so that 401 still comes before 428/422."""
    caller = Caller(ctx, bearer_from_header(authorization))
    try:
        try:
            key = require_key(idempotency_key)
            package = parse_package(raw)
        except ApiError:
            caller.principal  # noqa: B018 (authenticates: who asks is answered first)
            raise
        digest = request_digest(scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1"), raw)
        return await ctx.db.run_steps_async(HANDLERS[scope["path"]](ctx, checker, caller, package, key, digest))
    finally:
        if caller.known is not None:
            scope.setdefault("state", {})["username"] = caller.known.username  # for the access log


class PackageLane:
    """Pure-ASGI middleware: POSTs to the package endpoints are answered here; all else passes on.
    Sits inside :class:`~server.middleware.BodyLimit` (the body is already bounded and buffered)."""

    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state  # the FastAPI app's state: ctx and checker are set after middleware is built

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in HANDLERS:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        headers = dict(scope["headers"])
        key = headers.get(b"idempotency-key")
        try:
            response = await handle_package(self.state.ctx, self.state.checker, scope, b"".join(chunks),
                                            headers.get(b"authorization", b"").decode("latin-1"),
                                            key.decode("latin-1") if key is not None else None)
        except ApiError as exc:
            response = exc.response()
        except Exception:
            log.exception("unhandled error on POST %s", scope["path"])
            response = internal_error().response()
        await response(scope, receive, send)
