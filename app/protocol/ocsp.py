"""Revocation from OCSP (RFC 6960): asked of the responder the certificate names (AIA), the
answer's signature checked (the issuer, or a responder it delegated with the OCSP-signing EKU),
kept in memory and on disk until its ``nextUpdate``.

An answer we cannot use (no responder, unreachable, badly signed, stale, "unknown") is
``RevocationStatus("unknown")``: the caller then falls back to the CRL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import pathlib
import threading
import urllib.request
from functools import lru_cache

from asn1crypto import keys
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from app.protocol.crl import (
    KeyedLocks,
    RevocationStatus,
    crl_store,
    distribution_points,
    download,
    revoked_status,
)

log = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 1024 * 1024
CLOCK_SKEW = dt.timedelta(minutes=5)


@lru_cache(maxsize=1024)
def responders(cert: x509.Certificate) -> tuple[str, ...]:
    """The OCSP responder URLs (http) the certificate's Authority Information Access names."""
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(d.access_location.value for d in aia
                 if d.access_method == AuthorityInformationAccessOID.OCSP
                 and isinstance(d.access_location, x509.UniformResourceIdentifier)
                 and d.access_location.value.lower().startswith("http://"))


def _signature_ok(key: object, signature: bytes, data: bytes, algorithm: hashes.HashAlgorithm | None) -> bool:
    try:
        if isinstance(key, rsa.RSAPublicKey) and algorithm is not None:
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm is not None:
            key.verify(signature, data, ec.ECDSA(algorithm))
        else:
            return False
    except (InvalidSignature, ValueError, UnsupportedAlgorithm):
        return False
    return True


def _names_issuer(resp: ocsp.OCSPResponse, cert: x509.Certificate) -> bool:
    if resp.responder_name is not None:
        return resp.responder_name == cert.subject
    return resp.responder_key_hash == _issuer_key_hash(cert, hashes.SHA1())


def _responder_key(resp: ocsp.OCSPResponse, issuer: x509.Certificate, now: dt.datetime) -> object | None:
    """The key that may sign answers about the issuer's certificates: its own, or that of a
    responder certificate it issued for OCSP signing (carried in the answer)."""
    if _names_issuer(resp, issuer):
        return issuer.public_key()
    for responder in resp.certificates:
        if not _names_issuer(resp, responder) or not responder.not_valid_before_utc <= now <= responder.not_valid_after_utc:
            continue
        try:
            responder.verify_directly_issued_by(issuer)
            eku = responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
            continue
        if ExtendedKeyUsageOID.OCSP_SIGNING in eku:
            return responder.public_key()
    return None


class OcspStore:
    """OCSP answers per (issuer, serial). One store per cache folder is shared (see :func:`ocsp_store`)."""

    def __init__(self, cache_dir: pathlib.Path | None) -> None:
        self.cache_dir = cache_dir
        self._mem: dict[str, tuple[RevocationStatus, dt.datetime]] = {}  # key -> (status, next update)
        self._locks = KeyedLocks()

    @staticmethod
    def _key(cert: x509.Certificate, issuer: x509.Certificate) -> str:
        return hashlib.sha256(issuer.subject.public_bytes() + cert.serial_number.to_bytes(32, "big", signed=True)).hexdigest()[:32]

    def _disk(self, key: str) -> pathlib.Path | None:
        return self.cache_dir / f"{key}.ocsp" if self.cache_dir else None

    def status(self, cert: x509.Certificate, issuer: x509.Certificate, *, online: bool,
               now: dt.datetime) -> RevocationStatus:
        urls = responders(cert)
        if not urls:
            return RevocationStatus("unknown", "the certificate names no OCSP responder")
        key = self._key(cert, issuer)
        cached = self._mem.get(key)
        if cached is not None and cached[1] >= now:
            return cached[0]
        lock = self._locks.acquire(key)
        if lock is None:
            return RevocationStatus("unknown", "the OCSP answer for this certificate is still being asked for")
        try:
            return self._load(key, urls, cert, issuer, online=online, now=now)
        finally:
            lock.release()

    def _load(self, key: str, urls: tuple[str, ...], cert: x509.Certificate, issuer: x509.Certificate, *,
              online: bool, now: dt.datetime) -> RevocationStatus:
        """From memory or disk, else asked of the responders (the caller holds the key's lock)."""
        cached = self._mem.get(key)  # another check may have asked while this one waited
        if cached is not None and cached[1] >= now:
            return cached[0]
        disk = self._disk(key)
        if disk is not None and disk.is_file():
            found = self._accept(disk.read_bytes(), cert, issuer, now)
            if isinstance(found, tuple):
                self._mem[key] = found
                return found[0]
        if not online:
            return RevocationStatus("unknown", "offline, and no OCSP answer for this certificate is cached")
        problems = []
        for url in urls:
            try:
                data = self._ask(url, cert, issuer)
            except OSError as exc:
                log.warning("cannot reach OCSP responder %s: %s", url, exc)
                problems.append(f"the OCSP responder {url} could not be reached ({exc})")
                continue
            found = self._accept(data, cert, issuer, now)
            if isinstance(found, str):
                problems.append(f"the OCSP answer from {url} is not usable: {found}")
                continue
            self._mem[key] = found
            if disk is not None:
                disk.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                tmp = disk.with_suffix(".tmp")
                tmp.write_bytes(data)
                tmp.replace(disk)
            return found[0]
        return RevocationStatus("unknown", "; ".join(problems))

    @staticmethod
    def _ask(url: str, cert: x509.Certificate, issuer: x509.Certificate) -> bytes:
        request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()  # SHA-1: what CertID uses
        post = urllib.request.Request(url, data=request.public_bytes(serialization.Encoding.DER),
                                      headers={"Content-Type": "application/ocsp-request"})
        return download(post, MAX_RESPONSE_BYTES)

    @staticmethod
    def _accept(data: bytes, cert: x509.Certificate, issuer: x509.Certificate,
                now: dt.datetime) -> tuple[RevocationStatus, dt.datetime] | str:
        """(status, valid until) from a signed, current answer about this certificate; else why not."""
        try:
            resp = ocsp.load_der_ocsp_response(data)
            if resp.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
                return f"the responder answered {resp.response_status.name}"
            single = next((r for r in resp.responses if r.serial_number == cert.serial_number and r.issuer_key_hash ==
                           _issuer_key_hash(issuer, r.hash_algorithm)), None)
            if single is None:
                return "the answer is about another certificate"
            key = _responder_key(resp, issuer, now)
            if key is None or not _signature_ok(key, resp.signature, resp.tbs_response_bytes, resp.signature_hash_algorithm):
                return "the answer is not signed by the issuer or a responder it authorised"
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            return f"damaged ({exc})"
        next_update = single.next_update_utc
        if single.this_update_utc > now + CLOCK_SKEW:
            return "the answer is dated in the future"
        if next_update is not None and next_update < now:
            return "the answer is out of date"
        if single.certificate_status == ocsp.OCSPCertStatus.REVOKED and single.revocation_time_utc is not None:
            status = revoked_status(single.revocation_time_utc)
        elif single.certificate_status == ocsp.OCSPCertStatus.GOOD:
            status = RevocationStatus("good")
        else:
            return "the responder does not know the certificate"
        return status, next_update or now  # no nextUpdate: good for this check only


def _issuer_key_hash(issuer: x509.Certificate, algorithm: hashes.HashAlgorithm) -> bytes:
    """CertID's issuerKeyHash: the hash of the issuer's subjectPublicKey BIT STRING contents."""
    spki = keys.PublicKeyInfo.load(issuer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
    digest = hashes.Hash(algorithm)
    digest.update(bytes(spki["public_key"].contents[1:]))  # after the unused-bits byte
    return digest.finalize()


_stores: dict[pathlib.Path | None, OcspStore] = {}
_stores_lock = threading.Lock()


def ocsp_store(cache_dir: pathlib.Path | None) -> OcspStore:
    key = pathlib.Path(cache_dir).resolve() if cache_dir else None
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = OcspStore(key)
        return store


def revocation_status(cert: x509.Certificate, issuer: x509.Certificate, *, online: bool,
                      cache_dir: pathlib.Path | None, now: dt.datetime) -> RevocationStatus:
    """OCSP where the certificate names a responder; the CRL when it does not, or gives no usable answer."""
    problems: list[str] = []
    if responders(cert):
        status = ocsp_store(cache_dir).status(cert, issuer, online=online, now=now)
        if status.state != "unknown":
            return status
        problems.append(status.message or "no OCSP answer")
        if not distribution_points(cert):
            return _unknown(problems)
    status = crl_store(cache_dir).status(cert, issuer, online=online, now=now)
    if status.state != "unknown" or not problems:
        return status
    return _unknown([*problems, status.message or "no CRL"])


def _unknown(problems: list[str]) -> RevocationStatus:
    return RevocationStatus(
        "unknown", "revocation could not be checked: " + "; ".join(problems),
        "وضعیت ابطال گواهی بررسی نشد، زیرا پاسخ برخط (OCSP) یا فهرست ابطال به‌روز در دسترس نیست.")
