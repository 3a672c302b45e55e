"""Letter signature verification against trust roots (server-wide folder + per-agency uploads)."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import Connection, bindparam, select

from app.protocol.trust import TrustStore
from app.protocol.verify import SignatureVerdict, verify_detached
from server.tables.accounts import trust_roots

_OF_AGENCY = trust_roots.c.agency_id == bindparam("agency_id")
UPLOADED_HASHES = select(trust_roots.c.sha256).where(_OF_AGENCY)  # built once: compiled once
_UPLOADED_DER = select(trust_roots.c.der).where(_OF_AGENCY)


def load_pem_dir(path: Path) -> list[bytes]:
    """Every certificate in every *.pem/*.crt/*.cer file of a folder, as DER."""
    out: list[bytes] = []
    if not path.is_dir():
        return out
    for f in sorted(path.iterdir()):
        if f.suffix.lower() not in (".pem", ".crt", ".cer"):
            continue
        data = f.read_bytes()
        if b"-----BEGIN" in data:
            out += [c.public_bytes(serialization.Encoding.DER) for c in x509.load_pem_x509_certificates(data)]
        else:
            out.append(x509.load_der_x509_certificate(data).public_bytes(serialization.Encoding.DER))
    return out


def _self_signed(der: bytes) -> bool:
    cert = x509.load_der_x509_certificate(der)
    return cert.subject == cert.issuer


@dataclass
class LetterCheck:
    valid: bool
    verdicts: list[SignatureVerdict]

    @property
    def reasons_en(self) -> list[str]:
        return [r for v in self.verdicts for r in v.reasons]

    @property
    def reasons_fa(self) -> list[str]:
        return [r for v in self.verdicts for r in v.reasons_fa]

    @property
    def code(self) -> str:
        """Why, for programs: the first failure's code (e.g. certificate_revoked)."""
        return next((c for v in self.verdicts for c in v.codes), "invalid_signature")

    @property
    def signer_certs(self) -> list[bytes]:
        return [v.certificate_der for v in self.verdicts if v.certificate_der]

    @property
    def signer_national_codes(self) -> list[str]:
        return [v.signer_national_code for v in self.verdicts if v.signer_national_code]


class SignatureChecker:
    """Builds (and caches) a TrustStore per set of anchors; anchors = server-wide ∪ agencies' uploads.
    Checks revocation online (CRL/OCSP answers cached under ``revocation_cache``); revocation that
    cannot be checked is a refusal unless ``soft_fail``."""

    def __init__(self, trust_dir: Path, revocation_cache: Path | None = None, *, soft_fail: bool = False) -> None:
        self.trust_dir = trust_dir
        self.revocation_cache = revocation_cache
        self.soft_fail = soft_fail
        self.server_roots = load_pem_dir(trust_dir)
        self._server_hashes = frozenset(hashlib.sha256(c).hexdigest() for c in self.server_roots)
        self._stores: dict[tuple[str, ...], TrustStore] = {}
        self._lock = threading.Lock()

    def store_for(self, conn: Connection, agency_id: int, uploaded: list[str] | None = None) -> TrustStore:
        """The store for an agency's current anchors. Every call reads the anchors' hashes (an upload
        takes effect at once) unless the caller just did (``uploaded``); their certificates are read
        and parsed only for a new set."""
        if uploaded is None:
            uploaded = list(conn.execute(UPLOADED_HASHES, {"agency_id": agency_id}).scalars())
        store = self._stores.get(self._key(uploaded))
        if store is not None:
            return store
        return self._store_of(list(conn.execute(_UPLOADED_DER, {"agency_id": agency_id}).scalars()))

    def _key(self, uploaded: list[str]) -> tuple[str, ...]:
        return tuple(sorted({*self._server_hashes, *uploaded}))

    def _store_of(self, uploaded_ders: list[Any]) -> TrustStore:
        """The (cached) store for the server-wide roots and these uploaded certificates."""
        certs = list(dict.fromkeys([*self.server_roots, *(bytes(d) for d in uploaded_ders)]))
        key = tuple(sorted({hashlib.sha256(r).hexdigest() for r in certs}))
        with self._lock:
            store = self._stores.get(key)
            if store is None:
                # As TrustStore.from_directory: self-signed certificates are anchors, others
                # (a licensed intermediate placed beside its root) help build paths.
                roots = [c for c in certs if _self_signed(c)]
                inter = [c for c in certs if not _self_signed(c)]
                store = self._stores[key] = TrustStore.from_certificates(roots, intermediates=inter)
        return store

    def check(self, content: bytes, signatures: list[bytes], store: TrustStore, *,
              trusted_time: dt.datetime) -> LetterCheck:
        """Every signature, the certificates' validity at ``trusted_time`` (the server's registration
        time, not the signer's claim) and their revocation as of now (fetches block: run off the loop)."""
        # No lock: app.protocol.verify parses every cached certificate completely before sharing it
        # (asn1crypto parses lazily and is not thread-safe), and path building is serialized
        # per TrustStore by its own lock.
        verdicts = [verify_detached(content, cms, store, online=True, crl_cache_dir=self.revocation_cache,
                                    trusted_time=trusted_time, require_revocation=not self.soft_fail)
                    for cms in signatures]
        return LetterCheck(bool(verdicts) and all(v.valid for v in verdicts), verdicts)
