"""The archive (بایگانی): each agency's tree of folders (پرونده) and the letters filed in them.

A folder has a Persian title and a file number unique within the agency; secretaries and agency
administrators create, rename and move folders and file letters into them or take them out
(with a reason); every user of the agency reads the tree and the filings by cursor, so each
client keeps a copy to work from offline. A letter may be filed in several folders: a paper
secretariat puts a copy in each file it concerns (the case file and the subject file). Another
agency's folders and letters are not found (404); every change is in the audit log.
"""

import datetime as dt
import uuid
from typing import Any

from pydantic import Field
from sqlalchemy import Connection, insert, select, update

from app.protocol.archive import MAX_FILE_NUMBER, MAX_REASON, MAX_TITLE, file_number_key
from app.protocol.package_schema import UUID_PATTERN
from app.protocol.receipt import format_time
from server import audit, rasad_events
from server.auth import Principal, Role
from server.context import ServerContext, as_utc
from server.db import next_value
from server.errors import ApiError
from server.referrals import letter_visible
from server.requests import Strict
from server.tables.accounts import users
from server.tables.archive import archive_filings, archive_folders

FEED = "archive"  # one counter for both feeds: a change's cursor orders it among all the agency's
EDITORS = (Role.SECRETARY, Role.AGENCY_ADMIN)
MAX_KEY = 200  # a folded file number's stored length (folding may lengthen rare characters)


class FolderIn(Strict):
    """A new folder: the client's GUID, its parent (None: at the top), title and file number."""

    id: str = Field(pattern=UUID_PATTERN)
    parent: str | None = Field(default=None, pattern=UUID_PATTERN)
    title: str = Field(max_length=MAX_TITLE)
    file_number: str = Field(max_length=MAX_FILE_NUMBER)


class FolderPatch(Strict):
    """Rename (title, file number) or move (parent; null: to the top) a folder: only what is given."""

    parent: str | None = Field(default=None, pattern=UUID_PATTERN)
    title: str | None = Field(default=None, max_length=MAX_TITLE)
    file_number: str | None = Field(default=None, max_length=MAX_FILE_NUMBER)


class FilingIn(Strict):
    letter_guid: str = Field(pattern=UUID_PATTERN)


class UnfilingIn(Strict):
    reason: str = Field(max_length=MAX_REASON)


def _fail(status: int, code: str, fa: str, en: str, field: str | None = None) -> ApiError:
    return ApiError(status, code, fa, en, field)


def _no_folder(field: str) -> ApiError:
    return _fail(404, "unknown_folder", "این پرونده در بایگانی این سازمان یافت نشد.",
                 "No such archive folder in your agency.", field)


def _now(ctx: ServerContext) -> dt.datetime:
    return ctx.clock().astimezone(dt.UTC).replace(microsecond=0)


def _folder(conn: Connection, agency_id: int, guid: str, field: str) -> Any:
    row = conn.execute(select(archive_folders).where(archive_folders.c.guid == guid,
                                                     archive_folders.c.agency_id == agency_id)).mappings().first()
    if row is None:
        raise _no_folder(field)
    return row


def _title(text: str) -> str:
    title = " ".join(text.split())
    if not title:
        raise _fail(422, "title_required", "عنوان پرونده را بنویسید.", "A folder needs a title.", "title")
    return title


def _file_number(conn: Connection, agency_id: int, text: str, folder_id: int | None) -> tuple[str, str]:
    """The file number as written and folded; 409 if another folder of the agency has it."""
    number = " ".join(text.split())
    key = file_number_key(number)
    if not key:
        raise _fail(422, "file_number_required", "شماره پرونده را بنویسید.", "A folder needs a file number.",
                    "file_number")
    if len(key) > MAX_KEY:
        raise _fail(422, "file_number_invalid", "شماره پرونده درست نیست.", "The file number is not valid.",
                    "file_number")
    other = conn.execute(select(archive_folders.c.id, archive_folders.c.title).where(
        archive_folders.c.agency_id == agency_id, archive_folders.c.file_number_key == key)).first()
    if other is not None and other.id != folder_id:
        raise _fail(409, "duplicate_file_number", f"شماره پرونده «{number}» پیش‌تر به پرونده «{other.title}» داده شده است.",
                    "Another folder of the agency has this file number.", "file_number")
    return number, key


def _parent_id(conn: Connection, agency_id: int, parent: str | None, moving: int | None) -> int | None:
    """The parent's id (None: the top); 422 if ``moving`` would end up inside itself."""
    if parent is None:
        return None
    row = _folder(conn, agency_id, parent, "parent")
    at: int | None = row["id"]
    while at is not None:
        if at == moving:
            raise _fail(422, "folder_cycle", "پرونده را نمی‌توان به درون خودش یا زیرپرونده‌های خودش برد.",
                        "A folder cannot move inside itself or one of its subfolders.", "parent")
        at = conn.execute(select(archive_folders.c.parent_id).where(archive_folders.c.id == at)).scalar()
    return int(row["id"])


def _folder_view(conn: Connection, row: Any) -> dict[str, Any]:
    parent = (conn.execute(select(archive_folders.c.guid).where(archive_folders.c.id == row["parent_id"])).scalar()
              if row["parent_id"] is not None else None)
    return {"id": row["guid"], "parent": parent, "title": row["title"], "file_number": row["file_number"],
            "cursor": row["cursor"], "updated_at": format_time(as_utc(row["updated_at"]))}


def _audit(ctx: ServerContext, conn: Connection, principal: Principal, code: str, guid: str, detail: str) -> None:
    audit.record(conn, principal, at=ctx.clock(), action=code, code=code, guid=guid, detail=detail)


def _event(ctx: ServerContext, conn: Connection, principal: Principal, kind: str, letter_guid: str,
           change: dict[str, Any], detail: dict[str, Any]) -> None:
    """The Rasad event of a filing change; its id is the change's archive cursor (a filing has no GUID)."""
    rasad_events.record(ctx, conn, agency_id=principal.agency_id, event_id=f"archive:{change['cursor']}", kind=kind,
                        letter_guid=letter_guid, user_id=principal.user_id,
                        at=change["unfiled_at"] if kind == "unfiled" else change["filed_at"], detail=detail)


def create_folder(ctx: ServerContext, conn: Connection, principal: Principal, body: FolderIn) -> dict[str, Any]:
    """A new folder; the same folder again (its GUID, same content) is answered as it stands."""
    principal.require(*EDITORS)
    title = _title(body.title)
    prev = conn.execute(select(archive_folders).where(archive_folders.c.guid == body.id)).mappings().first()
    if prev is not None:
        view = _folder_view(conn, prev)
        if (prev["agency_id"] != principal.agency_id or view["parent"] != body.parent or view["title"] != title
                or prev["file_number_key"] != file_number_key(body.file_number)):
            raise _fail(409, "folder_id_conflict", "پرونده‌ای دیگر با همین شناسه پیش‌تر ساخته شده است.",
                        "Another folder with this id already exists.", "id")
        return view
    parent_id = _parent_id(conn, principal.agency_id, body.parent, None)
    row = add_folder(ctx, conn, principal.agency_id, body.id, parent_id, title, body.file_number)
    _audit(ctx, conn, principal, "archive_folder_added", body.id, f"{row['file_number']}: {title}")
    return _folder_view(conn, row)


def add_folder(ctx: ServerContext, conn: Connection, agency_id: int, guid: str, parent_id: int | None, title: str,
               file_number: str) -> dict[str, Any]:
    """Insert a folder (its title already checked); 409 if the file number is taken."""
    number, key = _file_number(conn, agency_id, file_number, None)
    now = _now(ctx)
    row = {"guid": guid, "agency_id": agency_id, "parent_id": parent_id, "title": title, "file_number": number,
           "file_number_key": key, "cursor": next_value(ctx.db, conn, FEED), "created_at": now, "updated_at": now}
    pk = conn.execute(insert(archive_folders).values(**row)).inserted_primary_key
    assert pk is not None
    row["id"] = int(pk[0])
    return row


def seed_tree(ctx: ServerContext, conn: Connection, agency_id: int, tree: list[tuple[str, str, str | None]]) -> None:
    """The demo's folders (title, file number, parent's file number) unless the agency has folders
    already; GUIDs derived from the agency and file number, so a second seeding finds them."""
    if conn.execute(select(archive_folders.c.id).where(archive_folders.c.agency_id == agency_id)).first():
        return
    ids: dict[str, int] = {}
    for title, number, parent in tree:
        guid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"dabir-demo-archive:{agency_id}:{number}"))
        ids[number] = add_folder(ctx, conn, agency_id, guid, ids[parent] if parent else None, title, number)["id"]


def update_folder(ctx: ServerContext, conn: Connection, principal: Principal, guid: str,
                  changes: dict[str, Any]) -> dict[str, Any]:
    """Rename and/or move a folder; what is already so changes nothing (no new cursor)."""
    principal.require(*EDITORS)
    row = dict(_folder(conn, principal.agency_id, guid, "id"))
    new: dict[str, Any] = {}
    if changes.get("title") is not None and (title := _title(changes["title"])) != row["title"]:
        new["title"] = title
    if changes.get("file_number") is not None:
        number, key = _file_number(conn, principal.agency_id, changes["file_number"], row["id"])
        if number != row["file_number"]:
            new.update(file_number=number, file_number_key=key)
    if "parent" in changes:
        parent_id = _parent_id(conn, principal.agency_id, changes["parent"], row["id"])
        if parent_id != row["parent_id"]:
            new["parent_id"] = parent_id
    if not new:
        return _folder_view(conn, row)
    new.update(cursor=next_value(ctx.db, conn, FEED), updated_at=_now(ctx))
    conn.execute(update(archive_folders).where(archive_folders.c.id == row["id"]).values(**new))
    row.update(new)
    what = ", ".join(f"{k}={v}" for k, v in new.items() if k in ("title", "file_number"))
    if "parent_id" in new:
        what = ", ".join(p for p in (what, f"parent={_folder_view(conn, row)['parent'] or '-'}") if p)
    _audit(ctx, conn, principal, "archive_folder_changed", guid, f"{row['file_number']}: {what}")
    return _folder_view(conn, row)


def _filing_view(conn: Connection, row: Any, folder_guid: str) -> dict[str, Any]:
    names = dict(conn.execute(select(users.c.id, users.c.username).where(
        users.c.id.in_([u for u in (row["filed_by"], row["unfiled_by"]) if u is not None]))).all())
    return {"folder": folder_guid, "letter_guid": row["letter_guid"], "filed": bool(row["filed"]),
            "filed_by": names.get(row["filed_by"]), "filed_at": format_time(as_utc(row["filed_at"])),
            "unfiled_by": names.get(row["unfiled_by"]) if row["unfiled_by"] is not None else None,
            "unfiled_at": format_time(as_utc(row["unfiled_at"])) if row["unfiled_at"] is not None else None,
            "reason": row["reason"], "cursor": row["cursor"]}


def file_letter(ctx: ServerContext, conn: Connection, principal: Principal, folder_guid: str,
                letter_guid: str) -> dict[str, Any]:
    """File a letter of the agency into a folder; one already there stays as it is (a retry)."""
    principal.require(*EDITORS)
    folder = _folder(conn, principal.agency_id, folder_guid, "folder")
    if not letter_visible(conn, principal.agency_id, letter_guid):
        raise _fail(404, "unknown_letter", "این نامه در دبیرخانه این سازمان ثبت نشده است.",
                    "Your agency holds no letter with this GUID (drafts are filed once registered).",
                    "letter_guid")
    prev = conn.execute(select(archive_filings).where(archive_filings.c.folder_id == folder["id"],
                                                      archive_filings.c.letter_guid == letter_guid)).mappings().first()
    if prev is not None and prev["filed"]:
        return _filing_view(conn, prev, folder_guid)
    row = {"filed": True, "filed_by": principal.user_id, "filed_at": _now(ctx), "unfiled_by": None,
           "unfiled_at": None, "reason": "", "cursor": next_value(ctx.db, conn, FEED)}
    if prev is None:
        row.update(agency_id=principal.agency_id, folder_id=folder["id"], letter_guid=letter_guid)
        conn.execute(insert(archive_filings).values(**row))
    else:
        conn.execute(update(archive_filings).where(archive_filings.c.id == prev["id"]).values(**row))
        row = {**prev, **row}
    _audit(ctx, conn, principal, "archive_filed", letter_guid, f"{folder['file_number']}: {folder['title']}")
    _event(ctx, conn, principal, "filed", letter_guid, row, {"folder": folder_guid, "file_number": folder["file_number"],
                                                             "title": folder["title"]})
    return _filing_view(conn, row, folder_guid)


def unfile_letter(ctx: ServerContext, conn: Connection, principal: Principal, folder_guid: str,
                  letter_guid: str, reason: str) -> dict[str, Any]:
    """Take a letter out of a folder, saying why (kept with who and when, and audited)."""
    principal.require(*EDITORS)
    folder = _folder(conn, principal.agency_id, folder_guid, "folder")
    why = " ".join(reason.split())
    if not why:
        raise _fail(422, "reason_required", "علت خروج نامه از بایگانی را بنویسید.",
                    "Say why the letter leaves the folder.", "reason")
    prev = conn.execute(select(archive_filings).where(archive_filings.c.folder_id == folder["id"],
                                                      archive_filings.c.letter_guid == letter_guid)).mappings().first()
    if prev is None or not prev["filed"]:
        raise _fail(409, "not_filed", "این نامه در این پرونده بایگانی نشده است.",
                    "The letter is not filed in this folder.", "letter_guid")
    new = {"filed": False, "unfiled_by": principal.user_id, "unfiled_at": _now(ctx), "reason": why,
           "cursor": next_value(ctx.db, conn, FEED)}
    conn.execute(update(archive_filings).where(archive_filings.c.id == prev["id"]).values(**new))
    _audit(ctx, conn, principal, "archive_unfiled", letter_guid, f"{folder['file_number']}: {why}")
    _event(ctx, conn, principal, "unfiled", letter_guid, new, {"folder": folder_guid,
                                                               "file_number": folder["file_number"], "reason": why})
    return _filing_view(conn, {**prev, **new}, folder_guid)


def folders_feed(ctx: ServerContext, principal: Principal, after: int, limit: int) -> dict[str, Any]:
    """The agency's folders changed after ``after``, in cursor order (every role reads the tree)."""
    with ctx.db.read() as conn:
        rows = conn.execute(select(archive_folders).where(
            archive_folders.c.agency_id == principal.agency_id, archive_folders.c.cursor > after)
            .order_by(archive_folders.c.cursor).limit(limit)).mappings().all()
        items = [_folder_view(conn, r) for r in rows]
    return {"items": items, "cursor": items[-1]["cursor"] if items else after, "more": len(items) == limit}


def filings_feed(ctx: ServerContext, principal: Principal, after: int, limit: int) -> dict[str, Any]:
    """The agency's filings changed after ``after`` (filed, or taken out with who, when and why)."""
    with ctx.db.read() as conn:
        rows = conn.execute(select(archive_filings, archive_folders.c.guid.label("folder_guid")).join(
            archive_folders, archive_folders.c.id == archive_filings.c.folder_id).where(
            archive_filings.c.agency_id == principal.agency_id, archive_filings.c.cursor > after)
            .order_by(archive_filings.c.cursor).limit(limit)).mappings().all()
        items = [_filing_view(conn, r, r["folder_guid"]) for r in rows]
    return {"items": items, "cursor": items[-1]["cursor"] if items else after, "more": len(items) == limit}
