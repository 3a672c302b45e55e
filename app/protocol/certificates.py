"""How we describe an X.509 certificate to people: names, national code, validity, key usage."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NATIONAL_CODE_OID = NameOID.SERIAL_NUMBER  # 2.5.4.5: Iranian CAs put the holder's national code here

# Extended key usages compatible with signing documents (an absent EKU is too): S/MIME,
# id-kp-documentSigning (RFC 9336), Microsoft document signing, Adobe authentic documents, any.
DOCUMENT_SIGNING_EKUS = frozenset({
    ExtendedKeyUsageOID.EMAIL_PROTECTION.dotted_string,
    "1.3.6.1.5.5.7.3.36",
    "1.3.6.1.4.1.311.10.3.12",
    "1.2.840.113583.1.1.5",
    ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE.dotted_string,
})


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
    key_usage_present: bool = True
    extended_key_usages: tuple[str, ...] | None = None  # dotted OIDs; None when the extension is absent

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest()

    def is_valid_at(self, when: dt.datetime) -> bool:
        return self.not_before <= when <= self.not_after

    @property
    def can_sign(self) -> bool:
        """The one rule for "may sign letters" (verifier, server upload, token listing): an
        end-entity certificate whose KeyUsage allows non-repudiation or digital signature and whose
        extended key usage, if any, admits document signing (serverAuth/clientAuth alone do not)."""
        if self.is_ca or not self.key_usage_present or not (self.non_repudiation or self.digital_signature):
            return False
        ekus = self.extended_key_usages
        return ekus is None or not DOCUMENT_SIGNING_EKUS.isdisjoint(ekus)


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


@lru_cache(maxsize=4096)
def describe_certificate(der: bytes) -> CertificateInfo:
    cert = x509.load_der_x509_certificate(der)
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        nr, ds, ku_present = ku.content_commitment, ku.digital_signature, True
    except x509.ExtensionNotFound:
        nr, ds, ku_present = False, False, False  # a signing certificate must state its key usage
    try:
        eku: tuple[str, ...] | None = tuple(
            oid.dotted_string for oid in cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        eku = None
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
        key_usage_present=ku_present,
        extended_key_usages=eku,
    )
