"""SHAMS (شناسه ملی سند) profile ``dabir-shams/1``: the four elements of the circular.

Canonical text ``ORIGIN-DOMAIN-YEAR-SEQUENCE`` in ASCII (``14000123453-O-1405-187``);
people see it in Persian digits with the Persian domain letter, wrapped in a left-to-right
isolate so that right-to-left text never reorders it. Another profile can replace this
module without touching its callers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from app.protocol.persian import to_ascii_digits, to_persian_digits, validate_national_id

PROFILE = "dabir-shams/1"
LRI, PDI = "\u2066", "\u2069"  # isolate: the number does not disturb the sentence around it
LRO, PDF = "\u202d", "\u202c"  # override: inside, even the letter ص/د cannot turn the digits around


class Domain(StrEnum):
    OUTGOING = "O"
    INTERNAL = "I"

    @property
    def persian_letter(self) -> str:
        return "ص" if self is Domain.OUTGOING else "د"


_PERSIAN_DOMAIN = {"ص": Domain.OUTGOING, "د": Domain.INTERNAL}
_CANONICAL = re.compile(r"^(\d{11})-([OI])-(\d{4})-([1-9]\d{0,9})$")


class InvalidShams(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Shams:
    origin: str
    domain: Domain
    year: int
    sequence: int

    def __post_init__(self) -> None:
        validate_national_id(self.origin)
        if not 1300 <= self.year <= 1700:
            raise InvalidShams(f"year {self.year} is out of range")
        if self.sequence < 1:
            raise InvalidShams("sequence starts at 1")

    @property
    def canonical(self) -> str:
        return f"{self.origin}-{self.domain.value}-{self.year}-{self.sequence}"

    def __str__(self) -> str:
        return self.canonical

    @property
    def display(self) -> str:
        """Persian digits and domain letter, always read ORIGIN-ص-YEAR-SEQUENCE left to right.

        An isolate alone is not enough: after the Arabic-script letter the digits become
        Arabic numbers and run right to left (…-۲-۱۴۰۵-ص), and Qt's text engine ignores
        isolates anyway; a left-to-right override inside the isolate holds everywhere.
        """
        text = f"{self.origin}-{self.domain.persian_letter}-{self.year}-{self.sequence}"
        return _wrap(to_persian_digits(text))

    @classmethod
    def parse(cls, text: str) -> Shams:
        """Accept the canonical form or the displayed form (Persian digits/letter, isolates)."""
        raw = to_ascii_digits(text.strip().strip(LRI + PDI + LRO + PDF + "\u200e\u200f"))
        for fa, d in _PERSIAN_DOMAIN.items():
            raw = raw.replace(f"-{fa}-", f"-{d.value}-")
        match = _CANONICAL.match(raw)
        if not match:
            raise InvalidShams(f"{text!r} is not a SHAMS of the form ORIGIN-DOMAIN-YEAR-SEQUENCE")
        origin, domain, year, seq = match.groups()
        return cls(origin, Domain(domain), int(year), int(seq))


def _wrap(text: str) -> str:
    return f"{LRI}{LRO}{text}{PDF}{PDI}"


def display_text(text: str | None) -> str:
    """How a number is shown to people: a SHAMS as :attr:`Shams.display`; anything else
    (a legacy or foreign number) in Persian digits, held left to right the same way."""
    if not text:
        return ""
    try:
        return Shams.parse(text).display
    except ValueError:
        return _wrap(to_persian_digits(text))
