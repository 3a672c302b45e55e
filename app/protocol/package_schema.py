"""The letter package as a JSON Schema, for the OpenAPI document (not a validator).

Built from the same limits and choices the validator reads (app.protocol.canonical,
app.protocol.package), so the documented shape cannot drift from what is enforced.
What a schema cannot say — NFC-normalized text, no NUL, non-blank required text — is
in the descriptions; ``LetterPackage.from_dict`` remains the one check.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from app.protocol.canonical import (
    ATTACHMENT_TEXT,
    CONTENT_VERSION,
    MAX_ATTACHMENT_SIZE,
    MAX_ATTACHMENTS,
    MAX_BODY,
    MAX_LINK_SHAMS,
    MAX_LINKS,
    MAX_RECIPIENTS,
    MAX_SUBJECT,
    PARTY_TEXT,
    Classification,
    Kind,
    LinkType,
    Priority,
    RecipientRole,
)
from app.protocol.package import FORMAT, MAX_RECEIPTS, VERSION

UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"  # canonical form: lowercase
_BASE64 = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"


def _text(max_len: int, *, required: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "maxLength": max_len}
    return {**schema, "minLength": 1} if required else schema


def _choice(choices: type[StrEnum]) -> dict[str, Any]:
    return {"type": "string", "enum": [c.value for c in choices]}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def _party(required: str) -> dict[str, Any]:
    return {name: _text(n, required=name == required) for name, n in PARTY_TEXT.items()}


def content_schema() -> dict[str, Any]:
    """The canonical content (docs/letter-package.md): every field present, nothing else."""
    link = _object({"type": _choice(LinkType), "guid": {"type": "string", "pattern": UUID_PATTERN},
                    "shams": _text(MAX_LINK_SHAMS)})
    attachment = _object({
        **{name: _text(n, required=name == "media_type") for name, n in ATTACHMENT_TEXT.items()},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "size": {"type": "integer", "minimum": 0, "maximum": MAX_ATTACHMENT_SIZE},
    })
    schema = _object({
        "v": {"type": "integer", "const": CONTENT_VERSION},
        "guid": {"type": "string", "pattern": UUID_PATTERN},
        "kind": _choice(Kind),
        "subject": _text(MAX_SUBJECT, required=True),
        "body": _text(MAX_BODY),
        "sender": _object(_party("agency")),
        "recipients": {"type": "array", "minItems": 1, "maxItems": MAX_RECIPIENTS,
                       "items": _object({**_party("agency"), "role": _choice(RecipientRole)})},
        "priority": _choice(Priority),
        "classification": _choice(Classification),
        "links": {"type": "array", "maxItems": MAX_LINKS, "items": link},
        "attachments": {"type": "array", "maxItems": MAX_ATTACHMENTS, "items": attachment},
    })
    schema["description"] = ("What the signatories approved. Text is NFC-normalized, without NUL; "
                             "required text is not blank.")
    return schema


def package_schema(max_signatures: int) -> dict[str, Any]:
    """A ``dabir.letter-package`` v1 as a request body: at most ``max_signatures`` distinct signatures."""
    signature = _object({"cms": {"type": "string", "pattern": _BASE64, "contentEncoding": "base64",
                                 "description": "DER detached CMS over the canonical bytes of content"}})
    return {
        "title": "LetterPackage",
        "description": "A signed letter (docs/letter-package.md).",
        "type": "object",
        "properties": {
            "format": {"type": "string", "const": FORMAT},
            "version": {"type": "integer", "const": VERSION},
            "content": content_schema(),
            "signatures": {"type": "array", "maxItems": max_signatures, "uniqueItems": True, "items": signature},
            "receipts": {"type": "array", "maxItems": MAX_RECEIPTS, "items": {"type": "object"},
                         "description": "Server receipts (docs/letter-package.md); the last one counts."},
        },
        "required": ["format", "version", "content"],
        "additionalProperties": False,
    }
