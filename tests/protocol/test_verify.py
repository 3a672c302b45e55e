"""What the verifier tells people about each kind of signature, and that its caches never change it.

The verdicts of every case in :data:`tests.protocol.cases.CASES` are checked here (reasons in
English and Persian, the signer named); the agreement with pyHanko is checked in
test_verify_differential.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
import threading
from pathlib import Path

import pytest
from asn1crypto import cms

from app.protocol import verify as V
from app.protocol.trust import TrustStore
from app.protocol.verify import SignatureVerdict, verify_detached
from devkit.pki import der
from tests.protocol.cases import CASES, NATIONAL_CODE, World, build_cms, letter_bytes, letter_for

UTC = dt.UTC
NOT_READ = {"garbage", "not CMS at all", "truncated DER", "bytes after the signature",
            "ContentInfo that is not signed-data", "two signers", "signer's certificate not included"}


def _clear_caches() -> None:
    for cached in (V._find_signer, V._digest_name, V._signature_scheme, V._signing_certificate_problem,
                   V._revocation_pairs):
        cached.cache_clear()


@pytest.mark.parametrize("name", list(CASES))
def test_verdict(world: World, name: str, tmp_path: Path) -> None:
    case = CASES[name]
    content, signature = case.make(world, letter_for(name))
    v = verify_detached(content, signature, world.trust(), online=True, crl_cache_dir=tmp_path)
    if case.reason is None:
        assert v.valid and v.reasons == [] and v.reasons_fa == [], v.reasons
    else:
        assert not v.valid
        assert any(case.reason in r for r in v.reasons), v.reasons
        assert any((case.reason_fa or "") in r for r in v.reasons_fa), v.reasons_fa
        assert len(v.reasons) == len(v.reasons_fa)
    if name in NOT_READ:  # nothing to name the signer by
        assert v.signer_subject is None and v.certificate_der is None
    else:  # the verdict names the signer, valid or not
        assert v.signer_subject and v.certificate_der
    if name.startswith("no signing time"):
        assert v.signing_time is None and "no signing time" in v.warnings[0] and v.warnings_fa


@pytest.mark.parametrize("name", list(CASES))
def test_warm_caches_give_the_cold_verdict(world: World, name: str, tmp_path: Path) -> None:
    """Caches keyed by the certificates' bytes (signer, path, revocation pairs) never change a verdict."""
    content, signature = CASES[name].make(world, letter_for(name))
    now = dt.datetime.now(UTC)

    def check(store: TrustStore) -> SignatureVerdict:
        return verify_detached(content, signature, store, online=True, crl_cache_dir=tmp_path, now=now)

    _clear_caches()
    cold = check(world.trust())
    store = world.trust()
    check(store)
    assert check(store) == cold


def test_a_valid_letter_names_its_signer(world: World, tmp_path: Path) -> None:
    content = letter_bytes(1)
    v = verify_detached(content, world.sign(content), world.trust(), online=True, crl_cache_dir=tmp_path)
    assert v.valid and v.warnings == []
    assert v.signer_national_code == NATIONAL_CODE and v.signer_name == "علی رضایی"
    assert v.certificate_der == der(world.cert)
    assert v.signing_time is not None and abs(v.signing_time - dt.datetime.now(UTC)) < dt.timedelta(minutes=1)
    assert v.summary().startswith("VALID signature by علی رضایی") and v.summary_fa() == "امضای «علی رضایی» معتبر است."


def test_the_path_is_built_once_per_signer(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server checks every letter it registers: after the first letter of a signatory, no
    path building (certvalidator) until the cached path's validity window ends."""
    store = world.trust()
    letters = [letter_bytes(10 + i) for i in range(4)]
    signatures = [world.sign(c) for c in letters]
    assert verify_detached(letters[0], signatures[0], store).valid

    def no_validation(*_args: object) -> None:
        pytest.fail("the path was validated again")

    monkeypatch.setattr(store, "_validate", no_validation)
    assert all(verify_detached(c, s, store).valid for c, s in zip(letters, signatures, strict=True))


def test_no_trust_roots(world: World) -> None:
    content = letter_bytes(2)
    v = verify_detached(content, world.sign(content), TrustStore([]))
    assert not v.valid and any("no trust roots" in r for r in v.reasons) and v.signer_national_code


def test_read_cuts_what_asn1crypto_reads(world: World) -> None:
    """The one-pass reader and asn1crypto's CMS schema see the same pieces."""
    content = letter_bytes(3)
    for name in ("letter signed by the product", "BER indefinite-length encoding", "RSASSA-PSS",
                 "signer named by subject key identifier"):
        _content, signature = CASES[name].make(world, content)
        sig = V._read(signature)
        sd = cms.ContentInfo.load(signature)["content"]
        si = sd["signer_infos"][0]
        attrs = {a["type"].native: a["values"][0] for a in si["signed_attrs"]}
        assert sig.signed_attrs == si["signed_attrs"].untag().dump()
        assert sig.signature == si["signature"].native
        assert sig.sid == si["sid"].dump() and sig.digest_algorithm == si["digest_algorithm"].dump()
        assert sig.signature_algorithm == si["signature_algorithm"].dump()
        assert sig.certificates == b"".join(c.chosen.dump() for c in sd["certificates"])
        assert sig.message_digest == attrs["message_digest"].native == hashlib.sha256(content).digest()
        assert sig.signing_time == attrs["signing_time"].native
        assert sig.content_type == attrs["content_type"].dump() and not sig.embeds_content


def test_concurrent_cold_caches(world: World) -> None:
    """Threads verifying at once against several stores, caches cold: no half-parsed shared
    certificate (asn1crypto parses lazily; the server verifies from several threads)."""
    items = [(c, build_cms(world.key, world.cert, c, world.chain)) for c in (letter_bytes(100 + i) for i in range(8))]
    errors: list[str] = []
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often: a race shows within a few rounds like this
    try:
        for _round in range(8):
            _clear_caches()
            stores = [TrustStore.from_certificates([der(world.pki.root_cert)]) for _ in range(4)]  # chain embedded
            barrier = threading.Barrier(8)
            threads = [threading.Thread(target=_work, args=(i, items, stores, barrier, errors)) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []


def _work(i: int, items: list[tuple[bytes, bytes]], stores: list[TrustStore], barrier: threading.Barrier,
          errors: list[str]) -> None:
    barrier.wait()
    for k in range(4):
        content, sig = items[(i + k) % len(items)]
        try:
            v = verify_detached(content, sig, stores[(i + k) % len(stores)])
        except Exception as exc:  # a half-parsed certificate raised IndexError / KeyError here
            errors.append(repr(exc))
            continue
        if not v.valid:
            errors.append("; ".join(v.reasons))
