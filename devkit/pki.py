"""A throwaway PKI for tests: root CA → intermediate CA → end-entity certificates, plus CRLs.

Mirrors the national arrangement: signatories' certificates come from a licensed
intermediate CA under a root the agency administrator configures as a trust root.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes, PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from server.receipts import subject_alt_names

UTC = dt.UTC


def _now() -> dt.datetime:
    return dt.datetime.now(UTC).replace(microsecond=0)


def new_rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _name(cn: str, org: str = "Dabir Test", serial_number: str | None = None) -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "IR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ]
    if serial_number:
        # Iranian signing certificates carry the holder's national code as serialNumber.
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number))
    return x509.Name(attrs)


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def key_pem(key: PrivateKeyTypes) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass
class TestPKI:
    """Root and intermediate CA; ``crl_url`` (if given) goes into issued certificates."""

    name: str = "Dabir Test"
    crl_url: str | None = None
    root_key: rsa.RSAPrivateKey = field(init=False)
    root_cert: x509.Certificate = field(init=False)
    intermediate_key: rsa.RSAPrivateKey = field(init=False)
    intermediate_cert: x509.Certificate = field(init=False)
    revoked: dict[int, dt.datetime] = field(init=False, default_factory=dict)

    __test__ = False  # not a pytest test class

    def __post_init__(self) -> None:
        now = _now()
        self.root_key = new_rsa_key()
        root_name = _name(f"{self.name} Root CA", self.name)
        self.root_cert = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(self.root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=3650))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.root_key.public_key()), critical=False)
            .sign(self.root_key, hashes.SHA256())
        )
        self.intermediate_key = new_rsa_key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(f"{self.name} Licensed Intermediate CA", self.name))
            .issuer_name(root_name)
            .public_key(self.intermediate_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=3000))
            .not_valid_after(now + dt.timedelta(days=3000))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.intermediate_key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root_key.public_key()), critical=False
            )
        )
        self.intermediate_cert = builder.sign(self.root_key, hashes.SHA256())

    # -- end-entity certificates -------------------------------------------------------------
    def issue_signing_cert(
        self,
        public_key: CertificatePublicKeyTypes,
        common_name: str,
        *,
        national_code: str | None = None,
        organization: str | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        non_repudiation: bool = True,
        digital_signature: bool = True,
    ) -> x509.Certificate:
        now = _now()
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name, organization or self.name, national_code))
            .issuer_name(self.intermediate_cert.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or now - dt.timedelta(days=1))
            .not_valid_after(not_after or now + dt.timedelta(days=730))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=digital_signature,
                    content_commitment=non_repudiation,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.intermediate_key.public_key()),
                critical=False,
            )
        )
        if self.crl_url:
            builder = builder.add_extension(
                x509.CRLDistributionPoints(
                    [x509.DistributionPoint([x509.UniformResourceIdentifier(self.crl_url)], None, None, None)]
                ),
                critical=False,
            )
        return builder.sign(self.intermediate_key, hashes.SHA256())

    def software_signer(
        self, common_name: str, national_code: str | None = None, **kwargs: Any
    ) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        """A key held in memory with its certificate (server tests; tokens use issue_signing_cert)."""
        key = new_rsa_key()
        return key, self.issue_signing_cert(key.public_key(), common_name, national_code=national_code, **kwargs)

    def issue_tls_cert(self, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        key = new_rsa_key()
        now = _now()
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(hosts[0], self.name))
            .issuer_name(self.intermediate_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(subject_alt_names(hosts), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(self.intermediate_key, hashes.SHA256())
        )
        return key, cert

    # -- revocation --------------------------------------------------------------------------
    def revoke(self, cert: x509.Certificate, when: dt.datetime | None = None) -> None:
        self.revoked[cert.serial_number] = when or _now() - dt.timedelta(minutes=1)

    def crl_der(self, *, next_update: dt.timedelta = dt.timedelta(days=7)) -> bytes:
        now = _now()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.intermediate_cert.subject)
            .last_update(now - dt.timedelta(minutes=5))
            .next_update(now + next_update)
            .add_extension(x509.CRLNumber(len(self.revoked) + 1), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.intermediate_key.public_key()),
                critical=False,
            )
        )
        for serial, when in self.revoked.items():
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
            )
        return builder.sign(self.intermediate_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    # -- files -------------------------------------------------------------------------------
    def write_trust_dir(self, path: Path, *, include_intermediate: bool = True) -> Path:
        """A trust-root folder as an agency administrator would set it up."""
        path.mkdir(parents=True, exist_ok=True)
        (path / "root.pem").write_bytes(pem(self.root_cert))
        if include_intermediate:
            (path / "intermediate.pem").write_bytes(pem(self.intermediate_cert))
        return path

    def write_ca_bundle(self, path: Path) -> Path:
        path.write_bytes(pem(self.root_cert) + pem(self.intermediate_cert))
        return path


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
