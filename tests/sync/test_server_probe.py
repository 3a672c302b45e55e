"""The TLS probe the first-run wizard runs before anyone types a password: trusted or not and why
(in Persian), the certificate presented, and whether a Dabir server answers. Real TLS servers on
loopback: a plain one presenting a chosen certificate, and one answering /healthz like a web server
that is not Dabir."""

from __future__ import annotations

import datetime as dt
import http.server
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from app.sync.server_probe import probe_server
from devkit.pki import TestPKI, key_pem, new_rsa_key, pem
from server.receipts import subject_alt_names


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI(name="Dabir Probe Test")


def leaf(pki: TestPKI, hosts: tuple[str, ...], *, expired: bool = False) -> tuple[bytes, bytes]:
    """(key PEM, chain PEM) of a TLS certificate for ``hosts``."""
    if not expired:
        key, cert = pki.issue_tls_cert(hosts)
    else:
        key = new_rsa_key()
        now = dt.datetime.now(dt.UTC)
        cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, hosts[0])]))
                .issuer_name(pki.intermediate_cert.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=60)).not_valid_after(now - dt.timedelta(days=1))
                .add_extension(subject_alt_names(hosts), critical=False)
                .sign(pki.intermediate_key, hashes.SHA256()))
    return key_pem(key), pem(cert) + pem(pki.intermediate_cert)


@contextmanager
def tls_server(tmp_path: Path, key: bytes, chain: bytes, *, http_404: bool = False) -> Iterator[int]:
    """A TLS server on loopback presenting ``chain``; with ``http_404`` it answers every GET 404."""
    (tmp_path / "key.pem").write_bytes(key)
    (tmp_path / "chain.pem").write_bytes(chain)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp_path / "chain.pem", tmp_path / "key.pem")
    if http_404:
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield httpd.server_address[1]
        finally:
            httpd.shutdown()
            httpd.server_close()
        return
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with ctx.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.shutdown(socket.SHUT_RDWR)  # wakes accept(): a close alone left the join to time out
        listener.close()
        thread.join(5)


def bundle(pki: TestPKI, tmp_path: Path) -> str:
    return str(pki.write_ca_bundle(tmp_path / "ca.pem"))


def test_only_https_addresses_are_probed() -> None:
    result = probe_server("http://127.0.0.1:1")
    assert result.problem == "address" and "https://" in result.reason_fa and result.certificate is None


def test_a_closed_port_is_unreachable_in_persian() -> None:
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]
    result = probe_server(f"https://127.0.0.1:{port}", timeout=3)
    assert result.problem == "unreachable" and "پاسخ نداد" in result.reason_fa
    assert any("۰" <= ch <= "۹" for ch in result.reason_fa)  # the port, in Persian digits


def test_a_certificate_for_another_host_is_refused_as_such(pki: TestPKI, tmp_path: Path) -> None:
    with tls_server(tmp_path, *leaf(pki, ("dabir.example.ir",))) as port:
        result = probe_server(f"https://127.0.0.1:{port}", bundle(pki, tmp_path))
    assert result.problem == "wrong_host" and not result.trusted and "127.0.0.1" in result.reason_fa
    assert result.certificate is not None and result.certificate.subject_cn == "dabir.example.ir"


def test_an_expired_certificate_is_refused_as_expired(pki: TestPKI, tmp_path: Path) -> None:
    with tls_server(tmp_path, *leaf(pki, ("127.0.0.1",), expired=True)) as port:
        result = probe_server(f"https://127.0.0.1:{port}", bundle(pki, tmp_path))
    assert result.problem == "expired" and "منقضی" in result.reason_fa
    assert result.certificate is not None and result.certificate.not_after < dt.datetime.now(dt.UTC)


def test_an_unknown_issuer_is_refused_but_its_certificate_is_shown(pki: TestPKI, tmp_path: Path) -> None:
    key, chain = leaf(pki, ("127.0.0.1",))
    with tls_server(tmp_path, key, chain) as port:
        result = probe_server(f"https://127.0.0.1:{port}")  # the system store does not know the test CA
    assert result.problem == "unknown_issuer" and not result.ok and "گواهی مرجع" in result.reason_fa
    assert result.certificate is not None
    expected = x509.load_pem_x509_certificate(chain).fingerprint(hashes.SHA256()).hex().upper()
    assert result.certificate.fingerprint.replace(" ", "") == expected
    assert all(len(group) == 4 for group in result.certificate.fingerprint.split())


def test_a_trusted_server_that_is_not_dabir_is_said_so(pki: TestPKI, tmp_path: Path) -> None:
    with tls_server(tmp_path, *leaf(pki, ("127.0.0.1",)), http_404=True) as port:
        result = probe_server(f"https://127.0.0.1:{port}", bundle(pki, tmp_path))
    assert result.trusted and not result.is_dabir and result.problem == "not_dabir"
    assert "کارگزار دبیر" in result.reason_fa


def test_a_missing_ca_bundle_is_named(tmp_path: Path) -> None:
    result = probe_server("https://127.0.0.1:1", str(tmp_path / "nope.pem"))
    assert result.problem == "ca_bundle" and "nope.pem" in result.reason_fa
