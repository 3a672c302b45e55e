"""Public verification of a printed letter (the QR code): private unless the caller holds the code.

Registration draws a random verification code (:func:`new_code`) that the printed QR carries; it
cannot be derived from the SHAMS. Without the right code an anonymous caller learns at most
whether an outgoing letter exists; internal letters are never published; with the code: the
agency, SHAMS, registration time and the signers' names and titles (never national codes, content
hash or GUID). A per-IP sliding window limits lookups (per worker process).
"""

from __future__ import annotations

import hmac
import math
import secrets
import time
from collections import deque
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select

from app.protocol.certificates import describe_certificate
from app.protocol.jalali import format_datetime
from app.protocol.receipt import format_time
from app.protocol.shams import Domain, InvalidShams, Shams
from server.context import ServerContext, as_utc
from server.errors import ApiError
from server.tables.accounts import agencies, certificates, users
from server.tables.letters import letters

CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # RFC 4648 base32: uppercase, no 0/1/8/9
CODE_LENGTH = 12  # 60 random bits: out of reach of guessing under the rate limit
MAX_TRACKED_IPS = 10_000  # memory bound of the rate limiter
WINDOW_S = 60.0

_LETTER = (select(letters.c.agency_id, letters.c.kind, letters.c.registered_at, letters.c.verify_code,
                  letters.c.signer_national_codes, agencies.c.name, agencies.c.national_id)
           .join(agencies, agencies.c.id == letters.c.agency_id).where(letters.c.shams == bindparam("shams")))
_SIGNATORIES = (select(certificates.c.der, users.c.display_name, users.c.title)
                .join(users, users.c.id == certificates.c.user_id)
                .where(certificates.c.agency_id == bindparam("agency_id")))


def new_code() -> str:
    """A fresh verification code for a registered letter (random; nothing to do with its SHAMS)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str | None) -> str:
    """What a person may type: lower case, spaces and dashes are forgiven."""
    return "".join(c for c in (text or "").upper() if c not in " -")[:64]


class SlidingWindow:
    """At most ``limit`` hits per key in any ``window`` seconds; remembers at most ``max_keys`` keys."""

    def __init__(self, limit: int, window: float = WINDOW_S, max_keys: int = MAX_TRACKED_IPS) -> None:
        self.limit, self.window, self.max_keys = max(1, limit), window, max_keys
        self._hits: dict[str, deque[float]] = {}

    def retry_after(self, key: str, now: float | None = None) -> int:
        """0 and the hit is counted, or the whole seconds until the caller may try again."""
        now = time.monotonic() if now is None else now
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys:
                self._forget(now)
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(1, math.ceil(hits[0] + self.window - now))
        hits.append(now)
        return 0

    def _forget(self, now: float) -> None:
        """Drop keys with no hit in the window; if all are recent, the oldest one."""
        for key in [k for k, h in self._hits.items() if not h or h[-1] <= now - self.window]:
            del self._hits[key]
        if len(self._hits) >= self.max_keys:
            del self._hits[next(iter(self._hits))]


def too_many(retry_after: int) -> ApiError:
    return ApiError(429, "too_many_requests", "تعداد استعلام‌ها بیش از حد مجاز است؛ لطفاً اندکی بعد دوباره تلاش کنید.",
                    "Too many verification requests; try again later.", headers={"Retry-After": str(retry_after)})


def verify(ctx: ServerContext, text: str, code: str | None) -> dict[str, Any]:
    """The public answer for a SHAMS (and the code printed with it, if given)."""
    try:
        shams = Shams.parse(text)
    except (InvalidShams, ValueError) as exc:
        raise ApiError(422, "invalid_shams", "شناسه ملی سند (شمس) نادرست وارد شده است.",
                       "Not a SHAMS of the form ORIGIN-DOMAIN-YEAR-SEQUENCE.", "shams") from exc
    answer: dict[str, Any] = {"shams": shams.canonical, "shams_display": shams.display, "exists": False,
                              "verified": False}
    if shams.domain == Domain.INTERNAL:
        return answer  # internal letters are never published
    with ctx.db.read() as conn:
        row = conn.execute(_LETTER, {"shams": shams.canonical}).mappings().first()
        if row is None or row["kind"] == "internal":
            return answer
        answer["exists"] = True
        stored = row["verify_code"]
        if not (stored and code and hmac.compare_digest(stored.encode(), normalize_code(code).encode())):
            if code:
                answer["code_wrong"] = True  # the holder mistyped it, or holds another letter's code
            return answer
        people = conn.execute(_SIGNATORIES, {"agency_id": row["agency_id"]}).all()
    registered_at = as_utc(row["registered_at"])
    answer.update(verified=True, agency=row["national_id"], agency_name=row["name"],
                  registered_at=format_time(registered_at),
                  registered_at_jalali=format_datetime(registered_at, persian_digits=False),
                  signers=_signers(row["signer_national_codes"], people))
    return answer


def _signers(codes_text: str, people: Sequence[Any]) -> list[dict[str, str]]:
    """Name and title of each signer, found by the national code in a certificate registered for a
    person of the agency: the name the certificate carries (the one signed and printed in the
    letter's signature block), the title from the directory; a signer without one is listed
    without a name."""
    by_code: dict[str, dict[str, str]] = {}
    for der, name, title in people:
        info = describe_certificate(bytes(der))
        if info.national_code:
            by_code.setdefault(info.national_code, {"name": info.common_name or name, "title": title or ""})
    return [by_code.get(c, {"name": "", "title": ""}) for c in codes_text.split(",") if c]
