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

from app.protocol.persian import to_persian_digits

CONTENT_VERSION = 1
MAX_SUBJECT = 500
MAX_BODY = 2_000_000
MAX_SUMMARY = 100_000  # what a desk writes of a paper letter, carried to the colleagues it is referred to
# Lists are bounded so one letter cannot be made arbitrarily large in parts (docs/letter-package.md).
MAX_RECIPIENTS = 200
MAX_LINKS = 20
MAX_ATTACHMENTS = 100
MAX_ATTACHMENT_SIZE = 2**53 - 1  # bytes: an integer every JSON reader keeps exact (RFC 8785)
# The text fields of a party and of an attachment: maximum characters (the first of each is required).
PARTY_TEXT = {"agency": 11, "unit": 200, "person": 200, "name": 500}
ATTACHMENT_TEXT = {"media_type": 200, "address": 2000, "name": 500}
MAX_LINK_SHAMS = 40


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
            f"این بخش حداکثر {to_persian_digits(max_len)} نویسه می‌تواند داشته باشد.",
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
    except (ValueError, TypeError):
        raise InvalidContent(field, f"must be one of {', '.join(choices)}", "مقدار انتخاب‌شده مجاز نیست.") from None


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidContent(field, "must be an object", "ساختار نامه نادرست است.")
    return value


def _objects(value: Any, field: str, *, max_items: int, what_fa: str) -> list[dict[str, Any]]:
    """A list of at most ``max_items`` objects (``None`` = none)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidContent(field, "must be a list", "ساختار نامه نادرست است.")
    if len(value) > max_items:
        raise InvalidContent(field, f"has {len(value)} items; at most {max_items} are allowed",
                             f"تعداد {what_fa} حداکثر {to_persian_digits(max_items)} است.")
    return [_object(item, f"{field}[{i}]") for i, item in enumerate(value)]


def _uuid(value: Any, field: str, message_fa: str) -> str:
    try:
        if not isinstance(value, str):
            raise ValueError
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidContent(field, "is not a UUID", message_fa) from None


def _party(value: Any, field: str) -> dict[str, str]:
    value = _object(value, field)
    return {name: _text(value.get(name), f"{field}.{name}", max_len=max_len, required=name == "agency")
            for name, max_len in PARTY_TEXT.items()}


def _attachment(a: dict[str, Any], field: str) -> dict[str, Any]:
    sha = a.get("sha256")
    if not isinstance(sha, str) or len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise InvalidContent(f"{field}.sha256", "must be 64 lowercase hex digits", "چکیده پیوست نامعتبر است.")
    size = a.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_ATTACHMENT_SIZE:
        raise InvalidContent(f"{field}.size", f"must be an integer from 0 to {MAX_ATTACHMENT_SIZE}",
                             "اندازه پیوست نامعتبر است.")
    text = {name: _text(a.get(name), f"{field}.{name}", max_len=max_len, required=name == "media_type")
            for name, max_len in ATTACHMENT_TEXT.items()}
    return {**text, "sha256": sha, "size": size}


def build_content(
    *,
    guid: Any,
    kind: Any,
    subject: Any,
    body: Any,
    sender: Any,
    recipients: Any,
    priority: Any = Priority.NORMAL,
    classification: Any = Classification.NORMAL,
    links: Any = None,
    attachments: Any = None,
) -> dict[str, Any]:
    """Validate and assemble the canonical content dictionary (order of lists is kept).

    Any value in any argument gives either the content or InvalidContent naming the field."""
    guid = _uuid(guid, "guid", "شناسه نامه نامعتبر است.")
    recipient_items = _objects(recipients, "recipients", max_items=MAX_RECIPIENTS, what_fa="گیرندگان")
    if not recipient_items:
        raise InvalidContent("recipients", "at least one recipient is required", "دست‌کم یک گیرنده لازم است.")
    rec = []
    for i, r in enumerate(recipient_items):
        item = _party(r, f"recipients[{i}]")
        item["role"] = choice(r.get("role", RecipientRole.TO), f"recipients[{i}].role", RecipientRole)
        rec.append(item)
    lnk = [
        {
            "type": choice(link.get("type"), f"links[{i}].type", LinkType),
            "guid": _uuid(link.get("guid"), f"links[{i}].guid", "شناسه نامه عطف یا پیرو نامعتبر است."),
            "shams": _text(link.get("shams"), f"links[{i}].shams", max_len=MAX_LINK_SHAMS),
        }
        for i, link in enumerate(_objects(links, "links", max_items=MAX_LINKS, what_fa="نامه‌های عطف و پیرو"))
    ]
    att = [_attachment(a, f"attachments[{i}]")
           for i, a in enumerate(_objects(attachments, "attachments", max_items=MAX_ATTACHMENTS, what_fa="پیوست‌ها"))]
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


_FIELDS = ("v", "guid", "kind", "subject", "body", "sender", "recipients", "priority", "classification", "links",
           "attachments")


def _difference(given: Any, canonical: Any, path: str) -> str:
    """Where ``given`` first differs from its canonical form (for the error's field path)."""
    if isinstance(given, dict) and isinstance(canonical, dict):
        for key in sorted(set(given) | set(canonical), key=str):
            here = f"{path}.{str(key)[:40]}" if path else str(key)[:40]  # an unknown key is the sender's: cut short
            if key not in canonical:
                return here
            if key not in given or given[key] != canonical[key] or type(given[key]) is not type(canonical[key]):
                return _difference(given.get(key), canonical[key], here)
    if isinstance(given, list) and isinstance(canonical, list) and len(given) == len(canonical):
        for i, (g, c) in enumerate(zip(given, canonical, strict=True)):
            if g != c:
                return _difference(g, c, f"{path}[{i}]")
    return path or "content"


def validate_content(content: Any) -> dict[str, Any]:
    """Re-validate a content dictionary received from outside (a file or the network): any JSON
    value gives the content or InvalidContent naming the field, never another exception."""
    if not isinstance(content, dict):
        raise InvalidContent("content", "must be an object", "ساختار نامه نادرست است.")
    version = content.get("v")
    if type(version) is not int or version != CONTENT_VERSION:
        raise InvalidContent("v", f"must be {CONTENT_VERSION} (the only content version)",
                             "نسخه قالب نامه پشتیبانی نمی‌شود.")
    missing = [f for f in _FIELDS if f not in content]
    unknown = sorted(str(k)[:40] for k in content if k not in _FIELDS)[:5]  # never echo much of the input
    if missing or unknown:
        raise InvalidContent("content", f"fields must be exactly {', '.join(_FIELDS)}"
                             + (f"; missing: {', '.join(missing)}" if missing else "")
                             + (f"; unknown: {', '.join(unknown)}" if unknown else ""), "ساختار نامه نادرست است.")
    rebuilt = build_content(**{k: v for k, v in content.items() if k != "v"})
    if rebuilt != content:
        raise InvalidContent(_difference(content, rebuilt, ""), "is not in canonical form (extra field, "
                             "missing field, or text not NFC-normalized)", "ساختار نامه نادرست است.")
    return rebuilt
