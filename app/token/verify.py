"""Verification of a detached CMS signature over a letter's canonical bytes.

Checks, in the order a person would ask: is it a signature at all; does it cover exactly
this content (message digest); is the signature value right (signer's public key); does it
name its certificate (CAdES signing-certificate-v2); was the certificate valid when the letter
was signed and allowed to sign; does it chain to a configured trust root (pyhanko-certvalidator);
is it revoked (CRL). Every failure is collected, in English and Persian, with the signer named.

The signature math is done here with ``cryptography`` rather than through pyHanko's full
validation pipeline: it is the same checks, an order of magnitude faster, and the expensive
part (path building) is cached by :class:`TrustStore`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pathlib
from dataclasses import dataclass, field
from functools import lru_cache

from asn1crypto import (
    cms,
    tsp,  # noqa: F401  (registers signing_certificate_v2 with cms.CMSAttribute)
)
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from app.models.persian import to_persian_digits
from app.token.certificates import describe_certificate
from app.token.crl import crl_store
from app.token.trust import TrustStore

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


@lru_cache(maxsize=1024)
def _cert_ids(der: bytes) -> tuple[bytes, int, bytes | None, asn1_x509.Certificate]:
    """(issuer DER, serial, subject key id, parsed cert) of an embedded certificate, parsed once."""
    cert = asn1_x509.Certificate.load(der)
    return cert.issuer.dump(), cert.serial_number, cert.key_identifier, cert


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

    # revocation of the signer's certificate (and of intermediates that publish a CRL)
    if path.ok and len(path.path) >= 2:
        store = crl_store(crl_cache_dir)
        for subject, issuer in zip(path.path, path.path[1:], strict=False):
            sub_c, iss_c = _crypto_cert(subject.dump()), _crypto_cert(issuer.dump())
            if subject is not path.path[0] and not x509_has_cdp(sub_c):
                continue
            status = store.status(sub_c, iss_c, online=online, now=now)
            if status.state == "revoked":
                c.fail(status.message or "the certificate is revoked", status.message_fa or "گواهی باطل شده است.")
            elif status.state == "unknown":
                c.warn(status.message or "revocation was not checked", status.message_fa or "وضعیت ابطال بررسی نشد.")

    return SignatureVerdict(
        valid=not c.reasons,
        signer_subject=cinfo.subject,
        signer_national_code=cinfo.national_code,
        signing_time=signing_time,
        reasons=c.reasons,
        reasons_fa=c.reasons_fa,
        warnings=c.warnings,
        certificate_der=cert_der,
        warnings_fa=c.warnings_fa,
    )


def x509_has_cdp(cert: x509.Certificate) -> bool:
    try:
        cert.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    except x509.ExtensionNotFound:
        return False
    return True
