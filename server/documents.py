"""Documents (attachments): resumable uploads, content-addressed storage, access, ranged downloads.

An upload is created with the file's name, size, media type and SHA-256; its chunks (chunk *k* =
bytes [k·chunk_size, (k+1)·chunk_size), ``Content-Range`` on a PUT) come in any order and again;
on completion the server reads the bytes back and checks size, SHA-256 and the media type found in
the content (against the allowlist), then the document is stored once under its SHA-256. Every
step keeps its state in the database and the storage, never in this process, so any server may
take the next request. A chunk sent again replaces itself, so uploads need no idempotency records.

Who may read a document is server/attachments.py's answer; anyone else gets the 404 of a missing one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import re
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from pydantic import Field
from sqlalchemy import Connection, delete, insert, select, update
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from app.protocol.documents import document_address
from app.protocol.media import Sniffer, runnable_name, safe_file_name, same_type
from app.protocol.persian import to_persian_digits
from server.attachments import may_read
from server.auth import Principal
from server.context import ServerContext
from server.errors import ApiError, not_found
from server.requests import Strict
from server.storage import PIECE, Storage
from server.tables.documents import UPLOADED, document_access, documents, upload_parts, uploads

SHA256_PATTERN = r"^[0-9a-f]{64}$"
T = TypeVar("T")
log = logging.getLogger("dabir.server")
_CONTENT_RANGE = re.compile(r"bytes (\d{1,19})-(\d{1,19})/(\d{1,19})")
_RANGE = re.compile(r"bytes=(\d{0,19})-(\d{0,19})")


class UploadIn(Strict):
    name: str = Field(min_length=1, max_length=500)
    size: int = Field(ge=0, le=2**53 - 1)
    media_type: str = Field(min_length=1, max_length=200)
    sha256: str = Field(pattern=SHA256_PATTERN)


# -- refusals -----------------------------------------------------------------------------------
def _refuse(status: int, code: str, fa: str, en: str, field: str | None = None) -> ApiError:
    return ApiError(status, code, fa, en, field)


def _not_allowed(media_type: str) -> ApiError:
    return _refuse(422, "media_type_not_allowed", "نوع این پرونده برای پیوست مجاز نیست؛ پرونده‌های اجرایی و "
                   "قالب‌های ناشناخته پذیرفته نمی‌شوند.", f"Media type {media_type[:100]!r} is not allowed.", "media_type")


def _mismatch(declared: str, found: str) -> ApiError:
    return _refuse(422, "media_type_mismatch", "نوع اعلام‌شده پرونده با محتوای آن مطابقت ندارد.",
                   f"Declared {declared[:100]!r}, the content is {found!r}.", "media_type")


def _size_refused(limit: int) -> ApiError:
    mib = to_persian_digits(limit // (1024 * 1024))
    return _refuse(413, "document_too_large", f"حجم پرونده بیش از حد مجاز ({mib} مگابایت) است.",
                   f"The file is larger than the {limit}-byte limit.", "size")


def _bad_range(what: str) -> ApiError:
    return _refuse(416, "invalid_range", "بازه بایت‌های درخواست‌شده نادرست است.", f"Invalid range: {what}.",
                   "Content-Range")


async def _in_store(fn: Callable[..., T], *args: Any) -> T:
    """A storage call off the event loop; a storage that fails (unreachable S3, a full disk) is a 503
    the client retries, never a 500."""
    try:
        return await run_in_threadpool(fn, *args)
    except (ApiError, ClientDisconnect):
        raise
    except Exception as exc:
        log.warning("document storage failed: %s: %s", type(exc).__name__, exc)
        raise ApiError(503, "storage_unavailable", "ذخیره‌گاه پرونده‌ها موقتاً در دسترس نیست؛ لطفاً دوباره تلاش کنید.",
                       "The document storage is temporarily unavailable; try again.",
                       headers={"Retry-After": "5"}) from exc


# -- reads ------------------------------------------------------------------------------------
def _upload_row(ctx: ServerContext, principal: Principal, upload_id: str) -> Any:
    """The caller's agency's upload, or the 404 of a missing one."""
    with ctx.db.read() as conn:
        row = conn.execute(select(uploads).where(uploads.c.id == upload_id)).mappings().first()
    if row is None or row["agency_id"] != principal.agency_id:
        raise not_found("upload_id")
    return row


def _chunks(row: Any) -> int:
    return -(-int(row["size"]) // int(row["chunk_size"]))


def _parts(conn: Connection, upload_id: str) -> dict[int, str]:
    return dict(conn.execute(select(upload_parts.c.idx, upload_parts.c.tag)
                             .where(upload_parts.c.upload_id == upload_id)).all())


def _progress(row: Any, have: set[int] | dict[int, str]) -> tuple[int, list[list[int]]]:
    """Bytes confirmed contiguously from 0, and the missing ranges [start, end) (end exclusive)."""
    size, chunk = int(row["size"]), int(row["chunk_size"])
    if row["completed_at"] is not None:
        return size, []
    first_missing = next((k for k in range(_chunks(row)) if k not in have), _chunks(row))
    missing: list[list[int]] = []
    for k in range(_chunks(row)):
        if k in have:
            continue
        start, end = k * chunk, min((k + 1) * chunk, size)
        if missing and missing[-1][1] == start:
            missing[-1][1] = end
        else:
            missing.append([start, end])
    return min(first_missing * chunk, size), missing


# -- uploads ----------------------------------------------------------------------------------
async def create_upload(ctx: ServerContext, storage: Storage, principal: Principal, body: UploadIn) -> dict[str, Any]:
    """A new upload; ``complete`` at once if the caller may already read this content."""
    settings = ctx.settings
    if body.size > settings.document_max_bytes:
        raise _size_refused(settings.document_max_bytes)
    if body.size == 0:
        raise _refuse(422, "empty_document", "پرونده خالی است و بارگذاری نمی‌شود.", "The file is empty.", "size")
    if not any(same_type(body.media_type, allowed) for allowed in settings.allowed_media_types):
        raise _not_allowed(body.media_type)
    if runnable_name(body.name):  # the client refuses it too (app.models.attachments.check_file)
        raise _refuse(422, "name_not_allowed", "نام این پرونده نام یک برنامه یا اسکریپت است و بارگذاری نمی‌شود.",
                      "The name ends like a program or script.", "name")
    with ctx.db.read() as conn:
        have = may_read(conn, principal, body.sha256)
        known = conn.execute(select(documents.c.media_type).where(documents.c.sha256 == body.sha256)).scalar()
    if have and known is not None and not same_type(body.media_type, known):
        raise _mismatch(body.media_type, known)
    upload_id = uuid.uuid4().hex
    now = ctx.clock()
    handle = "" if have else await _in_store(storage.begin, upload_id, body.size)
    row = {"id": upload_id, "agency_id": principal.agency_id, "user_id": principal.user_id,
           "name": safe_file_name(body.name), "size": body.size, "media_type": body.media_type,
           "sha256": body.sha256, "chunk_size": settings.document_chunk_bytes, "handle": handle,
           "created_at": now, "completed_at": now if have else None}
    await ctx.db.write(lambda conn: conn.execute(insert(uploads).values(**row)))
    return {"upload_id": upload_id, "received": body.size if have else 0, "chunk_size": row["chunk_size"],
            "complete": have}


def upload_status(ctx: ServerContext, principal: Principal, upload_id: str) -> dict[str, Any]:
    row = _upload_row(ctx, principal, upload_id)
    with ctx.db.read() as conn:
        received, missing = _progress(row, _parts(conn, upload_id))
    return {"upload_id": upload_id, "size": row["size"], "received": received, "missing": missing,
            "chunk_size": row["chunk_size"]}


async def put_chunk(ctx: ServerContext, storage: Storage, principal: Principal, upload_id: str,
                    content_range: str | None, request: Request) -> dict[str, Any]:
    """Store one chunk (streamed to the storage as it arrives); the same chunk again replaces it."""
    row = _upload_row(ctx, principal, upload_id)
    size, chunk = int(row["size"]), int(row["chunk_size"])
    match = _CONTENT_RANGE.fullmatch((content_range or "").strip())
    if match is None:
        raise _bad_range("a Content-Range header 'bytes START-END/TOTAL' is required")
    start, end, total = (int(g) for g in match.groups())
    if total != size or start % chunk or start >= size or end != min(start + chunk, size) - 1:
        raise _bad_range(f"a chunk is bytes k*{chunk} to min((k+1)*{chunk}, {size})-1 of {size}")
    if row["completed_at"] is not None:
        return {"received": size}
    index, length = start // chunk, end - start + 1
    writer = await _in_store(storage.part_writer, upload_id, row["handle"], index, start)
    got, batch = 0, bytearray()
    try:
        async for piece in request.stream():  # small pieces: written a PIECE at a time
            got += len(piece)
            if got > length:
                break
            batch += piece
            if len(batch) >= PIECE:
                await _in_store(writer.write, bytes(batch))
                batch.clear()
        if batch and got <= length:
            await _in_store(writer.write, bytes(batch))
        if got != length:
            raise _refuse(400, "chunk_length_mismatch", "اندازه بخش ارسال‌شده با بازه اعلام‌شده برابر نیست.",
                          f"The body has {got} bytes where the range names {length}.", "Content-Range")
        tag = await _in_store(writer.commit)
    except BaseException:
        await run_in_threadpool(writer.abort)
        raise

    def record(conn: Connection) -> int:
        done = conn.execute(update(upload_parts).where(upload_parts.c.upload_id == upload_id,
                                                       upload_parts.c.idx == index).values(tag=tag)).rowcount
        if not done:
            conn.execute(ctx.db.insert_ignore(upload_parts).values(upload_id=upload_id, idx=index, tag=tag))
        return _progress(row, _parts(conn, upload_id))[0]
    return {"received": await ctx.db.write(record)}


def _inspect(storage: Storage, upload_id: str, name: str) -> tuple[int, str, str]:
    """Read the assembled upload once: its size, SHA-256 and media type. Its last MiB stays at hand:
    a ZIP's directory is there, and S3 would be asked for it again, a request per read."""
    digest, size, sniffer = hashlib.sha256(), 0, Sniffer(name)
    end: deque[bytes] = deque()
    kept = 0
    for piece in storage.read_upload(upload_id):
        digest.update(piece)
        size += len(piece)
        if sniffer.wants_more:
            sniffer.feed(piece)
        end.append(piece)
        kept += len(piece)
        while kept - len(end[0]) >= PIECE:
            kept -= len(end.popleft())
    return size, digest.hexdigest(), sniffer.media_type(lambda: storage.open_upload(upload_id, b"".join(end)))


async def complete(ctx: ServerContext, storage: Storage, principal: Principal, upload_id: str) -> dict[str, Any]:
    """Check size, SHA-256 and media type; the bytes become the document (stored once). A refused
    upload is dropped (the client starts again); completing again answers the same."""
    row = _upload_row(ctx, principal, upload_id)
    if row["completed_at"] is None:
        with ctx.db.read() as conn:
            parts = _parts(conn, upload_id)
        _received, missing = _progress(row, parts)
        if missing:
            raise _refuse(409, "upload_incomplete", "همه بخش‌های پرونده هنوز دریافت نشده است.",
                          f"Bytes still missing: {missing[:5]}.", "upload_id")
        try:
            await _in_store(storage.assemble, upload_id, row["handle"], sorted(parts.items()))
            size, sha, found = await _in_store(_inspect, storage, upload_id, row["name"])
        except ApiError:
            if _upload_row(ctx, principal, upload_id)["completed_at"] is None:
                raise
            return _completed(ctx, _upload_row(ctx, principal, upload_id))  # a twin request completed it
        problem = _problem(ctx, row, size, sha, found)
        if problem is not None:
            await _in_store(storage.discard, upload_id, row["handle"])
            await ctx.db.write(lambda conn: (conn.execute(delete(upload_parts).where(upload_parts.c.upload_id == upload_id)),
                                             conn.execute(delete(uploads).where(uploads.c.id == upload_id))))
            raise problem
        await _in_store(storage.promote, upload_id, sha)
        now = ctx.clock()

        def done(conn: Connection) -> None:
            conn.execute(ctx.db.insert_ignore(documents).values(sha256=sha, size=size, media_type=found, created_at=now))
            conn.execute(ctx.db.insert_ignore(document_access).values(sha256=sha, agency_id=principal.agency_id,
                                                                      letter_guid=UPLOADED, granted_at=now))
            conn.execute(update(uploads).where(uploads.c.id == upload_id).values(completed_at=now))
            conn.execute(delete(upload_parts).where(upload_parts.c.upload_id == upload_id))
        await ctx.db.write(done)
    return _completed(ctx, row)


async def sweep_abandoned(ctx: ServerContext, storage: Storage) -> int:
    """Drop the uploads begun more than ``upload_expiry_seconds`` ago and never completed: their rows
    first (a late chunk then gets 404 and its client starts again), then their bytes."""
    cutoff = ctx.clock() - dt.timedelta(seconds=ctx.settings.upload_expiry_seconds)
    with ctx.db.read() as conn:
        stale = conn.execute(select(uploads.c.id, uploads.c.handle).where(
            uploads.c.completed_at.is_(None), uploads.c.created_at < cutoff)).all()
    if not stale:
        return 0
    ids = [row.id for row in stale]

    def forget(conn: Connection) -> None:
        conn.execute(delete(upload_parts).where(upload_parts.c.upload_id.in_(ids)))
        conn.execute(delete(uploads).where(uploads.c.id.in_(ids), uploads.c.completed_at.is_(None)))

    await ctx.db.write(forget)
    for row in stale:
        try:
            await _in_store(storage.discard, row.id, row.handle)
        except Exception as exc:  # the store is down: the next sweep cannot find them again; say so
            log.warning("abandoned upload %s: its bytes could not be removed: %s", row.id, exc)
    log.info("dropped %d abandoned uploads (begun before %s)", len(stale), cutoff.isoformat())
    return len(stale)


async def sweep_forever(ctx: ServerContext, storage: Storage) -> None:
    """The periodic sweep each server process runs (several servers sweeping is harmless)."""
    while True:
        try:
            await sweep_abandoned(ctx, storage)
        except Exception:
            log.exception("sweeping abandoned uploads failed; trying again later")
        await asyncio.sleep(max(1, ctx.settings.upload_sweep_seconds))


def _completed(ctx: ServerContext, row: Any) -> dict[str, Any]:
    """What completing an upload answers (again, for a retry)."""
    with ctx.db.read() as conn:
        media_type = conn.execute(select(documents.c.media_type).where(documents.c.sha256 == row["sha256"])).scalar_one()
    return {"address": document_address(ctx.settings.public_url, row["sha256"]), "sha256": row["sha256"],
            "size": row["size"], "media_type": media_type, "name": row["name"]}


def _problem(ctx: ServerContext, row: Any, size: int, sha: str, found: str) -> ApiError | None:
    if size != row["size"] or sha != row["sha256"]:
        return _refuse(422, "sha256_mismatch", "محتوای دریافت‌شده با اندازه یا چکیده اعلام‌شده پرونده مطابقت ندارد؛ "
                       "پرونده را دوباره بارگذاری کنید.", "The bytes received do not match the declared size and SHA-256.",
                       "sha256")
    if found not in ctx.settings.allowed_media_types:
        return _not_allowed(found)
    if not same_type(row["media_type"], found):
        return _mismatch(row["media_type"], found)
    return None


# -- downloads --------------------------------------------------------------------------------
def _span(header: str | None, size: int) -> tuple[int, int] | None:
    """[start, end) of a single-range ``Range`` header; None without one; 416 if it is bad."""
    if header is None:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None or match.groups() == ("", ""):
        raise _bad_range("one range 'bytes=START-END', 'bytes=START-' or 'bytes=-LENGTH'")
    first, last = match.groups()
    if first == "":  # the last `last` bytes
        start, end = max(size - int(last), 0), size
        if int(last) == 0:
            start = size
    else:
        start, end = int(first), (min(int(last) + 1, size) if last else size)
        if last and int(last) < start:
            start = size  # unsatisfiable
    if start >= end:
        raise _bad_range(f"nothing of {size} bytes in {header[:40]!r}")
    return start, end


async def download(ctx: ServerContext, storage: Storage, principal: Principal, sha256: str,
                   range_header: str | None) -> Response:
    with ctx.db.read() as conn:
        doc = conn.execute(select(documents).where(documents.c.sha256 == sha256)).mappings().first()
        if doc is None or not may_read(conn, principal, sha256):
            raise not_found("sha256")
    size = int(doc["size"])
    try:
        span = _span(range_header, size)
    except ApiError as exc:
        exc.headers = {"Content-Range": f"bytes */{size}"}
        raise
    start, end = span or (0, size)
    headers = {"Accept-Ranges": "bytes", "Content-Length": str(end - start), "ETag": f'"{sha256}"',
               "Content-Disposition": "attachment"}
    if span is not None:
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    try:
        pieces = await _in_store(storage.read, sha256, start, end)  # opened here: never half an answer
    except ApiError as exc:
        # a store that answers but no longer has the object lost it: trying again will not bring it back
        if exc.status == 503 and not await _in_store(storage.exists, sha256):
            log.error("document %s is recorded as stored but missing from the document storage", sha256)
            raise ApiError(410, "document_lost", "پروندهٔ این پیوست در ذخیره‌گاه کارگزار یافت نشد؛ "
                           "موضوع را به راهبر کارگزار اطلاع دهید.",
                           "The document is recorded but missing from the document storage.") from exc
        raise
    return StreamingResponse(pieces, status_code=206 if span else 200,
                             media_type=doc["media_type"], headers=headers)
