"""Revocation for test PKIs over HTTP on 127.0.0.1: each published PKI's current CRL at
``/<id>/crl`` and its OCSP responder at ``/<id>/ocsp`` (POST, RFC 6960), served by one thread.

Every :class:`devkit.pki.TestPKI` publishes here by default (:func:`shared_server`), so the
certificates tests and the demo issue carry a reachable CRL distribution point, as real ones do.
"""

from __future__ import annotations

import collections
import http.server
import threading
from typing import Protocol


class Publisher(Protocol):
    def crl_der(self) -> bytes: ...

    def ocsp_response(self, request_der: bytes) -> bytes: ...


class RevocationServer:
    """CRLs and OCSP answers for the PKIs published on it; counts the requests per path."""

    def __init__(self, port: int = 0) -> None:
        self.publishers: dict[str, Publisher] = {}
        self.requests: collections.Counter[str] = collections.Counter()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                pki_id, _, kind = self.path.strip("/").partition("/")
                publisher = outer.publishers.get(pki_id)
                outer.requests[self.path] += 1
                if publisher is None or kind != "crl":
                    self._answer(404, b"", "text/plain")
                else:
                    self._answer(200, publisher.crl_der(), "application/pkix-crl")

            def do_POST(self) -> None:
                pki_id, _, kind = self.path.strip("/").partition("/")
                publisher = outer.publishers.get(pki_id)
                outer.requests[self.path] += 1
                body = self.rfile.read(min(int(self.headers.get("Content-Length") or 0), 65536))
                if publisher is None or kind != "ocsp":
                    self._answer(404, b"", "text/plain")
                else:
                    self._answer(200, publisher.ocsp_response(body), "application/ocsp-response")

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port: int = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, name="devkit-revocation", daemon=True).start()

    def publish(self, pki_id: str, publisher: Publisher) -> tuple[str, str]:
        """Serve this PKI's revocation; (CRL URL, OCSP URL)."""
        self.publishers[pki_id] = publisher
        return self.url(pki_id, "crl"), self.url(pki_id, "ocsp")

    def url(self, pki_id: str, kind: str) -> str:
        return f"http://127.0.0.1:{self.port}/{pki_id}/{kind}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


_shared: RevocationServer | None = None
_shared_lock = threading.Lock()


def shared_server() -> RevocationServer:
    """The process's revocation server, started on first use (a daemon thread: it ends with the process)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = RevocationServer()
        return _shared
