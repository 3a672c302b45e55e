"""A letter's attachments in the local store: checked and copied into the blob store the moment
they are attached (drafts stay complete offline), listed, addressed when sealed for signing, and
taken from a received letter's content. Qt-free.

Files are hashed and copied a chunk at a time (:class:`app.models.blobs.BlobStore`), never read
whole into memory.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.db import Store
from app.models.document_limits import DEFAULT, DocumentLimits, server_limits
from app.models.profile import SERVER_BASE_SETTING, read_setting, write_setting
from app.models.tables import Attachment, Letter, Setting
from app.protocol.documents import document_address
from app.protocol.media import (
    EXECUTABLE,
    name_for_type,
    runnable_name,
    safe_file_name,
    same_type,
    shown_name,
    sniff,
)
from app.protocol.persian import to_persian_digits

_UNITS = ("بایت", "کیلوبایت", "مگابایت", "گیگابایت")


class AttachmentRefused(ValueError):
    """A file that cannot be attached; ``message_fa`` says why, for the user."""

    def __init__(self, message: str, message_fa: str) -> None:
        super().__init__(message)
        self.message_fa = message_fa


@dataclass(frozen=True)
class AttachmentEntry:
    """One attachment as the editor lists it and the letter's content names it."""

    sha256: str
    size: int
    media_type: str
    name: str
    address: str | None = None

    @property
    def size_text(self) -> str:
        return size_text(self.size)


def size_text(size: int) -> str:
    """A size as people read it: «۹ بایت», «۲٫۴ مگابایت»."""
    value, unit = float(size), 0
    while value >= 1024 and unit < len(_UNITS) - 1:
        value, unit = value / 1024, unit + 1
    number = str(size) if unit == 0 else f"{value:.1f}".removesuffix(".0")
    return f"{to_persian_digits(number).replace('.', '٫')} {_UNITS[unit]}"


def check_file(path: Path, limits: DocumentLimits = DEFAULT) -> str:
    """The media type of a file that may be attached, told by its content as the server tells it,
    or AttachmentRefused: named like a program or script, or beyond the server's ``limits``. The
    messages name the file sanitized and isolated (a bidi override would turn them around)."""
    name, shown = safe_file_name(path.name), shown_name(path.name)
    if runnable_name(name):
        raise AttachmentRefused(f"{name!r}: named like a program or script",
                                f"پروندهٔ «{shown}» به نام یک برنامه یا اسکریپت است و پیوست نمی‌شود.")
    try:
        size = path.stat().st_size
        require_size_within(name, size, limits)  # before a byte is read
        media_type = sniff(path)
    except OSError as exc:
        raise AttachmentRefused(f"{name!r}: cannot be read: {exc}", f"پروندهٔ «{shown}» خوانده نشد.") from exc
    require_type_within(name, media_type, limits)
    return media_type


def require_size_within(name: str, size: int, limits: DocumentLimits) -> None:
    if size > limits.max_bytes:
        raise AttachmentRefused(
            f"{name!r}: {size} bytes, more than {limits.max_bytes}",
            f"پروندهٔ «{shown_name(name)}» ({size_text(size)}) از سقف مجاز پیوست ({size_text(limits.max_bytes)}) "
            "بزرگ‌تر است.")


def require_type_within(name: str, media_type: str, limits: DocumentLimits) -> None:
    if not limits.allows_type(media_type):
        kinds = ("پرونده‌های Word، Excel، PowerPoint، PDF، تصویر (JPG، PNG، TIFF)، ویدئوی MP4، متن و ZIP را "
                 "می‌توان پیوست کرد." if limits.media_types == DEFAULT.media_types
                 else "کارگزار این نوع پرونده را نمی‌پذیرد.")
        raise AttachmentRefused(f"{name!r}: {media_type} is not an allowed kind of document",
                                f"نوع پروندهٔ «{shown_name(name)}» برای پیوست مجاز نیست؛ {kinds}")


def require_within(attachments: Iterable[Attachment], limits: DocumentLimits) -> None:
    """AttachmentRefused for the first of a letter's attachments the server would refuse."""
    for a in attachments:
        require_size_within(a.file_name, a.size, limits)
        require_type_within(a.file_name, a.media_type, limits)


def copy_in(store: Store, path: Path, on_progress: Callable[[int, int], None] | None = None) -> AttachmentEntry:
    """Check a file and copy it into the blob store (progress as (done, total) bytes; the callback
    may raise to stop). Nothing is copied when the file is refused (beyond the server's limits as
    the last sync brought them, too)."""
    media_type = check_file(path, server_limits(store))
    total = path.stat().st_size
    sha, size = store.blobs.put_file(path, (lambda done: on_progress(done, total)) if on_progress else None)
    return AttachmentEntry(sha, size, media_type, safe_file_name(path.name, sha[:16]))


def entries(letter: Letter) -> list[AttachmentEntry]:
    return [AttachmentEntry(a.sha256, a.size, a.media_type, a.file_name, a.remote_address) for a in letter.attachments]


def set_entries(session: Session, letter: Letter, wanted: list[AttachmentEntry]) -> bool:
    """Make the letter's attachment rows what the editor lists (in order); True if anything changed.
    The caller has made sure the letter may change (``edit_letter``)."""
    key = [(e.sha256, e.size, e.media_type, e.name) for e in wanted]
    if [(a.sha256, a.size, a.media_type, a.file_name) for a in letter.attachments] == key:
        return False
    letter.attachments.clear()
    session.flush()  # positions are unique per letter: retire the old rows first
    letter.attachments.extend(Attachment(position=i, sha256=e.sha256, size=e.size, media_type=e.media_type,
                                         file_name=e.name) for i, e in enumerate(wanted))
    return True


def server_base(session: Session) -> str:
    """The profile's server (the account's, else the configured address): where its documents live."""
    for key, field in (("account", "server_url"), (SERVER_BASE_SETTING, "url")):
        row = session.get(Setting, key)
        if row is not None and isinstance(row.value, dict) and row.value.get(field):
            return str(row.value[field])
    return ""


def seal_addresses(session: Session, letter: Letter) -> None:
    """Give each attachment its address on the profile's server, known from its hash alone: done as
    the letter goes for signature, so the signature covers it (offline too)."""
    base = server_base(session)
    for a in letter.attachments:
        address = document_address(base, a.sha256) if base else None
        if a.remote_address != address:
            a.remote_address = address


def from_content(content: dict[str, Any]) -> list[Attachment]:
    """The attachment rows of a received letter, from its signed content (what is wrong is skipped:
    the verdict on the package already says whether its content is sound)."""
    out: list[Attachment] = []
    for a in content.get("attachments") or []:
        if not isinstance(a, dict) or not isinstance(a.get("sha256"), str) or not isinstance(a.get("size"), int):
            continue
        out.append(Attachment(position=len(out), sha256=a["sha256"][:64], size=a["size"],
                              media_type=str(a.get("media_type") or "")[:200], file_name=str(a.get("name") or "")[:500],
                              remote_address=str(a.get("address") or "")[:2000] or None))
    return out


@dataclass(frozen=True)
class Listed:
    """An attachment as the letter view lists it: whether its bytes are on this computer yet."""

    entry: AttachmentEntry
    here: bool


def read_attachments(store: Store, guid: str) -> list[Listed]:
    with store.reader() as s:
        rows = list(s.scalars(select(Attachment).where(Attachment.letter_guid == guid).order_by(Attachment.position)))
        listed = [AttachmentEntry(a.sha256, a.size, a.media_type, a.file_name, a.remote_address) for a in rows]
    return [Listed(e, store.blobs.has(e.sha256)) for e in listed]


def checked_name(store: Store, entry: AttachmentEntry) -> str:
    """The name a downloaded attachment is handed out under (opened or saved): its extension is one
    of the signed media type's, and the bytes here must be of that type too (AttachmentRefused
    otherwise), so the desktop never runs what arrived as a document."""
    found = sniff(store.blobs.path(entry.sha256), entry.name)
    if found == EXECUTABLE or not same_type(entry.media_type, found):
        raise AttachmentRefused(
            f"attachment {entry.sha256[:12]}: signed as {entry.media_type!r}, the content is {found!r}",
            f"نوع محتوای پیوست «{shown_name(entry.name)}» با نوع ثبت‌شده در نامه مطابقت ندارد؛ "
            "برای ایمنی باز یا ذخیره نمی‌شود.")
    return name_for_type(entry.name, entry.media_type, entry.sha256[:16])


def export_copy(store: Store, entry: AttachmentEntry, target: Path, *, mode: int = 0o600) -> Path:
    """Copy a stored attachment to ``target`` (streamed; owner-only, as the profile's data is)."""
    tmp = target.with_name(target.name + ".part")
    with store.blobs.open(entry.sha256) as src, open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                                                     "wb") as out:
        shutil.copyfileobj(src, out, 1024 * 1024)
    os.chmod(tmp, mode)
    os.replace(tmp, target)
    return target


def save_copy(store: Store, entry: AttachmentEntry, target: Path) -> Path:
    """«Save as…»: a copy where the user chose, once the content is checked (:func:`checked_name`)."""
    checked_name(store, entry)
    return export_copy(store, entry, target)


OPENED_FOLDER = "opened"
OPENED_KEPT = dt.timedelta(days=1)


def open_copy(store: Store, entry: AttachmentEntry) -> Path:
    """A copy for the system's default application: each open gets a fresh read-only copy in a
    folder of its own under the profile's ``opened`` folder (an edit the user made in an earlier one
    is never overwritten, the program offers «save as»), under :func:`checked_name`."""
    name = checked_name(store, entry)
    opened = store.data_dir / OPENED_FOLDER
    opened.mkdir(exist_ok=True, mode=0o700)  # mkdir(parents=True) would give it the umask's mode
    folder = Path(tempfile.mkdtemp(dir=opened, prefix=entry.sha256[:12] + "-"))  # owner-only
    return export_copy(store, entry, folder / name, mode=0o400)


def remove_old_copies(store: Store, now: float | None = None) -> int:
    """Remove the opened copies older than OPENED_KEPT (at start-up); how many folders went. One
    still open in a program (Windows keeps it) stays until a later start."""
    opened = store.data_dir / OPENED_FOLDER
    limit = (time.time() if now is None else now) - OPENED_KEPT.total_seconds()
    removed = 0
    for folder in opened.iterdir() if opened.is_dir() else ():
        try:
            if folder.lstat().st_mtime >= limit:
                continue
            if folder.is_dir() and not folder.is_symlink():
                for copy in folder.iterdir():
                    copy.chmod(0o600)  # Windows refuses to delete a read-only file
                shutil.rmtree(folder)
            else:
                folder.unlink()
            removed += 1
        except OSError:
            continue
    return removed


LAST_FOLDER_SETTING = "attachments:last_folder"  # where the attach dialogs (editor, paper letters) start


def last_folder(store: Store) -> str | None:
    value = read_setting(store, LAST_FOLDER_SETTING)
    return value if isinstance(value, str) else None


def remember_folder(store: Store, chosen: str) -> None:
    """The folder of the file just chosen: the attach dialogs' next start."""
    write_setting(store, LAST_FOLDER_SETTING, str(Path(chosen).parent))
