"""The archive (بایگانی) in the local store: the agency's folder tree, filing letters, the folder's list. Qt-free.

The tree is the server's, copied here by the sync engine so that it can be browsed and filed
into offline. A filing or unfiling is stored at once (the letter leaves its working folder for
«بایگانی» while it is filed anywhere) and an outbox operation queued for it, keyed by its own
GUID so that the server stores it once; the engine sends them in the order they were made. A
letter may be filed in several folders: a paper secretariat puts a copy in each file it
concerns (the case file and the subject file), so Dabir does the same.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.models import letters as L
from app.models.changes import Changed, Changes
from app.models.db import Store
from app.models.lifecycle import State
from app.models.profile import signed_in_roles
from app.models.search import reindex
from app.models.tables import (
    ArchiveChange,
    ArchiveFiling,
    ArchiveFolder,
    Letter,
    OutboxOperation,
    new_guid,
    utcnow,
)
from app.protocol.archive import MAX_REASON, file_number_key
from app.protocol.canonical import InvalidContent
from app.protocol.receipt import parse_time

FILE_OP, UNFILE_OP = "archive_file", "archive_unfile"
OPS = (FILE_OP, UNFILE_OP)
# Letters whose work at the desk is done or under way: sent, or received (a paper letter numbered
# offline is numbered before the filing reaches the server). A draft or a letter still in the
# outbox is not filed: if the server refused it, it would be hidden in the archive, not returned.
FILEABLE = frozenset({State.SENT, State.DELIVERED, State.ACKNOWLEDGED, State.RECEIVED, State.INVALID,
                      State.INCOMING_PROVISIONAL, State.REGISTERED_INCOMING})
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class FiledIn:
    """The letter list of one archive folder (what the list reads instead of a :class:`Folder`)."""

    folder: str  # the folder's GUID (checked: it is written into the list's cached SQL)

    def __post_init__(self) -> None:
        if not _UUID.match(self.folder):
            raise ValueError(f"not a folder GUID: {self.folder!r}")

    def condition(self) -> ColumnElement[bool]:
        """The folder's letters, through ``ix_archive_filings_folder``."""
        return Letter.guid.in_(select(ArchiveFiling.letter_guid).where(
            ArchiveFiling.folder_guid == self.folder, ArchiveFiling.filed.is_(True)))


@dataclass(frozen=True)
class FolderNode:
    guid: str
    parent: str | None
    title: str
    file_number: str

    def matches(self, key: str) -> bool:
        """Whether a folded search text is in the title or the file number."""
        return not key or key in file_number_key(self.title) or key in file_number_key(self.file_number)


EDITOR_ROLES = frozenset({"secretary", "agency_admin"})


def may_edit(store: Store) -> bool:
    """Whether the user working here files letters and keeps the tree (a secretary or an agency
    administrator, as the server allows); every role browses it."""
    return bool(EDITOR_ROLES & set(signed_in_roles(store) or []))


def tree(store: Store) -> list[FolderNode]:
    """Every folder of the agency's archive, by file number (the UI nests them by parent)."""
    with store.reader() as s:
        rows = s.execute(select(ArchiveFolder.guid, ArchiveFolder.parent_guid, ArchiveFolder.title,
                                ArchiveFolder.file_number).order_by(ArchiveFolder.file_key, ArchiveFolder.guid)).all()
    return [FolderNode(*r) for r in rows]


def places(store: Store, letter_guid: str) -> list[FolderNode]:
    """The folders a letter is filed in (the letter view shows them)."""
    with store.reader() as s:
        rows = s.execute(select(ArchiveFolder.guid, ArchiveFolder.parent_guid, ArchiveFolder.title,
                                ArchiveFolder.file_number).join(
            ArchiveFiling, ArchiveFiling.folder_guid == ArchiveFolder.guid).where(
            ArchiveFiling.letter_guid == letter_guid, ArchiveFiling.filed.is_(True))
            .order_by(ArchiveFolder.file_key)).all()
    return [FolderNode(*r) for r in rows]


def _recount(s: Session, letter: Letter) -> None:
    """A letter is in «بایگانی» while it is filed in some folder; search finds it by those
    folders' file numbers (the filings are flushed first)."""
    s.flush()
    filed = s.scalar(select(ArchiveFiling.id).where(ArchiveFiling.letter_guid == letter.guid,
                                                    ArchiveFiling.filed.is_(True)).limit(1)) is not None
    if letter.archived != filed:
        letter.archived = filed
        s.flush()
    reindex(s.connection(), [letter.guid])


def _queue(s: Session, op: str, kind: str, folder: str, letter: str, me: str, reason: str = "") -> None:
    change = ArchiveChange(guid=new_guid(), kind=kind, folder_guid=folder, letter_guid=letter, reason=reason,
                           by_person=me)
    s.add(change)
    s.add(OutboxOperation(letter_guid=letter, op=op, idempotency_key=f"archive:{change.guid}"))


def file_letter(store: Store, letter_guid: str, folder_guid: str, me: str) -> Changed[str]:
    """File a letter held here into a folder; sent at the next sync. InvalidContent (with the
    Persian reason) when the letter or folder is not there, or the letter is a draft."""
    with store.session() as s:
        letter = s.get(Letter, letter_guid)
        if letter is None:
            raise InvalidContent("letter", "not in the store", "نامه در این رایانه یافت نشد.")
        if letter.state not in FILEABLE:
            raise InvalidContent("letter", "not sent or received", "نامه پیش از ارسال یا ثبت در دبیرخانه بایگانی نمی‌شود.")
        if s.get(ArchiveFolder, folder_guid) is None:
            raise InvalidContent("folder", "no such folder", "پرونده در بایگانی یافت نشد.")
        row = s.scalar(select(ArchiveFiling).where(ArchiveFiling.folder_guid == folder_guid,
                                                   ArchiveFiling.letter_guid == letter_guid))
        if row is not None and row.filed:
            raise InvalidContent("folder", "already filed", "نامه پیش‌تر در همین پرونده بایگانی شده است.")
        if row is None:
            row = ArchiveFiling(folder_guid=folder_guid, letter_guid=letter_guid)
            s.add(row)
        row.filed, row.filed_by, row.filed_at = True, me, utcnow()
        row.unfiled_by, row.unfiled_at, row.reason = None, None, ""
        _queue(s, FILE_OP, "file", folder_guid, letter_guid, me)
        _recount(s, letter)
        L.audit(s, "archived", letter_guid, me, folder=folder_guid)
    return Changed(folder_guid, Changes.of_letters([letter_guid], outbox=True))


def unfile_letter(store: Store, letter_guid: str, folder_guid: str, me: str, reason: str) -> Changed[str]:
    """Take a letter out of a folder («خروج از بایگانی») saying why; sent at the next sync."""
    why = " ".join(reason.split())
    if not why:
        raise InvalidContent("reason", "required", "علت خروج نامه از بایگانی را بنویسید.")
    if len(why) > MAX_REASON:
        raise InvalidContent("reason", "too long", "علت خروج از بایگانی بیش از اندازه بلند است.")
    with store.session() as s:
        row = s.scalar(select(ArchiveFiling).where(ArchiveFiling.folder_guid == folder_guid,
                                                   ArchiveFiling.letter_guid == letter_guid))
        if row is None or not row.filed:
            raise InvalidContent("folder", "not filed", "نامه در این پرونده بایگانی نشده است.")
        row.filed, row.unfiled_by, row.unfiled_at, row.reason = False, me, utcnow(), why
        _queue(s, UNFILE_OP, "unfile", folder_guid, letter_guid, me, why)
        letter = s.get(Letter, letter_guid)
        if letter is not None:
            _recount(s, letter)
        L.audit(s, "unarchived", letter_guid, me, folder=folder_guid, reason=why)
    return Changed(folder_guid, Changes.of_letters([letter_guid], outbox=True))


def _change_of(s: Session, item: OutboxOperation) -> ArchiveChange:
    change = s.get(ArchiveChange, item.idempotency_key.split(":", 1)[1])
    assert change is not None
    return change


def request_of(s: Session, item: OutboxOperation) -> dict[str, Any]:
    """What an outbox operation asks the server: kind, folder, letter and (unfiling) the reason."""
    change = _change_of(s, item)
    return {"kind": change.kind, "folder": change.folder_guid, "letter_guid": change.letter_guid,
            "reason": change.reason}


def mark_synced(s: Session, item: OutboxOperation) -> None:
    item.status = "done"


def mark_refused(s: Session, item: OutboxOperation, reason: str, error: str) -> None:
    """The server refused it: kept with the reason, not sent again; a refused filing leaves the folder."""
    item.status, item.last_error = "failed", error[:2000]
    change = _change_of(s, item)
    change.reject_reason = reason
    if change.kind == "file":
        row = s.scalar(select(ArchiveFiling).where(ArchiveFiling.folder_guid == change.folder_guid,
                                                   ArchiveFiling.letter_guid == change.letter_guid))
        if row is not None and row.filed:
            row.filed, row.reason = False, reason
            letter = s.get(Letter, change.letter_guid)
            if letter is not None:
                _recount(s, letter)


def file_sort_key(file_number: str) -> str:
    """The folded file number with its digit runs zero-padded, so that «۳» sorts before «۱۲»."""
    return re.sub(r"\d+", lambda m: m.group().zfill(12), file_number_key(file_number))


def apply_folders(s: Session, page: dict[str, Any]) -> int:
    """Store a page of the folders feed (new or changed folders); returns how many."""
    items = page.get("items", [])
    for f in items:
        row = s.get(ArchiveFolder, f["id"])
        if row is None:
            row = ArchiveFolder(guid=f["id"])
            s.add(row)
        renumbered = row.file_number is not None and row.file_number != f["file_number"]
        row.parent_guid, row.title, row.file_number = f.get("parent"), f["title"], f["file_number"]
        row.file_key, row.cursor = file_sort_key(f["file_number"]), int(f["cursor"])
        if renumbered:  # its letters are found by the new number
            s.flush()
            reindex(s.connection(), s.scalars(select(ArchiveFiling.letter_guid).where(
                ArchiveFiling.folder_guid == row.guid, ArchiveFiling.filed.is_(True))))
    return len(items)


def _pending(s: Session) -> set[tuple[str, str]]:
    """(folder, letter) of the filings made here the server has not stored yet."""
    keys = [k.split(":", 1)[1] for k in s.scalars(select(OutboxOperation.idempotency_key).where(
        OutboxOperation.op.in_(OPS), OutboxOperation.status == "pending"))]
    return {(c.folder_guid, c.letter_guid) for c in s.scalars(
        select(ArchiveChange).where(ArchiveChange.guid.in_(keys)))} if keys else set()


def apply_filings(s: Session, page: dict[str, Any]) -> list[str]:
    """Store a page of the filings feed (a filing made here and still waiting wins); returns the
    GUIDs of the letters held here whose place in the archive changed."""
    waiting = _pending(s)
    touched: list[str] = []
    for f in page.get("items", []):
        if (f["folder"], f["letter_guid"]) in waiting:
            continue
        row = s.scalar(select(ArchiveFiling).where(ArchiveFiling.folder_guid == f["folder"],
                                                   ArchiveFiling.letter_guid == f["letter_guid"]))
        if row is None:
            row = ArchiveFiling(folder_guid=f["folder"], letter_guid=f["letter_guid"])
            s.add(row)
        row.filed, row.filed_by, row.filed_at = bool(f["filed"]), f.get("filed_by") or "", parse_time(f["filed_at"])
        row.unfiled_by = f.get("unfiled_by")
        row.unfiled_at = parse_time(f["unfiled_at"]) if f.get("unfiled_at") else None
        row.reason = f.get("reason") or ""
        s.flush()
        letter = s.get(Letter, f["letter_guid"])
        if letter is not None:
            _recount(s, letter)
            if letter.guid not in touched:
                touched.append(letter.guid)
    return touched


@dataclass(frozen=True)
class FilingNote:
    """Where a letter is or was filed, for its details: the folder, who filed or took it out, when, why."""

    folder: FolderNode
    filed: bool
    by: str
    at: dt.datetime
    reason: str


def history(store: Store, letter_guid: str) -> list[FilingNote]:
    """The letter's filings, filed ones first."""
    with store.reader() as s:
        rows = s.execute(select(ArchiveFolder.guid, ArchiveFolder.parent_guid, ArchiveFolder.title,
                                ArchiveFolder.file_number, ArchiveFiling).join(
            ArchiveFiling, ArchiveFiling.folder_guid == ArchiveFolder.guid).where(
            ArchiveFiling.letter_guid == letter_guid).order_by(ArchiveFiling.filed.desc(), ArchiveFolder.file_key)).all()
        return [FilingNote(FolderNode(g, p, t, n), f.filed, (f.filed_by if f.filed else f.unfiled_by) or "",
                           (f.filed_at if f.filed else f.unfiled_at) or f.filed_at, f.reason)
                for g, p, t, n, f in rows]
