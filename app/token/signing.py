"""Detached CAdES-BES signatures over letters' canonical bytes, one letter or a batch.

Any pyHanko ``Signer`` works (the server's tests use ``SimpleSigner`` with software keys);
on a token we use ``PKCS11Signer`` over a session logged in once for the whole batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pkcs11
from asn1crypto import algos, cms, tsp
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.pkcs11 import PKCS11Signer
from pyhanko.sign.signers import Signer

from app.protocol.asyncrun import run_sync
from app.protocol.certificates import CertificateInfo, describe_certificate
from app.protocol.package import LetterPackage
from app.protocol.persian import to_persian_digits as to_fa_digits
from app.token.certificates import TokenCertificate, list_signing_certificates
from app.token.errors import BatchInterrupted, CertificateNotFound, SigningError, TokenRemoved
from app.token.pin import PinStatus, login
from app.token.tokens import REMOVAL_ERRORS

log = logging.getLogger(__name__)

DIGEST = "sha256"
ProgressCallback = Callable[[int, int], None]  # (done, total)


def _tlv(tag: int, content: bytes) -> bytes:
    """One DER element (definite length)."""
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    length = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


_SEQ, _SET, _INT, _OCTETS, _CTX0 = 0x30, 0x31, 0x02, 0x04, 0xA0
_OID_SIGNED_DATA = cms.ContentType("signed_data").dump()
_OID_DATA = cms.ContentType("data").dump()
_ATTR_CONTENT_TYPE = cms.CMSAttribute({"type": "content_type", "values": ["data"]}).dump()
_OID_MESSAGE_DIGEST = cms.CMSAttributeType("message_digest").dump()
_OID_SIGNING_TIME = cms.CMSAttributeType("signing_time").dump()
_VERSION_1 = _tlv(_INT, b"\x01")


@dataclass(frozen=True)
class _SignerParts:
    """DER of what stays the same for every letter a signer signs, encoded once.

    asn1crypto re-serializes nested structures (certificates above all) on every dump; splicing
    DER encoded once leaves a batch paying for little more than the token's signatures.
    """

    sid: bytes
    digest_algorithm: bytes
    signature_algorithm: bytes
    certificates: bytes  # concatenated certificate DER, for the [0] IMPLICIT SET
    signing_certificate_v2: bytes  # the whole attribute


_parts_cache: weakref.WeakKeyDictionary[Signer, _SignerParts] = weakref.WeakKeyDictionary()


def _signer_parts(signer: Signer) -> _SignerParts:
    parts = _parts_cache.get(signer)
    if parts is not None:
        return parts
    cert = signer.signing_cert
    if cert is None:
        raise SigningError("the signer has no certificate", "گواهی امضاکننده در دسترس نیست.")
    cert_der = cert.dump()
    embedded = [cert_der]
    for other in signer.cert_registry:
        if other.dump() not in embedded and other.self_signed == "no":  # chain helpers; roots come from trust stores
            embedded.append(other.dump())
    ess = tsp.SigningCertificateV2({"certs": [{
        "hash_algorithm": {"algorithm": DIGEST},
        "cert_hash": hashlib.sha256(cert_der).digest(),
        "issuer_serial": {"issuer": [asn1_x509.GeneralName({"directory_name": cert.issuer})],
                          "serial_number": cert.serial_number},
    }]})
    parts = _SignerParts(
        sid=cms.SignerIdentifier(
            {"issuer_and_serial_number": {"issuer": cert.issuer, "serial_number": cert.serial_number}}).dump(),
        digest_algorithm=algos.DigestAlgorithm({"algorithm": DIGEST}).dump(),
        signature_algorithm=signer.get_signature_mechanism_for_digest(DIGEST).dump(),
        certificates=b"".join(embedded),
        signing_certificate_v2=cms.CMSAttribute({"type": "signing_certificate_v2", "values": [ess]}).dump(),
    )
    _parts_cache[signer] = parts
    return parts


async def async_sign_detached(content: bytes, signer: Signer, *, signing_time: dt.datetime | None = None) -> bytes:
    """CAdES-BES detached SignedData: content-type, signing-time, message-digest, signing-certificate-v2.

    The structure is the one ``Signer.async_sign_general_data(data, 'sha256', detached=True,
    use_cades=True)`` makes; it is assembled here from cached DER around the signer's
    ``async_sign_raw`` (the generic pyHanko Signer interface: SimpleSigner and PKCS11Signer
    both work) so that a batch pays for the token's signature and little else.
    """
    parts = _signer_parts(signer)
    when = (signing_time or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    time_der = cms.Time({"utc_time": when.replace(microsecond=0)}).dump()
    attrs = sorted([  # DER: SET OF sorted by encoding
        _ATTR_CONTENT_TYPE,
        _tlv(_SEQ, _OID_SIGNING_TIME + _tlv(_SET, time_der)),
        _tlv(_SEQ, _OID_MESSAGE_DIGEST + _tlv(_SET, _tlv(_OCTETS, hashlib.sha256(content).digest()))),
        parts.signing_certificate_v2,
    ])
    attrs_content = b"".join(attrs)
    signature = await signer.async_sign_raw(_tlv(_SET, attrs_content), DIGEST)  # signed as SET OF (RFC 5652 5.4)
    signer_info = _tlv(_SEQ, _VERSION_1 + parts.sid + parts.digest_algorithm + _tlv(_CTX0, attrs_content)
                       + parts.signature_algorithm + _tlv(_OCTETS, signature))
    signed_data = _tlv(_SEQ, _VERSION_1 + _tlv(_SET, parts.digest_algorithm) + _tlv(_SEQ, _OID_DATA)
                       + _tlv(_CTX0, parts.certificates) + _tlv(_SET, signer_info))
    return _tlv(_SEQ, _OID_SIGNED_DATA + _tlv(_CTX0, signed_data))


def sign_detached(content: bytes, signer: Signer) -> bytes:
    """CAdES-BES detached CMS (signing-certificate-v2, signing-time, SHA-256) as DER."""
    return run_sync(async_sign_detached(content, signer))


@dataclass
class BatchResult:
    signatures: list[bytes] = field(default_factory=list)  # in input order, a prefix when cancelled
    cancelled: bool = False

    @property
    def signed(self) -> int:
        return len(self.signatures)


class _Cancelled:
    """Adapts a threading.Event or a callable to one ``is_set`` test."""

    def __init__(self, flag: threading.Event | Callable[[], bool] | None) -> None:
        self._flag = flag

    def __call__(self) -> bool:
        if self._flag is None:
            return False
        if isinstance(self._flag, threading.Event):
            return self._flag.is_set()
        return bool(self._flag())


def _interrupted(exc: BaseException, signed: int, total: int) -> BatchInterrupted:
    removed = isinstance(exc, (*REMOVAL_ERRORS, TokenRemoved))
    why_en = "the token was removed or its session ended" if removed else f"{type(exc).__name__}: {exc}"
    why_fa = "ارتباط با توکن قطع شد" if removed else "توکن خطا داد"
    return BatchInterrupted(
        f"signing stopped after {signed} of {total} letters: {why_en}; the {signed} signed letters keep "
        f"their signatures, the other {total - signed} were not changed",
        f"امضا پس از {to_fa_digits(signed)} نامه از {to_fa_digits(total)} نامه متوقف شد، زیرا {why_fa}؛ "
        f"{to_fa_digits(signed)} نامه امضا شده است و {to_fa_digits(total - signed)} نامه دیگر بدون تغییر ماند.",
        signed=signed,
        total=total,
    )


def sign_batch(
    contents: Sequence[bytes],
    signer: Signer,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | Callable[[], bool] | None = None,
    on_signed: Callable[[int, bytes], None] | None = None,
) -> BatchResult:
    """Sign each content in order with one signer (one PIN entry).

    ``on_signed(index, cms)`` runs as each signature is made, so work already done is kept
    even if a later letter fails; on a token error BatchInterrupted says how many were signed
    and carries the partial result in ``exc.result``.
    """
    cancelled = _Cancelled(cancel)
    result = BatchResult()
    total = len(contents)
    loop = asyncio.new_event_loop()  # one loop for the batch, not a new one per letter (asyncio.run)
    try:
        for i, content in enumerate(contents):
            if cancelled():
                result.cancelled = True
                break
            try:
                cms = loop.run_until_complete(async_sign_detached(content, signer))
            except (pkcs11.PKCS11Error, TokenRemoved) as exc:
                err = _interrupted(exc, i, total)
                err.result = result
                log.warning("%s", err)
                raise err from exc
            result.signatures.append(cms)
            if on_signed is not None:
                on_signed(i, cms)
            if progress is not None:
                progress(i + 1, total)
    finally:
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
    return result


def sign_packages(
    packages: Sequence[LetterPackage],
    signer: Signer,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | Callable[[], bool] | None = None,
) -> BatchResult:
    """Append a signature to each package as it is made; unsigned packages are left as they were."""
    return sign_batch(
        [p.content_bytes() for p in packages],
        signer,
        progress=progress,
        cancel=cancel,
        on_signed=lambda i, cms: packages[i].signatures.append(cms),
    )


class TokenSigningSession:
    """A logged-in token session with the pyHanko signer for one chosen certificate.

    Use as a context manager; closing logs out. The PIN is used for C_Login only.
    """

    def __init__(self, session: pkcs11.Session, certificate: TokenCertificate, pin_status: PinStatus) -> None:
        self.session = session
        self.certificate = certificate
        self.pin_status = pin_status
        other = [
            describe_certificate(bytes(o[pkcs11.Attribute.VALUE])).der
            for o in session.get_objects({pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE})
        ]
        chain = [asn1_x509.Certificate.load(d) for d in other if d != certificate.info.der]
        self.signer = PKCS11Signer(
            session,
            cert_id=certificate.id or None,
            cert_label=None if certificate.id else certificate.label,
            signing_cert=asn1_x509.Certificate.load(certificate.info.der),
            ca_chain=[c for c in chain if c.ca],  # intermediates on the token help offline verifiers
            embed_roots=False,
        )
        try:
            run_sync(self.signer.ensure_objects_loaded())
        except pkcs11.PKCS11Error as exc:
            self.close()
            raise CertificateNotFound(f"no private key on the token for certificate {certificate.label!r}: {exc}") from exc

    @property
    def certificate_info(self) -> CertificateInfo:
        return self.certificate.info

    def sign(self, content: bytes) -> bytes:
        try:
            return sign_detached(content, self.signer)
        except REMOVAL_ERRORS as exc:
            raise TokenRemoved("the token was removed while signing") from exc
        except pkcs11.PKCS11Error as exc:
            raise SigningError(f"the token refused to sign: {type(exc).__name__}") from exc

    def sign_packages(
        self,
        packages: Sequence[LetterPackage],
        *,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | Callable[[], bool] | None = None,
    ) -> BatchResult:
        return sign_packages(packages, self.signer, progress=progress, cancel=cancel)

    def close(self) -> None:
        with contextlib.suppress(pkcs11.PKCS11Error):  # token already gone: nothing to log out of
            self.session.close()

    def __enter__(self) -> TokenSigningSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def choose_certificate(
    certs: Sequence[TokenCertificate], *, label: str | None = None, cert_id: bytes | None = None
) -> TokenCertificate:
    candidates = [c for c in certs if (label is None or c.label == label) and (cert_id is None or c.id == cert_id)]
    usable = [c for c in candidates if c.has_private_key] or candidates
    if not usable:
        want = f" label={label!r}" if label else "" + (f" id={cert_id.hex()}" if cert_id else "")
        raise CertificateNotFound(f"no signing certificate{want} on the token")
    return usable[0]  # list_signing_certificates sorts non-repudiation first


def open_signing_session(
    token: pkcs11.Token, pin: str | None, *, cert_label: str | None = None, cert_id: bytes | None = None
) -> TokenSigningSession:
    """Log in (``pin=None``: PIN pad) and prepare a signer for the chosen certificate."""
    session, status = login(token, pin)
    del pin
    try:
        cert = choose_certificate(list_signing_certificates(session), label=cert_label, cert_id=cert_id)
    except BaseException:
        session.close()
        raise
    return TokenSigningSession(session, cert, status)
