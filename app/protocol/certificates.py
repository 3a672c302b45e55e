"""How we describe an X.509 certificate to people: names, national code, validity, key usage."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from cryptography import x509
from cryptography.x509.oid import NameOID

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
