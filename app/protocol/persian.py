"""Persian text: normalization for search and comparison, digits, national code/id validation."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
ASCII_DIGITS = "0123456789"

_TO_ASCII = str.maketrans(PERSIAN_DIGITS + ARABIC_DIGITS, ASCII_DIGITS * 2)
_TO_PERSIAN = str.maketrans(ASCII_DIGITS + ARABIC_DIGITS, PERSIAN_DIGITS * 2)

ZWNJ = "\u200c"
# Characters people type for "half space" or that editors insert invisibly.
_ZW_VARIANTS = "\u200c\u200d\u200b\u2060\ufeff\u00ad"
# Arabic letter forms → Persian letter forms.
_LETTERS = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "أ": "ا",
        "إ": "ا",
        "ٱ": "ا",
        "آ": "ا",
        "ؤ": "و",
        "ـ": None,  # tatweel (kashida) is only decoration
    }
)
_SPACES = re.compile(r"\s+")
# Every combining mark of the Basic Multilingual Plane, for str.translate: one pass in C over a
# whole letter body instead of a Python loop per character.
_COMBINING = dict.fromkeys(c for c in range(0x10000) if unicodedata.combining(chr(c)))


def to_ascii_digits(text: str) -> str:
    """Persian and Arabic-Indic digits → ASCII digits (what machines read)."""
    return text.translate(_TO_ASCII)


def to_persian_digits(text: object) -> str:
    """ASCII and Arabic-Indic digits → Persian digits (what people read)."""
    return str(text).translate(_TO_PERSIAN)


def normalize(text: str) -> str:
    """Fold text for search and comparison.

    Arabic ي/ك and other letter variants become their Persian forms, every digit becomes
    ASCII, diacritics (harakat, tanwin, hamza above) are dropped, zero-width joiners and
    non-joiners become nothing (people type «می‌روم», «میروم» and «می روم» for one word; the
    first two must match), Latin letters are case-folded and runs of white space collapse.
    """
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_LETTERS).translate(_TO_ASCII)
    for ch in _ZW_VARIANTS:
        text = text.replace(ch, "")
    # Drop combining marks (Arabic harakat U+064B–U+065F, superscript alef U+0670, …).
    text = unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).translate(_COMBINING))
    return _SPACES.sub(" ", text).strip().casefold()


class InvalidIdentifier(ValueError):
    """A national code or national id failed its format or check digit."""

    def __init__(self, message: str, message_fa: str) -> None:
        super().__init__(message)
        self.message_fa = message_fa


def validate_national_code(value: str) -> str:
    """Validate a person's 10-digit national code (کد ملی); return it in ASCII digits."""
    code = to_ascii_digits(value.strip())
    if not re.fullmatch(r"\d{10}", code):
        raise InvalidIdentifier(
            f"national code must be exactly 10 digits, got {value!r}",
            "کد ملی باید دقیقاً ده رقم باشد.",
        )
    if len(set(code)) == 1:
        raise InvalidIdentifier(f"national code {value!r} is not valid", "کد ملی واردشده معتبر نیست.")
    check = int(code[9])
    s = sum(int(code[i]) * (10 - i) for i in range(9)) % 11
    expected = s if s < 2 else 11 - s
    if check != expected:
        raise InvalidIdentifier(
            f"national code {value!r} has a wrong check digit",
            "رقم کنترل کد ملی نادرست است.",
        )
    return code


_LEGAL_WEIGHTS = (29, 27, 23, 19, 17, 29, 27, 23, 19, 17)


@lru_cache(maxsize=1024)  # a few hundred agencies' ids, checked on every SHAMS shown or received
def validate_national_id(value: str) -> str:
    """Validate a legal entity's 11-digit national id (شناسه ملی); return it in ASCII digits."""
    nid = to_ascii_digits(value.strip())
    if not re.fullmatch(r"\d{11}", nid):
        raise InvalidIdentifier(
            f"national id must be exactly 11 digits, got {value!r}",
            "شناسه ملی باید دقیقاً یازده رقم باشد.",
        )
    if int(nid[3:9]) == 0 or len(set(nid)) == 1:
        raise InvalidIdentifier(f"national id {value!r} is not valid", "شناسه ملی واردشده معتبر نیست.")
    d = int(nid[9]) + 2
    s = sum((d + int(nid[i])) * _LEGAL_WEIGHTS[i] for i in range(10)) % 11
    if s == 10:
        s = 0
    if int(nid[10]) != s:
        raise InvalidIdentifier(
            f"national id {value!r} has a wrong check digit",
            "رقم کنترل شناسه ملی نادرست است.",
        )
    return nid


def national_code_check_digit(first9: str) -> str:
    """The check digit that completes nine digits into a valid national code (for test data)."""
    s = sum(int(first9[i]) * (10 - i) for i in range(9)) % 11
    return str(s if s < 2 else 11 - s)


def national_id_check_digit(first10: str) -> str:
    """The check digit that completes ten digits into a valid national id (for test data)."""
    d = int(first10[9]) + 2
    s = sum((d + int(first10[i])) * _LEGAL_WEIGHTS[i] for i in range(10)) % 11
    return str(0 if s == 10 else s)


def ltr_island(text: str) -> str:
    """A path or address held left to right inside Persian text («/home/user/نامه.pdf», not
    «home/user/نامه.pdf/»): an isolate for engines that honour it, an embedding for Qt's."""
    return f"\u2066\u202a{text}\u202c\u2069"
