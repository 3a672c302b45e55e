"""Signatures of every kind the verifier meets: letters signed by the product, the other shapes a
standard CMS signer may produce, and each way a signature can be broken.

One table (:data:`CASES`) serves the behaviour tests (our verdict and its reasons) and the
differential test against pyHanko's validator.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from app.protocol.canonical import build_content, canonical_bytes
from app.protocol.trust import TrustStore
from app.token.signing import sign_detached
from devkit.letters import SoftSigner
from devkit.pki import TestPKI, der

UTC = dt.UTC
NATIONAL_CODE = "0012345679"
SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def letter_bytes(i: int) -> bytes:
    return canonical_bytes(build_content(
        guid=f"00000000-0000-4000-8000-{i:012d}", kind="outgoing", subject=f"درخواست همکاری — نامه {i}",
        body="با سلام و احترام،\nخواهشمند است دستور فرمایید اقدام لازم به عمل آید.\n" * 40,
        sender={"agency": "14000123453", "unit": "دبیرخانه", "name": "سازمان نمونه"},
        recipients=[{"agency": "14000234561", "name": "وزارت نمونه", "role": "to"}]))


@dataclass
class World:
    """A CA (root → licensed intermediate, its CRL served on 127.0.0.1), a foreign CA, and signers."""

    pki: TestPKI
    foreign: TestPKI
    trust_dir: Path
    key: rsa.RSAPrivateKey  # the signatory's RSA-2048 key, as on the agencies' tokens
    cert: x509.Certificate
    revoked: tuple[rsa.RSAPrivateKey, x509.Certificate]  # on the CRL from the start (CRLs are cached)

    def trust(self) -> TrustStore:
        return TrustStore.from_directory(self.trust_dir)

    @property
    def chain(self) -> list[x509.Certificate]:
        return [self.pki.intermediate_cert]

    def product_signer(self, key: SigningKey | None = None, cert: x509.Certificate | None = None) -> SoftSigner:
        key_der = (key or self.key).private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption())
        return SoftSigner(key_der, der(cert or self.cert), [der(c) for c in self.chain])

    def sign(self, content: bytes, key: SigningKey | None = None, cert: x509.Certificate | None = None) -> bytes:
        """A signature as the product makes it (``app.token.signing.sign_detached``)."""
        return sign_detached(content, self.product_signer(key, cert).pyhanko())

    def signer(self, name: str, **cert_options: object) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        return self.pki.software_signer(name, NATIONAL_CODE, **cert_options)


def make_world(root: Path) -> World:
    """The CA publishes its CRL on devkit's revocation server (127.0.0.1)."""
    pki = TestPKI()
    key, cert = pki.software_signer("علی رضایی", NATIONAL_CODE)
    revoked = pki.software_signer("Revoked Signer", NATIONAL_CODE)
    pki.revoke(revoked[1], dt.datetime.now(UTC) - dt.timedelta(minutes=1))
    return World(pki, TestPKI(name="Unknown CA"), pki.write_trust_dir(root / "trust"), key, cert, revoked)


# -- building signatures in shapes the product's signer never makes ---------------------------------

def _attr(name: str, value: object) -> cms.CMSAttribute:
    return cms.CMSAttribute({"type": name, "values": [value]})


def build_cms(
    key: SigningKey,
    cert: x509.Certificate,
    content: bytes,
    chain: Sequence[x509.Certificate] = (),
    *,
    signing_time: object = "now",
    drop: tuple[str, ...] = (),
    extra_attrs: Sequence[cms.CMSAttribute] = (),
    ess_cert_der: bytes | None = None,
    ess_v1: bool = False,
    digest: str = "sha256",
    pss: bool = False,
    content_type: str = "data",
    embed_content: bool = False,
    sid_kind: str = "issuer_and_serial_number",
    signers: int = 1,
    signed_attributes: bool = True,
) -> bytes:
    cert_der = der(cert)
    acert = asn1_x509.Certificate.load(cert_der)
    when = dt.datetime.now(UTC).replace(microsecond=0) if signing_time == "now" else signing_time
    if ess_v1:  # ESS signing-certificate (RFC 2634): SHA-1 of the certificate
        ess = _attr("signing_certificate", tsp.SigningCertificate(
            {"certs": [{"cert_hash": hashlib.sha1(ess_cert_der or cert_der).digest()}]}))
    else:
        ess = _attr("signing_certificate_v2", tsp.SigningCertificateV2({"certs": [{
            "hash_algorithm": {"algorithm": "sha256"},
            "cert_hash": hashlib.sha256(ess_cert_der or cert_der).digest(),
        }]}))
    attrs = {
        "content_type": _attr("content_type", content_type),
        "message_digest": _attr("message_digest", hashlib.new(digest, content).digest()),
        "signing_certificate_v2": ess,
    }
    if when is not None:
        attrs["signing_time"] = _attr("signing_time", when if isinstance(when, cms.Time) else cms.Time({"utc_time": when}))
    signed = cms.CMSAttributes([v for k, v in attrs.items() if k not in drop] + list(extra_attrs))
    to_sign = signed.dump() if signed_attributes else content
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
    si: dict[str, object] = {
        "version": "v1" if sid_kind == "issuer_and_serial_number" else "v3",
        "sid": sid,
        "digest_algorithm": {"algorithm": digest},
        "signature_algorithm": sig_algo,
        "signature": value,
    }
    if signed_attributes:
        si["signed_attrs"] = cms.CMSAttributes.load(to_sign)
    encap: dict[str, object] = {"content_type": "data"}
    if embed_content:
        encap["content"] = content
    sd = cms.SignedData({
        "version": "v1",
        "digest_algorithms": [{"algorithm": digest}],
        "encap_content_info": encap,
        "certificates": [acert] + [asn1_x509.Certificate.load(der(c)) for c in chain],
        "signer_infos": [cms.SignerInfo(si)] * signers,
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump()


def with_signature_value_flipped(sig: bytes) -> bytes:
    info = cms.ContentInfo.load(sig)
    raw = bytearray(info["content"]["signer_infos"][0]["signature"].native)
    raw[10] ^= 0x01
    info["content"]["signer_infos"][0]["signature"] = bytes(raw)
    return info.dump(force=True)


def with_certificates(sig: bytes, certs: Sequence[x509.Certificate], sid_cert: x509.Certificate) -> bytes:
    """The embedded certificates replaced, and the signer identifier pointed at ``sid_cert``."""
    info = cms.ContentInfo.load(sig)
    sd = info["content"]
    sd["certificates"] = [asn1_x509.Certificate.load(der(c)) for c in certs]
    named = asn1_x509.Certificate.load(der(sid_cert))
    sd["signer_infos"][0]["sid"] = cms.SignerIdentifier(
        {"issuer_and_serial_number": {"issuer": named.issuer, "serial_number": named.serial_number}})
    return info.dump(force=True)


def indefinite_length(sig: bytes) -> bytes:
    """The same signature with its outer SEQUENCE in BER indefinite-length form."""
    assert sig[:2] == b"\x30\x82"
    return b"\x30\x80" + sig[4:] + b"\x00\x00"


# -- the table --------------------------------------------------------------------------------------

Make = Callable[[World, bytes], tuple[bytes, bytes]]  # (world, letter) -> (content to verify, signature)


@dataclass(frozen=True)
class Case:
    make: Make
    reason: str | None = None  # a fragment of our English reason; None: the signature is valid
    reason_fa: str | None = None  # a fragment of the Persian reason, where the tests check it
    # why pyHanko's async_validate_detached_cms (explicit roots, the same CRL) judges otherwise
    pyhanko_differs: str | None = None


def _ec(world: World, content: bytes, **options: Any) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = world.pki.issue_signing_cert(key.public_key(), "EC Signer", national_code=NATIONAL_CODE)
    return build_cms(key, cert, content, world.chain, **options)


def _soft(world: World, content: bytes, **options: Any) -> bytes:
    return build_cms(world.key, world.cert, content, world.chain, **options)


def _signed_by(name: str, **cert_options: object) -> Make:
    def make(world: World, content: bytes) -> tuple[bytes, bytes]:
        key, cert = world.signer(name, **cert_options)
        return content, world.sign(content, key, cert)
    return make


def _not_signed_data(world: World, content: bytes) -> tuple[bytes, bytes]:
    return content, cms.ContentInfo({"content_type": "data", "content": world.sign(content)}).dump()


def _revoked(world: World, content: bytes) -> tuple[bytes, bytes]:
    return content, world.sign(content, *world.revoked)


def _untrusted(world: World, content: bytes) -> tuple[bytes, bytes]:
    key, cert = world.foreign.software_signer("Foreign Signer", NATIONAL_CODE)
    return content, build_cms(key, cert, content, [world.foreign.intermediate_cert])


def _ca_signer(world: World, content: bytes) -> tuple[bytes, bytes]:
    return content, build_cms(world.pki.intermediate_key, world.pki.intermediate_cert, content)


def _other_certificate(world: World, content: bytes) -> tuple[bytes, bytes]:
    _key, other = world.signer("Another Signer")
    return content, with_certificates(world.sign(content), [other, *world.chain], other)


def _certificate_missing(world: World, content: bytes) -> tuple[bytes, bytes]:
    return content, with_certificates(world.sign(content), world.chain, world.cert)


_NOW = dt.datetime.now(UTC).replace(microsecond=0)
CHANGED = "content was changed", "تغییر کرده"
DAMAGED = "damaged", "آسیب دیده"
KEY_USAGE = "not allowed to sign documents (key usage", "کاربرد کلید"
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
CONTENT_TYPE = "content-type attribute is missing or wrong", "نوع محتوای امضاشده"
MISMATCH = "signing-certificate mismatch", "مطابقت ندارد"

CASES: dict[str, Case] = {
    # valid letters, in every shape a standard signer may produce
    "letter signed by the product": Case(lambda w, c: (c, w.sign(c))),
    "ECDSA P-256": Case(lambda w, c: (c, _ec(w, c))),
    "signer named by subject key identifier": Case(lambda w, c: (c, _ec(w, c, sid_kind="subject_key_identifier"))),
    "RSASSA-PSS": Case(lambda w, c: (c, _soft(w, c, pss=True))),
    "SHA-384": Case(lambda w, c: (c, _soft(w, c, digest="sha384"))),
    "signing time as GeneralizedTime": Case(lambda w, c: (c, _soft(w, c, signing_time=cms.Time(
        {"generalized_time": dt.datetime.now(UTC).replace(microsecond=0)})))),
    "no signing time (checked at the current time, with a warning)": Case(lambda w, c: (c, _soft(w, c, signing_time=None))),
    "ESS signing-certificate (v1, SHA-1) instead of v2": Case(lambda w, c: (c, _soft(w, c, ess_v1=True))),
    "an extra signed attribute": Case(lambda w, c: (c, _soft(w, c, extra_attrs=[
        cms.CMSAttribute({"type": "1.3.6.1.4.1.99999.1", "values": [core.UTF8String("x")]})]))),
    "chain not embedded (the trust folder has the intermediate)": Case(
        lambda w, c: (c, build_cms(w.key, w.cert, c))),
    "BER indefinite-length encoding": Case(lambda w, c: (c, indefinite_length(w.sign(c)))),
    "certificate with digital signature but not non-repudiation": Case(
        _signed_by("DS Only", non_repudiation=False),
        pyhanko_differs="pyHanko requires non-repudiation by default; we accept digitalSignature alone "
                        "(the product lets a signatory sign with such a certificate, offered after the others)"),
    # broken signatures: the content
    "tampered content": Case(lambda w, c: (c + b" ", w.sign(c)), *CHANGED),
    "message digest of other content": Case(lambda w, c: (c, w.sign(c + b"!")), *CHANGED),
    "no message-digest attribute": Case(lambda w, c: (c, _soft(w, c, drop=("message_digest",))), *CHANGED),
    # the signature value and what it covers
    "tampered signature value": Case(lambda w, c: (c, with_signature_value_flipped(w.sign(c))),
                                     "signature value is wrong", "مقدار امضا نادرست"),
    "no signed attributes (signature directly over the content)": Case(
        lambda w, c: (c, _soft(w, c, signed_attributes=False)), "no signed attributes (not CAdES)", "CAdES",
        pyhanko_differs="RFC 5652 allows a signature without signed attributes and pyHanko accepts it; a letter "
                        "signature must be CAdES-BES (signing-certificate-v2 and signing time are signed attributes)"),
    "SHA-1 digest": Case(lambda w, c: (c, _soft(w, c, digest="sha1")), "not accepted", "پذیرفته نیست"),
    "no content-type attribute": Case(lambda w, c: (c, _soft(w, c, drop=("content_type",))), *CONTENT_TYPE),
    "content-type attribute other than id-data": Case(lambda w, c: (c, _soft(w, c, content_type="signed_data")),
                                                     *CONTENT_TYPE),
    "content embedded in the signature": Case(
        lambda w, c: (c, _soft(w, c, embed_content=True)), "embeds its own content", "متن دیگری"),
    # the certificate the signature names
    "no signing-certificate-v2 attribute": Case(
        lambda w, c: (c, _soft(w, c, drop=("signing_certificate_v2",))), "does not name its signing certificate",
        "گواهی امضاکننده را مشخص نکرده",
        pyhanko_differs="pyHanko checks signing-certificate-v2 only when present; CAdES-BES requires it, so we do"),
    "signing-certificate-v2 of another certificate": Case(
        lambda w, c: (c, _soft(w, c, ess_cert_der=der(w.pki.intermediate_cert))), *MISMATCH),
    "another signer's certificate in place of the signer's": Case(_other_certificate, *MISMATCH),
    "signer's certificate not included": Case(_certificate_missing, "not included", "همراه امضا نیست"),
    # time
    "signing time in the future": Case(
        lambda w, c: (c, _soft(w, c, signing_time=_NOW + dt.timedelta(days=2))), "in the future", "آینده",
        pyhanko_differs="pyHanko reports the signer's claimed signing time without judging it; we check the "
                        "certificate at that time, so we refuse one more than five minutes ahead of our clock"),
    "expired certificate": Case(_signed_by("Expired Signer", not_before=_NOW - dt.timedelta(days=400),
                                           not_after=_NOW - dt.timedelta(days=30)), "expired", "منقضی"),
    "certificate not yet valid": Case(_signed_by("Future Signer", not_before=_NOW + dt.timedelta(days=3),
                                                 not_after=_NOW + dt.timedelta(days=300)),
                                      "not yet valid", "هنوز معتبر نشده"),
    # trust and key usage
    "untrusted root": Case(_untrusted, "not issued by a trusted certification authority", "مورد اعتماد"),
    "certificate without a signing key usage": Case(
        _signed_by("No Signing Usage", non_repudiation=False, digital_signature=False), *KEY_USAGE),
    "CA certificate as signer": Case(_ca_signer, *KEY_USAGE),
    "certificate without a key-usage extension": Case(_signed_by("No Key Usage", key_usage=False), *KEY_USAGE),
    "TLS server certificate (extended key usage serverAuth only)": Case(
        _signed_by("TLS Server", extended_key_usage=[ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
        *KEY_USAGE, pyhanko_differs="pyHanko does not judge extended key usage by default; a letter is signed only "
                                    "with a certificate whose extended key usage admits document signing"),
    "extended key usage document signing and e-mail protection": Case(_signed_by(
        "Document Signer", extended_key_usage=[DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION])),
    "revoked certificate (CRL given)": Case(_revoked, "revoked", "باطل"),
    # not a signature of ours at all
    "garbage": Case(lambda w, c: (c, b"\x30\x03\x02\x01\x00"), *DAMAGED),
    "not CMS at all": Case(lambda w, c: (c, "امضا".encode()), *DAMAGED),
    "truncated DER": Case(lambda w, c: (c, w.sign(c)[:-7]), *DAMAGED),
    "bytes after the signature": Case(
        lambda w, c: (c, w.sign(c) + b"\x00"), *DAMAGED,
        pyhanko_differs="asn1crypto's load (under pyHanko) ignores trailing bytes; we refuse unsigned bytes riding "
                        "along with a letter's signature"),
    "ContentInfo that is not signed-data": Case(_not_signed_data, *DAMAGED),
    "two signers": Case(lambda w, c: (c, _soft(w, c, signers=2)), *DAMAGED),
}


def letter_for(case: str) -> bytes:
    return letter_bytes(100 + list(CASES).index(case))
