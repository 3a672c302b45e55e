"""Tracking ids (شناسه پیگیری) of citizens' letters: random digits and a Damm check digit.

Twelve digits: eleven drawn at random by the server (not sequential: an id says nothing of any
other) and a Damm check digit, which catches every single mistyped digit and every swap of two
adjacent digits. Digits only, so it reads over the phone and prints in Persian digits; people
see it in groups of four.
"""

from __future__ import annotations

import re
import secrets

from stdnum import damm

from app.protocol.persian import InvalidIdentifier, to_ascii_digits, to_persian_digits

LENGTH = 12
_SEPARATORS = re.compile(r"[\s\-\u200c\u200e\u200f\u2066-\u2069_.]+")


def new_tracking_id() -> str:
    """A fresh id: eleven random digits (the first not 0, so none looks cut short) and the check digit."""
    body = str(secrets.randbelow(9) + 1) + "".join(str(secrets.randbelow(10)) for _ in range(LENGTH - 2))
    return body + damm.calc_check_digit(body)


def is_valid(tracking_id: str) -> bool:
    """Twelve ASCII digits whose check digit holds."""
    return len(tracking_id) == LENGTH and tracking_id.isascii() and tracking_id.isdigit() and damm.is_valid(tracking_id)


def parse_tracking_id(text: str) -> str:
    """The id as a person types it (Persian or Latin digits, spaces or dashes between groups) in
    canonical form; InvalidIdentifier with the Persian reason if it is not a valid id."""
    value = to_ascii_digits(_SEPARATORS.sub("", text or ""))
    if not (value.isascii() and value.isdigit()) or len(value) != LENGTH:
        raise InvalidIdentifier(f"a tracking id has {LENGTH} digits",
                                f"شناسه پیگیری {to_persian_digits(LENGTH)} رقم دارد.")
    if not damm.is_valid(value):
        raise InvalidIdentifier("the tracking id's check digit does not match (a digit mistyped?)",
                                "شناسه پیگیری نادرست است؛ رقم‌ها را دوباره با رسید مقایسه کنید.")
    return value


def display_tracking_id(tracking_id: str, *, persian: bool = True) -> str:
    """Groups of four, as printed and read out: «۱۲۳۴-۵۶۷۸-۹۰۱۲» (hold it left to right inside
    Persian text: ``ltr_island`` in Qt, ``<bdi dir="ltr">`` in HTML)."""
    grouped = "-".join(tracking_id[i:i + 4] for i in range(0, len(tracking_id), 4))
    return to_persian_digits(grouped) if persian else grouped
