"""Server receipt (رسید ثبت): binds SHAMS and registration time to the signed content.

Format ``dabir.receipt`` version 1, shared by the central server (which makes receipts) and
the client (which stores, shows and verifies them)::

    {"format": "dabir.receipt", "version": 1, "alg": "ES256" | "EdDSA",
     "payload": {"shams": "14000123453-O-1405-187", "registered_at": "2026-03-21T08:15:02Z",
                 "content_sha256": "<hex>", "guid": "<uuid>", "server_cert_sha256": "<hex>"},
     "signature": "<base64>"}

The signature covers the RFC 8785 bytes of ``payload`` (so any JSON re-serialization of the
receipt keeps it verifiable). ES256 signatures are DER-encoded ECDSA P-256/SHA-256. The
payload names the server certificate by SHA-256 fingerprint so that a verifier holding
several server certificates (key rollover) knows which one to use.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from app.protocol.canonical import canonical_bytes

FORMAT = "dabir.receipt"
VERSION = 1
PAYLOAD_FIELDS = ("shams", "registered_at", "content_sha256", "guid", "server_cert_sha256")


class InvalidReceipt(ValueError):
    def __init__(self, message: str, message_fa: str = "رسید ثبت نامه معتبر نیست.") -> None:
        super().__init__(message)
        self.message_fa = message_fa


def load_certificate(cert: bytes | x509.Certificate) -> x509.Certificate:
    if isinstance(cert, x509.Certificate):
        return cert
    if cert.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(cert)
    return x509.load_der_x509_certificate(cert)


def cert_fingerprint(cert: bytes | x509.Certificate) -> str:
    return _fingerprint(load_certificate(cert))


@lru_cache(maxsize=64)  # the server's own certificate, asked for every receipt it signs
def _fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def format_time(moment: dt.datetime) -> str:
    """RFC 3339 in UTC with second precision: the only time format a receipt carries."""
    if moment.tzinfo is None:
        raise ValueError("registration time must be timezone-aware")
    m = moment if moment.tzinfo is dt.UTC else moment.astimezone(dt.UTC)
    # formatted by hand, cheaper than strftime: the server formats one per registration
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


class ReceiptSigner:
    """Makes receipts with one key and certificate. What is the same for every receipt (the
    algorithm, the certificate's fingerprint) is worked out once: the server signs one
    receipt per registration."""

    __slots__ = ("_alg", "_fingerprint", "_sign")

    def __init__(
        self,
        private_key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey,
        certificate: bytes | x509.Certificate,
    ) -> None:
        self._fingerprint = cert_fingerprint(certificate)
        if isinstance(private_key, ec.EllipticCurvePrivateKey):
            ecdsa = ec.ECDSA(hashes.SHA256())
            self._alg = "ES256"
            self._sign: Callable[[bytes], bytes] = lambda data: private_key.sign(data, ecdsa)
        elif isinstance(private_key, ed25519.Ed25519PrivateKey):
            self._alg, self._sign = "EdDSA", private_key.sign
        else:
            raise TypeError("receipt keys are ECDSA P-256 or Ed25519")

    def receipt(self, *, shams: str, registered_at: dt.datetime, content_sha256: str, guid: str) -> dict[str, Any]:
        payload = {
            "shams": shams,
            "registered_at": format_time(registered_at),
            "content_sha256": content_sha256,
            "guid": guid,
            "server_cert_sha256": self._fingerprint,
        }
        return {
            "format": FORMAT,
            "version": VERSION,
            "alg": self._alg,
            "payload": payload,
            "signature": base64.b64encode(self._sign(canonical_bytes(payload))).decode("ascii"),
        }


def make_receipt(
    *,
    shams: str,
    registered_at: dt.datetime,
    content_sha256: str,
    guid: str,
    private_key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey,
    certificate: bytes | x509.Certificate,
) -> dict[str, Any]:
    return ReceiptSigner(private_key, certificate).receipt(
        shams=shams, registered_at=registered_at, content_sha256=content_sha256, guid=guid
    )


def verify_receipt(receipt: dict[str, Any], server_cert: bytes | x509.Certificate) -> bool:
    """Return True if ``receipt`` was signed by ``server_cert`` (DER or PEM); raise InvalidReceipt otherwise."""
    if not isinstance(receipt, dict) or receipt.get("format") != FORMAT or receipt.get("version") != VERSION:
        raise InvalidReceipt("not a Dabir receipt (format/version)")
    payload = receipt.get("payload")
    if not isinstance(payload, dict) or set(payload) != set(PAYLOAD_FIELDS):
        raise InvalidReceipt(f"receipt payload must have exactly the fields {PAYLOAD_FIELDS}")
    if not all(isinstance(payload[f], str) for f in PAYLOAD_FIELDS):
        raise InvalidReceipt("receipt payload fields must be strings")
    try:  # the messages quote nothing of the receipt: a refusal stays small whatever it holds
        parse_time(payload["registered_at"])
    except ValueError:
        raise InvalidReceipt("malformed receipt: registered_at is not a UTC time like 2026-03-21T08:15:02Z") from None
    try:
        sig = base64.b64decode(receipt.get("signature", ""), validate=True)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidReceipt("malformed receipt: the signature is not base64") from None
    cert = load_certificate(server_cert)
    if cert_fingerprint(cert) != payload["server_cert_sha256"]:
        raise InvalidReceipt(
            "receipt was issued under another server certificate",
            "رسید با گواهی دیگری از کارگزار صادر شده است.",
        )
    key = cert.public_key()
    data = canonical_bytes(payload)
    alg = receipt.get("alg")
    try:
        if alg == "ES256" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(sig, data, ec.ECDSA(hashes.SHA256()))
        elif alg == "EdDSA" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(sig, data)
        else:
            raise InvalidReceipt("the receipt's algorithm (alg) does not match the server certificate's key")
    except InvalidSignature as exc:
        raise InvalidReceipt("receipt signature does not verify", "امضای رسید ثبت نامه معتبر نیست.") from exc
    return True


def receipt_matches(receipt: dict[str, Any], *, guid: str, content_sha256: str, shams: str | None = None) -> bool:
    """Does the (already verified) receipt belong to this letter content?"""
    p = receipt.get("payload") or {}
    return (
        p.get("guid") == guid
        and p.get("content_sha256") == content_sha256
        and (shams is None or p.get("shams") == shams)
    )
