"""The server's receipt-signing key and certificate (ECDSA P-256), created by ``dabir-server init``."""

from __future__ import annotations

import datetime as dt
import os
from ipaddress import ip_address
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from server.config import ConfigError

ReceiptKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def create_receipt_identity(cert_path: Path, key_path: Path, *, name: str = "Dabir central server receipts",
                            ca_cert: x509.Certificate | None = None, ca_key: object | None = None,
                            years: int = 10) -> x509.Certificate:
    """A fresh P-256 key and a certificate for it: self-signed, or issued by the given CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "IR"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Dabir"),
                         x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject if ca_cert else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    cert = builder.sign(ca_key if ca_key is not None else key, hashes.SHA256())  # type: ignore[arg-type]
    _write_private(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert


def load_receipt_identity(cert_path: Path, key_path: Path) -> tuple[ReceiptKey, x509.Certificate]:
    """The receipt-signing key and certificate; ConfigError (one line for the operator) when they
    are missing (``dabir-server init`` makes them), unreadable or not a receipt identity."""
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
            raise ValueError(f"{key_path}: the receipt key must be ECDSA P-256 or Ed25519")
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except FileNotFoundError as exc:
        raise ConfigError(f"no receipt certificate and key at {cert_path} and {key_path}: "
                          "run `dabir-server init` first") from exc
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot use the receipt certificate {cert_path} and key {key_path}: "
                          f"{getattr(exc, 'strerror', None) or exc}") from exc
    return key, cert


def subject_alt_names(hosts: tuple[str, ...]) -> x509.SubjectAlternativeName:
    """IP addresses as IP SANs, everything else as DNS names (TLS clients check one or the other)."""
    sans: list[x509.GeneralName] = []
    for h in hosts:
        try:
            sans.append(x509.IPAddress(ip_address(h)))
        except ValueError:
            sans.append(x509.DNSName(h))
    return x509.SubjectAlternativeName(sans)


def create_tls_identity(cert_path: Path, key_path: Path, hosts: tuple[str, ...] = ("localhost", "127.0.0.1")) -> None:
    """A self-signed localhost TLS certificate for a pilot/test install (replace with a real one)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=825))
        .add_extension(subject_alt_names(hosts), critical=False)
        # a server certificate, not a CA: it can vouch for no other certificate
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
