"""Pure-ASGI middleware: request-size limit and a JSON-lines access log without secrets."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import ApiError

access_log = logging.getLogger("dabir.server.access")


class BodyLimit:
    """Reads the whole body (up to ``limit``) before the app runs; larger bodies get 413."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = ApiError(413, "request_too_large", "حجم درخواست بیش از حد مجاز است.",
                             f"Request body is larger than {self.limit} bytes.")
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await too_large.response()(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await too_large.response()(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class AccessLog:
    """One JSON line per request: never headers, bodies or query secrets (we put none in queries)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = uuid.uuid4().hex[:16]
        status = 500
        scope.setdefault("state", {})

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client") or ("-", 0)
                entry: dict[str, Any] = {
                    "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()), "id": request_id,
                    "ip": client[0], "method": scope["method"], "path": scope["path"], "status": status,
                    "ms": round((time.perf_counter() - start) * 1000, 2),
                    "user": scope["state"].get("username"), "http": scope.get("http_version"),
                }
                access_log.info(orjson.dumps(entry).decode())
