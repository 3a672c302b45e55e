"""Pure-ASGI middleware: the usual security headers on every answer, ``no-store`` on API answers.

HTTPS only, so HSTS always; nothing of ours may be framed; API answers (tokens, letters) must not
be kept by caches. A header the answer sets itself (the verification page's own policy) wins.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS_MAX_AGE = 63072000  # two years, as the HSTS preload list asks
_ALWAYS = (
    (b"strict-transport-security", f"max-age={HSTS_MAX_AGE}; includeSubDomains".encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
)
_NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    def __init__(self, app: ASGIApp, api_prefix: str = "/api/") -> None:
        self.app = app
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = (*_ALWAYS, _NO_STORE) if scope["path"].startswith(self.api_prefix) else _ALWAYS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
