"""Signing certificates on a token and how we describe them to people."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache

import pkcs11
from cryptography import x509
from cryptography.x509.oid import NameOID
from pkcs11 import Attribute, ObjectClass

NATIONAL_CODE_OID = NameOID.SERIAL_NUMBER  # 2.5.4.5: Iranian CAs put the holder's national code here


@dataclass(frozen=True)
class CertificateInfo:
    der: bytes
    subject: str
    issuer: str
    common_name: str | None
    issuer_common_name: str | None
    national_code: str | None
    not_before: dt.datetime
    not_after: dt.datetime
    serial_number: int
    non_repudiation: bool
    digital_signature: bool
    is_ca: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    def is_valid_at(self, when: dt.datetime) -> bool:
        return self.not_before <= when <= self.not_after

    @property
    def can_sign(self) -> bool:
        return not self.is_ca and (self.non_repudiation or self.digital_signature)


@dataclass(frozen=True)
class TokenCertificate:
    """A certificate object on a token with the CKA_ID / CKA_LABEL that find its private key."""

    label: str
    id: bytes
    info: CertificateInfo
    has_private_key: bool


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


@lru_cache(maxsize=4096)
def describe_certificate(der: bytes) -> CertificateInfo:
    cert = x509.load_der_x509_certificate(der)
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        nr, ds = ku.content_commitment, ku.digital_signature
    except x509.ExtensionNotFound:
        nr, ds = False, True  # no KeyUsage extension: any use is allowed (RFC 5280 4.2.1.3)
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    return CertificateInfo(
        der=der,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        common_name=_attr(cert.subject, NameOID.COMMON_NAME),
        issuer_common_name=_attr(cert.issuer, NameOID.COMMON_NAME),
        national_code=_attr(cert.subject, NATIONAL_CODE_OID),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        serial_number=cert.serial_number,
        non_repudiation=nr,
        digital_signature=ds,
        is_ca=is_ca,
    )


def list_signing_certificates(session: pkcs11.Session) -> list[TokenCertificate]:
    """Certificates usable for signing: non-repudiation first, then by expiry (latest first).

    Works on a public (not logged-in) session; ``has_private_key`` is only reliable after login
    because most tokens hide private-key objects until then.
    """
    key_ids: set[bytes] = set()
    key_labels: set[str] = set()
    for key in session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}):
        attrs = key.get_attributes([Attribute.ID, Attribute.LABEL])
        if attrs.get(Attribute.ID):
            key_ids.add(bytes(attrs[Attribute.ID]))
        if attrs.get(Attribute.LABEL):
            key_labels.add(attrs[Attribute.LABEL])
    out = []
    for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
        attrs = obj.get_attributes([Attribute.VALUE, Attribute.ID, Attribute.LABEL])
        try:
            info = describe_certificate(bytes(attrs[Attribute.VALUE]))
        except ValueError:
            continue  # not an X.509 certificate we can parse: not offered for signing
        if not info.can_sign:
            continue
        cid = bytes(attrs.get(Attribute.ID) or b"")
        label = attrs.get(Attribute.LABEL) or ""
        out.append(TokenCertificate(label, cid, info, (bool(cid) and cid in key_ids) or label in key_labels))
    out.sort(key=lambda c: (not c.info.non_repudiation, -c.info.not_after.timestamp(), c.label))
    return out
