"""Verification of a detached CMS signature over a letter's canonical bytes.

Checks, in the order a person would ask: is it a signature at all; does it cover exactly
this content (message digest); is the signature value right (signer's public key); does it
name its certificate (CAdES signing-certificate-v2); was the certificate valid when the letter
was signed and allowed to sign; does it chain to a configured trust root (pyhanko-certvalidator);
is it revoked (CRL). Every failure is collected, in English and Persian, with the signer named.

The signature math is done here with ``cryptography`` rather than through pyHanko's full
validation pipeline: it is the same checks, an order of magnitude faster, and the expensive
part (path building) is cached by :class:`TrustStore`.

A letter signature in the usual shape (one signer, the four CAdES-BES signed attributes, DER)
whose every check passes is verified on a fast path: :mod:`app.protocol.cms_reader` cuts it into
raw pieces and everything that depends only on the signer's certificate and the embedded chain
(parsed certificate, description, public key, signing-certificate-v2 match, validated path) is
looked up in caches, so a warm call costs little more than the RSA/ECDSA check itself. Any other
shape, and any check that does not pass, goes through the full asn1crypto path below, which
alone writes failure reasons — so every reason and warning is word for word what it always was.
Revocation is checked last, by the same code on both paths.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pathlib
from dataclasses import dataclass, field
from functools import lru_cache

from asn1crypto import (
    cms,
    tsp,  # also registers signing_certificate_v2 with cms.CMSAttribute
)
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from app.protocol import cms_reader
from app.protocol.certificates import CertificateInfo, describe_certificate
from app.protocol.crl import crl_store
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
        self.warnings: list[str] = []
        self.warnings_fa: list[str] = []

    def fail(self, en: str, fa: str) -> None:
        self.reasons.append(en)
        self.reasons_fa.append(fa)

    def warn(self, en: str, fa: str) -> None:
        self.warnings.append(en)
        self.warnings_fa.append(fa)

    def verdict(self, info: CertificateInfo, signing_time: dt.datetime | None, cert_der: bytes) -> SignatureVerdict:
        return SignatureVerdict(valid=not self.reasons, signer_subject=info.subject,
                                signer_national_code=info.national_code, signing_time=signing_time,
                                reasons=self.reasons, reasons_fa=self.reasons_fa, warnings=self.warnings,
                                certificate_der=cert_der, warnings_fa=self.warnings_fa)


@lru_cache(maxsize=1024)
def _crypto_cert(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


def _attrs(signed_attrs: cms.CMSAttributes) -> dict[str, object]:
    """Single-valued signed attributes by name (one pass; multi-valued ones are ignored)."""
    out: dict[str, object] = {}
    for a in signed_attrs:
        values = a["values"]
        if len(values) == 1:
            out[a["type"].native] = values[0]
    return out


_WARM_PROPERTIES = ("critical_extensions", "self_issued", "self_signed", "sha1", "sha256", "issuer_serial",
                    "authority_issuer_serial", "crl_distribution_points", "delta_crl_distribution_points",
                    "ocsp_urls", "ca", "max_path_length")


def _warm(cert: asn1_x509.Certificate) -> None:
    """Finish asn1crypto's lazy parsing before the object is shared between threads.

    asn1crypto fills children lists, ``.native`` dicts and the extension attributes in place on
    first use; two threads doing that at once on one object saw it half-built (certvalidator
    then said "intermediate certificate 1 is not a CA"). Once everything is parsed, later use
    only reads (or re-stores equal values), so a cached certificate is safe to share.
    """
    try:
        cert.native  # noqa: B018  (builds every child, recursively, and parses extension values)
        for name in _WARM_PROPERTIES:
            getattr(cert, name)
        for name in (cert.subject, cert.issuer):
            name.sha1  # noqa: B018
            name.sha256  # noqa: B018
        cert.public_key.sha1  # noqa: B018
        cert.public_key.sha256  # noqa: B018
    except Exception:  # a certificate asn1crypto cannot fully parse stays lazy, as before
        pass


@lru_cache(maxsize=1024)
def _cert_ids(der: bytes) -> tuple[bytes, int, bytes | None, asn1_x509.Certificate]:
    """(issuer DER, serial, subject key id, parsed cert) of an embedded certificate, parsed once
    (completely: the object is shared by threads, see :func:`_warm`)."""
    cert = asn1_x509.Certificate.load(der)
    ids = cert.issuer.dump(), cert.serial_number, cert.key_identifier, cert
    _warm(cert)
    return ids


def _embedded(sd: cms.SignedData) -> list[bytes]:
    return [ch.chosen.dump() for ch in sd["certificates"] or () if ch.name == "certificate"]


def _find_signer_cert(embedded: list[bytes], sid: cms.SignerIdentifier) -> bytes | None:
    if sid.name == "issuer_and_serial_number":
        isn = sid.chosen
        # compare encodings: asn1crypto's Name equality runs LDAP string prep (slow)
        want = (isn["issuer"].dump(), isn["serial_number"].native)
        return next((d for d in embedded if _cert_ids(d)[:2] == want), None)
    if sid.name == "subject_key_identifier":
        return next((d for d in embedded if _cert_ids(d)[2] == sid.chosen.native), None)
    return None


def _verify_value(cert_der: bytes, signature: bytes, data: bytes, sig_algo: cms.SignedDigestAlgorithm,
                  digest_name: str) -> bool:
    public_key = _crypto_cert(cert_der).public_key()
    algo = sig_algo.signature_algo
    h = _HASHES[digest_name]()
    try:
        if isinstance(public_key, rsa.RSAPublicKey) and algo == "rsassa_pkcs1v15":
            public_key.verify(signature, data, padding.PKCS1v15(), h)
        elif isinstance(public_key, rsa.RSAPublicKey) and algo == "rsassa_pss":
            params = sig_algo["parameters"]
            mgf_hash = _HASHES[params["mask_gen_algorithm"]["parameters"]["algorithm"].native]()
            pss = padding.PSS(padding.MGF1(mgf_hash), params["salt_length"].native)
            public_key.verify(signature, data, pss, _HASHES[params["hash_algorithm"]["algorithm"].native]())
        elif isinstance(public_key, ec.EllipticCurvePublicKey) and algo == "ecdsa":
            public_key.verify(signature, data, ec.ECDSA(h))
        else:
            return False
    except (InvalidSignature, KeyError, ValueError):
        return False
    return True


def _check_signing_certificate_attr(attr: object | None, cert_der: bytes, c: _Collector) -> None:
    """CAdES-BES: signing-certificate(-v2) binds the signature to this very certificate."""
    if attr is None:
        c.fail("the signature does not name its signing certificate (CAdES signing-certificate attribute missing)",
               "امضا گواهی امضاکننده را مشخص نکرده است (ویژگی گواهی امضا در امضا نیست).")
        return
    certs = attr["certs"]  # type: ignore[index]
    if not len(certs):
        c.fail("the signing-certificate attribute is empty", "ویژگی گواهی امضا خالی است.")
        return
    first = certs[0]
    algo = first["hash_algorithm"]["algorithm"].native if "hash_algorithm" in first else "sha1"
    if algo not in ("sha1", "sha256", "sha384", "sha512"):
        c.fail(f"the signing-certificate attribute uses unsupported hash {algo}", "الگوریتم چکیده ویژگی گواهی امضا پشتیبانی نمی‌شود.")
        return
    if hashlib.new(algo, cert_der).digest() != first["cert_hash"].native:
        c.fail("the certificate in the signature is not the one the signer signed with (signing-certificate mismatch)",
               "گواهی درون امضا با گواهی‌ای که امضاکننده با آن امضا کرده است مطابقت ندارد.")


def _fa_time(when: dt.datetime) -> str:
    return to_persian_digits(when.strftime("%Y-%m-%d %H:%M UTC"))


def verify_detached(
    content: bytes,
    cms_der: bytes,
    trust: TrustStore,
    *,
    online: bool = False,
    crl_cache_dir: pathlib.Path | None = None,
    now: dt.datetime | None = None,
) -> SignatureVerdict:
    """Verify a detached CMS signature over ``content``; never raises for a bad signature."""
    now = now or dt.datetime.now(dt.UTC)
    verdict = _verify_fast(content, cms_der, trust, online=online, crl_cache_dir=crl_cache_dir, now=now)
    if verdict is not None:
        return verdict
    return _verify_full(content, cms_der, trust, online=online, crl_cache_dir=crl_cache_dir, now=now)


# -- the full path: asn1crypto, every check, every reason ------------------------------------------

def _verify_full(
    content: bytes,
    cms_der: bytes,
    trust: TrustStore,
    *,
    online: bool,
    crl_cache_dir: pathlib.Path | None,
    now: dt.datetime,
) -> SignatureVerdict:
    c = _Collector()
    try:
        info = cms.ContentInfo.load(cms_der)
        if info["content_type"].native != "signed_data":
            raise ValueError("not signed-data")
        sd = info["content"]
        signer_infos = sd["signer_infos"]
        if len(signer_infos) != 1:
            raise ValueError(f"{len(signer_infos)} signer infos")
        si = signer_infos[0]
        signed_attrs = si["signed_attrs"]
        encap = sd["encap_content_info"]
        detached = encap["content"].native is None
    except (ValueError, TypeError, KeyError) as exc:
        return SignatureVerdict(False, None, None, None,
                                [f"the signature is damaged or is not a CMS signature ({exc})"],
                                ["امضا آسیب دیده است یا قالب آن امضای استاندارد (CMS) نیست."])

    embedded = _embedded(sd)
    cert_der = _find_signer_cert(embedded, si["sid"])
    if cert_der is None:
        return SignatureVerdict(False, None, None, None, ["the signer's certificate is not included in the signature"],
                                ["گواهی امضاکننده همراه امضا نیست."])
    cert = _cert_ids(cert_der)[3]
    cinfo = describe_certificate(cert_der)

    if not detached:
        c.fail("the signature embeds its own content instead of covering the letter", "امضا به متن دیگری غیر از این نامه تعلق دارد.")

    digest_name = si["digest_algorithm"]["algorithm"].native
    signing_time: dt.datetime | None = None
    if digest_name not in _HASHES:
        c.fail(f"the signature uses digest algorithm {digest_name}, which is not accepted",
               "الگوریتم چکیده امضا پذیرفته نیست.")
    elif not signed_attrs:
        c.fail("the signature has no signed attributes (not CAdES)", "امضا ویژگی‌های امضاشده ندارد و با قالب CAdES سازگار نیست.")
    else:
        attrs = _attrs(signed_attrs)
        md = attrs.get("message_digest")
        actual = hashlib.new(digest_name, content).digest()
        if md is None or md.native != actual:  # type: ignore[attr-defined]
            c.fail("the letter's content was changed after it was signed (content digest does not match)",
                   "متن نامه پس از امضا تغییر کرده است.")
        ct = attrs.get("content_type")
        if ct is None or ct.native != "data":  # type: ignore[attr-defined]
            c.fail("the signature's content-type attribute is missing or wrong", "نوع محتوای امضاشده نادرست است.")
        if not _verify_value(cert_der, si["signature"].native, signed_attrs.untag().dump(),
                             si["signature_algorithm"], digest_name):
            c.fail("the signature value is wrong: it was not made by this certificate's key over this content",
                   "مقدار امضا نادرست است؛ امضا با کلید این گواهی روی این متن ساخته نشده است.")
        sc = attrs.get("signing_certificate_v2") or attrs.get("signing_certificate")
        _check_signing_certificate_attr(sc, cert_der, c)
        st = attrs.get("signing_time")
        if st is not None:
            signing_time = st.native  # type: ignore[attr-defined]
            if signing_time is not None and signing_time.tzinfo is None:
                signing_time = signing_time.replace(tzinfo=dt.UTC)

    moment = signing_time
    if moment is None:
        moment = now
        c.warn("the signature carries no signing time; the certificate was checked at the current time",
               "زمان امضا در امضا ثبت نشده است؛ اعتبار گواهی در زمان کنونی بررسی شد.")
    elif moment > now + CLOCK_SKEW:
        c.fail(f"the signing time {moment:%Y-%m-%d %H:%M} UTC is in the future", "زمان امضا در آینده است.")

    # validity at signing time
    if moment > cinfo.not_after:
        c.fail(f"the signer's certificate had expired on {cinfo.not_after:%Y-%m-%d} (signed {moment:%Y-%m-%d})",
               f"گواهی امضاکننده در تاریخ {_fa_time(cinfo.not_after)} منقضی شده و امضا پس از آن انجام شده است.")
    elif moment < cinfo.not_before:
        c.fail(f"the signer's certificate was not yet valid when signed (valid from {cinfo.not_before:%Y-%m-%d})",
               "گواهی امضاکننده در زمان امضا هنوز معتبر نشده بود.")
    if not (cinfo.non_repudiation or cinfo.digital_signature) or cinfo.is_ca:
        c.fail("the certificate is not allowed to sign documents (key usage)", "کاربرد کلید این گواهی امضای سند را مجاز نمی‌داند.")

    # chain of trust; the moment is kept inside the end-entity's validity so that an expired
    # signer certificate is reported once (above), not again as a path error
    path_moment = min(max(moment, cinfo.not_before), cinfo.not_after)
    extra = [_cert_ids(d)[3] for d in embedded if d != cert_der]
    path = trust.validate_path(cert, path_moment, extra)
    if not path.ok:
        c.fail(path.reason or "the certificate chain is not valid", path.reason_fa or "زنجیره گواهی معتبر نیست.")

    if path.ok:
        _check_revocation(path, c, online=online, crl_cache_dir=crl_cache_dir, now=now)

    return c.verdict(cinfo, signing_time, cert_der)


# -- revocation (both paths) ------------------------------------------------------------------------

_CrlPairs = tuple[tuple[x509.Certificate, x509.Certificate], ...]
_crl_pairs_cache: dict[int, tuple[PathResult, _CrlPairs]] = {}


def _crl_pairs(path: PathResult) -> _CrlPairs:
    """(certificate, issuer) pairs of a validated path whose revocation is checked: the signer's
    certificate, and each CA certificate that names a CRL distribution point. Computed once per
    (cached) PathResult: keyed by identity, the entry keeps the result alive so the id is not reused."""
    entry = _crl_pairs_cache.get(id(path))
    if entry is not None and entry[0] is path:
        return entry[1]
    pairs = []
    for subject, issuer in zip(path.path, path.path[1:], strict=False):
        sub_c, iss_c = _crypto_cert(subject.dump()), _crypto_cert(issuer.dump())
        if subject is not path.path[0] and not x509_has_cdp(sub_c):
            continue
        pairs.append((sub_c, iss_c))
    if len(_crl_pairs_cache) >= 1024:
        _crl_pairs_cache.clear()
    _crl_pairs_cache[id(path)] = (path, tuple(pairs))
    return tuple(pairs)


def _check_revocation(path: PathResult, c: _Collector, *, online: bool, crl_cache_dir: pathlib.Path | None,
                      now: dt.datetime) -> None:
    """Revocation of the signer's certificate (and of intermediates that publish a CRL)."""
    if len(path.path) < 2:
        return
    store = crl_store(crl_cache_dir)
    for sub_c, iss_c in _crl_pairs(path):
        status = store.status(sub_c, iss_c, online=online, now=now)
        if status.state == "revoked":
            c.fail(status.message or "the certificate is revoked", status.message_fa or "گواهی باطل شده است.")
        elif status.state == "unknown":
            c.warn(status.message or "revocation was not checked", status.message_fa or "وضعیت ابطال بررسی نشد.")


# -- the fast path: a letter signature in the usual shape that passes every check ------------------

@dataclass(frozen=True)
class _Signer:
    """What the checks need from the signer's certificate and the embedded chain, found once."""

    cert_der: bytes
    extra_ders: tuple[bytes, ...]  # the other embedded certificates, in order (path building)
    info: CertificateInfo
    public_key: object
    may_sign: bool  # key usage allows signing documents, not a CA


@lru_cache(maxsize=1024)
def _fast_signer(certificates: bytes, sid_der: bytes) -> _Signer | None:
    """The signer (as :func:`_find_signer_cert` picks it) from SignedData.certificates' contents."""
    try:
        embedded = cms_reader.split_certificates(certificates)
        cert_der = _find_signer_cert(embedded, cms.SignerIdentifier.load(sid_der))
        if cert_der is None:
            return None
        info = describe_certificate(cert_der)
        public_key = _crypto_cert(cert_der).public_key()
    except Exception:  # whatever it is, the full path reports (or raises) it
        return None
    may_sign = (info.non_repudiation or info.digital_signature) and not info.is_ca
    return _Signer(cert_der, tuple(d for d in embedded if d != cert_der), info, public_key, may_sign)


@lru_cache(maxsize=64)
def _fast_digest(der: bytes) -> str | None:
    try:
        name = cms.DigestAlgorithm.load(der)["algorithm"].native
    except Exception:
        return None
    return name if name in _HASHES else None


@lru_cache(maxsize=64)
def _fast_signature_algo(der: bytes) -> str | None:
    """'rsassa_pkcs1v15' or 'ecdsa' (the hash comes from the digest algorithm, as on the full path)."""
    try:
        algo = cms.SignedDigestAlgorithm.load(der).signature_algo
    except Exception:
        return None
    return algo if algo in ("rsassa_pkcs1v15", "ecdsa") else None


@lru_cache(maxsize=1024)
def _fast_signing_certificate_ok(value_der: bytes, cert_der: bytes) -> bool:
    """The signing-certificate-v2 check of the full path, run once per (attribute, certificate)."""
    c = _Collector()
    try:
        attr = tsp.SigningCertificateV2.load(value_der)
        if not attr:  # as ``attrs.get("signing_certificate_v2") or ...`` on the full path
            return False
        _check_signing_certificate_attr(attr, cert_der, c)
    except Exception:
        return False
    return not c.reasons


def _fast_time(tag: int, raw: bytes) -> dt.datetime:
    """A signing time in the strict forms YYMMDDHHMMSSZ / YYYYMMDDHHMMSSZ, as asn1crypto reads them."""
    if tag == 0x17 and len(raw) == 13 and raw[12] == 0x5A and raw[:12].isdigit():
        year = int(raw[0:2])
        year += 2000 if year < 50 else 1900
        rest = raw[2:12]
    elif tag == 0x18 and len(raw) == 15 and raw[14] == 0x5A and raw[:14].isdigit() and raw[:4] != b"0000":
        year = int(raw[0:4])
        rest = raw[4:14]
    else:
        raise cms_reader.Unusual("signing time form")
    return dt.datetime(year, int(rest[0:2]), int(rest[2:4]), int(rest[4:6]), int(rest[6:8]), int(rest[8:10]),
                       tzinfo=dt.UTC)


def _fast_checks(content: bytes, cms_der: bytes, trust: TrustStore,
                 now: dt.datetime) -> tuple[_Signer, dt.datetime, PathResult] | None:
    """Every check of the full path before revocation, for the usual shape; None unless all pass."""
    parts = cms_reader.read_signature(cms_der)
    signer = _fast_signer(parts.certificates, parts.sid)
    if signer is None or not signer.may_sign:
        return None
    digest_name = _fast_digest(parts.digest_algorithm)
    if digest_name is None or not parts.signed_attrs:
        return None
    if hashlib.new(digest_name, content).digest() != parts.message_digest:
        return None
    if parts.content_type != cms_reader.OID_DATA:  # the content-type attribute: id-data
        return None
    algo = _fast_signature_algo(parts.signature_algorithm)
    key = signer.public_key
    signed = cms_reader.set_of(parts.signed_attrs)
    if algo == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
        key.verify(parts.signature, signed, padding.PKCS1v15(), _HASHES[digest_name]())
    elif algo == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(parts.signature, signed, ec.ECDSA(_HASHES[digest_name]()))
    else:
        return None
    if not _fast_signing_certificate_ok(parts.signing_certificate_v2, signer.cert_der):
        return None
    moment = _fast_time(*parts.signing_time)
    info = signer.info
    if moment > now + CLOCK_SKEW or moment > info.not_after or moment < info.not_before:
        return None
    # inside the end-entity's validity the full path's path moment is the signing time itself
    path = trust.cached_path(signer.cert_der, signer.extra_ders, moment)
    if path is None:
        path = trust.validate_path(_cert_ids(signer.cert_der)[3], moment,
                                   [_cert_ids(d)[3] for d in signer.extra_ders])
    if not path.ok:
        return None
    return signer, moment, path


def _verify_fast(
    content: bytes,
    cms_der: bytes,
    trust: TrustStore,
    *,
    online: bool,
    crl_cache_dir: pathlib.Path | None,
    now: dt.datetime,
) -> SignatureVerdict | None:
    """The verdict for a signature in the usual shape that passes every check but revocation;
    None for anything else (the caller then runs the full path, which has no side effects yet)."""
    try:
        checked = _fast_checks(content, cms_der, trust, now)
    except Exception:  # Unusual, InvalidSignature, anything: the full path decides
        return None
    if checked is None:
        return None
    signer, signing_time, path = checked
    c = _Collector()
    _check_revocation(path, c, online=online, crl_cache_dir=crl_cache_dir, now=now)
    return c.verdict(signer.info, signing_time, signer.cert_der)


def x509_has_cdp(cert: x509.Certificate) -> bool:
    try:
        cert.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    except x509.ExtensionNotFound:
        return False
    return True
