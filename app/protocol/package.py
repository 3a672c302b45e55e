"""The letter package: a signed letter as one file or one network message.

Format ``dabir.letter-package`` version 1 (documented in docs/letter-package.md)::

    {"format": "dabir.letter-package", "version": 1,
     "content": {... canonical content, see app.protocol.canonical ...},
     "signatures": [{"cms": "<base64 DER, detached CMS over canonical_bytes(content)>"}],
     "receipts":   [{... server receipt, see app.protocol.receipt ...}]}

The JSON of the file itself is not what is signed; the signatures cover
``canonical_bytes(content)``, which is recomputed on reading.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

import orjson

from app.protocol.canonical import InvalidContent, canonical_bytes, content_sha256, validate_content
from app.protocol.persian import to_persian_digits

FORMAT = "dabir.letter-package"
VERSION = 1
MAX_PACKAGE_BYTES = 64 * 1024 * 1024
# Signatures per letter no reader decodes beyond (junk past that); the server refuses more than
# its ``max_signatures`` setting (default 10), which stays at or below this.
MAX_SIGNATURES = 100
MAX_RECEIPTS = 10
_FIELDS = ("format", "version", "content", "signatures", "receipts")


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


class InvalidPackage(ValueError):
    """A package that cannot be read: the message says which field (``field``) and why."""

    def __init__(self, message: str, message_fa: str = "بسته نامه نامعتبر است.", field: str = "package",
                 code: str = "invalid_package") -> None:
        super().__init__(message)
        self.message_fa = message_fa
        self.field = field
        self.code = code


@dataclass
class LetterPackage:
    content: dict[str, Any]
    signatures: list[bytes] = field(default_factory=list)  # detached CMS, DER
    receipts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def guid(self) -> str:
        return self.content["guid"]

    def content_bytes(self) -> bytes:
        return canonical_bytes(self.content)

    def content_sha256(self) -> str:
        return content_sha256(self.content)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "content": self.content,
            "signatures": [{"cms": base64.b64encode(s).decode("ascii")} for s in self.signatures],
            "receipts": list(self.receipts),
        }

    def to_json_bytes(self, content_bytes: bytes | None = None) -> bytes:
        """The package file / request body: compact, keys sorted, so the same package is always
        the same bytes (the server keys idempotent replays on them); orjson writes it.

        ``content_bytes``: the content's canonical bytes, when already computed (to check the
        signatures). They are the content's part of this JSON (RFC 8785 is compact, sorted
        JSON), so they are spliced in rather than written again."""
        if content_bytes is None:
            return _dumps(self.to_dict())
        rest = self.to_dict()
        del rest["content"]
        return b'{"content":' + content_bytes + b"," + _dumps(rest)[1:]

    @classmethod
    def from_dict(cls, data: Any, *, max_signatures: int = MAX_SIGNATURES) -> LetterPackage:
        """Any JSON value gives a package or InvalidPackage, never another exception. More than
        ``max_signatures`` signatures are refused before any is decoded, and so are copies."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InvalidPackage("not a Dabir letter package (format field missing or wrong)", field="format")
        if type(data.get("version")) is not int or data["version"] != VERSION:
            raise InvalidPackage(f"unsupported letter package version (this reader knows version {VERSION})",
                                 "نسخه بسته نامه پشتیبانی نمی‌شود.", field="version")
        unknown = [str(k)[:40] for k in data if k not in _FIELDS][:5]
        if unknown:
            raise InvalidPackage(f"unknown fields: {', '.join(unknown)}", field=unknown[0])
        try:
            content = validate_content(data.get("content"))
        except InvalidContent as exc:
            field = "content" if exc.field == "content" else f"content.{exc.field}"
            raise InvalidPackage(f"letter content is invalid: {exc}", exc.message_fa, field) from exc
        signatures = _signatures(data.get("signatures"), max_signatures)
        receipts = data.get("receipts") or []
        if not isinstance(receipts, list) or len(receipts) > MAX_RECEIPTS or not all(isinstance(r, dict) for r in receipts):
            raise InvalidPackage(f"receipts must be a list of at most {MAX_RECEIPTS} objects", field="receipts")
        return cls(content=content, signatures=signatures, receipts=receipts)

    @classmethod
    def from_json_bytes(cls, raw: bytes, *, max_signatures: int = MAX_SIGNATURES) -> LetterPackage:
        if len(raw) > MAX_PACKAGE_BYTES:
            raise InvalidPackage(f"letter package is larger than {MAX_PACKAGE_BYTES} bytes")
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:  # also not UTF-8
            raise InvalidPackage(f"letter package is not UTF-8 JSON: {exc}") from exc
        return cls.from_dict(data, max_signatures=max_signatures)


def _signatures(value: Any, max_signatures: int) -> list[bytes]:
    """The decoded CMS of each signature; the count is checked before decoding, then copies."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidPackage("signatures must be a list", field="signatures")
    if len(value) > max_signatures:
        raise InvalidPackage(f"a letter carries at most {max_signatures} signatures; this one has {len(value)}",
                             f"نامه حداکثر {to_persian_digits(max_signatures)} امضا می‌تواند داشته باشد.", "signatures",
                             "too_many_signatures")
    out: list[bytes] = []
    for i, s in enumerate(value):
        cms = s.get("cms") if isinstance(s, dict) and set(s) == {"cms"} else None
        try:
            if not isinstance(cms, str):
                raise ValueError
            der = base64.b64decode(cms, validate=True)
        except (ValueError, binascii.Error):
            raise InvalidPackage(f"signature {i} must be {{\"cms\": base64 DER}}", "امضای نامه خوانا نیست.",
                                 f"signatures[{i}]") from None
        if der in out:
            raise InvalidPackage(f"signature {i} is a copy of signature {out.index(der)}",
                                 "یک امضا بیش از یک بار در نامه آمده است.", f"signatures[{i}]", "duplicate_signature")
        out.append(der)
    return out
