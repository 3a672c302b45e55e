"""Trust roots configured by the agency administrator, and certificate paths validated against them.

Validated paths are cached per end-entity certificate together with the time window in which
every certificate on the path is valid, so verifying many letters from the same signatory
builds the path once (certvalidator is thorough but slow).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import pathlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
    ValidationError,
)

from app.protocol.asyncrun import run_sync

log = logging.getLogger(__name__)

CERT_SUFFIXES = {".pem", ".crt", ".cer", ".der"}


def load_certificates(data: bytes) -> list[asn1_x509.Certificate]:
    """All certificates in PEM (one or many) or DER bytes."""
    if pem.detect(data):
        return [asn1_x509.Certificate.load(der) for kind, _h, der in pem.unarmor(data, multiple=True)
                if kind == "CERTIFICATE"]
    return [asn1_x509.Certificate.load(data)]


UNTRUSTED_ROOT = "untrusted_root"


@dataclass(frozen=True)
class PathResult:
    ok: bool
    path: tuple[bytes, ...] = ()  # DER, end-entity first, root last
    reason: str | None = None
    reason_fa: str | None = None
    code: str = "invalid_signature"  # "untrusted_root": no path to a root (another trust list may have one)
    # window in which the cached result holds (None: independent of time, e.g. unknown CA)
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None

    def holds_at(self, moment: dt.datetime) -> bool:
        if self.valid_from is None or self.valid_until is None:
            return True
        return self.valid_from <= moment <= self.valid_until


class TrustStore:
    """Roots (self-signed) and intermediates, plus the cache of validated paths."""

    def __init__(self, roots: Iterable[asn1_x509.Certificate], intermediates: Iterable[asn1_x509.Certificate] = ()) -> None:
        self.roots = list(roots)
        self.intermediates = list(intermediates)
        self._paths: dict[tuple[bytes, frozenset[bytes]], PathResult] = {}
        self._lock = threading.Lock()

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_certificates(cls, roots: list[bytes], intermediates: Iterable[bytes] = ()) -> TrustStore:
        r = [c for data in roots for c in load_certificates(data)]
        i = [c for data in intermediates for c in load_certificates(data)]
        return cls(r, i)

    @classmethod
    def from_directory(cls, path: pathlib.Path) -> TrustStore:
        path = pathlib.Path(path)
        if not path.is_dir():
            raise FileNotFoundError(f"trust-root folder not found: {path}")
        roots: list[asn1_x509.Certificate] = []
        inter: list[asn1_x509.Certificate] = []
        for f in sorted(path.iterdir()):
            if f.suffix.lower() not in CERT_SUFFIXES or not f.is_file():
                continue
            try:
                certs = load_certificates(f.read_bytes())
            except ValueError as exc:
                log.warning("skipping %s in trust-root folder: not a certificate (%s)", f, exc)
                continue
            for c in certs:
                (roots if c.self_signed in ("yes", "maybe") else inter).append(c)
        if not roots:
            log.warning("trust-root folder %s holds no self-signed root certificate", path)
        return cls(roots, inter)

    @cached_property
    def fingerprint(self) -> str:  # the roots and intermediates are fixed at construction
        h = hashlib.sha256()
        for c in sorted(x.dump() for x in self.roots + self.intermediates):
            h.update(hashlib.sha256(c).digest())
        return h.hexdigest()

    # -- path validation ---------------------------------------------------------------------
    def validate_path(self, cert_der: bytes, others: frozenset[bytes], moment: dt.datetime) -> PathResult:
        """The path from this certificate (DER) to a trust root at ``moment``; ``others`` are
        certificates that came with it (e.g. embedded in the signature) and may complete the path."""
        key = (cert_der, others)
        result = self._paths.get(key)
        if result is None or not result.holds_at(moment):
            # certvalidator parses the store's shared root/intermediate objects lazily, and
            # asn1crypto is not thread-safe: one validation at a time per store
            with self._lock:
                result = self._validate(asn1_x509.Certificate.load(cert_der), moment,
                                        [asn1_x509.Certificate.load(d) for d in others])
                self._paths[key] = result
        return result

    def _validate(self, cert: asn1_x509.Certificate, moment: dt.datetime, extra: list[asn1_x509.Certificate]) -> PathResult:
        if not self.roots:
            return PathResult(False, reason="no trust roots are configured",
                              reason_fa="هیچ گواهی ریشه مورد اعتمادی در تنظیمات تعریف نشده است.", code=UNTRUSTED_ROOT)
        ctx = ValidationContext(
            trust_roots=self.roots,
            other_certs=[*self.intermediates, *extra],
            moment=moment,
            allow_fetching=False,  # revocation is checked by app.protocol.crl, with its own cache
            revocation_mode="soft-fail",
        )
        validator = CertificateValidator(cert, validation_context=ctx)
        try:
            path = run_sync(validator.async_validate_path())
        except PathBuildingError:
            return PathResult(False, reason="the certificate was not issued by a trusted certification authority "
                              "(no chain to a configured trust root)",
                              reason_fa="گواهی امضاکننده از سوی مرجع صدور گواهی مورد اعتماد صادر نشده است.",
                              code=UNTRUSTED_ROOT)
        except (ExpiredError, NotYetValidError) as exc:
            return PathResult(False, reason=f"a CA certificate on the path was not valid at signing time ({exc})",
                              reason_fa="گواهی یکی از مراجع صدور در زمان امضا معتبر نبوده است.",
                              valid_from=moment, valid_until=moment)
        except RevokedError as exc:
            return PathResult(False, reason=f"a certificate on the path is revoked ({exc})",
                              reason_fa="یکی از گواهی‌های زنجیره باطل شده است.", valid_from=moment, valid_until=moment)
        except (PathValidationError, ValidationError) as exc:
            return PathResult(False, reason=f"the certificate chain is not valid: {exc}",
                              reason_fa="زنجیره گواهی امضاکننده معتبر نیست.", valid_from=moment, valid_until=moment)
        certs = tuple(reversed(list(path)))  # certvalidator iterates root first
        return PathResult(
            True,
            path=tuple(c.dump() for c in certs),
            valid_from=max(c["tbs_certificate"]["validity"]["not_before"].native for c in certs),
            valid_until=min(c["tbs_certificate"]["validity"]["not_after"].native for c in certs),
        )
