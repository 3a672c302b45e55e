"""A TLS-terminating proxy in front of the real server that misbehaves on demand.

Modes, taken one per state-changing request (POST, PUT) from a queue (then ``pass`` forever;
reads always pass):
  ``pass``   forward the HTTP request to the server and its answer back
  ``500``    answer ``500 Internal Server Error`` without asking the server
  ``close``  read the request, then close the connection without a word
  ``hang``   read the request and never answer (the client's timeout must fire)
  ``lost``   forward the request, let the server do the work, then drop its answer
It presents the server's own certificate, so the client's TLS checks are the real ones.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections import deque
from pathlib import Path


class FaultProxy:
    def __init__(self, upstream_port: int, cert: Path, key: Path, ca_bundle: Path) -> None:
        self.upstream_port = upstream_port
        self.modes: deque[str] = deque()
        self.seen: list[str] = []
        self._server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._server_ctx.load_cert_chain(cert, key)
        self._client_ctx = ssl.create_default_context(cafile=str(ca_bundle))
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._hung: list[socket.socket] = []
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stop.set()
        self._sock.close()
        for s in self._hung:
            s.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                raw, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        try:
            conn = self._server_ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            return
        try:
            while True:
                request = _read_http(conn)
                if request is None:
                    return
                mode = self.modes.popleft() if self.modes and request.startswith((b"POST ", b"PUT ")) else "pass"
                self.seen.append(mode)
                if mode == "500":
                    conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    return
                if mode == "close":
                    return
                if mode == "hang":
                    self._hung.append(conn)
                    self._stop.wait()
                    return
                with socket.create_connection(("127.0.0.1", self.upstream_port)) as up_raw, \
                        self._client_ctx.wrap_socket(up_raw, server_hostname="127.0.0.1") as up:
                    up.sendall(request.replace(b"keep-alive", b"close"))
                    answer = _read_http(up)
                if answer is None or mode == "lost":
                    return
                conn.sendall(answer)
        except (OSError, ssl.SSLError):
            return
        finally:
            if conn not in self._hung:
                conn.close()


def _read_http(sock: socket.socket) -> bytes | None:
    """One HTTP/1.1 message (head + content-length body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head + b"\r\n\r\n" + body
