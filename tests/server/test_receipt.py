from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from app.protocol.receipt import (
    InvalidReceipt,
    ReceiptSigner,
    cert_fingerprint,
    format_time,
    make_receipt,
    verify_receipt,
)
from server.receipts import create_receipt_identity, load_receipt_identity


@pytest.fixture
def identity(tmp_path):  # type: ignore[no-untyped-def]
    create_receipt_identity(tmp_path / "cert.pem", tmp_path / "key.pem")
    return load_receipt_identity(tmp_path / "cert.pem", tmp_path / "key.pem")


def _receipt(key, cert):  # type: ignore[no-untyped-def]
    return make_receipt(shams="14000123453-O-1405-187", registered_at=dt.datetime(2026, 3, 21, 8, 15, 2, tzinfo=dt.UTC),
                        content_sha256="ab" * 32, guid="0f8e1d5c-8a0b-4d7e-9c63-2b1f6a3d9e10", private_key=key,
                        certificate=cert)


def test_receipt_roundtrip_pem_and_der(identity) -> None:  # type: ignore[no-untyped-def]
    key, cert = identity
    r = _receipt(key, cert)
    assert r["alg"] == "ES256" and r["payload"]["registered_at"] == "2026-03-21T08:15:02Z"
    assert r["payload"]["server_cert_sha256"] == cert_fingerprint(cert)
    assert verify_receipt(r, cert.public_bytes(serialization.Encoding.PEM))
    assert verify_receipt(r, cert.public_bytes(serialization.Encoding.DER))


def test_receipt_tamper_and_wrong_cert(identity, tmp_path) -> None:  # type: ignore[no-untyped-def]
    key, cert = identity
    r = _receipt(key, cert)
    for field, value in (("shams", "14000123453-O-1405-188"), ("content_sha256", "cd" * 32),
                         ("registered_at", "2026-03-21T08:15:03Z")):
        bad = {**r, "payload": {**r["payload"], field: value}}
        with pytest.raises(InvalidReceipt):
            verify_receipt(bad, cert)
    create_receipt_identity(tmp_path / "o.pem", tmp_path / "ok.pem")
    _, other = load_receipt_identity(tmp_path / "o.pem", tmp_path / "ok.pem")
    with pytest.raises(InvalidReceipt):
        verify_receipt(r, other)
    with pytest.raises(InvalidReceipt):
        verify_receipt({**r, "payload": {**r["payload"], "extra": "x"}}, cert)


def test_ed25519_receipt(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import datetime as _dt

    from cryptography import x509
    from cryptography.x509.oid import NameOID

    key = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ed")])
    now = _dt.datetime.now(_dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + _dt.timedelta(days=1)).sign(key, None))
    r = _receipt(key, cert)
    assert r["alg"] == "EdDSA" and verify_receipt(r, cert)


def test_registration_time_is_utc_to_the_second_whatever_its_zone() -> None:
    tehran = dt.timezone(dt.timedelta(hours=3, minutes=30))
    moment = dt.datetime(2026, 3, 21, 11, 45, 2, 987654, tzinfo=tehran)
    assert format_time(moment) == "2026-03-21T08:15:02Z" == format_time(moment.astimezone(dt.UTC))
    assert format_time(dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(0)))) == "2026-01-02T03:04:05Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        format_time(dt.datetime(2026, 3, 21, 8, 15, 2))


def test_one_signer_makes_many_receipts(identity) -> None:  # type: ignore[no-untyped-def]
    key, cert = identity
    signer = ReceiptSigner(key, cert)
    when = dt.datetime(2026, 3, 21, 8, 15, 2, tzinfo=dt.UTC)
    receipts = [signer.receipt(shams=f"14000123453-O-1405-{n}", registered_at=when, content_sha256="ab" * 32,
                               guid="0f8e1d5c-8a0b-4d7e-9c63-2b1f6a3d9e10") for n in (187, 188)]
    assert [r["payload"]["shams"] for r in receipts] == ["14000123453-O-1405-187", "14000123453-O-1405-188"]
    assert all(verify_receipt(r, cert) for r in receipts)
    assert receipts[0]["payload"] == _receipt(key, cert)["payload"]
    with pytest.raises(TypeError):
        ReceiptSigner(object(), cert)  # type: ignore[arg-type]
