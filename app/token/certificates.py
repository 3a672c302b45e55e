"""Signing certificates on a token (the certificate objects that find their private keys)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import pkcs11
from pkcs11 import Attribute, ObjectClass

from app.protocol.certificates import CertificateInfo, describe_certificate

K = TypeVar("K")


@dataclass(frozen=True)
class TokenCertificate:
    """A certificate object on a token with the CKA_ID / CKA_LABEL that find its private key."""

    label: str
    id: bytes
    info: CertificateInfo
    has_private_key: bool


def list_signing_certificates(session: pkcs11.Session) -> list[TokenCertificate]:
    """Certificates usable for signing: non-repudiation first, then by expiry (latest first).

    Works on a public (not logged-in) session; ``has_private_key`` is only reliable after login
    because most tokens hide private-key objects until then.
    """
    key_ids: set[bytes] = set()
    key_labels: set[str] = set()
    for key in session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}):
        attrs = key.get_attributes([Attribute.ID, Attribute.LABEL])
        if attrs.get(Attribute.ID):
            key_ids.add(bytes(attrs[Attribute.ID]))
        if attrs.get(Attribute.LABEL):
            key_labels.add(attrs[Attribute.LABEL])
    out = []
    for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
        attrs = obj.get_attributes([Attribute.VALUE, Attribute.ID, Attribute.LABEL])
        try:
            info = describe_certificate(bytes(attrs[Attribute.VALUE]))
        except ValueError:
            continue  # not an X.509 certificate we can parse: not offered for signing
        if not info.can_sign:
            continue
        cid = bytes(attrs.get(Attribute.ID) or b"")
        label = attrs.get(Attribute.LABEL) or ""
        out.append(TokenCertificate(label, cid, info, (bool(cid) and cid in key_ids) or label in key_labels))
    out.sort(key=lambda c: (not c.info.non_repudiation, -c.info.not_after.timestamp(), c.label))
    return out


def choose_certificate(
    found: Sequence[tuple[K, Sequence[TokenCertificate]]],
    allowed: Callable[[str | None], bool],
    last_used: K | None,
) -> tuple[K, int] | None:
    """Which token and certificate the signing dialog offers first: the first one whose certificate
    names an ``allowed`` signatory (national code), else the token used last on this workstation,
    else the first token. ``found`` is each present token with its certificates, in slot order."""
    for key, certs in found:
        for i, cert in enumerate(certs):
            if allowed(cert.info.national_code):
                return key, i
    for key, _certs in found:
        if key == last_used:
            return key, 0
    return (found[0][0], 0) if found else None
