"""Letter signature verification against trust roots (server-wide folder + per-agency uploads)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import Connection

from app.protocol.trust import TrustStore
from app.protocol.verify import SignatureVerdict, verify_detached
from server.db import RawConn, Read


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
    def signer_certs(self) -> list[bytes]:
        return [v.certificate_der for v in self.verdicts if v.certificate_der]

    @property
    def signer_national_codes(self) -> list[str]:
        return [v.signer_national_code for v in self.verdicts if v.signer_national_code]


class SignatureChecker:
    """Builds (and caches) a TrustStore per set of anchors; anchors = server-wide ∪ agencies' uploads."""

    def __init__(self, trust_dir: Path) -> None:
        self.trust_dir = trust_dir
        self.server_roots = load_pem_dir(trust_dir)
        self._server_hashes = frozenset(hashlib.sha256(c).hexdigest() for c in self.server_roots)
        self._stores: dict[tuple[str, ...], TrustStore] = {}
        self._lock = threading.Lock()

    def store_for(self, conn: Connection | RawConn, agency_ids: list[int], *,
                  uploaded: list[str] | None = None) -> TrustStore:
        """The store for these agencies' current anchors. Every call reads the anchors' hashes
        (an upload takes effect at once) unless the caller has just read them (``uploaded``);
        the DER is loaded and parsed only for a new set."""
        marks = ",".join(("?" if conn.dialect.paramstyle == "qmark" else "%s") for _ in agency_ids)
        where = f" FROM trust_roots WHERE agency_id IN ({marks})"
        if uploaded is None:
            uploaded = [r[0] for r in conn.exec_driver_sql("SELECT sha256" + where, tuple(agency_ids))]
        store = self._stores.get(self._key(uploaded))
        if store is not None:
            return store
        return self._store_of([r[0] for r in conn.exec_driver_sql("SELECT der" + where, tuple(agency_ids))])

    def store_steps(self, agency_ids: list[int], uploaded: list[str]) -> Generator[Read, Any, TrustStore]:
        """:meth:`store_for` with the anchors' hashes just read, as steps of a
        :data:`~server.db.WriteSteps` handler: the DER, if needed, is a :class:`~server.db.Read`."""
        store = self._stores.get(self._key(uploaded))
        if store is None:
            marks = ",".join("?" for _ in agency_ids)
            rows = yield Read(f"SELECT der FROM trust_roots WHERE agency_id IN ({marks})", tuple(agency_ids))
            store = self._store_of([r[0] for r in rows])
        return store

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

    def check(self, content: bytes, signatures: list[bytes], store: TrustStore) -> LetterCheck:
        # No lock: app.protocol.verify parses every cached certificate completely before sharing it
        # (asn1crypto parses lazily and is not thread-safe), and path building is serialized
        # per TrustStore by its own lock.
        verdicts = [verify_detached(content, cms, store) for cms in signatures]
        return LetterCheck(bool(verdicts) and all(v.valid for v in verdicts), verdicts)
