"""Pure-ASGI middleware: authentication before the body, request limits, a JSON-lines access log without secrets."""

from __future__ import annotations

import logging
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import orjson
from sqlalchemy.exc import OperationalError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import channels
from server.auth import Principal, authenticate, bearer_from_header
from server.context import ServerContext
from server.errors import ApiError, database_unavailable

access_log = logging.getLogger("dabir.server.access")


class Authenticate:
    """Resolves the bearer token of a protected path before anything reads the body, so that a
    caller without a valid token costs the server no more than the headers (the ``current``
    dependency takes the Principal from here: the one place a token is checked). A channel path
    takes a channel account's key instead of a user's token (:mod:`server.channels`)."""

    def __init__(self, app: ASGIApp, ctx: ServerContext, protected: Callable[[str], bool]) -> None:
        self.app = app
        self.ctx = ctx
        self.protected = protected

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        channel = scope["type"] == "http" and scope["path"].startswith(channels.PREFIX)
        if scope["type"] != "http" or not (channel or self.protected(scope["path"])):
            await self.app(scope, receive, send)
            return
        header = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
        try:
            credential = bearer_from_header(header.decode("latin-1"))
            found: Principal | channels.ChannelAccount = (
                channels.authenticate(self.ctx, credential) if channel else authenticate(self.ctx, credential))
        except ApiError as exc:
            await (channels.invalid_key() if channel else exc).response()(scope, receive, send)
            return
        except OperationalError:
            await database_unavailable().response()(scope, receive, send)
            return
        client = scope.get("client")
        state = scope.setdefault("state", {})
        if isinstance(found, channels.ChannelAccount):
            state["channel"] = found
            state["username"] = f"channel:{found.name}"  # for the access log
        else:
            state["principal"] = replace(found, ip=client[0] if client else "")  # the audit log records it
            state["username"] = found.username  # for the access log
        await self.app(scope, receive, send)


class RequestLimits:
    """Header count, and the body read in full (up to a limit) before the app runs: ``limit`` for
    an authenticated user, ``channel_limit`` for a channel account (one letter's text),
    ``anonymous_limit`` otherwise (a login is small). Larger gets 413."""

    def __init__(self, app: ASGIApp, limit: int, anonymous_limit: int, max_headers: int,
                 channel_limit: int = channels.MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit
        self.channel_limit = min(channel_limit, limit)
        self.anonymous_limit = anonymous_limit
        self.max_headers = max_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope["headers"]) > self.max_headers:
            await ApiError(431, "too_many_headers", "تعداد سرآیندهای درخواست بیش از حد مجاز است.",
                           f"More than {self.max_headers} request headers.").response()(scope, receive, send)
            return
        state = scope.get("state", {})
        limit = self.limit if "principal" in state else self.channel_limit if "channel" in state else self.anonymous_limit
        too_large = ApiError(413, "request_too_large", "حجم درخواست بیش از حد مجاز است.",
                             f"Request body is larger than {limit} bytes.")
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
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
            if size > limit:
                await too_large.response()(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        # replayed piece by piece as they came, so a reader that streams the body (an upload's chunk)
        # never holds a joined copy beside the pieces
        pending = deque(chunks)
        del chunks

        async def replay() -> Message:
            if pending:
                piece = pending.popleft()
                return {"type": "http.request", "body": piece, "more_body": bool(pending)}
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
