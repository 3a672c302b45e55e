"""The QR code printed on a registered letter (DOMAIN.md section 4): payload ``dabir-qr/2``.

The payload is the letter's **verification address with its facts in the query string**::

    https://dabir.example.ir/api/v1/verify/14000123453-O-1405-187
        ?v=2&t=2026-11-23T07:30:00Z&g=3f0c…-…&s=0012345679,1234567891&a=14000123453&c=K7QM2XJ4PA9B

Why a URL rather than a private ``DABIR1|…`` record: any phone camera opens it straight on the
server's public verification page (``GET /api/v1/verify/{SHAMS}``, which reads ``c`` and ignores
the rest), so a citizen or another agency needs no Dabir software to check a paper letter, while a
Dabir client still reads every element offline with :func:`parse`.

Fields (order fixed on output, any order accepted on input, each at most once):

``v``  payload version, ``2`` (``1`` is still read: see below)
``t``  registration date-time, ISO 8601 UTC, whole seconds: ``YYYY-MM-DDTHH:MM:SSZ``
``g``  the letter's GUID, lower-case 8-4-4-4-12 hex
``s``  the signatories' 10-digit national codes, comma-separated, in signing order (may be empty)
``a``  the agency's 11-digit national id (in profile ``dabir-shams/1`` equal to the SHAMS origin)
``c``  the verification code the server drew at registration (4–32 of ``A–Z 2–7``); without it
       the server confirms no more than that the letter exists. Absent for letters registered
       before servers issued codes.

Version 1 (path ``/api/v1/public/shams/``, no ``c``) is read as well, so letters printed before
stay readable. Everything is ASCII (digits, upper-case letters, ``-``, ``:``, ``,``), so nothing
needs percent-encoding and the QR stays small (about 200 bytes: version 9–10 at error correction M).
``docs/qr-payload.md`` is the human-facing description of this format.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import segno

from app.protocol.persian import InvalidIdentifier, validate_national_code, validate_national_id
from app.protocol.shams import InvalidShams, Shams

VERSION = 2
PROFILE = "dabir-qr"
VERIFY_PATH = "/api/v1/verify/"
PATHS = {"1": "/api/v1/public/shams/", "2": VERIFY_PATH}  # where each version put the SHAMS
ERROR_CORRECTION = "m"
MAX_LENGTH = 1024  # a sane bound: a real payload is ~200 bytes; refuse junk before parsing it

_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_CODE_RE = re.compile(r"^[A-Z2-7]{4,32}$")
_FIELDS = ("v", "t", "g", "s", "a")  # required in every version
_OPTIONAL = {"1": (), "2": ("c",)}


class InvalidQrPayload(ValueError):
    """A QR text that is not a ``dabir-qr`` payload; ``message_fa`` is for people."""

    message_fa = "رمزینهٔ خوانده‌شده، رمزینهٔ معتبر نامهٔ دبیر نیست."


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("registration time must be an aware datetime (UTC)")
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _normalize_base(server_base: str) -> str:
    base = server_base.strip().rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"server base {server_base!r} must be an http(s) URL without query or fragment")
    if any(c in base for c in "?#& ") or not base.isascii():
        raise ValueError(f"server base {server_base!r} must be plain ASCII without ?, #, & or spaces")
    return base


@dataclass(frozen=True)
class QrPayload:
    shams: Shams
    registered_at: dt.datetime  # aware; kept in UTC, whole seconds
    guid: str
    signatories: tuple[str, ...]  # national codes, ASCII digits
    agency: str  # national id, ASCII digits
    server_base: str  # e.g. https://dabir.example.ir (no trailing slash)
    verify_code: str = ""  # from the server's registration answer; "" for letters registered without one

    def __post_init__(self) -> None:
        if self.verify_code and not _CODE_RE.match(self.verify_code):
            raise ValueError(f"{self.verify_code!r} is not a verification code (4–32 of A–Z, 2–7)")
        object.__setattr__(self, "registered_at", _utc(self.registered_at))
        object.__setattr__(self, "server_base", _normalize_base(self.server_base))
        try:
            guid = str(uuid.UUID(self.guid))
        except (ValueError, AttributeError, TypeError) as exc:
            raise ValueError(f"{self.guid!r} is not a GUID") from exc
        object.__setattr__(self, "guid", guid)
        codes = tuple(validate_national_code(c) for c in self.signatories)
        if len(set(codes)) != len(codes):
            raise ValueError("a signatory's national code appears twice")
        object.__setattr__(self, "signatories", codes)
        object.__setattr__(self, "agency", validate_national_id(self.agency))
        if self.agency != self.shams.origin:
            # Profile dabir-shams/1: origin = the agency's national id. A mismatch is a forgery or a bug.
            raise ValueError(f"agency {self.agency} is not the SHAMS origin {self.shams.origin}")

    @property
    def verification_url(self) -> str:
        """Where a person checks the letter (with the code, the server shows its facts)."""
        url = f"{self.server_base}{VERIFY_PATH}{self.shams.canonical}"
        return f"{url}?c={self.verify_code}" if self.verify_code else url

    def encode(self) -> str:
        t = self.registered_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        s = ",".join(self.signatories)
        text = f"{self.server_base}{VERIFY_PATH}{self.shams.canonical}?v={VERSION}&t={t}&g={self.guid}&s={s}&a={self.agency}"
        return f"{text}&c={self.verify_code}" if self.verify_code else text


def encode(
    *,
    shams: Shams | str,
    registered_at: dt.datetime,
    guid: str,
    signatories: list[str] | tuple[str, ...],
    agency: str,
    server_base: str,
    verify_code: str = "",
) -> str:
    """The QR text for one registered letter (validates every element)."""
    if isinstance(shams, str):
        shams = Shams.parse(shams)
    return QrPayload(shams, registered_at, guid, tuple(signatories), agency, server_base, verify_code).encode()


def valid_code(text: object) -> str | None:
    """A verification code as the server sent it, or None if it is none (an older server) or junk."""
    return text if isinstance(text, str) and _CODE_RE.match(text) else None


def _refuse(reason: str) -> InvalidQrPayload:
    return InvalidQrPayload(f"not a {PROFILE} payload: {reason}")


def parse(text: str) -> QrPayload:
    """Read a QR text back; refuse anything that is not exactly what :func:`encode` writes."""
    if not isinstance(text, str) or not text:
        raise _refuse("empty")
    if len(text) > MAX_LENGTH:
        raise _refuse(f"longer than {MAX_LENGTH} characters")
    if not text.isascii() or any(c.isspace() for c in text):
        raise _refuse("contains non-ASCII characters or white space")
    head, sep, query = text.partition("?")
    if not sep:
        raise _refuse("no query string")
    if "#" in query:
        raise _refuse("has a fragment")
    fields: dict[str, str] = {}
    for item in query.split("&"):
        key, eq, value = item.partition("=")
        if not eq or key not in (*_FIELDS, "c"):
            raise _refuse(f"unknown or malformed field {item!r}")
        if key in fields:
            raise _refuse(f"field {key!r} appears twice")
        fields[key] = value
    version = fields.get("v", "")
    if version not in PATHS:
        raise _refuse(f"unsupported version {version!r}")
    extra = [k for k in fields if k not in _FIELDS and k not in _OPTIONAL[version]]
    if extra:
        raise _refuse(f"field(s) {', '.join(extra)} not in version {version}")
    missing = [k for k in _FIELDS if k not in fields]
    if missing:
        raise _refuse(f"missing field(s) {', '.join(missing)}")
    base, found, shams_text = head.rpartition(PATHS[version])
    if not found:
        raise _refuse(f"path does not contain {PATHS[version]}")
    if "c" in fields and not _CODE_RE.match(fields["c"]):
        raise _refuse(f"verification code {fields['c']!r} is not 4–32 of A–Z, 2–7")
    if not _TIME_RE.match(fields["t"]):
        raise _refuse(f"time {fields['t']!r} is not YYYY-MM-DDTHH:MM:SSZ")
    if not _GUID_RE.match(fields["g"]):
        raise _refuse(f"GUID {fields['g']!r} is not lower-case 8-4-4-4-12 hex")
    try:
        shams = Shams.parse(shams_text)
        if shams.canonical != shams_text:
            raise _refuse(f"SHAMS {shams_text!r} is not in canonical form")
        registered_at = dt.datetime.strptime(fields["t"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        codes = tuple(fields["s"].split(",")) if fields["s"] else ()
        return QrPayload(shams, registered_at, fields["g"], codes, fields["a"], base, fields.get("c", ""))
    except (InvalidShams, InvalidIdentifier, ValueError) as exc:
        if isinstance(exc, InvalidQrPayload):
            raise
        raise _refuse(str(exc)) from exc


# --- the QR symbol itself (segno; no Qt) ---------------------------------------------------------


def make_qr(text: str) -> segno.QRCode:
    """A QR symbol at error correction M, exactly (no silent boost: the print size is planned on it)."""
    return segno.make_qr(text, error=ERROR_CORRECTION, boost_error=False)


def qr_png(text: str, *, scale: int = 4, border: int = 4) -> bytes:
    """PNG bytes, black on white, ``scale`` pixels per module, ``border`` modules of quiet zone."""
    buf = io.BytesIO()
    make_qr(text).save(buf, kind="png", scale=scale, border=border)
    return buf.getvalue()


def qr_svg(text: str, *, scale: int = 4, border: int = 4) -> str:
    buf = io.BytesIO()
    make_qr(text).save(buf, kind="svg", scale=scale, border=border, xmldecl=False)
    return buf.getvalue().decode("utf-8")


def qr_matrix(text: str) -> tuple[tuple[bool, ...], ...]:
    """Dark (True) / light modules, without quiet zone: for drawing the symbol as vectors."""
    return tuple(tuple(bool(v) for v in row) for row in make_qr(text).matrix)
