"""The verifier as the server calls it: validity at a trusted time with a bounded signing-time skew,
and revocation from OCSP (issuer or delegated responder) with the CRL as fallback, strict or not.
The client's behaviour (validity at the claimed signing time, unknown revocation a warning) stays."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from app.protocol import ocsp as ocsp_mod
from app.protocol.trust import TrustStore
from app.protocol.verify import SignatureVerdict, verify_detached
from devkit.pki import TestPKI, der, new_rsa_key
from tests.protocol.cases import NATIONAL_CODE, build_cms, letter_bytes

UTC = dt.UTC


def _now() -> dt.datetime:
    return dt.datetime.now(UTC).replace(microsecond=0)


def _check(pki: TestPKI, tmp_path: Path, *, revoked: bool = False, signing_time: dt.datetime | None = None,
           online: bool = True, **options: object) -> SignatureVerdict:
    key, cert = pki.software_signer("Signer", NATIONAL_CODE, **options.pop("cert", {}))  # type: ignore[arg-type]
    if revoked:
        pki.revoke(cert)
    content = letter_bytes(7)
    signature = build_cms(key, cert, content, [pki.intermediate_cert], signing_time=signing_time or _now())
    trust = TrustStore.from_certificates([der(pki.root_cert)])
    return verify_detached(content, signature, trust, online=online, crl_cache_dir=tmp_path, **options)  # type: ignore[arg-type]


def test_client_checks_validity_at_the_signing_time_the_server_at_its_own(tmp_path: Path) -> None:
    pki = TestPKI()
    expired = {"not_before": _now() - dt.timedelta(days=400), "not_after": _now() - dt.timedelta(days=30)}
    back_dated = _now() - dt.timedelta(days=60)
    assert _check(pki, tmp_path, signing_time=back_dated, cert=expired).valid  # the client: as claimed
    server = _check(pki, tmp_path, signing_time=back_dated, cert=expired, trusted_time=_now())
    assert not server.valid and server.codes[0] == "signing_time_skew"
    assert any("expired" in r for r in server.reasons)


@pytest.mark.parametrize("minutes, valid", [(-6, False), (-4, True), (4, True), (6, False)])
def test_signing_time_skew_is_five_minutes_either_way(tmp_path: Path, minutes: int, valid: bool) -> None:
    now = _now()
    v = _check(TestPKI(), tmp_path, signing_time=now + dt.timedelta(minutes=minutes), trusted_time=now)
    assert v.valid is valid and (valid or v.codes == ["signing_time_skew"])


@pytest.mark.parametrize("delegated", [False, True], ids=["issuer", "delegated responder"])
def test_ocsp_revoked_and_good(tmp_path: Path, delegated: bool) -> None:
    pki = TestPKI(ocsp=True, ocsp_delegated=delegated)
    assert _check(pki, tmp_path, require_revocation=True).valid
    v = _check(pki, tmp_path, revoked=True, require_revocation=True)
    assert v.codes == ["certificate_revoked"] and pki.fetches("ocsp") == 2 and pki.fetches("crl") == 0


def test_ocsp_answer_is_cached_on_disk_until_its_next_update(tmp_path: Path) -> None:
    pki = TestPKI(ocsp=True)
    key, cert = pki.software_signer("Signer", NATIONAL_CODE)
    pki.revoke(cert)
    content = letter_bytes(8)
    signature = build_cms(key, cert, content, [pki.intermediate_cert])
    trust = TrustStore.from_certificates([der(pki.root_cert)])
    assert verify_detached(content, signature, trust, online=True, crl_cache_dir=tmp_path).codes == ["certificate_revoked"]
    ocsp_mod._stores.clear()  # a new process: only the disk cache
    offline = verify_detached(content, signature, trust, online=False, crl_cache_dir=tmp_path)
    assert offline.codes == ["certificate_revoked"] and pki.fetches("ocsp") == 1


def test_ocsp_answer_from_an_unauthorised_responder_is_not_used(tmp_path: Path) -> None:
    """A responder certificate without the OCSP-signing EKU: its answers do not count (here there
    is no CRL to fall back to, so revocation is unknown: a failure when required, else a warning)."""
    pki = TestPKI(ocsp=True, ocsp_delegated=True, crl_url="http://127.0.0.1:1/none.crl")
    key = new_rsa_key()
    pki._responder = key, (x509.CertificateBuilder().subject_name(x509.Name.from_rfc4514_string("CN=Rogue"))
                           .issuer_name(pki.intermediate_cert.subject).public_key(key.public_key())
                           .serial_number(x509.random_serial_number())
                           .not_valid_before(_now() - dt.timedelta(days=1)).not_valid_after(_now() + dt.timedelta(days=1))
                           .sign(pki.intermediate_key, hashes.SHA256()))
    strict = _check(pki, tmp_path, revoked=True, require_revocation=True)
    assert strict.codes == ["revocation_unavailable"] and any("authorised" in r for r in strict.reasons)
    lenient = _check(pki, tmp_path / "other")
    assert lenient.valid and lenient.warnings


def test_no_revocation_information_is_a_failure_only_when_required(tmp_path: Path) -> None:
    pki = TestPKI(publish=False)
    assert _check(pki, tmp_path).warnings  # the client: a warning
    strict = _check(pki, tmp_path, require_revocation=True)
    assert strict.codes == ["revocation_unavailable"] and strict.reasons_fa
