"""Signing on SoftHSM and verifying: the cases a signatory and a receiving secretariat meet."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from asn1crypto import cms

from app.protocol.verify import verify_detached
from app.token.signing import open_signing_session
from devkit.pki import der, pem
from tests.token.conftest import NATIONAL_CODE, PIN_A, TokenWorld, letter_bytes

pytestmark = pytest.mark.softhsm


def sign_with(world: TokenWorld, label: str, content: bytes) -> bytes:
    with open_signing_session(world.token("Dabir A"), PIN_A, cert_label=label) as s:
        return s.sign(content)


@pytest.fixture(scope="module")
def good(world: TokenWorld) -> tuple[bytes, bytes]:
    content = letter_bytes(1)
    return content, sign_with(world, "signer", content)


def test_good_signature_is_cades_bes_and_valid(world: TokenWorld, good: tuple[bytes, bytes], tmp_path: Path) -> None:
    content, sig = good
    si = cms.ContentInfo.load(sig)["content"]["signer_infos"][0]
    attrs = {a["type"].native for a in si["signed_attrs"]}
    assert {"signing_certificate_v2", "signing_time", "message_digest", "content_type"} <= attrs
    assert si["digest_algorithm"]["algorithm"].native == "sha256"
    assert cms.ContentInfo.load(sig)["content"]["encap_content_info"]["content"].native is None  # detached

    v = verify_detached(content, sig, world.trust(), online=True, crl_cache_dir=tmp_path)
    assert v.valid, v.reasons
    assert v.reasons == [] and v.reasons_fa == [] and v.warnings == []
    assert v.signer_national_code == NATIONAL_CODE
    assert "علی رضایی" in (v.signer_subject or "")
    assert v.certificate_der == der(world.keys["signer"].certificate)
    assert v.signing_time is not None


def test_tampered_content_fails(world: TokenWorld, good: tuple[bytes, bytes]) -> None:
    content, sig = good
    v = verify_detached(content.replace("همکاری".encode(), "هم‌کاری".encode()), sig, world.trust())
    assert not v.valid
    assert any("content was changed" in r for r in v.reasons)
    assert any("تغییر کرده" in r for r in v.reasons_fa)
    assert v.signer_national_code == NATIONAL_CODE  # the verdict still names the signer


def test_tampered_signature_value_fails(world: TokenWorld, good: tuple[bytes, bytes]) -> None:
    content, sig = good
    info = cms.ContentInfo.load(sig)
    raw = bytearray(info["content"]["signer_infos"][0]["signature"].native)
    raw[10] ^= 0x01
    info["content"]["signer_infos"][0]["signature"] = bytes(raw)
    v = verify_detached(content, info.dump(force=True), world.trust())
    assert not v.valid
    assert any("signature value is wrong" in r for r in v.reasons)
    assert any("مقدار امضا نادرست" in r for r in v.reasons_fa)


def test_garbage_signature_fails_cleanly(world: TokenWorld) -> None:
    v = verify_detached(b"x", b"\x30\x03\x02\x01\x00", world.trust())
    assert not v.valid and v.signer_subject is None and v.reasons_fa


def test_expired_certificate(world: TokenWorld) -> None:
    content = letter_bytes(2)
    v = verify_detached(content, sign_with(world, "expired", content), world.trust())
    assert not v.valid
    assert any("expired" in r for r in v.reasons)
    assert any("منقضی" in r for r in v.reasons_fa)


def test_unknown_ca(world: TokenWorld) -> None:
    content = letter_bytes(3)
    v = verify_detached(content, sign_with(world, "foreign", content), world.trust())
    assert not v.valid
    assert any("not issued by a trusted certification authority" in r for r in v.reasons)
    assert any("مورد اعتماد" in r for r in v.reasons_fa)


def test_revoked_online_then_cached_offline(world: TokenWorld, tmp_path: Path) -> None:
    content = letter_bytes(4)
    sig = sign_with(world, "revoked", content)
    before = world.pki.fetches()
    v = verify_detached(content, sig, world.trust(), online=True, crl_cache_dir=tmp_path)
    assert world.pki.fetches() == before + 1  # fetched from the distribution point
    assert not v.valid
    assert any("revoked" in r for r in v.reasons) and any("باطل" in r for r in v.reasons_fa)
    assert list(tmp_path.glob("*.crl"))  # kept for offline use

    # offline, a fresh process state (new store) reading only the disk cache
    from app.protocol import crl as crl_mod

    crl_mod._stores.clear()
    v2 = verify_detached(content, sig, world.trust(), online=False, crl_cache_dir=tmp_path)
    assert world.pki.fetches() == before + 1
    assert not v2.valid and any("revoked" in r for r in v2.reasons)
    # and a good certificate from the same CA is valid offline with no warning
    good_content = letter_bytes(5)
    v3 = verify_detached(good_content, sign_with(world, "signer", good_content), world.trust(),
                         online=False, crl_cache_dir=tmp_path)
    assert v3.valid and v3.warnings == []


def test_offline_without_crl_is_a_warning(world: TokenWorld, good: tuple[bytes, bytes], tmp_path: Path) -> None:
    content, sig = good
    v = verify_detached(content, sig, world.trust(), online=False, crl_cache_dir=tmp_path / "empty")
    assert v.valid
    assert v.warnings and "offline" in v.warnings[0]
    assert v.warnings_fa and "ابطال" in v.warnings_fa[0]


def test_non_repudiation_sorted_first_and_national_code(world: TokenWorld) -> None:
    from app.token.certificates import list_signing_certificates

    with world.token("Dabir A").open(user_pin=PIN_A) as session:
        certs = list_signing_certificates(session)
    labels = [c.label for c in certs]
    assert "Intermediate CA" not in labels  # CA certificates are not offered for signing
    assert "tls-client" not in labels  # nor a TLS client certificate (the server would refuse it: one rule)
    assert labels[-1] == "ds-only"  # the only one without non-repudiation comes last
    signer = next(c for c in certs if c.label == "signer")
    assert signer.info.national_code == NATIONAL_CODE and signer.has_private_key
    assert signer.info.issuer.endswith("CN=Dabir Test Licensed Intermediate CA,O=Dabir Test,C=IR") or \
        "Licensed Intermediate CA" in signer.info.issuer


def test_openssl_interop(world: TokenWorld, good: tuple[bytes, bytes], tmp_path: Path) -> None:
    assert shutil.which("openssl")
    content, sig = good
    (tmp_path / "c.bin").write_bytes(content)
    (tmp_path / "s.der").write_bytes(sig)
    (tmp_path / "root.pem").write_bytes(pem(world.pki.root_cert))
    (tmp_path / "int.pem").write_bytes(pem(world.pki.intermediate_cert))
    args = ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(tmp_path / "s.der"),
            "-content", str(tmp_path / "c.bin"), "-CAfile", str(tmp_path / "root.pem"),
            # OpenSSL 3.0's cms has no -untrusted; -certfile adds the same untrusted intermediates
            "-certfile", str(tmp_path / "int.pem"), "-purpose", "any", "-out", "/dev/null"]
    ok = subprocess.run(args, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "Verification successful" in ok.stderr
    (tmp_path / "c.bin").write_bytes(content + b" ")
    bad = subprocess.run(args, capture_output=True, text=True)
    assert bad.returncode != 0


def test_sign_detached_with_software_signer(world: TokenWorld) -> None:
    """The server's tests sign with SimpleSigner: the same API must work with any pyHanko Signer."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.signers import SimpleSigner

    from app.token.signing import sign_detached

    key, cert = world.pki.software_signer("Server Test", NATIONAL_CODE)
    signer = SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
        cert_registry=None,
    )
    content = letter_bytes(6)
    v = verify_detached(content, sign_detached(content, signer), world.trust())
    assert v.valid and v.signer_national_code == NATIONAL_CODE
