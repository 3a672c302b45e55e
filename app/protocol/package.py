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

FORMAT = "dabir.letter-package"
VERSION = 1
MAX_PACKAGE_BYTES = 64 * 1024 * 1024


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


class InvalidPackage(ValueError):
    def __init__(self, message: str, message_fa: str = "بسته نامه نامعتبر است.") -> None:
        super().__init__(message)
        self.message_fa = message_fa


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
    def from_dict(cls, data: Any) -> LetterPackage:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InvalidPackage("not a Dabir letter package (format field missing or wrong)")
        if data.get("version") != VERSION:
            raise InvalidPackage(f"unsupported letter package version {data.get('version')!r}")
        try:
            content = validate_content(data.get("content"))
        except InvalidContent as exc:
            raise InvalidPackage(f"letter content is invalid: {exc}", exc.message_fa) from exc
        sigs = []
        for i, s in enumerate(data.get("signatures") or []):
            try:
                sigs.append(base64.b64decode(s["cms"], validate=True))
            except (KeyError, TypeError, binascii.Error) as exc:
                raise InvalidPackage(f"signature {i} is not base64 CMS") from exc
        receipts = data.get("receipts") or []
        if not isinstance(receipts, list) or not all(isinstance(r, dict) for r in receipts):
            raise InvalidPackage("receipts must be a list of objects")
        return cls(content=content, signatures=sigs, receipts=receipts)

    @classmethod
    def from_json_bytes(cls, raw: bytes) -> LetterPackage:
        if len(raw) > MAX_PACKAGE_BYTES:
            raise InvalidPackage(f"letter package is larger than {MAX_PACKAGE_BYTES} bytes")
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:  # also not UTF-8
            raise InvalidPackage(f"letter package is not UTF-8 JSON: {exc}") from exc
        return cls.from_dict(data)

