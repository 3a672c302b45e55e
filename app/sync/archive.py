"""The archive in a sync pass: filings made here go to the server in order, then the agency's
folder tree and filings come back. Making, renaming and moving a folder go to the server at once
(:func:`make_folder`, :func:`change_folder`): only the server can tell whether a file number is
free in the agency, and a folder letters were filed into offline must not be refused later.

Filings and unfilings are sent one at a time, oldest first, like referrals: a letter filed and
taken out again offline reaches the server in that order. Each call carries the operation's
fixed key (a retry is stored once) and its outcome commits with the operation's progress; a
refusal is kept with its Persian reason and the queue goes on. The two feeds advance by cursors
stored in the same transaction as what they delivered.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, Protocol

from sqlalchemy import select

from app.models import archive as A
from app.models.db import Store
from app.models.tables import OutboxOperation
from app.sync import outbox
from app.sync.api import ApiError

log = logging.getLogger(__name__)
Event = tuple[str, dict[str, Any]]
PAGE = 500
FOLDERS_CURSOR, FILINGS_CURSOR = "archive_folders", "archive_filings"


class ArchiveApi(Protocol):
    def archive_folders(self, after: int = 0, limit: int = 500) -> dict[str, Any]: ...
    def archive_filings(self, after: int = 0, limit: int = 500) -> dict[str, Any]: ...
    def file_letter(self, folder: str, letter_guid: str, *, idempotency_key: str) -> dict[str, Any]: ...
    def unfile_letter(self, folder: str, letter_guid: str, reason: str, *, idempotency_key: str) -> dict[str, Any]: ...


class FolderApi(Protocol):
    def create_folder(self, body: dict[str, Any], *, idempotency_key: str | None = None) -> dict[str, Any]: ...
    def update_folder(self, guid: str, changes: dict[str, Any], *,
                      idempotency_key: str | None = None) -> dict[str, Any]: ...


def make_folder(store: Store, api: FolderApi, title: str, file_number: str, parent: str | None) -> dict[str, Any]:
    """Create a folder on the server and keep its copy here; ApiError (Persian reason) if refused."""
    folder = api.create_folder({"id": str(uuid.uuid4()), "parent": parent, "title": title,
                                "file_number": file_number})
    with store.session() as s:
        A.apply_folders(s, {"items": [folder]})
    return folder


def change_folder(store: Store, api: FolderApi, guid: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Rename (title, file_number) or move (parent) a folder on the server, then here."""
    folder = api.update_folder(guid, changes, idempotency_key=f"archive_folder:{uuid.uuid4()}")
    with store.session() as s:
        A.apply_folders(s, {"items": [folder]})
    return folder


def sync(store: Store, api: ArchiveApi, call: Callable[[Callable[[], Any]], Any],
         clock: Callable[[], dt.datetime]) -> Iterator[Event]:
    """Send what was filed here, then pull the tree and the filings. ``call`` runs a server call and
    raises the engine's Offline/LoginRequired (which stop this, as the whole run)."""
    yield from _send_pending(store, api, call, clock)
    _pull(store, FOLDERS_CURSOR, partial(_folders_page, api, call), A.apply_folders)
    for guids in _pull(store, FILINGS_CURSOR, partial(_filings_page, api, call), A.apply_filings):
        if guids:
            yield "archive_changed", {"guids": guids}


def _folders_page(api: ArchiveApi, call: Callable[[Callable[[], Any]], Any], after: int) -> dict[str, Any]:
    page: dict[str, Any] = call(partial(api.archive_folders, after=after, limit=PAGE))
    return page


def _filings_page(api: ArchiveApi, call: Callable[[Callable[[], Any]], Any], after: int) -> dict[str, Any]:
    page: dict[str, Any] = call(partial(api.archive_filings, after=after, limit=PAGE))
    return page


def _pull(store: Store, cursor: str, fetch: Callable[[int], dict[str, Any]],
          apply: Callable[[Any, dict[str, Any]], Any]) -> list[Any]:
    """Every page of a feed after the stored cursor, each stored with the cursor it reached."""
    results = []
    while True:
        with store.reader() as s:
            after = outbox.get_cursor(s, cursor)
        page = fetch(after)
        with store.session() as s, s.no_autoflush:
            results.append(apply(s, page))
            outbox.set_cursor(s, cursor, page["cursor"])
        if not page.get("more"):
            return results


def _next(store: Store, now: dt.datetime) -> tuple[int, str, dict[str, Any]] | None:
    """The oldest pending filing operation if its time has come: (op id, key, request)."""
    with store.reader() as s:
        item = s.scalars(select(OutboxOperation).where(OutboxOperation.op.in_(A.OPS),
                                                       OutboxOperation.status == "pending")
                         .order_by(OutboxOperation.id).limit(1)).first()
        if item is None or item.next_attempt_at > now:
            return None
        return item.id, item.idempotency_key, A.request_of(s, item)


def _send_pending(store: Store, api: ArchiveApi, call: Callable[[Callable[[], Any]], Any],
                  clock: Callable[[], dt.datetime]) -> Iterator[Event]:
    while (step := _next(store, clock())) is not None:
        op_id, key, body = step
        try:
            if body["kind"] == "file":
                result: dict[str, Any] | ApiError = call(partial(
                    api.file_letter, body["folder"], body["letter_guid"], idempotency_key=key))
            else:
                result = call(partial(api.unfile_letter, body["folder"], body["letter_guid"], body["reason"],
                                      idempotency_key=key))
        except ApiError as exc:
            result = exc
        yield _store(store, op_id, result)


def _store(store: Store, op_id: int, result: dict[str, Any] | ApiError) -> Event:
    with store.session() as s:
        item = s.get(OutboxOperation, op_id)
        assert item is not None
        if isinstance(result, ApiError):
            reason = result.message_fa or result.message_en
            A.mark_refused(s, item, reason, f"{result.status} {result.code}: {result.message_en}")
            log.warning("server refused %s %s: %s %s", item.op, item.idempotency_key, result.status, result.code)
            return "archive_refused", {"guid": item.letter_guid, "reason": reason, "code": result.code}
        A.mark_synced(s, item)
        return "archive_sent", {"guid": item.letter_guid, "op": item.op}
