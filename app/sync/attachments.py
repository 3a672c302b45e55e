"""Attachments to the documents system before their letter is registered, and back on demand.

A letter (or a paper letter with scans) waiting in the outbox is registered only once the server
has all its attachments: each is uploaded with :func:`app.sync.documents.upload_document`, whose
:class:`UploadState` is kept in the store as the server confirms chunks, so a restart or a dropped
connection resumes from the last confirmed offset. A blob missing or altered on this computer
refuses the letter with the reason (it can only be corrected by attaching the file again).
Downloads go into the blob store, checked against the SHA-256 the letter's signature covers.
Qt-free; the engine runs the uploads, the letter view the downloads (on workers).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.models.attachments import AttachmentEntry
from app.models.db import Store
from app.models.incoming import INCOMING_OP, PAPER
from app.models.tables import Attachment, Letter, OutboxOperation, utcnow
from app.protocol.documents import document_address
from app.sync import outbox
from app.sync.api import ApiError, DabirApi
from app.sync.documents import UploadState, download_document, upload_document

log = logging.getLogger(__name__)

EVENT_EVERY_S = 0.25  # how often progress is reported
Event = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class _Job:
    attachment_id: int
    letter_guid: str
    op_id: int
    sha256: str
    size: int
    media_type: str
    name: str
    upload_id: str | None
    uploaded: int


def waiting(session: Session, guids: list[str]) -> set[str]:
    """Which of these letters still have an attachment the server does not have."""
    if not guids:
        return set()
    return set(session.scalars(select(Attachment.letter_guid).where(
        Attachment.letter_guid.in_(guids), Attachment.uploaded_at.is_(None))))


def _jobs(store: Store, now: Any) -> list[_Job]:
    with store.reader() as s:
        rows = s.execute(
            select(Attachment, OutboxOperation.id)
            .join(OutboxOperation, OutboxOperation.letter_guid == Attachment.letter_guid)
            .join(Letter, Letter.guid == Attachment.letter_guid)
            .where(OutboxOperation.status == "pending", OutboxOperation.next_attempt_at <= now,
                   Attachment.uploaded_at.is_(None),
                   # a received electronic letter's attachments are the sender's, already on the server
                   or_(OutboxOperation.op == outbox.REGISTER,
                       and_(OutboxOperation.op == INCOMING_OP, Letter.channel == PAPER)))
            .order_by(OutboxOperation.id, Attachment.position)).all()
        return [_Job(a.id, a.letter_guid, op_id, a.sha256, a.size, a.media_type, a.file_name, a.upload_id, a.uploaded)
                for a, op_id in rows]


def missing_locally(job_name: str) -> ApiError:
    """The refusal of a letter whose attachment's bytes are gone or changed on this computer."""
    return ApiError(422, "attachment_missing_locally",
                    f"پیوست «{job_name}» در این رایانه یافت نشد یا تغییر کرده است؛ نامه ثبت نشد. "
                    "نامه را اصلاح کنید، پرونده را دوباره پیوست کنید و دوباره امضا کنید.",
                    f"the attachment {job_name!r} is missing or altered in the local blob store")


def _naming(exc: ApiError, name: str) -> ApiError:
    """The server's refusal of one attachment, saying which (its message speaks of «the file»)."""
    return ApiError(exc.status, exc.code, f"پیوست «{name}»: {exc.message_fa}", f"attachment {name!r}: {exc.message_en}",
                    exc.field)


class Speed:
    """The speed and time left of one transfer, from its (done, total) reports: since the first
    report, so bytes already here (a resumed download) do not count as fast ones."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._start: tuple[float, int] | None = None

    def __call__(self, done: int, total: int) -> tuple[float, float | None]:
        now = self._clock()
        if self._start is None:
            self._start = (now, done)
        started, first = self._start
        rate = (done - first) / (now - started) if now > started else 0.0
        return rate, ((total - done) / rate if rate > 0 else None)


class _Progress:
    """Reports an upload's progress (bytes, rate, time left) and keeps its confirmed offset in the store."""

    def __init__(self, store: Store, job: _Job, state: UploadState, on_event: Callable[[str, dict[str, Any]], None]
                 ) -> None:
        self.store, self.job, self.state, self.on_event = store, job, state, on_event
        self.speed = Speed()  # from the bytes the server had when this run began
        self.saved = (job.upload_id, job.uploaded)
        self.last_event = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        rate, eta = self.speed(done, total)
        if (self.state.upload_id, self.state.received) != self.saved:  # a chunk confirmed: one short write
            self.save()
        if now - self.last_event >= EVENT_EVERY_S or done >= total:
            self.last_event = now
            self.on_event("upload_progress", {
                "guid": self.job.letter_guid, "name": self.job.name, "done": done, "total": total,
                "rate": rate, "eta": eta})

    def save(self) -> None:
        """Keep the upload id and the offset the server confirmed (a restart resumes from it)."""
        self.saved = (self.state.upload_id, self.state.received)
        with self.store.session() as s:
            att = s.get(Attachment, self.job.attachment_id)
            if att is not None:
                att.upload_id, att.uploaded = self.state.upload_id, self.state.received


def upload_pending(store: Store, api: DabirApi, call: Callable[[Callable[[], Any]], Any],
                   on_event: Callable[[str, dict[str, Any]], None]) -> Iterator[Event]:
    """Upload the attachments of the letters whose registration is due, one at a time, yielding
    ``("uploaded", …)`` per attachment and ``("attachment_refused", {"op_id", "error"})`` for a
    letter that cannot be registered as it is. ``call`` runs a server call and raises the engine's
    Offline/LoginRequired, which stop this as the whole run (the offset reached is kept)."""
    refused: set[str] = set()
    for job in _jobs(store, utcnow()):
        if job.letter_guid in refused:
            continue
        path = store.blobs.path(job.sha256)
        fresh = job.upload_id is None  # a resumed upload was checked when it began
        if not path.is_file() or path.stat().st_size != job.size or (fresh and not store.blobs.verify(job.sha256)):
            refused.add(job.letter_guid)
            yield "attachment_refused", {"guid": job.letter_guid, "op_id": job.op_id, "error": missing_locally(job.name)}
            continue
        state = UploadState(job.upload_id, job.uploaded)
        progress = _Progress(store, job, state, on_event)
        try:
            answer = call(partial(upload_document, api, path, name=job.name, media_type=job.media_type,
                                  sha256=job.sha256, size=job.size, state=state, on_progress=progress))
        except ApiError as exc:  # refused by the server (type, size, hash): the letter must be corrected
            refused.add(job.letter_guid)
            progress.save()
            log.warning("server refused attachment %s of %s: %s", job.sha256[:12], job.letter_guid, exc)
            yield "attachment_refused", {"guid": job.letter_guid, "op_id": job.op_id, "error": _naming(exc, job.name)}
            continue
        except OSError as exc:  # the blob changed under the upload
            refused.add(job.letter_guid)
            log.warning("attachment %s of %s could not be read: %s", job.sha256[:12], job.letter_guid, exc)
            yield "attachment_refused", {"guid": job.letter_guid, "op_id": job.op_id, "error": missing_locally(job.name)}
            continue
        finally:
            if (state.upload_id, state.received) != progress.saved:
                progress.save()
        with store.session() as s:
            att = s.get(Attachment, job.attachment_id)
            if att is not None:
                att.uploaded, att.uploaded_at = job.size, utcnow()
        yield "uploaded", {"guid": job.letter_guid, "name": job.name, "sha256": job.sha256,
                           "address": answer.get("address")}


def fetch(store: Store, api: DabirApi, entry: AttachmentEntry, on_progress: Callable[[int, int], None] | None = None
          ) -> None:
    """Download an attachment into the blob store, checked against its signed SHA-256 (a mismatch
    raises DocumentCorrupt, with its Persian message, and keeps nothing)."""
    if store.blobs.has(entry.sha256):
        return
    dest = store.blobs.path(entry.sha256)
    dest.parent.mkdir(mode=0o700, exist_ok=True)
    address = entry.address or document_address(api.base_url, entry.sha256)
    download_document(api, address, dest, sha256=entry.sha256, size=entry.size, on_progress=on_progress)
