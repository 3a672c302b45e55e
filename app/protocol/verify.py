"""Verification of a detached CMS signature over a letter's canonical bytes.

Checks, in the order a person would ask: is it a signature at all; does it cover exactly
this content (message digest); is the signature value right (signer's public key); does it
name its certificate (CAdES signing-certificate-v2); was the certificate valid when the letter
was signed and allowed to sign; does it chain to a configured trust root (pyhanko-certvalidator);
is it revoked (CRL). Every failure is collected, in English and Persian, with the signer named.

One path serves every signature, valid or not. The server checks each letter it registers, so
the work is split by what it depends on: the signature is cut into its pieces in one pass over
the DER (:func:`_read`), and everything that depends only on the signer's certificate and the
embedded chain (parsed certificate, description, public key, signing-certificate match, validated
path) is computed once and cached by those certificates' bytes. A warm check then costs little
more than the digest and the RSA/ECDSA operation.

Thread safety: the caches hold bytes, ``cryptography`` objects and frozen dataclasses only; no
asn1crypto object (parsed lazily, so not safe to share) outlives the call that made it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import pathlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from asn1crypto import algos, cms, parser, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes

from app.protocol.certificates import CertificateInfo, describe_certificate
from app.protocol.crl import distribution_points
from app.protocol.jalali import format_datetime
from app.protocol.ocsp import responders, revocation_status
from app.protocol.persian import to_persian_digits
from app.protocol.trust import PathResult, TrustStore

CLOCK_SKEW = dt.timedelta(minutes=5)
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


@dataclass(frozen=True)
class SignatureVerdict:
    valid: bool
    signer_subject: str | None
    signer_national_code: str | None
    signing_time: dt.datetime | None
    reasons: list[str] = field(default_factory=list)  # English, plain words; empty when valid
    reasons_fa: list[str] = field(default_factory=list)  # Persian, same meaning
    warnings: list[str] = field(default_factory=list)  # e.g. revocation could not be checked (offline)
    certificate_der: bytes | None = None
    warnings_fa: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # one per reason: why, for programs (e.g. certificate_revoked)

    @property
    def signer_name(self) -> str | None:
        return describe_certificate(self.certificate_der).common_name if self.certificate_der else None

    def summary(self) -> str:
        who = self.signer_name or self.signer_subject or "unknown signer"
        if self.valid:
            text = f"VALID signature by {who}"
            if self.signer_national_code:
                text += f" (national code {self.signer_national_code})"
            if self.signing_time:
                text += f", signed {self.signing_time:%Y-%m-%d %H:%M:%S} UTC"
        else:
            text = f"INVALID signature (signer: {who}): " + "; ".join(self.reasons)
        if self.warnings:
            text += "\nwarning: " + "\nwarning: ".join(self.warnings)
        return text

    def summary_fa(self) -> str:
        who = self.signer_name or "نامشخص"
        if self.valid:
            text = f"امضای «{who}» معتبر است."
        else:
            text = f"امضای «{who}» معتبر نیست: " + "؛ ".join(r.rstrip(".") for r in self.reasons_fa) + "."
        if self.warnings_fa:
            text += " هشدار: " + " ".join(self.warnings_fa)
        return text


class _Collector:
    def __init__(self) -> None:
        self.reasons: list[str] = []
        self.reasons_fa: list[str] = []
        self.codes: list[str] = []
        self.warnings: list[str] = []
        self.warnings_fa: list[str] = []

    def fail(self, en: str, fa: str, code: str = "invalid_signature") -> None:
        self.reasons.append(en)
        self.reasons_fa.append(fa)
        self.codes.append(code)

    def warn(self, en: str, fa: str) -> None:
        self.warnings.append(en)
        self.warnings_fa.append(fa)

    def verdict(self, info: CertificateInfo, signing_time: dt.datetime | None, cert_der: bytes) -> SignatureVerdict:
        return SignatureVerdict(valid=not self.reasons, signer_subject=info.subject,
                                signer_national_code=info.national_code, signing_time=signing_time,
                                reasons=self.reasons, reasons_fa=self.reasons_fa, warnings=self.warnings,
                                certificate_der=cert_der, warnings_fa=self.warnings_fa, codes=self.codes)


# -- reading: the signature cut into the pieces the checks use, in one pass ------------------------

# DER of the object identifiers (whole element)
_OID_SIGNED_DATA = bytes.fromhex("06092a864886f70d010702")
_OID_DATA = bytes.fromhex("06092a864886f70d010701")
_ATTR_CONTENT_TYPE = bytes.fromhex("06092a864886f70d010903")
_ATTR_MESSAGE_DIGEST = bytes.fromhex("06092a864886f70d010904")
_ATTR_SIGNING_TIME = bytes.fromhex("06092a864886f70d010905")
_ATTR_SIGNING_CERTIFICATE = bytes.fromhex("060b2a864886f70d010910020c")
_ATTR_SIGNING_CERTIFICATE_V2 = bytes.fromhex("060b2a864886f70d010910022f")

_UNIVERSAL, _CONTEXT = 0, 2
_OCTET_STRING, _SEQUENCE, _SET = 4, 16, 17


class _Element(NamedTuple):
    class_: int
    tag: int
    contents: bytes
    der: bytes  # the whole element, header included

    def is_(self, class_: int, tag: int) -> bool:
        return self.class_ == class_ and self.tag == tag


def _element(data: bytes) -> _Element:
    """The BER/DER element at the start of ``data``."""
    class_, _constructed, tag, header, contents, trailer = parser.parse(data)
    return _Element(class_, tag, contents, data[:len(header) + len(contents) + len(trailer)])


def _elements(data: bytes) -> list[_Element]:
    """The elements that follow one another in ``data`` (e.g. a SEQUENCE's contents)."""
    out = []
    while data:
        out.append(_element(data))
        data = data[len(out[-1].der):]
    return out


def _fields(element: _Element, minimum: int, what: str) -> list[_Element]:
    if not element.is_(_UNIVERSAL, _SEQUENCE):
        raise ValueError(f"{what} is not a SEQUENCE")
    children = _elements(element.contents)
    if len(children) < minimum:
        raise ValueError(f"{what} is incomplete")
    return children


@dataclass(frozen=True)
class _Signature:
    """The pieces of one signature that the checks use."""

    embeds_content: bool
    certificates: bytes  # contents of SignedData.certificates (b"" when absent)
    sid: bytes  # the SignerIdentifier (DER)
    digest_algorithm: bytes  # AlgorithmIdentifier (DER)
    signature_algorithm: bytes  # AlgorithmIdentifier (DER)
    signature: bytes
    signed_attrs: bytes | None  # what the signature value covers: the signed attributes as a DER SET OF
    # the single-valued signed attributes the checks use (multi-valued ones count as absent)
    content_type: bytes | None  # DER of the OID
    message_digest: bytes | None
    signing_time: dt.datetime | None
    signing_certificate: tuple[bytes, bytes] | None  # (attribute OID, value DER), v2 preferred


def _read(cms_der: bytes) -> _Signature:
    """A ContentInfo holding SignedData with one SignerInfo (RFC 5652); ValueError otherwise."""
    outer = _element(cms_der)
    if len(outer.der) != len(cms_der):
        raise ValueError("bytes after the signature")
    content_info = _fields(outer, 2, "ContentInfo")
    if content_info[0].der != _OID_SIGNED_DATA or not content_info[1].is_(_CONTEXT, 0):
        raise ValueError("not signed-data")
    # version, digestAlgorithms, encapContentInfo, [0] certificates?, [1] crls?, signerInfos
    signed_data = _fields(_element(content_info[1].contents), 4, "SignedData")
    embeds_content = len(_fields(signed_data[2], 1, "EncapsulatedContentInfo")) > 1
    certificates = b"".join(e.contents for e in signed_data[3:-1] if e.is_(_CONTEXT, 0))
    signer_infos = _elements(signed_data[-1].contents)
    if len(signer_infos) != 1:
        raise ValueError(f"{len(signer_infos)} signer infos")
    # version, sid, digestAlgorithm, [0] signedAttrs?, signatureAlgorithm, signature, [1] unsignedAttrs?
    signer_info = _fields(signer_infos[0], 5, "SignerInfo")
    signed = signer_info[3] if signer_info[3].is_(_CONTEXT, 0) else None
    rest = signer_info[4:] if signed else signer_info[3:]
    if len(rest) < 2:
        raise ValueError("SignerInfo is incomplete")
    signature_algorithm, signature = rest[:2]
    if not signature.is_(_UNIVERSAL, _OCTET_STRING):
        raise ValueError("the signature value is not an OCTET STRING")

    attrs: dict[bytes, _Element] = {}
    for attr in _elements(signed.contents) if signed else ():
        oid, values = _fields(attr, 2, "attribute")[:2]
        single = _elements(values.contents)
        if len(single) == 1:
            attrs[oid.der] = single[0]
    digest = attrs.get(_ATTR_MESSAGE_DIGEST)
    if digest is not None and not digest.is_(_UNIVERSAL, _OCTET_STRING):
        raise ValueError("the message digest is not an OCTET STRING")
    signing_time = _signing_time(attrs[_ATTR_SIGNING_TIME].der) if _ATTR_SIGNING_TIME in attrs else None
    signing_certificate = next(((oid, attrs[oid].der) for oid in (_ATTR_SIGNING_CERTIFICATE_V2,
                                                                  _ATTR_SIGNING_CERTIFICATE) if oid in attrs), None)
    return _Signature(
        embeds_content=embeds_content,
        certificates=certificates,
        sid=signer_info[1].der,
        digest_algorithm=signer_info[2].der,
        signature_algorithm=signature_algorithm.der,
        signature=signature.contents,
        signed_attrs=parser.emit(_UNIVERSAL, 1, _SET, signed.contents) if signed and signed.contents else None,
        content_type=attrs[_ATTR_CONTENT_TYPE].der if _ATTR_CONTENT_TYPE in attrs else None,
        message_digest=digest.contents if digest is not None else None,
        signing_time=signing_time,
        signing_certificate=signing_certificate,
    )


def _signing_time(der: bytes) -> dt.datetime:
    when: dt.datetime = cms.Time.load(der).native
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


# -- what depends only on the certificates: computed once per signer -------------------------------

@dataclass(frozen=True)
class _Signer:
    cert_der: bytes
    info: CertificateInfo
    public_key: CertificatePublicKeyTypes
    others: frozenset[bytes]  # the other embedded certificates (they may complete the path)


@lru_cache(maxsize=1024)
def _find_signer(certificates: bytes, sid: bytes) -> _Signer | None:
    """The embedded certificate the signer identifier names, or None when it is not there."""
    ders = [e.der for e in _elements(certificates) if e.is_(_UNIVERSAL, _SEQUENCE)]  # other choices: not X.509
    choice = cms.SignerIdentifier.load(sid)
    for der in ders:
        cert = asn1_x509.Certificate.load(der)
        if choice.name == "issuer_and_serial_number":
            # compare encodings: asn1crypto's Name equality runs LDAP string prep (slow)
            found = (cert.issuer.dump(), cert.serial_number) == (choice.chosen["issuer"].dump(),
                                                                choice.chosen["serial_number"].native)
        else:
            found = cert.key_identifier is not None and cert.key_identifier == choice.chosen.native
        if found:
            public_key = x509.load_der_x509_certificate(der).public_key()
            return _Signer(der, describe_certificate(der), public_key, frozenset(ders) - {der})
    return None


@lru_cache(maxsize=64)
def _digest_name(der: bytes) -> str:
    name: str = algos.DigestAlgorithm.load(der)["algorithm"].native
    return name


@lru_cache(maxsize=64)
def _signature_scheme(der: bytes) -> tuple[str, tuple[str, str, int] | None]:
    """('rsassa_pkcs1v15' | 'rsassa_pss' | 'ecdsa' | another name, PSS (hash, MGF1 hash, salt length))."""
    try:
        algorithm = algos.SignedDigestAlgorithm.load(der)
        name: str = algorithm.signature_algo
        if name != "rsassa_pss":
            return name, None
        params = algorithm["parameters"]
        return name, (params["hash_algorithm"]["algorithm"].native,
                      params["mask_gen_algorithm"]["parameters"]["algorithm"].native, params["salt_length"].native)
    except (ValueError, KeyError, TypeError):
        return "unknown", None


def _signature_value_ok(key: CertificatePublicKeyTypes, sig: _Signature, digest_name: str) -> bool:
    name, pss = _signature_scheme(sig.signature_algorithm)
    data = sig.signed_attrs or b""
    try:
        if isinstance(key, rsa.RSAPublicKey) and name == "rsassa_pkcs1v15":
            key.verify(sig.signature, data, padding.PKCS1v15(), _HASHES[digest_name]())
        elif isinstance(key, rsa.RSAPublicKey) and name == "rsassa_pss" and pss is not None:
            hash_name, mgf_hash_name, salt_length = pss
            key.verify(sig.signature, data, padding.PSS(padding.MGF1(_HASHES[mgf_hash_name]()), salt_length),
                       _HASHES[hash_name]())
        elif isinstance(key, ec.EllipticCurvePublicKey) and name == "ecdsa":
            key.verify(sig.signature, data, ec.ECDSA(_HASHES[digest_name]()))
        else:
            return False
    except (InvalidSignature, KeyError, ValueError):
        return False
    return True


@lru_cache(maxsize=1024)
def _signing_certificate_problem(attribute: tuple[bytes, bytes] | None, cert_der: bytes) -> tuple[str, str] | None:
    """CAdES-BES: signing-certificate(-v2) binds the signature to this very certificate."""
    if attribute is None:
        return ("the signature does not name its signing certificate (CAdES signing-certificate attribute missing)",
                "امضا گواهی امضاکننده را مشخص نکرده است (ویژگی گواهی امضا در امضا نیست).")
    oid, value = attribute
    try:
        kind = tsp.SigningCertificateV2 if oid == _ATTR_SIGNING_CERTIFICATE_V2 else tsp.SigningCertificate
        certs = kind.load(value)["certs"]
        if not len(certs):
            return "the signing-certificate attribute is empty", "ویژگی گواهی امضا خالی است."
        first = certs[0]
        algo = first["hash_algorithm"]["algorithm"].native if "hash_algorithm" in first else "sha1"
        cert_hash = first["cert_hash"].native
    except (ValueError, KeyError, TypeError):
        return "the signing-certificate attribute is damaged", "ویژگی گواهی امضا آسیب دیده است."
    if algo not in ("sha1", "sha256", "sha384", "sha512"):
        return f"the signing-certificate attribute uses unsupported hash {algo}", "الگوریتم چکیده ویژگی گواهی امضا پشتیبانی نمی‌شود."
    if hashlib.new(algo, cert_der).digest() != cert_hash:
        return ("the certificate in the signature is not the one the signer signed with (signing-certificate mismatch)",
                "گواهی درون امضا با گواهی‌ای که امضاکننده با آن امضا کرده است مطابقت ندارد.")
    return None


# -- the checks ------------------------------------------------------------------------------------

def verify_detached(
    content: bytes,
    cms_der: bytes,
    trust: TrustStore,
    *,
    online: bool = False,
    crl_cache_dir: pathlib.Path | None = None,
    now: dt.datetime | None = None,
    trusted_time: dt.datetime | None = None,
    require_revocation: bool = False,
) -> SignatureVerdict:
    """Verify a detached CMS signature over ``content``; never raises for a bad signature.

    ``now`` is the moment revocation is checked at. The client checks the certificate's validity
    at the signing time the signer claims; a server passes ``trusted_time`` (its own registration
    time): validity is then checked at that moment, and a signing time further than
    :data:`CLOCK_SKEW` from it is refused. ``require_revocation``: revocation that cannot be
    checked is a failure (code ``revocation_unavailable``) instead of a warning.
    """
    now = now or dt.datetime.now(dt.UTC)
    try:
        sig = _read(cms_der)
        digest_name = _digest_name(sig.digest_algorithm)
        signer = _find_signer(sig.certificates, sig.sid)
    except (ValueError, TypeError, KeyError, UnsupportedAlgorithm) as exc:
        return SignatureVerdict(False, None, None, None,
                                [f"the signature is damaged or is not a CMS signature ({exc})"],
                                ["امضا آسیب دیده است یا قالب آن امضای استاندارد (CMS) نیست."])
    if signer is None:
        return SignatureVerdict(False, None, None, None, ["the signer's certificate is not included in the signature"],
                                ["گواهی امضاکننده همراه امضا نیست."])
    c = _Collector()
    cinfo = signer.info

    if sig.embeds_content:
        c.fail("the signature embeds its own content instead of covering the letter", "امضا به متن دیگری غیر از این نامه تعلق دارد.")

    signing_time: dt.datetime | None = None
    if digest_name not in _HASHES:
        c.fail(f"the signature uses digest algorithm {digest_name}, which is not accepted",
               "الگوریتم چکیده امضا پذیرفته نیست.")
    elif sig.signed_attrs is None:
        c.fail("the signature has no signed attributes (not CAdES)", "امضا ویژگی‌های امضاشده ندارد و با قالب CAdES سازگار نیست.")
    else:
        if sig.message_digest != hashlib.new(digest_name, content).digest():
            c.fail("the letter's content was changed after it was signed (content digest does not match)",
                   "متن نامه پس از امضا تغییر کرده است.")
        if sig.content_type != _OID_DATA:
            c.fail("the signature's content-type attribute is missing or wrong", "نوع محتوای امضاشده نادرست است.")
        if not _signature_value_ok(signer.public_key, sig, digest_name):
            c.fail("the signature value is wrong: it was not made by this certificate's key over this content",
                   "مقدار امضا نادرست است؛ امضا با کلید این گواهی روی این متن ساخته نشده است.")
        problem = _signing_certificate_problem(sig.signing_certificate, signer.cert_der)
        if problem is not None:
            c.fail(*problem)
        signing_time = sig.signing_time

    moment = _validity_moment(c, signing_time, now, trusted_time)
    if moment > cinfo.not_after:
        c.fail(f"the signer's certificate had expired on {cinfo.not_after:%Y-%m-%d} (signed {moment:%Y-%m-%d})",
               f"گواهی امضاکننده در تاریخ {format_datetime(cinfo.not_after)} منقضی شده و امضا پس از آن انجام شده است.")
    elif moment < cinfo.not_before:
        c.fail(f"the signer's certificate was not yet valid when signed (valid from {cinfo.not_before:%Y-%m-%d})",
               "گواهی امضاکننده در زمان امضا هنوز معتبر نشده بود.")
    if not cinfo.can_sign:
        c.fail("the certificate is not allowed to sign documents (key usage or extended key usage)",
               "کاربرد کلید این گواهی امضای سند را مجاز نمی‌داند.", "certificate_not_for_signing")

    # chain of trust; the moment is kept inside the end-entity's validity so that an expired
    # signer certificate is reported once (above), not again as a path error
    path_moment = min(max(moment, cinfo.not_before), cinfo.not_after)
    path = trust.validate_path(signer.cert_der, signer.others, path_moment)
    if not path.ok:
        c.fail(path.reason or "the certificate chain is not valid", path.reason_fa or "زنجیره گواهی معتبر نیست.",
               path.code)
    else:
        _check_revocation(path, c, online=online, crl_cache_dir=crl_cache_dir, now=now, required=require_revocation)

    return c.verdict(cinfo, signing_time, signer.cert_der)


def _validity_moment(c: _Collector, signing_time: dt.datetime | None, now: dt.datetime,
                     trusted_time: dt.datetime | None) -> dt.datetime:
    """When the certificate must have been valid: the trusted time if there is one (the signing
    time is only the signer's claim; it must then lie close to it), else the signing time."""
    if trusted_time is not None:
        if signing_time is not None and abs(signing_time - trusted_time) > CLOCK_SKEW:
            c.fail(f"the signing time {signing_time:%Y-%m-%d %H:%M} UTC is more than {CLOCK_SKEW.seconds // 60} minutes "
                   f"from the server's time {trusted_time:%Y-%m-%d %H:%M} UTC",
                   f"زمان امضا ({format_datetime(signing_time)}) با زمان کارگزار ({format_datetime(trusted_time)}) بیش از "
                   f"{to_persian_digits(str(CLOCK_SKEW.seconds // 60))} دقیقه اختلاف دارد؛ ساعت رایانه امضاکننده را بررسی کنید.",
                   "signing_time_skew")
        return trusted_time
    if signing_time is None:
        c.warn("the signature carries no signing time; the certificate was checked at the current time",
               "زمان امضا در امضا ثبت نشده است؛ اعتبار گواهی در زمان کنونی بررسی شد.")
        return now
    if signing_time > now + CLOCK_SKEW:
        c.fail(f"the signing time {signing_time:%Y-%m-%d %H:%M} UTC is in the future", "زمان امضا در آینده است.")
    return signing_time


# -- revocation ------------------------------------------------------------------------------------

@lru_cache(maxsize=1024)
def _revocation_pairs(path: tuple[bytes, ...]) -> tuple[tuple[x509.Certificate, x509.Certificate], ...]:
    """(certificate, issuer) pairs of a validated path whose revocation is checked: the signer's
    certificate, and each CA certificate that publishes revocation (CRL or OCSP)."""
    certs = [x509.load_der_x509_certificate(d) for d in path]
    return tuple((subject, issuer) for i, (subject, issuer) in enumerate(itertools.pairwise(certs))
                 if i == 0 or distribution_points(subject) or responders(subject))


def _check_revocation(path: PathResult, c: _Collector, *, online: bool, crl_cache_dir: pathlib.Path | None,
                      now: dt.datetime, required: bool) -> None:
    """Revocation of the signer's certificate (and of intermediates that publish it)."""
    for subject, issuer in _revocation_pairs(path.path):
        status = revocation_status(subject, issuer, online=online, cache_dir=crl_cache_dir, now=now)
        if status.state == "revoked":
            c.fail(status.message or "the certificate is revoked", status.message_fa or "گواهی باطل شده است.",
                   "certificate_revoked")
        elif status.state == "unknown":
            message = status.message or "revocation was not checked"
            message_fa = status.message_fa or "وضعیت ابطال بررسی نشد."
            if required:
                c.fail(message, message_fa, "revocation_unavailable")
            else:
                c.warn(message, message_fa)
