"""One write per response: uvicorn's status line and headers go out with the first body part.

uvicorn (httptools) writes a response's head and its body to the transport separately. Over
TLS each write is a TLS record of its own and a ``send`` system call: for the small JSON
answers of registration and Payam that is two records and two calls where one would do. This
keeps the head until the first body part (which ASGI sends right after it) and writes both at
once; any further parts of a streamed body are written as uvicorn writes them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http import httptools_impl


class _Capture:
    """Stands in for the transport during one ``send``: keeps what is written, and a close
    asked for, until :meth:`deliver`; everything else goes to the real transport."""

    __slots__ = ("_close", "_transport", "chunks")

    def __init__(self, transport: asyncio.Transport, chunks: list[bytes] | None = None) -> None:
        self._transport = transport
        self._close = False
        self.chunks = chunks if chunks is not None else []

    def write(self, data: bytes) -> None:
        self.chunks.append(data)

    def close(self) -> None:
        self._close = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)

    def deliver(self) -> None:
        if self.chunks and not self._transport.is_closing():  # (the client may have gone)
            self._transport.write(b"".join(self.chunks))
        if self._close:
            self._transport.close()


class CoalescingCycle(httptools_impl.RequestResponseCycle):
    """uvicorn's request-response cycle, with the head written together with the body."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head: list[bytes] | None = None

    async def send(self, message: Any) -> None:
        kind = message["type"]
        if kind == "http.response.start" and not self.response_started:
            real, capture = self.transport, _Capture(self.transport)
            self.transport = capture  # type: ignore[assignment]
            try:
                await super().send(message)
            finally:
                self.transport = real
            self._head = capture.chunks
            return
        head, self._head = self._head, None
        if head is None:
            await super().send(message)
            return
        real, capture = self.transport, _Capture(self.transport, head)
        self.transport = capture  # type: ignore[assignment]
        try:
            await super().send(message)
        finally:
            self.transport = real
            capture.deliver()


def install() -> None:
    """Use :class:`CoalescingCycle` for uvicorn's httptools connections in this process."""
    httptools_impl.RequestResponseCycle = CoalescingCycle  # type: ignore[misc]
