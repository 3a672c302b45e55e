"""The fast verification path: taken for a normal letter, and never a different verdict.

``verify_detached`` tries ``_verify_fast`` (a DER reader and caches) and falls back to
``_verify_full`` (asn1crypto, the reference) for anything else. Every case below is checked on
both: the combined result must equal the full path's, and the fast path either declines (None)
or gives exactly the same verdict.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from app.protocol import cms_reader
from app.protocol import verify as V
from app.protocol.trust import TrustStore
from app.protocol.verify import SignatureVerdict, verify_detached
from app.token.signing import open_signing_session
from devkit.pki import der
from tests.token.conftest import PIN_A, TokenWorld, letter_bytes

pytestmark = pytest.mark.softhsm

UTC = dt.UTC


def sign_with(world: TokenWorld, label: str, content: bytes) -> bytes:
    with open_signing_session(world.token("Dabir A"), PIN_A, cert_label=label) as s:
        return s.sign(content)


def both(content: bytes, sig: bytes, trust: TrustStore, *, online: bool = False, crl_cache_dir: Path | None = None,
         now: dt.datetime | None = None) -> tuple[SignatureVerdict | None, SignatureVerdict]:
    """(fast verdict or None, full verdict); asserts verify_detached agrees with the full path."""
    now = now or dt.datetime.now(UTC)
    kw = {"online": online, "crl_cache_dir": crl_cache_dir, "now": now}
    full = V._verify_full(content, sig, trust, **kw)
    fast = V._verify_fast(content, sig, trust, **kw)
    assert verify_detached(content, sig, trust, **kw) == full
    if fast is not None:
        assert fast == full
    return fast, full


# -- building signatures with software keys, in shapes the product's signer never makes ------------

def _attr(name: str, value: object) -> cms.CMSAttribute:
    return cms.CMSAttribute({"type": name, "values": [value]})


def build_cms(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    cert: x509.Certificate,
    content: bytes,
    chain: list[x509.Certificate] = (),  # type: ignore[assignment]
    *,
    signing_time: object = "now",
    drop: tuple[str, ...] = (),
    extra_attrs: list[cms.CMSAttribute] = (),  # type: ignore[assignment]
    ess_cert_der: bytes | None = None,
    digest: str = "sha256",
    pss: bool = False,
    embed_content: bool = False,
    sid_kind: str = "issuer_and_serial_number",
    signers: int = 1,
) -> bytes:
    cert_der = der(cert)
    acert = asn1_x509.Certificate.load(cert_der)
    when = dt.datetime.now(UTC).replace(microsecond=0) if signing_time == "now" else signing_time
    ess = tsp.SigningCertificateV2({"certs": [{
        "hash_algorithm": {"algorithm": "sha256"},
        "cert_hash": hashlib.sha256(ess_cert_der or cert_der).digest(),
    }]})
    attrs = {
        "content_type": _attr("content_type", "data"),
        "message_digest": _attr("message_digest", hashlib.new(digest, content).digest()),
        "signing_certificate_v2": _attr("signing_certificate_v2", ess),
    }
    if when is not None:
        attrs["signing_time"] = _attr("signing_time", when if isinstance(when, cms.Time) else cms.Time({"utc_time": when}))
    signed = cms.CMSAttributes([v for k, v in attrs.items() if k not in drop] + list(extra_attrs))
    to_sign = signed.dump()
    h = {"sha256": hashes.SHA256(), "sha1": hashes.SHA1(), "sha384": hashes.SHA384()}[digest]
    if isinstance(key, ec.EllipticCurvePrivateKey):
        value = key.sign(to_sign, ec.ECDSA(h))
        sig_algo = algos.SignedDigestAlgorithm({"algorithm": f"{digest}_ecdsa"})
    elif pss:
        value = key.sign(to_sign, padding.PSS(padding.MGF1(h), 32), h)
        sig_algo = algos.SignedDigestAlgorithm({"algorithm": "rsassa_pss", "parameters": {
            "hash_algorithm": {"algorithm": digest},
            "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": digest}},
            "salt_length": 32,
        }})
    else:
        value = key.sign(to_sign, padding.PKCS1v15(), h)
        sig_algo = algos.SignedDigestAlgorithm({"algorithm": f"{digest}_rsa"})
    if sid_kind == "subject_key_identifier":
        sid = cms.SignerIdentifier({"subject_key_identifier": acert.key_identifier})
    else:
        sid = cms.SignerIdentifier({"issuer_and_serial_number": {"issuer": acert.issuer,
                                                                "serial_number": acert.serial_number}})
    si = cms.SignerInfo({
        "version": "v1" if sid_kind == "issuer_and_serial_number" else "v3",
        "sid": sid,
        "digest_algorithm": {"algorithm": digest},
        "signed_attrs": cms.CMSAttributes.load(to_sign),
        "signature_algorithm": sig_algo,
        "signature": value,
    })
    encap: dict[str, object] = {"content_type": "data"}
    if embed_content:
        encap["content"] = content
    sd = cms.SignedData({
        "version": "v1",
        "digest_algorithms": [{"algorithm": digest}],
        "encap_content_info": encap,
        "certificates": [asn1_x509.Certificate.load(cert_der)] + [asn1_x509.Certificate.load(der(c)) for c in chain],
        "signer_infos": [si] * signers,
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()


@pytest.fixture(scope="module")
def soft(world: TokenWorld) -> tuple[rsa.RSAPrivateKey, x509.Certificate, list[x509.Certificate]]:
    key, cert = world.pki.software_signer("Soft Signer", "0012345679")
    return key, cert, [world.pki.intermediate_cert]


# -- the fast path is taken, and is the same -------------------------------------------------------

def test_fast_path_is_taken_for_a_normal_letter(world: TokenWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    trust = world.trust()
    content = letter_bytes(40)
    sig = sign_with(world, "signer", content)
    fast, full = both(content, sig, trust)
    assert fast is not None and fast == full and full.valid
    # so that it cannot silently rot into "always falls back": the full path is not needed at all
    monkeypatch.setattr(V, "_verify_full", lambda *a, **k: pytest.fail("fell back to the full path"))
    for _ in range(3):
        assert verify_detached(content, sig, trust).valid


def test_fast_path_same_signed_bytes_as_asn1crypto(world: TokenWorld) -> None:
    content = letter_bytes(41)
    sig = sign_with(world, "signer", content)
    si = cms.ContentInfo.load(sig)["content"]["signer_infos"][0]
    parts = cms_reader.read_signature(sig)
    assert cms_reader.set_of(parts.signed_attrs) == si["signed_attrs"].untag().dump()
    assert parts.signature == si["signature"].native
    assert parts.message_digest == hashlib.sha256(content).digest()


def test_fast_path_server_shape_ecdsa_and_ski(world: TokenWorld) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = world.pki.issue_signing_cert(key.public_key(), "EC Signer", national_code="0012345679")
    trust = world.trust()
    content = letter_bytes(42)
    for kind in ("issuer_and_serial_number", "subject_key_identifier"):
        fast, full = both(content, build_cms(key, cert, content, [world.pki.intermediate_cert], sid_kind=kind), trust)
        assert full.valid and fast is not None


def test_fast_path_generalized_time(world: TokenWorld, soft: tuple) -> None:
    key, cert, chain = soft
    content = letter_bytes(43)
    when = cms.Time({"generalized_time": dt.datetime.now(UTC).replace(microsecond=0)})
    fast, full = both(content, build_cms(key, cert, content, chain, signing_time=when), world.trust())
    assert full.valid and fast is not None


def test_fast_time_matches_asn1crypto() -> None:
    for value in (core.UTCTime(dt.datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC)),
                  core.UTCTime(dt.datetime(1950, 1, 1, tzinfo=UTC)),
                  core.GeneralizedTime(dt.datetime(2100, 2, 28, 1, 2, 3, tzinfo=UTC))):
        raw = value.dump()
        assert V._fast_time(raw[0], value.contents) == value.native
    for tag, raw in ((0x17, b"2601011200Z"), (0x17, b"260101120000+0330"), (0x18, b"20260101120000.5Z"),
                     (0x18, b"00000101000000Z")):
        with pytest.raises(cms_reader.Unusual):
            V._fast_time(tag, raw)


# -- failures and unusual shapes: identical verdicts, and the fast path declines -------------------

def _mutate_signature(sig: bytes) -> bytes:
    info = cms.ContentInfo.load(sig)
    raw = bytearray(info["content"]["signer_infos"][0]["signature"].native)
    raw[10] ^= 0x01
    info["content"]["signer_infos"][0]["signature"] = bytes(raw)
    return info.dump(force=True)


def _foreign_cert_in_signature(world: TokenWorld, sig: bytes) -> bytes:
    """The signer's certificate swapped for another one of the same CA (sid follows it)."""
    other = world.keys["signer-b"].certificate
    info = cms.ContentInfo.load(sig)
    sd = info["content"]
    ao = asn1_x509.Certificate.load(der(other))
    sd["certificates"] = [ao, asn1_x509.Certificate.load(der(world.pki.intermediate_cert))]
    sd["signer_infos"][0]["sid"] = cms.SignerIdentifier(
        {"issuer_and_serial_number": {"issuer": ao.issuer, "serial_number": ao.serial_number}})
    return info.dump(force=True)


TokenCase = Callable[[TokenWorld, bytes], tuple[bytes, bytes]]

TOKEN_CASES: dict[str, tuple[str, TokenCase, str]] = {
    # name: (token key, (content, sig) -> (content, sig) to verify, expected reason fragment)
    "tampered content": ("signer", lambda w, c: (c + b" ", sign_with(w, "signer", c)), "content was changed"),
    "tampered signature": ("signer", lambda w, c: (c, _mutate_signature(sign_with(w, "signer", c))),
                           "signature value is wrong"),
    "wrong certificate": ("signer", lambda w, c: (c, _foreign_cert_in_signature(w, sign_with(w, "signer", c))),
                          "signing-certificate mismatch"),
    "expired": ("expired", lambda w, c: (c, sign_with(w, "expired", c)), "expired"),
    "unknown CA": ("foreign", lambda w, c: (c, sign_with(w, "foreign", c)), "not issued by a trusted"),
    "garbage": ("signer", lambda w, c: (c, b"\x30\x03\x02\x01\x00"), "damaged"),
    "truncated": ("signer", lambda w, c: (c, sign_with(w, "signer", c)[:-7]), "damaged"),
}


@pytest.mark.parametrize("case", list(TOKEN_CASES))
def test_token_failures_identical(world: TokenWorld, case: str) -> None:
    _label, make, fragment = TOKEN_CASES[case]
    content, sig = make(world, letter_bytes(50 + list(TOKEN_CASES).index(case)))
    fast, full = both(content, sig, world.trust())
    assert not full.valid and any(fragment in r for r in full.reasons), full.reasons
    assert fast is None


def test_revoked_identical(world: TokenWorld, tmp_path: Path) -> None:
    content = letter_bytes(60)
    sig = sign_with(world, "revoked", content)
    assert not verify_detached(content, sig, world.trust(), online=True, crl_cache_dir=tmp_path).valid  # fetch once
    requests = world.crl.requests
    fast, full = both(content, sig, world.trust(), crl_cache_dir=tmp_path)
    assert world.crl.requests == requests
    assert not full.valid and any("revoked" in r for r in full.reasons)
    assert fast == full  # revocation is the same code on both paths: the fast path reports it
    good = letter_bytes(61)
    fast, full = both(good, sign_with(world, "signer", good), world.trust(), crl_cache_dir=tmp_path)
    assert full.valid and full.warnings == [] and fast == full


def test_offline_warning_identical(world: TokenWorld, tmp_path: Path) -> None:
    content = letter_bytes(62)
    fast, full = both(content, sign_with(world, "signer", content), world.trust(), crl_cache_dir=tmp_path / "none")
    assert full.valid and full.warnings and fast == full


SoftCase = Callable[[rsa.RSAPrivateKey, x509.Certificate, list[x509.Certificate], bytes], bytes]

SOFT_CASES: dict[str, tuple[SoftCase, str | None]] = {
    # name: (build the signature, expected reason fragment or None for a valid verdict)
    "control": (lambda k, c, ch, m: build_cms(k, c, m, ch), None),
    "no signing-certificate-v2": (lambda k, c, ch, m: build_cms(k, c, m, ch, drop=("signing_certificate_v2",)),
                                  "does not name its signing certificate"),
    "no content-type": (lambda k, c, ch, m: build_cms(k, c, m, ch, drop=("content_type",)), "content-type"),
    "no message-digest": (lambda k, c, ch, m: build_cms(k, c, m, ch, drop=("message_digest",)), "content was changed"),
    "no signing time": (lambda k, c, ch, m: build_cms(k, c, m, ch, signing_time=None), None),
    "signing time in the future": (
        lambda k, c, ch, m: build_cms(k, c, m, ch, signing_time=dt.datetime.now(UTC) + dt.timedelta(days=2)),
        "in the future"),
    "signing-certificate-v2 of another certificate": (
        lambda k, c, ch, m: build_cms(k, c, m, ch, ess_cert_der=der(ch[0])), "signing-certificate mismatch"),
    "extra signed attribute": (
        lambda k, c, ch, m: build_cms(k, c, m, ch, extra_attrs=[
            cms.CMSAttribute({"type": "1.3.6.1.4.1.99999.1", "values": [core.UTF8String("x")]})]), None),
    "sha1 digest": (lambda k, c, ch, m: build_cms(k, c, m, ch, digest="sha1"), "not accepted"),
    "sha384 digest": (lambda k, c, ch, m: build_cms(k, c, m, ch, digest="sha384"), None),
    "RSASSA-PSS": (lambda k, c, ch, m: build_cms(k, c, m, ch, pss=True), None),
    "embedded content": (lambda k, c, ch, m: build_cms(k, c, m, ch, embed_content=True), "embeds its own content"),
    "two signers": (lambda k, c, ch, m: build_cms(k, c, m, ch, signers=2), "damaged"),
    "chain not embedded": (lambda k, c, ch, m: build_cms(k, c, m), None),  # the trust folder has the intermediate
}


@pytest.mark.parametrize("case", list(SOFT_CASES))
def test_unusual_shapes_identical(world: TokenWorld, soft: tuple, case: str) -> None:
    key, cert, chain = soft
    make, fragment = SOFT_CASES[case]
    content = letter_bytes(70 + list(SOFT_CASES).index(case))
    fast, full = both(content, make(key, cert, chain, content), world.trust())
    if fragment is None:
        assert full.valid, full.reasons
    else:
        assert not full.valid and any(fragment in r for r in full.reasons), full.reasons
    fast_expected = case in ("control", "sha384 digest", "chain not embedded")
    assert (fast is not None) == fast_expected


def test_not_yet_valid_identical(world: TokenWorld) -> None:
    now = dt.datetime.now(UTC).replace(microsecond=0)
    key, cert = world.pki.software_signer("Future Signer", not_before=now + dt.timedelta(days=3),
                                          not_after=now + dt.timedelta(days=300))
    content = letter_bytes(90)
    fast, full = both(content, build_cms(key, cert, content, [world.pki.intermediate_cert]), world.trust())
    assert not full.valid and any("not yet valid" in r for r in full.reasons) and fast is None


def test_ca_certificate_and_no_roots_identical(world: TokenWorld, soft: tuple) -> None:
    content = letter_bytes(91)
    ca_sig = build_cms(world.pki.intermediate_key, world.pki.intermediate_cert, content)
    fast, full = both(content, ca_sig, world.trust())
    assert not full.valid and any("key usage" in r for r in full.reasons) and fast is None
    key, cert, chain = soft
    fast, full = both(content, build_cms(key, cert, content, chain), TrustStore([]))
    assert not full.valid and any("no trust roots" in r for r in full.reasons) and fast is None


def test_reader_rejects_ber_and_trailing_bytes(world: TokenWorld, soft: tuple) -> None:
    key, cert, chain = soft
    sig = build_cms(key, cert, letter_bytes(92), chain)
    cms_reader.read_signature(sig)
    with pytest.raises(cms_reader.Unusual):
        cms_reader.read_signature(sig + b"\x00")
    ber = b"\x30\x80" + sig[4:] + b"\x00\x00"  # outer SEQUENCE with indefinite length
    assert sig[1] == 0x82
    with pytest.raises(cms_reader.Unusual):
        cms_reader.read_signature(ber)
    non_minimal = b"\x30\x83\x00" + sig[2:]
    with pytest.raises(cms_reader.Unusual):
        cms_reader.read_signature(non_minimal)


def test_concurrent_cold_caches(world: TokenWorld, soft: tuple) -> None:
    """Threads verifying at once against several stores, caches cold, fast and full paths: no
    half-parsed shared certificate (the race that made server/signatures.py serialize checks)."""
    key, cert, chain = soft
    items = [(c, build_cms(key, cert, c, chain)) for c in (letter_bytes(100 + i) for i in range(8))]
    errors: list[str] = []
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often: the race showed within a few rounds like this
    try:
        _hammer(items, [der(world.pki.root_cert)], errors)
    finally:
        sys.setswitchinterval(interval)
    assert errors == []


def _hammer(items: list[tuple[bytes, bytes]], roots: list[bytes], errors: list[str]) -> None:
    for round_ in range(8):
        V._cert_ids.cache_clear()
        V._fast_signer.cache_clear()
        stores = [TrustStore.from_certificates(roots) for _ in range(4)]  # intermediate only in the signatures
        barrier = threading.Barrier(8)
        threads = [threading.Thread(target=_work, args=(i, round_, items, stores, barrier, errors)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def _work(i: int, round_: int, items: list[tuple[bytes, bytes]], stores: list[TrustStore],
          barrier: threading.Barrier, errors: list[str]) -> None:
    barrier.wait()
    for k in range(4):
        content, sig = items[(i + k) % len(items)]
        verify = V._verify_full if (i + round_) % 2 else verify_detached
        try:
            v = verify(content, sig, stores[(i + k) % len(stores)], online=False, crl_cache_dir=None,
                       now=dt.datetime.now(UTC))
        except Exception as exc:  # a half-parsed certificate raised IndexError / KeyError here
            errors.append(repr(exc))
            continue
        if not v.valid:
            errors.append("; ".join(v.reasons))
