"""The canonical content of a letter: the exact bytes that signatures cover.

RFC 8785 (JSON Canonicalization Scheme) over a fixed set of fields, so the same letter
gives the same bytes on every platform and any change to what the signatory approved —
subject, body, parties, priority, classification, links, attachments — changes the bytes.
Strings are NFC-normalized on the way in (an editor on another OS may hand us NFD).
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from enum import StrEnum
from typing import Any

import orjson
import rfc8785

CONTENT_VERSION = 1
MAX_SUBJECT = 500
MAX_BODY = 2_000_000


# The values a field may take, as they travel in the content (their members are those strings).
class Kind(StrEnum):
    OUTGOING = "outgoing"  # to other agencies, through Payam
    INTERNAL = "internal"  # within the sender's agency


class Priority(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"
    IMMEDIATE = "immediate"


class Classification(StrEnum):
    NORMAL = "normal"
    CONFIDENTIAL = "confidential"
    SECRET = "secret"
    TOP_SECRET = "top_secret"


class RecipientRole(StrEnum):
    TO = "to"
    CC = "cc"


class LinkType(StrEnum):
    IN_REPLY_TO = "in_reply_to"
    FOLLOW_UP_OF = "follow_up_of"


class InvalidContent(ValueError):
    """Letter content that cannot be signed: the message says which field and why."""

    def __init__(self, field: str, message: str, message_fa: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message_fa = message_fa


def _text(value: Any, field: str, *, max_len: int, required: bool = False) -> str:
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidContent(field, "is not valid UTF-8 text", "متن واردشده نویسه‌های نامعتبر دارد.") from exc
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidContent(field, "must be text", "مقدار واردشده باید متن باشد.")
    try:
        value.encode("utf-8")  # refuses lone surrogates (undecodable input smuggled into a str)
    except UnicodeEncodeError:
        raise InvalidContent(field, "is not valid UTF-8 text", "متن واردشده نویسه‌های نامعتبر دارد.") from None
    value = unicodedata.normalize("NFC", value)
    if "\x00" in value:
        raise InvalidContent(field, "contains a NUL character", "متن واردشده نویسه‌های نامعتبر دارد.")
    if required and not value.strip():
        raise InvalidContent(field, "is required", "این بخش نباید خالی باشد.")
    if len(value) > max_len:
        raise InvalidContent(
            field,
            f"is {len(value)} characters long; at most {max_len} are allowed",
            f"این بخش حداکثر {max_len} نویسه می‌تواند داشته باشد.",
        )
    return value


def validate_subject(value: Any) -> str:
    return _text(value, "subject", max_len=MAX_SUBJECT, required=True)


def validate_body(value: Any) -> str:
    return _text(value, "body", max_len=MAX_BODY)


def choice(value: Any, field: str, choices: type[StrEnum]) -> str:
    """``value`` as the plain string of one of ``choices``, or InvalidContent."""
    try:
        return choices(value).value
    except ValueError:
        raise InvalidContent(field, f"must be one of {', '.join(choices)}", "مقدار انتخاب‌شده مجاز نیست.") from None


def _party(value: dict[str, Any], field: str) -> dict[str, str]:
    party = {
        "agency": _text(value.get("agency"), f"{field}.agency", max_len=11, required=True),
        "unit": _text(value.get("unit"), f"{field}.unit", max_len=200),
        "person": _text(value.get("person"), f"{field}.person", max_len=200),
        "name": _text(value.get("name"), f"{field}.name", max_len=500),
    }
    return party


def build_content(
    *,
    guid: str,
    kind: str,
    subject: Any,
    body: Any,
    sender: dict[str, Any],
    recipients: list[dict[str, Any]],
    priority: str = Priority.NORMAL,
    classification: str = Classification.NORMAL,
    links: list[dict[str, Any]] | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Validate and assemble the canonical content dictionary (order of lists is kept)."""
    try:
        guid = str(uuid.UUID(str(guid)))
    except ValueError as exc:
        raise InvalidContent("guid", "is not a UUID", "شناسه نامه نامعتبر است.") from exc
    if not recipients:
        raise InvalidContent("recipients", "at least one recipient is required", "دست‌کم یک گیرنده لازم است.")
    rec = []
    for i, r in enumerate(recipients):
        item = _party(r, f"recipients[{i}]")
        item["role"] = choice(r.get("role", RecipientRole.TO), f"recipients[{i}].role", RecipientRole)
        rec.append(item)
    lnk = []
    for i, link in enumerate(links or []):
        lnk.append(
            {
                "type": choice(link.get("type"), f"links[{i}].type", LinkType),
                "guid": str(uuid.UUID(str(link.get("guid")))),
                "shams": _text(link.get("shams"), f"links[{i}].shams", max_len=40),
            }
        )
    att = []
    for i, a in enumerate(attachments or []):
        sha = str(a.get("sha256", ""))
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise InvalidContent(f"attachments[{i}].sha256", "must be 64 lowercase hex digits", "چکیده پیوست نامعتبر است.")
        size = a.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise InvalidContent(f"attachments[{i}].size", "must be a non-negative integer", "اندازه پیوست نامعتبر است.")
        att.append(
            {
                "address": _text(a.get("address"), f"attachments[{i}].address", max_len=2000),
                "sha256": sha,
                "size": size,
                "media_type": _text(a.get("media_type"), f"attachments[{i}].media_type", max_len=200, required=True),
                "name": _text(a.get("name"), f"attachments[{i}].name", max_len=500),
            }
        )
    return {
        "v": CONTENT_VERSION,
        "guid": guid,
        "kind": choice(kind, "kind", Kind),
        "subject": validate_subject(subject),
        "body": validate_body(body),
        "sender": _party(sender, "sender"),
        "recipients": rec,
        "priority": choice(priority, "priority", Priority),
        "classification": choice(classification, "classification", Classification),
        "links": lnk,
        "attachments": att,
    }


_INT_MIN, _INT_MAX = -(2**53) + 1, 2**53 - 1  # RFC 8785: integers exact in an IEEE double


def _json_subset(value: Any) -> bool:
    """Is ``value`` made only of what orjson writes exactly as RFC 8785 does?

    Strings (both escape ``"``, ``\\`` and control characters alike and keep the rest as
    UTF-8), safe integers, booleans, null, lists and objects whose keys are ASCII (sorting by
    code point and by UTF-16 unit agree there). Floats, big integers, other key types and
    subclasses are left to the reference implementation, which also raises its own errors.
    """
    t = type(value)
    if t is str or t is bool or value is None:
        return True
    if t is int:
        return _INT_MIN <= value <= _INT_MAX
    if t is dict:
        return all(type(k) is str and k.isascii() and _json_subset(v) for k, v in value.items())
    if t is list or t is tuple:
        return all(_json_subset(v) for v in value)
    return False


def canonical_bytes(content: dict[str, Any]) -> bytes:
    """RFC 8785 bytes of an already-built content dictionary (see :func:`build_content`).

    Content dictionaries (strings, small integers, ASCII keys) go through orjson, which gives
    the same bytes as RFC 8785 for these values, much faster; anything else, and any error, is
    left to the reference ``rfc8785`` package."""
    if _json_subset(content):
        try:
            return orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # lone surrogates, deep nesting: rfc8785 raises its own error
            pass
    return rfc8785.dumps(content)


def content_sha256(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(content)).hexdigest()


def validate_content(content: Any) -> dict[str, Any]:
    """Re-validate a content dictionary received from outside (a file or the network)."""
    if not isinstance(content, dict) or content.get("v") != CONTENT_VERSION:
        raise InvalidContent("v", f"unsupported content version {content.get('v') if isinstance(content, dict) else None!r}",
                             "نسخه قالب نامه پشتیبانی نمی‌شود.")
    fields = {k: v for k, v in content.items() if k != "v"}
    expected = {"guid", "kind", "subject", "body", "sender", "recipients", "priority", "classification", "links", "attachments"}
    if set(fields) != expected:
        raise InvalidContent("content", f"fields must be exactly {sorted(expected)}", "ساختار نامه نادرست است.")
    rebuilt = build_content(**fields)
    if rebuilt != content:
        raise InvalidContent("content", "is not in canonical form", "ساختار نامه نادرست است.")
    return rebuilt
