"""What the main window's lists read, each in one short snapshot: a page of a folder, how many
letters match, every folder's size (folder None: a search across every folder), the outbox's progress. Qt-free; the UI calls these on workers."""

from __future__ import annotations

from app.models.db import Store
from app.models.folders import Folder, LetterRow, Place, count_letters, fetch_letters, folder_counts
from app.models.outbox_view import OutboxProgress, outbox_progress


def read_page(store: Store, folder: Place | None, offset: int, limit: int, query: str | None = None) -> list[LetterRow]:
    with store.reader() as s:
        return fetch_letters(s, folder, offset, limit, query)


def read_count(store: Store, folder: Place | None, query: str | None = None) -> int:
    with store.reader() as s:
        return count_letters(s, folder, query)


def read_folder_counts(store: Store) -> dict[Folder, int]:
    with store.reader() as s:
        return folder_counts(s)


def read_outbox(store: Store) -> list[OutboxProgress]:
    with store.reader() as s:
        return outbox_progress(s)
