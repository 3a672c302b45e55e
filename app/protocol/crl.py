"""Revocation from CRLs: fetched from the certificate's CRL distribution point when online,
kept on disk so that verification works offline, and kept parsed in memory so that checking
many letters costs one dictionary lookup each.

A revoked certificate is a failure; "could not check" (offline with no fresh CRL, fetch
failed, no distribution point) is a warning: the verdict says so instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import pathlib
import threading
import time
import urllib.request
from collections.abc import Hashable
from dataclasses import dataclass
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from app.protocol.jalali import format_datetime  # Persian messages: Jalali, Tehran time

log = logging.getLogger(__name__)

FETCH_TIMEOUT_S = 5.0
MAX_CRL_BYTES = 32 * 1024 * 1024


def download(request: urllib.request.Request | str, limit: int) -> bytes:
    """An HTTP answer's body, cut at ``limit`` bytes (it then fails to parse), whose body arrives
    within :data:`FETCH_TIMEOUT_S` in all: a server that drips it cannot hold a check for ever."""
    deadline = time.monotonic() + FETCH_TIMEOUT_S
    body = bytearray()
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_S) as resp:
        while len(body) <= limit:
            chunk = resp.read1(64 * 1024)
            if not chunk:
                break
            body += chunk
            if time.monotonic() > deadline:
                raise TimeoutError(f"the answer took more than {FETCH_TIMEOUT_S:g} s")
    return bytes(body[:limit])


class KeyedLocks:
    """One lock per download (a CRL's URL, a certificate's OCSP answer): a slow or dead server
    holds only the checks that need its answer, not every other certificate's."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def acquire(self, key: Hashable) -> threading.Lock | None:
        """The key's lock, held; None if another check kept it past two download timeouts."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        return lock if lock.acquire(timeout=2 * FETCH_TIMEOUT_S) else None


@dataclass(frozen=True)
class RevocationStatus:
    state: str  # "good" | "revoked" | "unknown"
    message: str | None = None
    message_fa: str | None = None
    revoked_at: dt.datetime | None = None


@lru_cache(maxsize=1024)  # per certificate (hashable, equal by DER): asked on every verification
def distribution_points(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return ()
    urls = []
    for point in cdp:
        for name in point.full_name or ():
            if isinstance(name, x509.UniformResourceIdentifier) and name.value.lower().startswith(("http://", "https://")):
                urls.append(name.value)
    return tuple(urls)


def revoked_status(when: dt.datetime) -> RevocationStatus:
    """"Revoked" as the CRL or the OCSP responder reports it."""
    return RevocationStatus("revoked", f"the certificate was revoked on {when:%Y-%m-%d %H:%M} UTC",
                            f"گواهی امضاکننده در تاریخ {format_datetime(when)} باطل شده است.", when)


class CrlStore:
    """CRLs by distribution-point URL. One store per cache folder is shared (see :func:`crl_store`)."""

    def __init__(self, cache_dir: pathlib.Path | None) -> None:
        self.cache_dir = pathlib.Path(cache_dir) if cache_dir else None
        self._mem: dict[str, x509.CertificateRevocationList] = {}  # verified against their issuer
        self._locks = KeyedLocks()

    def _disk_path(self, url: str) -> pathlib.Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".crl")

    @staticmethod
    def _accept(data: bytes, issuer: x509.Certificate) -> x509.CertificateRevocationList | None:
        try:
            crl = x509.load_der_x509_crl(data)
        except ValueError:
            try:
                crl = x509.load_pem_x509_crl(data)
            except ValueError:
                return None
        if crl.issuer != issuer.subject:
            return None
        try:
            if not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
                return None
        except (InvalidSignature, TypeError):
            return None
        return crl

    @staticmethod
    def _fresh(crl: x509.CertificateRevocationList, now: dt.datetime) -> bool:
        nu = crl.next_update_utc
        return nu is None or nu >= now

    def get(self, url: str, issuer: x509.Certificate, *, online: bool, now: dt.datetime) -> tuple[
            x509.CertificateRevocationList | None, str | None]:
        """The best CRL for ``url`` and, when it is missing or stale, why (English)."""
        crl = self._mem.get(url)
        if crl is not None and crl.issuer == issuer.subject and self._fresh(crl, now):
            return crl, None
        lock = self._locks.acquire(url)
        if lock is None:
            return crl, f"the CRL from {url} is still being downloaded"
        try:
            return self._load(url, crl, issuer, online=online, now=now)
        finally:
            lock.release()

    def _load(self, url: str, crl: x509.CertificateRevocationList | None, issuer: x509.Certificate, *,
              online: bool, now: dt.datetime) -> tuple[x509.CertificateRevocationList | None, str | None]:
        """From disk, else downloaded (the caller holds the URL's lock)."""
        crl = self._mem.get(url, crl)  # another check may have downloaded it while this one waited
        if crl is not None and crl.issuer == issuer.subject and self._fresh(crl, now):
            return crl, None
        disk = self._disk_path(url)
        if crl is None and disk is not None and disk.is_file():
            crl = self._accept(disk.read_bytes(), issuer)
        if crl is not None and self._fresh(crl, now):
            self._mem[url] = crl
            return crl, None
        if online:
            try:
                data = download(url, MAX_CRL_BYTES)
            except OSError as exc:
                log.warning("cannot fetch CRL %s: %s", url, exc)
                return crl, f"the CRL could not be downloaded from {url} ({exc})"
            fetched = self._accept(data, issuer)
            if fetched is None:
                return crl, f"the CRL downloaded from {url} is not signed by the certificate's issuer"
            self._mem[url] = fetched
            if disk is not None:
                disk.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                tmp = disk.with_suffix(".tmp")
                tmp.write_bytes(data)
                tmp.replace(disk)  # atomic: a concurrent reader never sees half a CRL
            return fetched, None if self._fresh(fetched, now) else "the published CRL is out of date"
        if crl is None:
            return None, "offline, and no CRL for this certificate is cached"
        return crl, "offline, and the cached CRL is out of date"

    def status(self, cert: x509.Certificate, issuer: x509.Certificate, *, online: bool,
               now: dt.datetime | None = None) -> RevocationStatus:
        now = now or dt.datetime.now(dt.UTC)
        urls = distribution_points(cert)
        if not urls:
            return RevocationStatus("unknown", "the certificate names no CRL distribution point; revocation was not checked",
                                    "گواهی نشانی فهرست ابطال ندارد؛ ابطال‌نشدن آن بررسی نشد.")
        problems = []
        for url in urls:
            crl, problem = self.get(url, issuer, online=online, now=now)
            if crl is not None:
                entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
                if entry is not None:
                    return revoked_status(entry.revocation_date_utc)
                if problem is None:
                    return RevocationStatus("good")
            problems.append(problem or "no CRL")
        return RevocationStatus(
            "unknown",
            "revocation could not be checked: " + "; ".join(problems),
            "وضعیت ابطال گواهی بررسی نشد، زیرا فهرست ابطال به‌روز در دسترس نیست (سامانه برون‌خط است یا دریافت فهرست ممکن نشد).",
        )


_stores: dict[pathlib.Path | None, CrlStore] = {}
_stores_lock = threading.Lock()


def crl_store(cache_dir: pathlib.Path | None) -> CrlStore:
    key = pathlib.Path(cache_dir).resolve() if cache_dir else None
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = CrlStore(key)
        return store
