"""Letters, software signers and bulk signing for the server tests and the bench."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from app.protocol.canonical import build_content
from app.protocol.package import LetterPackage
from app.token.signing import sign_detached
from devkit.pki import TestPKI, der, pem


@dataclass
class SoftSigner:
    """An in-memory signing key and its certificate (EC P-256: fast to sign in bulk)."""

    key_der: bytes
    cert_der: bytes
    chain_der: list[bytes]

    @property
    def cert_pem(self) -> str:
        from cryptography import x509

        return pem(x509.load_der_x509_certificate(self.cert_der)).decode()

    def pyhanko(self) -> SimpleSigner:
        signer = _KeptKeySigner(
            signing_cert=asn1_x509.Certificate.load(self.cert_der),
            signing_key=asn1_keys.PrivateKeyInfo.load(self.key_der),
            cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(c) for c in self.chain_der]),
        )
        signer.kept_key = serialization.load_der_private_key(self.key_der, password=None)
        return signer


class _KeptKeySigner(SimpleSigner):
    """SimpleSigner parses its private key again for every signature, and parsing an RSA key
    checks it, which is slow: for bulk signing, keep the parsed key."""

    kept_key: Any = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self.kept_key, rsa.RSAPrivateKey):
            return self.kept_key.sign(data, padding.PKCS1v15(), hash_algo)
        if mechanism == "ecdsa" and isinstance(self.kept_key, ec.EllipticCurvePrivateKey):
            return self.kept_key.sign(data, ec.ECDSA(hash_algo))
        return super().sign_raw(data, digest_algorithm)


def make_signer(pki: TestPKI, common_name: str, national_code: str, *, rsa_key: bool = False,
                **cert_options: Any) -> SoftSigner:
    """EC P-256 by default (fast to sign in bulk); ``rsa_key``: RSA-2048, as on the agencies' tokens;
    ``cert_options`` as :meth:`TestPKI.issue_signing_cert` takes them (validity, key usage, …)."""
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048) if rsa_key else ec.generate_private_key(ec.SECP256R1()))
    cert = pki.issue_signing_cert(key.public_key(), common_name, national_code=national_code, **cert_options)
    key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return SoftSigner(key_der, der(cert), [der(pki.intermediate_cert)])


def make_package(sender: str, recipients: list[dict[str, Any]] | list[str], *, kind: str = "outgoing",
                 body: str = "متن آزمایشی نامه.", subject: str = "نامه آزمایشی", guid: str | None = None) -> LetterPackage:
    recs = [r if isinstance(r, dict) else {"agency": r} for r in recipients]
    content = build_content(guid=guid or str(uuid.uuid4()), kind=kind, subject=subject, body=body,
                            sender={"agency": sender, "unit": "secretariat"}, recipients=recs)
    return LetterPackage(content=content)


def sign(package: LetterPackage, signer: SoftSigner) -> LetterPackage:
    package.signatures = [sign_detached(package.content_bytes(), signer.pyhanko())]
    return package


class BulkSigner:
    """Signs many letters with one software key through the product's own CAdES code
    (``app.token.signing.sign_detached``)."""

    def __init__(self, signer: SoftSigner) -> None:
        self._signer = signer.pyhanko()

    def sign(self, content: bytes) -> bytes:
        return sign_detached(content, self._signer)

    def sign_packages(self, packages: list[LetterPackage]) -> list[LetterPackage]:
        for p in packages:
            p.signatures = [self.sign(p.content_bytes())]
        return packages
