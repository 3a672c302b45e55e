"""Verification of incoming letters on arrival: every signature, the path to the agency's trust
roots, key usage, revocation and the server's receipt, with the receipt's registration time as
the moment the certificates must have been valid.

Trust roots are the list the central server publishes for this profile's agency (fetched on each
sync over the verified TLS connection, kept in the store, every change audited) plus any
certificate an administrator puts in the profile's ``trust-roots`` folder. The verdict is one of
three: ``valid``, ``invalid`` (kept, flagged and listed, never dropped) or ``unchecked`` (for
instance revocation could not be checked offline), which the engine checks again on later passes.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session

from app.models import letters as L
from app.models.db import Store
from app.models.tables import Letter, Setting
from app.protocol.package import InvalidPackage, LetterPackage
from app.protocol.receipt import InvalidReceipt, format_time, parse_time, receipt_matches, verify_receipt
from app.protocol.trust import CERT_SUFFIXES, UNTRUSTED_ROOT, TrustStore, load_certificates
from app.protocol.verify import SignatureVerdict, verify_detached

log = logging.getLogger(__name__)

SERVER_ROOTS = "trust:server_roots"  # setting: the list the server published, as last fetched
LOCAL_ROOTS_DIR = "trust-roots"  # folder in the profile: roots an administrator adds on this workstation
REVOCATION_CACHE_DIR = "revocation-cache"

VALID, INVALID, UNCHECKED = "valid", "invalid", "unchecked"


def local_roots_dir(store: Store) -> Path:
    return store.data_dir / LOCAL_ROOTS_DIR


def save_server_roots(s: Session, published: dict[str, Any], *, actor: str) -> bool:
    """Keep the server's published trust list; audit each root added or removed. True if it changed."""
    roots = {}
    for r in published.get("roots") or []:
        try:
            der = base64.b64decode(r["der"], validate=True)
            x509.load_der_x509_certificate(der)
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            log.warning("ignoring a trust root the server published: %s", exc)
            continue
        roots[hashlib.sha256(der).hexdigest()] = {"subject": str(r.get("subject") or ""), "der": r["der"]}
    row = s.get(Setting, SERVER_ROOTS)
    before = (row.value.get("roots") or {}) if row is not None else {}
    if roots == before:
        return False
    for fp in sorted(roots.keys() - before.keys()):
        L.audit(s, "trust_root_added", None, actor, sha256=fp, subject=roots[fp]["subject"], source="server")
    for fp in sorted(before.keys() - roots.keys()):
        L.audit(s, "trust_root_removed", None, actor, sha256=fp, subject=before[fp].get("subject", ""), source="server")
    value = {"roots": roots, "fetched_at": format_time(dt.datetime.now(dt.UTC))}
    if row is None:
        s.add(Setting(key=SERVER_ROOTS, value=value))
    else:
        row.value = value
    return True


LOCAL_ROOTS = "trust:local_roots"  # setting: the local folder's certificates as last seen (to audit changes)


def local_root_files(store: Store) -> list[tuple[Path, bytes]]:
    """Each certificate (DER) in the profile's trust-root folder with the file holding it;
    unreadable files are skipped."""
    found: list[tuple[Path, bytes]] = []
    folder = local_roots_dir(store)
    if folder.is_dir():
        for f in sorted(folder.iterdir()):
            if f.suffix.lower() in CERT_SUFFIXES and f.is_file():
                try:
                    found += [(f, c.dump()) for c in load_certificates(f.read_bytes())]
                except (OSError, ValueError) as exc:
                    log.warning("skipping %s in the local trust-root folder: %s", f.name, exc)
    return found


def local_roots(store: Store) -> list[bytes]:
    """The certificates (DER) in the profile's trust-root folder."""
    return [der for _file, der in local_root_files(store)]


def audit_local_roots(s: Session, store: Store, *, actor: str) -> bool:
    """Record in the local audit log each certificate added to or removed from the trust-root folder."""
    now = {hashlib.sha256(d).hexdigest(): _cn(x509.load_der_x509_certificate(d)) for d in local_roots(store)}
    row = s.get(Setting, LOCAL_ROOTS)
    before = (row.value.get("roots") or {}) if row is not None else {}
    if now == before:
        return False
    for fp in sorted(now.keys() - before.keys()):
        L.audit(s, "trust_root_added", None, actor, sha256=fp, subject=now[fp], source="local")
    for fp in sorted(before.keys() - now.keys()):
        L.audit(s, "trust_root_removed", None, actor, sha256=fp, subject=before[fp], source="local")
    if row is None:
        s.add(Setting(key=LOCAL_ROOTS, value={"roots": now}))
    else:
        row.value = {"roots": now}
    return True


@dataclass(frozen=True)
class _Trust:
    key: tuple[str, ...]
    store: TrustStore


class IncomingVerifier:
    """Checks incoming packages against the profile's trust roots; one per engine (thread-safe:
    the trust store is rebuilt only when the roots change, and verify_detached caches by bytes)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.cache_dir = store.data_dir / REVOCATION_CACHE_DIR
        self._trust: _Trust | None = None
        self._lock = threading.Lock()

    def trust(self) -> TrustStore:
        """The current trust store: the server's published roots ∪ the local folder's certificates."""
        ders: list[bytes] = []
        with self.store.reader() as s:
            row = s.get(Setting, SERVER_ROOTS)
            for r in ((row.value.get("roots") or {}) if row is not None else {}).values():
                ders.append(base64.b64decode(r["der"]))
        ders += local_roots(self.store)
        key = tuple(sorted({hashlib.sha256(d).hexdigest() for d in ders}))
        with self._lock:
            if self._trust is None or self._trust.key != key:
                unique = list(dict.fromkeys(ders))
                roots = [d for d in unique if _self_signed(d)]
                self._trust = _Trust(key, TrustStore.from_certificates(roots, [d for d in unique if not _self_signed(d)]))
            return self._trust.store

    def verify(self, raw_package: Any, receipt_cert: x509.Certificate | None, *, online: bool,
               now: dt.datetime, trust: TrustStore | None = None) -> dict[str, Any]:
        """The verdict on one received package (the JSON dict as it came), stored with the letter."""
        checked_at = format_time(now)
        try:
            package = LetterPackage.from_dict(raw_package)
        except InvalidPackage as exc:
            return _verdict(INVALID, [str(exc)], [exc.message_fa], checked_at=checked_at)
        if not package.signatures:
            return _verdict(INVALID, ["the letter carries no signature"], ["نامه امضا ندارد."], checked_at=checked_at)
        receipt = _check_receipt(package, receipt_cert)
        trust = trust or self.trust()
        if receipt["status"] == INVALID and not trust.roots:  # settled without the signature check
            return _verdict(INVALID, [receipt["problem"]], [receipt["problem_fa"]], checked_at=checked_at,
                            receipt=receipt)
        content = package.content_bytes()
        if not trust.roots:  # who signed it is read all the same (the view lists the signers)
            unchecked = [verify_detached(content, cms, trust, now=now) for cms in package.signatures]
            return _verdict(UNCHECKED, [], [], checked_at=checked_at, receipt=receipt,
                            pending=["no trust roots yet (the server's list has not been fetched)"],
                            pending_fa=["فهرست ریشه‌های اعتماد هنوز از کارگزار دریافت نشده است؛ در همگام‌سازی بعدی بررسی می‌شود."],
                            signers=[_signer(v) for v in unchecked])
        moment = parse_time(receipt["registered_at"]) if receipt["status"] == VALID else None
        verdicts = [verify_detached(content, cms, trust, online=online, crl_cache_dir=self.cache_dir, now=now,
                                    trusted_time=moment) for cms in package.signatures]
        reasons = [r for v in verdicts for r in v.reasons]
        reasons_fa = [r for v in verdicts for r in v.reasons_fa]
        if receipt["status"] != VALID:
            reasons.append(receipt["problem"])
            reasons_fa.append(receipt["problem_fa"])
        pending = [w for v in verdicts for w in v.warnings]
        pending_fa = [w for v in verdicts for w in v.warnings_fa]
        status = INVALID if reasons else UNCHECKED if pending else VALID
        verdict = _verdict(status, reasons, reasons_fa, checked_at=checked_at, receipt=receipt, pending=pending,
                           pending_fa=pending_fa, signers=[_signer(v) for v in verdicts])
        verdict["trust"] = trust.fingerprint  # the roots it was checked against (see awaits_trust)
        return verdict


def awaits_trust(verdict: dict[str, Any] | None, trust: TrustStore) -> bool:
    """Whether an invalid verdict's only fault is a signer certificate with no path to the trust
    roots (an unknown CA) and the roots are not those it was checked against: it is checked again.
    A changed letter, a revoked or expired certificate or a bad receipt stays invalid."""
    if not verdict or verdict.get("status") != INVALID or (verdict.get("receipt") or {}).get("status") != VALID:
        return False
    if verdict.get("trust") == trust.fingerprint:
        return False
    signers = verdict.get("signers") or []
    faulty = [s for s in signers if not s.get("valid")]
    return bool(faulty) and all(
        (codes := s.get("codes") or []) and set(codes) == {UNTRUSTED_ROOT}
        and len(codes) == len(s.get("reasons_fa") or []) for s in faulty)


def _self_signed(der: bytes) -> bool:
    cert = x509.load_der_x509_certificate(der)
    return cert.subject == cert.issuer


def _check_receipt(package: LetterPackage, cert: x509.Certificate | None) -> dict[str, Any]:
    """The server's receipt: signed by its receipt certificate and bound to this very content."""
    if not package.receipts:
        return {"status": INVALID, "registered_at": None, "problem": "the letter carries no server receipt",
                "problem_fa": "رسید ثبت کارگزار همراه نامه نیست."}
    receipt = package.receipts[-1]
    if cert is None:
        return {"status": UNCHECKED, "registered_at": None, "problem": "the server's receipt certificate is not known",
                "problem_fa": "گواهی رسید کارگزار در دسترس نیست."}
    try:
        verify_receipt(receipt, cert)
    except InvalidReceipt as exc:
        return {"status": INVALID, "registered_at": None, "problem": f"the server receipt is not valid: {exc}",
                "problem_fa": exc.message_fa}
    if not receipt_matches(receipt, guid=package.guid, content_sha256=package.content_sha256()):
        return {"status": INVALID, "registered_at": None,
                "problem": "the server receipt is for other content (the letter was changed after registration)",
                "problem_fa": "رسید ثبت کارگزار با متن این نامه مطابقت ندارد؛ نامه پس از ثبت تغییر کرده است."}
    payload = receipt["payload"]
    return {"status": VALID, "registered_at": payload["registered_at"], "shams": payload["shams"],
            "problem": "", "problem_fa": ""}


def _signer(v: SignatureVerdict) -> dict[str, Any]:
    revocation = "revoked" if "certificate_revoked" in v.codes else "unknown" if v.warnings else (
        "good" if v.valid else "")
    return {
        "valid": v.valid,
        "name": v.signer_name or "",
        "subject": v.signer_subject or "",
        "national_code": v.signer_national_code or "",
        "title": _title(v.certificate_der),  # as the certificate names it; the directory's wins on display
        "signing_time": format_time(v.signing_time) if v.signing_time else None,
        "reasons_fa": v.reasons_fa,
        "warnings_fa": v.warnings_fa,
        "codes": v.codes,
        "revocation": revocation,
        "certificate": base64.b64encode(v.certificate_der).decode("ascii") if v.certificate_der else None,
    }


def _verdict(status: str, reasons: list[str], reasons_fa: list[str], *, checked_at: str,
             receipt: dict[str, Any] | None = None, pending: list[str] | None = None,
             pending_fa: list[str] | None = None, signers: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "status": status,
        "valid": True if status == VALID else False if status == INVALID else None,
        "reasons": reasons,
        "reasons_fa": reasons_fa,
        "pending": pending or [],
        "pending_fa": pending_fa or [],
        "signers": signers or [],
        "receipt": receipt,
        "checked_at": checked_at,
    }



def certificate_chains(store: Store, guid: str) -> list[list[dict[str, Any]]]:
    """Per signature of a received letter: its certificate chain, signer first, as the signature
    carries it and up to the agency's trust roots (for the details a user asks for)."""
    with store.reader() as s:
        letter = s.get(Letter, guid)
        raw = letter.source_package if letter is not None else None
    if not raw:
        return []
    try:
        package = LetterPackage.from_dict(json.loads(raw))
    except (InvalidPackage, ValueError):
        return []
    roots = [x509.load_der_x509_certificate(c.dump()) for c in IncomingVerifier(store).trust().roots]
    chains: list[list[dict[str, Any]]] = []
    for cms in package.signatures:
        try:
            embedded = pkcs7.load_der_pkcs7_certificates(cms)
        except ValueError:
            chains.append([])
            continue
        chains.append(_chain(embedded, roots))
    return chains


def _chain(embedded: list[x509.Certificate], roots: list[x509.Certificate]) -> list[dict[str, Any]]:
    issuers = {c.issuer for c in embedded}
    leaf = next((c for c in embedded if c.subject not in issuers), embedded[0] if embedded else None)
    chain: list[x509.Certificate] = []
    pool = [*embedded, *roots]
    while leaf is not None and leaf not in chain and len(chain) < 8:
        chain.append(leaf)
        if leaf.subject == leaf.issuer:
            break
        leaf = next((c for c in pool if c.subject == leaf.issuer and c not in chain), None)
    root_set = set(roots)
    return [{"name": _cn(c), "not_before": format_time(c.not_valid_before_utc), "not_after": format_time(c.not_valid_after_utc),
             "sha256": c.fingerprint(hashes.SHA256()).hex(), "trusted": c in root_set} for c in chain]


def _cn(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def _title(der: bytes | None) -> str:
    if not der:
        return ""
    names = x509.load_der_x509_certificate(der).subject.get_attributes_for_oid(NameOID.TITLE)
    return str(names[0].value) if names else ""
