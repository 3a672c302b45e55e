"""uvicorn's response head goes out in the same transport write as the body (one TLS record)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.flow_control import FlowControl

from server.response_writes import CoalescingCycle


class FakeTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed, "written after close"
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


def _exchange(messages: list[dict[str, Any]], *, keep_alive: bool = True, method: str = "GET") -> FakeTransport:
    async def run() -> FakeTransport:
        transport = FakeTransport()
        log = logging.getLogger("test")
        cycle = CoalescingCycle(
            scope={"type": "http", "method": method, "path": "/", "http_version": "1.1", "query_string": b""},
            transport=transport, flow=FlowControl(transport), logger=log, access_logger=log,  # type: ignore[arg-type]
            access_log=False, default_headers=[], message_event=asyncio.Event(), expect_100_continue=False,
            keep_alive=keep_alive, on_response=lambda: None,
        )
        for message in messages:
            await cycle.send(message)
        return transport

    return asyncio.run(run())


def _start(headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {"type": "http.response.start", "status": 200, "headers": headers}


def test_head_and_body_in_one_write() -> None:
    body = b'{"shams":"14000123453-O-1405-187"}'
    t = _exchange([_start([(b"content-length", str(len(body)).encode())]),
                   {"type": "http.response.body", "body": body}])
    assert len(t.writes) == 1
    head, _, rest = t.writes[0].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK") and b"content-length: 34" in head and rest == body
    assert not t.closed


def test_streamed_body_first_part_with_head_then_as_written() -> None:
    t = _exchange([_start([]), {"type": "http.response.body", "body": b"abc", "more_body": True},
                   {"type": "http.response.body", "body": b"de", "more_body": True},
                   {"type": "http.response.body", "body": b""}])
    assert len(t.writes) == 3
    assert b"transfer-encoding: chunked" in t.writes[0] and t.writes[0].endswith(b"\r\n\r\n3\r\nabc\r\n")
    assert t.writes[1:] == [b"2\r\nde\r\n", b"0\r\n\r\n"]


def test_closing_response_is_written_before_the_close() -> None:
    t = _exchange([_start([(b"content-length", b"2")]), {"type": "http.response.body", "body": b"ok"}],
                  keep_alive=False)
    assert len(t.writes) == 1 and t.writes[0].endswith(b"connection: close\r\n\r\nok") and t.closed


def test_head_request_and_nothing_after_a_start() -> None:
    t = _exchange([_start([(b"content-length", b"5")]), {"type": "http.response.body", "body": b""}], method="HEAD")
    assert len(t.writes) == 1 and t.writes[0].endswith(b"\r\n\r\n")
    t = _exchange([_start([(b"content-length", b"5")])])  # the app never sent its body: nothing half-sent
    assert t.writes == []
