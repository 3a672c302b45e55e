"""Who may read a document: the uploader's agency and each agency a letter listing it was sent to
(every user of those agencies, so referred users too); a letter names only documents its agency may
read, and sending it lets the recipients read them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from app.protocol.documents import sha256_from_address
from app.protocol.media import safe_file_name
from server.context import ServerContext
from server.errors import ApiError
from server.tables.documents import document_access


def may_read(conn: Connection, agency_id: int, sha256: str) -> bool:
    """Whether the agency uploaded this document or was sent a letter listing it."""
    return conn.execute(select(document_access.c.agency_id).where(
        document_access.c.sha256 == sha256, document_access.c.agency_id == agency_id)).first() is not None


def check_attachments(conn: Connection, agency_id: int, content: dict[str, Any]) -> list[str]:
    """The SHA-256 of each attachment, once each names its document by address and the agency has it
    completely uploaded (or received it): otherwise 422 / 409 ``attachment_missing``."""
    shas = []
    for i, a in enumerate(content.get("attachments") or []):
        if sha256_from_address(a["address"]) != a["sha256"]:
            raise ApiError(422, "attachment_address_mismatch", "نشانی پیوست با چکیده آن مطابقت ندارد.",
                           "The attachment's address does not name its SHA-256.", f"content.attachments[{i}].address")
        require_uploaded(conn, agency_id, a, f"content.attachments[{i}]")
        shas.append(a["sha256"])
    return shas


def require_uploaded(conn: Connection, agency_id: int, entry: dict[str, Any], field: str) -> None:
    """409 ``attachment_missing`` unless the agency has this document (an attachment, a paper letter's
    scan) completely uploaded or received: a letter never names bytes its readers cannot fetch."""
    if not may_read(conn, agency_id, entry["sha256"]):
        name = safe_file_name(entry["name"] or "")[:100]
        raise ApiError(409, "attachment_missing", f"پیوست «{name}» هنوز به‌طور کامل بارگذاری نشده است؛ "
                       "پس از پایان بارگذاری دوباره تلاش کنید.", "An attachment is not completely uploaded yet.", field)


def grant(ctx: ServerContext, conn: Connection, shas: list[str], agency_ids: list[int], guid: str) -> None:
    """The recipient agencies of a letter may read its attachments (in the write that delivers it)."""
    now = ctx.clock()
    for sha in dict.fromkeys(shas):
        for agency_id in agency_ids:
            conn.execute(ctx.db.insert_ignore(document_access).values(sha256=sha, agency_id=agency_id,
                                                                      letter_guid=guid, granted_at=now))
