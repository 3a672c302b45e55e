"""A throwaway PKI for tests: root CA → intermediate CA → end-entity certificates, plus CRLs
and OCSP answers, published on 127.0.0.1 (:mod:`devkit.revocation`).

Mirrors the national arrangement: signatories' certificates come from a licensed
intermediate CA under a root the agency administrator configures as a trust root, and name
where their revocation is published.
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
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from devkit.revocation import RevocationServer, shared_server
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
    """Root and intermediate CA. Issued certificates name ``crl_url`` and, with ``ocsp``,
    ``ocsp_url``; unless given, both point at ``revocation`` (default: the process's shared
    server) when ``publish`` is on. ``state_dir`` keeps the CA keys across runs (the demo)."""

    name: str = "Dabir Test"
    crl_url: str | None = None
    publish: bool = True
    ocsp: bool = False
    ocsp_url: str | None = None
    ocsp_delegated: bool = False  # answers signed by a responder certificate, not the CA itself
    crl_next_update: dt.timedelta = dt.timedelta(days=7)
    revocation: RevocationServer | None = None
    state_dir: Path | None = None
    root_key: rsa.RSAPrivateKey = field(init=False)
    root_cert: x509.Certificate = field(init=False)
    intermediate_key: rsa.RSAPrivateKey = field(init=False)
    intermediate_cert: x509.Certificate = field(init=False)
    revoked: dict[int, dt.datetime] = field(init=False, default_factory=dict)
    issued: dict[int, x509.Certificate] = field(init=False, default_factory=dict)  # what the responder answers for

    __test__ = False  # not a pytest test class

    def __post_init__(self) -> None:
        self._responder: tuple[rsa.RSAPrivateKey, x509.Certificate] | None = None
        if self.state_dir is not None and (self.state_dir / "intermediate-key.pem").exists():
            self._load(self.state_dir)
        else:
            self._create()
            if self.state_dir is not None:
                self._save(self.state_dir)
        if self.publish:
            server = self.revocation = self.revocation or shared_server()
            crl_url, ocsp_url = server.publish(self.pki_id, self)
            self.crl_url = self.crl_url or crl_url
            self.ocsp_url = self.ocsp_url or ocsp_url

    @property
    def pki_id(self) -> str:
        """Names this PKI on its revocation server (stable across runs with a ``state_dir``)."""
        return x509.SubjectKeyIdentifier.from_public_key(self.intermediate_key.public_key()).digest.hex()[:16]

    def fetches(self, kind: str = "crl") -> int:
        """How often this PKI's CRL ("crl") or OCSP responder ("ocsp") was asked."""
        return self.revocation.requests[f"/{self.pki_id}/{kind}"] if self.revocation else 0

    _FILES = ("root-key.pem", "root.pem", "intermediate-key.pem", "intermediate.pem")

    def _save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        for name, data in zip(self._FILES, (key_pem(self.root_key), pem(self.root_cert), key_pem(self.intermediate_key),
                                            pem(self.intermediate_cert)), strict=True):
            (path / name).write_bytes(data)
            (path / name).chmod(0o600)

    def _load(self, path: Path) -> None:
        root_key, root, inter_key, inter = ((path / name).read_bytes() for name in self._FILES)
        self.root_key = serialization.load_pem_private_key(root_key, None)  # type: ignore[assignment]
        self.root_cert = x509.load_pem_x509_certificate(root)
        self.intermediate_key = serialization.load_pem_private_key(inter_key, None)  # type: ignore[assignment]
        self.intermediate_cert = x509.load_pem_x509_certificate(inter)

    def _create(self) -> None:
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
        key_usage: bool = True,
        extended_key_usage: list[x509.ObjectIdentifier] | None = None,
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
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.intermediate_key.public_key()),
                critical=False,
            )
        )
        if key_usage:
            builder = builder.add_extension(_signing_usage(digital_signature, non_repudiation), critical=True)
        if extended_key_usage is not None:
            builder = builder.add_extension(x509.ExtendedKeyUsage(extended_key_usage), critical=False)
        cert = self._with_revocation_info(builder).sign(self.intermediate_key, hashes.SHA256())
        self.issued[cert.serial_number] = cert
        return cert

    def _with_revocation_info(self, builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
        if self.crl_url:
            builder = builder.add_extension(
                x509.CRLDistributionPoints(
                    [x509.DistributionPoint([x509.UniformResourceIdentifier(self.crl_url)], None, None, None)]
                ),
                critical=False,
            )
        if self.ocsp and self.ocsp_url:
            builder = builder.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(self.ocsp_url))]), critical=False)
        return builder

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

    def crl_der(self, *, next_update: dt.timedelta | None = None) -> bytes:
        now = _now()
        next_update = self.crl_next_update if next_update is None else next_update
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.intermediate_cert.subject)
            .last_update(min(now, now + next_update) - dt.timedelta(minutes=5))
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

    def ocsp_response(self, request_der: bytes) -> bytes:
        """The OCSP responder's answer (RFC 6960) about a certificate this PKI issued."""
        try:
            serial = ocsp.load_der_ocsp_request(request_der).serial_number
        except ValueError:
            return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        cert = self.issued.get(serial)
        if cert is None:
            return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
        now = _now()
        revoked_at = self.revoked.get(serial)
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=cert, issuer=self.intermediate_cert, algorithm=hashes.SHA1(),
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked_at else ocsp.OCSPCertStatus.GOOD,
            this_update=now - dt.timedelta(minutes=1), next_update=now + dt.timedelta(hours=1),
            revocation_time=revoked_at, revocation_reason=None)
        key, signer = self.intermediate_key, self.intermediate_cert
        if self.ocsp_delegated:
            key, signer = self._ocsp_responder()
            builder = builder.certificates([signer])
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, signer)
        return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def _ocsp_responder(self) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        """A responder certificate the intermediate delegates OCSP signing to (made once)."""
        if self._responder is None:
            key = new_rsa_key()
            now = _now()
            cert = (x509.CertificateBuilder()
                    .subject_name(_name(f"{self.name} OCSP Responder", self.name))
                    .issuer_name(self.intermediate_cert.subject)
                    .public_key(key.public_key())
                    .serial_number(x509.random_serial_number())
                    .not_valid_before(now - dt.timedelta(days=1))
                    .not_valid_after(now + dt.timedelta(days=30))
                    .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                    .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
                    .sign(self.intermediate_key, hashes.SHA256()))
            self._responder = key, cert
        return self._responder

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


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)


def _usage(*, digital_signature: bool = False, content_commitment: bool = False, key_cert_sign: bool = False,
           crl_sign: bool = False) -> x509.KeyUsage:
    """A KeyUsage with only the named bits that certificates here ever set."""
    return x509.KeyUsage(digital_signature=digital_signature, content_commitment=content_commitment,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=key_cert_sign, crl_sign=crl_sign, encipher_only=False, decipher_only=False)


def _signing_usage(digital_signature: bool, non_repudiation: bool) -> x509.KeyUsage:
    return _usage(digital_signature=digital_signature, content_commitment=non_repudiation)


def _ca_usage() -> x509.KeyUsage:
    return _usage(key_cert_sign=True, crl_sign=True)
