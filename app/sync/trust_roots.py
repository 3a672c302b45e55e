"""The profile's own trust roots (the ``trust-roots`` folder that ``app.sync.arrival`` reads
beside the server's list): list them, add a CA certificate file, remove one. The sync engine
audits each change on its next pass. Qt-free; used by the settings dialog."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from app.models.db import Store
from app.protocol.certificates import CertificateInfo, describe_certificate
from app.protocol.trust import load_certificates
from app.sync.arrival import local_root_files, local_roots_dir


class TrustRootError(ValueError):
    def __init__(self, message: str, message_fa: str) -> None:
        super().__init__(message)
        self.message_fa = message_fa


@dataclass(frozen=True)
class LocalRoot:
    file: Path
    info: CertificateInfo


def list_local_roots(store: Store) -> list[LocalRoot]:
    """Every certificate in the folder, with the file that holds it."""
    return [LocalRoot(f, describe_certificate(der)) for f, der in local_root_files(store)]


def add_local_root(store: Store, source: Path) -> CertificateInfo:
    """Copy a CA certificate into the folder (as ``<sha256>.pem``); refuse anything else."""
    try:
        ders = [c.dump() for c in load_certificates(source.read_bytes())]
    except OSError as exc:
        raise TrustRootError(f"cannot read {source}: {exc}", "پروندهٔ گواهی خوانده نشد.") from exc
    except ValueError as exc:
        raise TrustRootError(f"{source} is not a certificate: {exc}", "این پرونده گواهی نیست.") from exc
    if len(ders) != 1:
        raise TrustRootError(f"{source} holds {len(ders)} certificates, expected one",
                             "این پرونده باید دقیقاً یک گواهی داشته باشد.")
    try:
        info = describe_certificate(ders[0])
    except ValueError as exc:
        raise TrustRootError(f"{source} is not a certificate: {exc}", "این پرونده گواهی نیست.") from exc
    if not info.is_ca:
        raise TrustRootError(f"{source} is not a CA certificate",
                             "این گواهی متعلق به مرجع صدور گواهی نیست و نمی‌تواند ریشهٔ اعتماد باشد.")
    folder = local_roots_dir(store)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = folder / f"{info.sha256}.pem"
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(x509.load_der_x509_certificate(info.der).public_bytes(Encoding.PEM))
    os.replace(tmp, target)
    return info


def remove_local_root(store: Store, sha256: str) -> None:
    """Remove a certificate from the folder (a file holding others keeps them)."""
    held = local_root_files(store)
    for f in sorted({f for f, der in held if hashlib.sha256(der).hexdigest() == sha256}):
        keep = [d for g, d in held if g == f and hashlib.sha256(d).hexdigest() != sha256]
        if keep:
            f.write_bytes(b"".join(x509.load_der_x509_certificate(d).public_bytes(Encoding.PEM) for d in keep))
        else:
            f.unlink()
