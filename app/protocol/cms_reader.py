"""A minimal DER reader for the one shape a letter signature has: detached CAdES-BES SignedData.

:func:`app.protocol.verify.verify_detached` checks the common case through this reader instead of
asn1crypto's generic (lazy, object-per-node) parser: the signature is cut into the few raw pieces
the checks need, in one pass over the bytes. The reader is deliberately narrow. Anything it
does not expect — BER (indefinite or non-minimal lengths), high tag numbers, several signers,
embedded content, CRLs inside the signature, certificate choices other than a plain
certificate, signed attributes other than the four CAdES-BES ones, a multi-valued attribute,
trailing bytes — raises :class:`Unusual`, and the caller falls back to the full asn1crypto path,
which then gives exactly the verdict (or error) it always gave.
"""

from __future__ import annotations

from typing import NamedTuple


class Unusual(Exception):
    """The bytes are not in the narrow shape this reader handles (not necessarily invalid)."""


# DER of the object identifiers (whole TLV), as asn1crypto encodes them
OID_SIGNED_DATA = bytes.fromhex("06092a864886f70d010702")
OID_DATA = bytes.fromhex("06092a864886f70d010701")
ATTR_CONTENT_TYPE = bytes.fromhex("06092a864886f70d010903")
ATTR_MESSAGE_DIGEST = bytes.fromhex("06092a864886f70d010904")
ATTR_SIGNING_TIME = bytes.fromhex("06092a864886f70d010905")
ATTR_SIGNING_CERTIFICATE_V2 = bytes.fromhex("060b2a864886f70d010910022f")
_KNOWN_ATTRS = frozenset((ATTR_CONTENT_TYPE, ATTR_MESSAGE_DIGEST, ATTR_SIGNING_TIME, ATTR_SIGNING_CERTIFICATE_V2))

_SEQ, _SET, _INT, _OCTETS, _OID, _CTX0, _CTX1 = 0x30, 0x31, 0x02, 0x04, 0x06, 0xA0, 0xA1


def _read(buf: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """(tag byte, start of contents, end of contents) of the DER element at ``pos``."""
    if pos + 2 > end:
        raise Unusual("truncated")
    tag = buf[pos]
    if tag & 0x1F == 0x1F:
        raise Unusual("high tag number")
    n = buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4 or pos + k > end or buf[pos] == 0:
            raise Unusual("indefinite or non-minimal length")
        n = int.from_bytes(buf[pos:pos + k], "big")
        if n < 0x80:
            raise Unusual("non-minimal length")
        pos += k
    if pos + n > end:
        raise Unusual("truncated")
    return tag, pos, pos + n


def _expect(buf: bytes, pos: int, end: int, tag: int) -> tuple[int, int]:
    t, s, e = _read(buf, pos, end)
    if t != tag:
        raise Unusual(f"tag {t:#x} where {tag:#x} was expected")
    return s, e


class SignatureParts(NamedTuple):
    certificates: bytes  # contents of SignedData.certificates: concatenated certificate DER
    sid: bytes  # SignerIdentifier, whole element
    digest_algorithm: bytes  # AlgorithmIdentifier, whole element
    signed_attrs: bytes  # contents of signedAttrs (to be signed as a SET OF: 0x31 + length + these)
    signature_algorithm: bytes  # AlgorithmIdentifier, whole element
    signature: bytes  # the signature value
    content_type: bytes  # the content-type attribute's value, whole element
    message_digest: bytes  # the message-digest attribute's value (OCTET STRING contents)
    signing_time: tuple[int, bytes]  # (tag, contents) of the signing-time value
    signing_certificate_v2: bytes  # the signing-certificate-v2 attribute's value, whole element


def read_signature(der: bytes) -> SignatureParts:
    """Cut a detached CAdES-BES ContentInfo into its parts; :class:`Unusual` for any other shape."""
    total = len(der)
    s, e = _expect(der, 0, total, _SEQ)
    if e != total:
        raise Unusual("trailing bytes")
    _s, e1 = _expect(der, s, e, _OID)
    if der[s:e1] != OID_SIGNED_DATA:
        raise Unusual("not signed-data")
    s2, e2 = _expect(der, e1, e, _CTX0)
    if e2 != e:
        raise Unusual("extra ContentInfo fields")
    # SignedData
    p, sd_end = _expect(der, s2, e2, _SEQ)
    if sd_end != e2:
        raise Unusual("extra bytes after SignedData")
    _s, p = _expect(der, p, sd_end, _INT)  # version
    _s, p = _expect(der, p, sd_end, _SET)  # digestAlgorithms (not used by the checks)
    es, p = _expect(der, p, sd_end, _SEQ)  # encapContentInfo: eContentType only (detached)
    _s, ee = _expect(der, es, p, _OID)
    if ee != p:
        raise Unusual("embedded content")
    cs, p = _expect(der, p, sd_end, _CTX0)  # certificates
    certificates = der[cs:p]
    ss, p = _expect(der, p, sd_end, _SET)  # signerInfos (crls [1] would come before: unusual)
    if p != sd_end:
        raise Unusual("extra SignedData fields")
    q, si_end = _expect(der, ss, p, _SEQ)
    if si_end != p:
        raise Unusual("more than one signer")
    # SignerInfo
    _s, q = _expect(der, q, si_end, _INT)  # version
    t, s, e = _read(der, q, si_end)
    if t not in (_SEQ, 0x80):  # issuerAndSerialNumber | [0] subjectKeyIdentifier
        raise Unusual("signer identifier")
    sid = der[q:e]
    q = e
    s, e = _expect(der, q, si_end, _SEQ)
    digest_algorithm = der[q:e]
    a, ae = _expect(der, e, si_end, _CTX0)
    signed_attrs = der[a:ae]
    s, e = _expect(der, ae, si_end, _SEQ)
    signature_algorithm = der[ae:e]
    s, e = _expect(der, e, si_end, _OCTETS)
    signature = der[s:e]
    if e != si_end:
        t, s, e = _read(der, e, si_end)  # unsignedAttrs: ignored by every check
        if t != _CTX1 or e != si_end:
            raise Unusual("extra SignerInfo fields")

    values: dict[bytes, tuple[int, int, int, int]] = {}
    while a < ae:
        s, a = _expect(der, a, ae, _SEQ)
        _s, oe = _expect(der, s, a, _OID)
        oid = der[s:oe]
        if oid not in _KNOWN_ATTRS or oid in values:
            raise Unusual("unexpected or repeated signed attribute")
        vs, ve = _expect(der, oe, a, _SET)
        if ve != a:
            raise Unusual("attribute layout")
        t, cs, ce = _read(der, vs, ve)
        if ce != ve:
            raise Unusual("multi-valued attribute")
        values[oid] = (t, vs, cs, ce)
    if len(values) != len(_KNOWN_ATTRS):
        raise Unusual("signed attribute missing")

    t, vs, cs, ce = values[ATTR_MESSAGE_DIGEST]
    if t != _OCTETS:
        raise Unusual("message digest type")
    t, _vs, tcs, tce = values[ATTR_SIGNING_TIME]
    ct = values[ATTR_CONTENT_TYPE]
    sc = values[ATTR_SIGNING_CERTIFICATE_V2]
    return SignatureParts(
        certificates=certificates,
        sid=sid,
        digest_algorithm=digest_algorithm,
        signed_attrs=signed_attrs,
        signature_algorithm=signature_algorithm,
        signature=signature,
        content_type=der[ct[1]:ct[3]],
        message_digest=der[cs:ce],
        signing_time=(t, der[tcs:tce]),
        signing_certificate_v2=der[sc[1]:sc[3]],
    )


def split_certificates(contents: bytes) -> list[bytes]:
    """The certificates in SignedData.certificates' contents; :class:`Unusual` for other choices."""
    out = []
    p, end = 0, len(contents)
    while p < end:
        t, _s, e = _read(contents, p, end)
        if t != _SEQ:
            raise Unusual("certificate choice other than a certificate")
        out.append(contents[p:e])
        p = e
    return out


def set_of(contents: bytes) -> bytes:
    """DER of a SET OF with these contents (how signed attributes are signed, RFC 5652 5.4)."""
    n = len(contents)
    if n < 0x80:
        return bytes((_SET, n)) + contents
    length = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((_SET, 0x80 | len(length))) + length + contents
