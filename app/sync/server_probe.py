"""Check a server address before anyone types a password into it: the TLS handshake verified
against the agency's CA bundle (or the system's store), the certificate it presented, and
``/healthz`` to confirm a Dabir server answers there. Used by the first-run wizard and settings.

The leaf certificate is read even when it is not trusted, so that the user (or the IT officer on
the phone) can compare its fingerprint; nothing is sent over an untrusted connection.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.x509.oid import NameOID

from app.protocol.persian import ltr_island, to_persian_digits

TIMEOUT_S = 10.0

# OpenSSL's verification codes (X509_V_ERR_*) that a user can act on, and what to tell them.
_EXPIRED, _NOT_YET_VALID, _REVOKED = 10, 9, 23
_UNKNOWN_ISSUER = (2, 18, 19, 20, 21)  # issuer unknown, self-signed leaf or chain, cannot verify leaf
_WRONG_HOST = (62, 64)  # host name / IP address mismatch


@dataclass(frozen=True)
class ServerCertificate:
    """What the server presented: enough to recognise it and compare it with the IT officer's."""

    der: bytes
    subject_cn: str
    subject_o: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    @property
    def fingerprint(self) -> str:
        """The SHA-256 in groups of four upper-case hex digits, as read aloud over the phone."""
        h = self.sha256.upper()
        return " ".join(h[i:i + 4] for i in range(0, len(h), 4))


@dataclass(frozen=True)
class ProbeResult:
    url: str
    certificate: ServerCertificate | None  # None when no TLS handshake took place
    trusted: bool  # the handshake verified against the CA bundle (or the system store)
    is_dabir: bool  # /healthz answered as a Dabir server does
    problem: str | None  # None when all is well, else a short code (tests, logs)
    reason: str  # English, for logs
    reason_fa: str  # for the user

    @property
    def ok(self) -> bool:
        return self.problem is None


def _name(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def describe_server_certificate(der: bytes) -> ServerCertificate:
    cert = x509.load_der_x509_certificate(der)
    issuer = _name(cert.issuer, NameOID.COMMON_NAME) or cert.issuer.rfc4514_string()
    issuer_o = _name(cert.issuer, NameOID.ORGANIZATION_NAME)
    return ServerCertificate(
        der=der, subject_cn=_name(cert.subject, NameOID.COMMON_NAME),
        subject_o=_name(cert.subject, NameOID.ORGANIZATION_NAME),
        issuer=f"{issuer} ({issuer_o})" if issuer_o and issuer_o != issuer else issuer,
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
    )


def _fail(url: str, problem: str, reason: str, reason_fa: str, cert: ServerCertificate | None = None,
          trusted: bool = False) -> ProbeResult:
    return ProbeResult(url, cert, trusted, False, problem, reason, reason_fa)


def _untrusted_reason(code: int, message: str, host: str) -> tuple[str, str]:
    """(problem code, Persian reason) for a failed certificate verification."""
    if code == _EXPIRED:
        return "expired", "گواهی امنیتی کارگزار منقضی شده است."
    if code == _NOT_YET_VALID:
        return "not_yet_valid", "گواهی امنیتی کارگزار هنوز معتبر نشده است؛ تاریخ و ساعت این رایانه را نیز بررسی کنید."
    if code == _REVOKED:
        return "revoked", "گواهی امنیتی کارگزار باطل شده است."
    if code in _WRONG_HOST:
        return "wrong_host", f"گواهی امنیتی کارگزار برای نشانی «{host}» صادر نشده است."
    if code in _UNKNOWN_ISSUER:
        return "unknown_issuer", ("صادرکنندهٔ گواهی امنیتی کارگزار برای این رایانه ناشناخته است؛ پروندهٔ گواهی مرجع "
                                  "سازمان را از مسئول فناوری اطلاعات بگیرید و انتخاب کنید.")
    return "untrusted", f"گواهی امنیتی کارگزار پذیرفته نشد ({message})."


def _context(ca_bundle: str | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else ssl.create_default_context()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def _leaf(host: str, port: int, ctx: ssl.SSLContext, timeout: float) -> bytes:
    with socket.create_connection((host, port), timeout=timeout) as raw, \
            ctx.wrap_socket(raw, server_hostname=host) as tls:
        der = tls.getpeercert(binary_form=True)
    if not der:
        raise ssl.SSLError("the server presented no certificate")
    return der


def probe_server(url: str, ca_bundle: str | None = None, *, timeout: float = TIMEOUT_S) -> ProbeResult:
    """Connect to ``url`` (https only) and report what a user needs to decide whether to log in."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return _fail(url, "address", f"not an https address: {url!r}",
                     "نشانی کارگزار باید با https:// آغاز شود؛ برای نمونه https://dabir.example.ir")
    host = parts.hostname
    try:
        port = parts.port or 443
    except ValueError:
        return _fail(url, "address", f"bad port in {url!r}", "شمارهٔ درگاه در نشانی کارگزار نادرست است.")
    if ca_bundle and not Path(ca_bundle).is_file():
        return _fail(url, "ca_bundle", f"CA bundle {ca_bundle} not found",
                     f"پروندهٔ گواهی مرجع «{ltr_island(ca_bundle)}» یافت نشد.")
    try:
        verified = _context(ca_bundle)
    except (ssl.SSLError, OSError, ValueError) as exc:
        return _fail(url, "ca_bundle", f"CA bundle {ca_bundle} unusable: {exc}",
                     "پروندهٔ گواهی مرجع انتخاب‌شده گواهی معتبری ندارد.")
    try:
        der = _leaf(host, port, verified, timeout)
        trusted, code, message = True, 0, ""
    except ssl.SSLCertVerificationError as exc:
        trusted, code, message = False, exc.verify_code, exc.verify_message
        try:  # once more without verification, only to show the user what was presented
            unverified = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            unverified.check_hostname = False
            unverified.verify_mode = ssl.CERT_NONE
            der = _leaf(host, port, unverified, timeout)
        except (OSError, ssl.SSLError):
            der = b""
    except ssl.SSLError as exc:
        return _fail(url, "tls", f"TLS handshake with {host}:{port} failed: {exc}",
                     "ارتباط امن با کارگزار برقرار نشد؛ احتمالاً این نشانی یک کارگزار https نیست.")
    except OSError as exc:
        return _fail(url, "unreachable", f"cannot connect to {host}:{port}: {exc}",
                     f"کارگزار «{host}» در درگاه {to_persian_digits(port)} پاسخ نداد؛ نشانی و اتصال شبکه را بررسی کنید.")
    cert = describe_server_certificate(der) if der else None
    if not trusted:
        problem, reason_fa = _untrusted_reason(code, message, host)
        return _fail(url, problem, f"certificate of {host} not trusted: {code} {message}", reason_fa, cert)
    try:
        with httpx.Client(verify=verified, timeout=timeout) as http:
            answer = http.get(f"{url}/healthz")
        is_dabir = answer.status_code == 200 and answer.json().get("status") == "ok"
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        return _fail(url, "not_dabir", f"{url}/healthz: {exc}",
                     "در این نشانی کارگزار دبیر پاسخ نمی‌دهد.", cert, trusted=True)
    if not is_dabir:
        return _fail(url, "not_dabir", f"{url}/healthz answered {answer.status_code}",
                     "در این نشانی کارگزار دبیر پاسخ نمی‌دهد؛ نشانی را بررسی کنید.", cert, trusted=True)
    return ProbeResult(url, cert, True, True, None, "ok", "اتصال امن به کارگزار دبیر برقرار است.")
