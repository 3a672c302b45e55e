"""Letters from citizens and companies (article 6): channels, the sender's contact details, statuses.

Shared by the desk (client), the channel API and the public status page (server).
"""

from __future__ import annotations

import re
from enum import StrEnum

from app.protocol.persian import InvalidIdentifier, to_ascii_digits

# The channels a letter from a person or a company comes through: code -> Persian name. A server
# may configure its own list (``citizen_channels``); the desk gets it with the directory.
DEFAULT_CHANNELS: dict[str, str] = {
    "e_desk": "میز خدمت الکترونیکی",
    "portal": "درگاه اینترنتی دستگاه",
    "counter": "میز خدمت حضوری",
    "post": "پست",
    "pishkhan": "دفتر پیشخوان دولت",
}
CHANNEL_CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")


class Status(StrEnum):
    """What the sender may see of their letter; nothing else of it is ever public."""

    REGISTERED = "registered"
    UNDER_REVIEW = "under_review"
    ANSWERED = "answered"
    CLOSED = "closed"


STATUS_NAMES = {
    Status.REGISTERED: "ثبت شده",
    Status.UNDER_REVIEW: "در دست بررسی",
    Status.ANSWERED: "پاسخ داده شده",
    Status.CLOSED: "مختومه",
}

_MOBILE = re.compile(r"09\d{9}")
# Iranian postal codes: ten digits, no 0 or 2 in the first five, no 2 in the fifth, no four equal in a row.
_POSTAL = re.compile(r"(?!(\d)\1{3})[13-9]{4}[1346-9][013-9]{5}")
MAX_ADDRESS = 500


def validate_mobile(value: str) -> str:
    """An Iranian mobile number in its national form 09xxxxxxxxx (+98 / 0098 / 98 prefixes and
    Persian digits accepted); empty stays empty (it is optional)."""
    digits = re.sub(r"[\s\-()]", "", to_ascii_digits(value.strip()))
    if not digits:
        return ""
    for prefix in ("+98", "0098", "98"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 10:
            digits = "0" + digits[len(prefix):]
            break
    if not _MOBILE.fullmatch(digits):
        raise InvalidIdentifier(f"mobile number {value!r} is not 09 followed by nine digits",
                                "شماره همراه باید یازده رقم باشد و با ۰۹ آغاز شود.")
    return digits


def validate_postal_code(value: str) -> str:
    """A ten-digit Iranian postal code (dashes and spaces dropped); empty stays empty (optional)."""
    digits = re.sub(r"[\s\-]", "", to_ascii_digits(value.strip()))
    if not digits:
        return ""
    if not _POSTAL.fullmatch(digits):
        raise InvalidIdentifier(f"postal code {value!r} is not a valid ten-digit postal code",
                                "کد پستی باید ده رقم معتبر باشد.")
    return digits


def parse_channels(configured: str) -> dict[str, str]:
    """A server's channel list, ``code=نام|code=نام`` (ValueError naming the bad entry); empty: the defaults."""
    channels: dict[str, str] = {}
    for entry in (e.strip() for e in configured.split("|")):
        if not entry:
            continue
        code, sep, name = entry.partition("=")
        if not sep or not CHANNEL_CODE.fullmatch(code.strip()) or not name.strip():
            raise ValueError(f"citizen channel {entry!r} is not code=name (code: a-z, 0-9, _)")
        channels[code.strip()] = name.strip()
    return channels or dict(DEFAULT_CHANNELS)
