"""The server's limits on attachments (largest size, allowed types), kept from its directory pages,
so a file it would refuse is refused before the letter is signed, not after."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.models.db import Store
from app.models.profile import put_setting
from app.models.tables import Setting
from app.protocol.media import DEFAULT_ALLOWED, same_type

LIMITS_SETTING = "documents.limits"
DEFAULT_MAX_BYTES = 2 * 1024**3  # the server's default, until a sync brings this server's


@dataclass(frozen=True)
class DocumentLimits:
    max_bytes: int
    media_types: frozenset[str]

    def allows_type(self, media_type: str) -> bool:
        return any(same_type(allowed, media_type) for allowed in self.media_types)


DEFAULT = DocumentLimits(DEFAULT_MAX_BYTES, frozenset(DEFAULT_ALLOWED))


def keep_limits(s: Session, page: dict[str, Any]) -> None:
    """Keep the limits a directory page carries (a page without them, from an older server, keeps the last)."""
    given = page.get("documents")
    if not isinstance(given, dict) or not isinstance(given.get("max_bytes"), int) or given["max_bytes"] <= 0:
        return
    types = sorted({str(t).lower() for t in given.get("media_types") or [] if isinstance(t, str) and "/" in t})
    put_setting(s, LIMITS_SETTING, {"max_bytes": given["max_bytes"], "media_types": types})


def read_limits(s: Session) -> DocumentLimits:
    row = s.get(Setting, LIMITS_SETTING)
    if row is None or not row.value.get("media_types"):
        return DEFAULT
    return DocumentLimits(int(row.value["max_bytes"]), frozenset(row.value["media_types"]))


def server_limits(store: Store) -> DocumentLimits:
    with store.reader() as s:
        return read_limits(s)
