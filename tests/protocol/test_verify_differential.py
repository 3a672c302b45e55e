"""Our verdict against pyHanko's validator, on valid letters and every kind of broken signature.

For each signature in :data:`tests.protocol.cases.CASES` both sides get the same information:
pyHanko's ``async_validate_detached_cms`` a ValidationContext with our test root as its only trust
root (not the OS store), the intermediate as an extra certificate and the CA's current CRL; we
get a TrustStore from the same trust folder and fetch the same CRL from its distribution point.
Valid or not must agree. Where the two differ by policy, the case says why, and the test asserts
that difference, so a change on either side shows up here.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.general import CMSExtractionError
from pyhanko.sign.validation import KeyUsageConstraints, async_validate_detached_cms
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko_certvalidator import ValidationContext

from app.protocol.verify import SignatureVerdict, verify_detached
from devkit.pki import der
from tests.protocol.cases import CASES, World, letter_for


def pyhanko_accepts(world: World, content: bytes, signature: bytes,
                    key_usage: KeyUsageConstraints | None = None) -> bool:
    """pyHanko's bottom line; a signature it cannot read as one-signer SignedData counts as refused."""
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(der(world.pki.root_cert))],
        other_certs=[asn1_x509.Certificate.load(der(world.pki.intermediate_cert))],
        crls=[world.pki.crl_der()],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    try:
        signed_data = cms.ContentInfo.load(signature)["content"]
        status = asyncio.run(async_validate_detached_cms(content, signed_data, signer_validation_context=context,
                                                         key_usage_settings=key_usage))
    except (SignatureValidationError, CMSExtractionError) as exc:  # a structure pyHanko refuses
        print(f"pyHanko refuses it: {exc!r}")
        return False
    except (ValueError, TypeError) as exc:  # asn1crypto: not DER of a ContentInfo holding SignedData
        print(f"pyHanko cannot read it: {exc!r}")
        return False
    return bool(status.bottom_line)


def ours(world: World, content: bytes, signature: bytes, tmp_path: Path) -> SignatureVerdict:
    return verify_detached(content, signature, world.trust(), online=True, crl_cache_dir=tmp_path)


@pytest.mark.parametrize("name", list(CASES))
def test_agrees_with_pyhanko(world: World, name: str, tmp_path: Path) -> None:
    case = CASES[name]
    content, signature = case.make(world, letter_for(name))
    verdict = ours(world, content, signature, tmp_path)
    assert verdict.valid == (case.reason is None), verdict.reasons
    theirs = pyhanko_accepts(world, content, signature)
    if case.pyhanko_differs is None:
        assert theirs == verdict.valid
    else:  # a documented difference of policy: see the case's reason
        assert theirs != verdict.valid, case.pyhanko_differs


def test_cases_cover_valid_and_broken_and_few_differences() -> None:
    """The table is the point of this file: keep it broad, and the differences few and explained."""
    valid = [n for n, c in CASES.items() if c.reason is None]
    broken = [n for n, c in CASES.items() if c.reason is not None]
    differing = [n for n, c in CASES.items() if c.pyhanko_differs]
    assert len(valid) >= 8 and len(broken) >= 20
    assert len(differing) <= 6 and all(len(CASES[n].pyhanko_differs or "") > 40 for n in differing)


def test_key_usage_is_the_only_difference_for_a_digital_signature_certificate(world: World, tmp_path: Path) -> None:
    """With our key-usage policy (non-repudiation or digital signature), pyHanko accepts it too."""
    name = "certificate with digital signature but not non-repudiation"
    content, signature = CASES[name].make(world, letter_for(name))
    ours_policy = KeyUsageConstraints(key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False)
    assert ours(world, content, signature, tmp_path).valid
    assert not pyhanko_accepts(world, content, signature)
    assert pyhanko_accepts(world, content, signature, key_usage=ours_policy)
