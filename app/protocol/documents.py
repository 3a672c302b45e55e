"""A document's address: a stable URL derived from its content (SHA-256), known before the upload,
so a letter can be drafted and signed offline with its attachments' addresses."""

from __future__ import annotations

import re

ADDRESS_PATH = "/api/v1/documents/"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def document_address(base_url: str, sha256: str) -> str:
    """The address of the document whose content has this SHA-256 (lowercase hex)."""
    return f"{base_url.rstrip('/')}{ADDRESS_PATH}{sha256}"


def sha256_from_address(address: str) -> str | None:
    """The SHA-256 an address names, or None if it is not a document address."""
    head, sep, tail = address.partition(ADDRESS_PATH)
    if not sep or not head or "?" in tail or "#" in tail:
        return None
    return tail if _SHA256.fullmatch(tail) else None
