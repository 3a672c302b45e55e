"""Who may read a document: every user of the agency that uploaded it; in an agency that registered
or was sent a letter listing it, the desk (secretaries, signatories, the admin: they handle every
letter) and those such a letter was referred to — anyone else gets 404, as for no document. A letter
names only documents its agency holds, and sending it lets the recipients read them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, exists, or_, select

from app.protocol.documents import sha256_from_address
from app.protocol.media import runnable_name, safe_file_name
from server.auth import Principal
from server.context import ServerContext
from server.errors import ApiError
from server.tables.documents import UPLOADED, document_access
from server.tables.referrals import referral_recipients, referrals


def _held(agency_id: int, sha256: str) -> Select[Any]:
    access = document_access.c
    return select(access.agency_id).where(access.sha256 == sha256, access.agency_id == agency_id).limit(1)


def agency_holds(conn: Connection, agency_id: int, sha256: str) -> bool:
    """Whether the agency uploaded this document or registered or was sent a letter listing it."""
    return conn.execute(_held(agency_id, sha256)).first() is not None


def may_read(conn: Connection, principal: Principal, sha256: str) -> bool:
    """Whether this user may read the document (the rule in the module's docstring)."""
    held = _held(principal.agency_id, sha256)
    if not principal.at_desk:  # the agency's own upload, or a letter referred to this user
        access = document_access.c
        referred = exists().where(referrals.c.agency_id == access.agency_id,
                                  referrals.c.letter_guid == access.letter_guid,
                                  referral_recipients.c.referral_id == referrals.c.id,
                                  referral_recipients.c.user_id == principal.user_id)
        held = held.where(or_(access.letter_guid == UPLOADED, referred))
    return conn.execute(held).first() is not None


def check_attachments(conn: Connection, agency_id: int, content: dict[str, Any]) -> list[str]:
    """The SHA-256 of each attachment, once each names its document by address and the agency has it
    completely uploaded (or received it): otherwise 422 / 409 ``attachment_missing``."""
    shas = []
    for i, a in enumerate(content.get("attachments") or []):
        if runnable_name(a["name"] or ""):  # as an upload's name (the letter may name it anew)
            raise ApiError(422, "name_not_allowed", "نام یکی از پیوست‌ها نام یک برنامه یا اسکریپت است.",
                           "An attachment's name ends like a program or script.", f"content.attachments[{i}].name")
        if sha256_from_address(a["address"]) != a["sha256"]:
            raise ApiError(422, "attachment_address_mismatch", "نشانی پیوست با چکیده آن مطابقت ندارد.",
                           "The attachment's address does not name its SHA-256.", f"content.attachments[{i}].address")
        require_uploaded(conn, agency_id, a, f"content.attachments[{i}]")
        shas.append(a["sha256"])
    return shas


def require_uploaded(conn: Connection, agency_id: int, entry: dict[str, Any], field: str) -> None:
    """409 ``attachment_missing`` unless the agency has this document (an attachment, a paper letter's
    scan) completely uploaded or received: a letter never names bytes its readers cannot fetch."""
    if not agency_holds(conn, agency_id, entry["sha256"]):
        name = safe_file_name(entry["name"] or "")[:100]
        raise ApiError(409, "attachment_missing", f"پیوست «{name}» هنوز به‌طور کامل بارگذاری نشده است؛ "
                       "پس از پایان بارگذاری دوباره تلاش کنید.", "An attachment is not completely uploaded yet.", field)


def grant(ctx: ServerContext, conn: Connection, shas: list[str], agency_ids: list[int], guid: str) -> None:
    """These agencies hold a letter's attachments as that letter's (in the write that registers it
    for its own agency, and in the one that delivers it for the recipients)."""
    now = ctx.clock()
    for sha in dict.fromkeys(shas):
        for agency_id in agency_ids:
            conn.execute(ctx.db.insert_ignore(document_access).values(sha256=sha, agency_id=agency_id,
                                                                      letter_guid=guid, granted_at=now))
