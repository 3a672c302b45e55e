"""Attachments to and from the server's document store: resumable uploads, hash-checked downloads.

Both stream (a chunk is read from the file as it is sent, two chunks in flight; a download is
written as it arrives) and
resume: an upload from what the server confirms it has (the caller keeps :class:`UploadState`
across restarts), a download from the bytes already in ``<dest>.part`` (an HTTP range request).
A download is checked against the SHA-256 signed into the letter before it gets its name.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from app.protocol.documents import sha256_from_address
from app.sync.api import ApiError, DabirApi

PIECE = 1 << 20  # bytes read from a file (or the network) at a time
PARALLEL = 2  # chunks in flight: the server stores one while the next one arrives
Progress = Callable[[int, int], None]  # (bytes done, total)


@dataclass
class UploadState:
    """Where an attachment's upload stands; the engine keeps it to resume after a restart."""

    upload_id: str | None = None
    received: int = 0  # bytes the server confirmed, contiguous from the start


class Cancelled(Exception):
    """The caller's ``cancel`` event was set; the upload or download resumes from where it stopped."""


class DocumentCorrupt(ApiError):
    """The bytes received are not the document the letter names (size or SHA-256); nothing was kept."""

    def __init__(self, message_en: str) -> None:
        super().__init__(0, "document_corrupt", "پرونده دریافت‌شده با چکیده ثبت‌شده در نامه مطابقت ندارد؛ "
                         "پرونده باز نمی‌شود.", message_en)

    @property
    def retryable(self) -> bool:
        return False


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled()


def _pieces(file: BinaryIO, start: int, end: int, cancel: threading.Event | None) -> Iterator[bytes]:
    file.seek(start)
    left = end - start
    while left > 0:
        _check(cancel)
        piece = file.read(min(PIECE, left))
        if not piece:
            raise OSError(f"the file ended {left} bytes early (changed while uploading?)")
        left -= len(piece)
        yield piece


def upload_document(api: DabirApi, path: Path, *, name: str, media_type: str, sha256: str, size: int,
                    state: UploadState, on_progress: Progress | None = None,
                    cancel: threading.Event | None = None) -> dict[str, Any]:
    """Upload ``path`` (resuming ``state``) and return the server's {address, sha256, size, media_type, name}.
    ``state`` is updated after each chunk; a refusal of the bytes (hash or type) clears it."""
    missing: list[list[int]] | None = None
    chunk = 0
    if state.upload_id is not None:
        try:
            status = api.upload_status(state.upload_id)
            missing, chunk, state.received = status["missing"], status["chunk_size"], status["received"]
        except ApiError as exc:
            if exc.status != 404:
                raise
            state.upload_id, state.received = None, 0  # gone (or another account's): start again
    if state.upload_id is None:
        created = api.create_upload(name=name, size=size, media_type=media_type, sha256=sha256)
        state.upload_id, state.received, chunk = created["upload_id"], created["received"], created["chunk_size"]
        missing = [] if created["complete"] else [[0, size]]
    assert missing is not None
    done = size - sum(end - start for start, end in missing)
    if on_progress is not None:
        on_progress(done, size)
    upload_id = state.upload_id
    stop = threading.Event()

    def send(start: int, end: int) -> dict[str, Any] | None:
        if stop.is_set():
            return None
        _check(cancel)
        with path.open("rb") as file:
            return api.put_upload_chunk(upload_id, start, end, size, _pieces(file, start, end, cancel))

    spans = [(start, min(start + chunk, last)) for first, last in missing for start in range(first, last, chunk)]
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = {pool.submit(send, *span): span for span in spans}
        try:
            for future in as_completed(futures):  # state and progress move on this (the caller's) thread
                answer = future.result()
                start, end = futures[future]
                state.received = max(state.received, int(answer["received"]) if answer else 0)
                done += end - start
                if on_progress is not None:
                    on_progress(done, size)
        except BaseException:
            stop.set()  # chunks in flight finish (or fail); none starts
            raise
    try:
        return api.complete_upload(state.upload_id)
    except ApiError as exc:
        if exc.status == 422:  # the server dropped the bytes: a new upload is needed
            state.upload_id, state.received = None, 0
        raise


def download_document(api: DabirApi, address: str, dest: Path, *, sha256: str, size: int,
                      on_progress: Progress | None = None, cancel: threading.Event | None = None) -> Path:
    """Fetch the document to ``dest`` (through ``<dest>.part``, resuming it), check size and SHA-256,
    then rename. Always asks this account's server (the address only names the document: a token
    is never sent to a host a letter names). A mismatch raises DocumentCorrupt and keeps no file."""
    if sha256_from_address(address) != sha256:
        raise DocumentCorrupt("The attachment's address does not name its SHA-256.")
    part = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    have = 0
    if part.exists() and part.stat().st_size <= size:
        with part.open("rb") as f:
            while piece := f.read(PIECE):
                digest.update(piece)
                have += len(piece)
    else:
        part.unlink(missing_ok=True)
    if on_progress is not None:
        on_progress(have, size)
    if have < size:
        with api.document_stream(sha256, start=have) as resp:
            if resp.status_code != 206:  # the whole document: start over
                digest, have = hashlib.sha256(), 0
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | (os.O_APPEND if have else os.O_TRUNC), 0o600)
            with os.fdopen(fd, "wb") as out:
                for piece in resp.iter_bytes(PIECE):
                    _check(cancel)
                    out.write(piece)
                    digest.update(piece)
                    have += len(piece)
                    if have > size:
                        break
                    if on_progress is not None:
                        on_progress(have, size)
                out.flush()
                os.fsync(out.fileno())
    if have != size or digest.hexdigest() != sha256:
        part.unlink(missing_ok=True)
        raise DocumentCorrupt(f"Received {have} bytes with another SHA-256 than the letter's ({size} bytes expected)."
                              if digest.hexdigest() != sha256 else f"Received {have} bytes of {size}.")
    os.replace(part, dest)
    return dest
