"""Where documents' bytes live: a local folder or an S3-compatible object store, behind one small interface.

An upload's bytes are written to the store as they arrive (never kept in the database or in a
server's memory), so any server process sharing the store can take the next chunk or complete
it. Chunk *k* covers bytes [k·chunk, (k+1)·chunk) of the file: on a folder it is written in place
into the upload's file, on S3 it is part *k+1* of the upload's multipart upload (parts are ≥ 5 MiB
but the last, which is why a chunk is at least that on S3). On completion the bytes are read
back (hash and media type), then become the document ``documents/<sha256>`` — stored once
whoever uploads the same content again.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from server.config import Settings

PIECE = 1 << 20  # bytes read or written at a time
S3_MIN_PART = 5 * 1024 * 1024
S3_MAX_COPY = 5 * 1024**3  # what one CopyObject request may copy


class PartWriter(Protocol):
    def write(self, data: bytes) -> None: ...

    def commit(self) -> str:
        """Make the part durable; returns the store's tag for it (S3's ETag)."""

    def abort(self) -> None: ...


class Storage(Protocol):
    min_chunk: int

    def begin(self, upload_id: str, size: int) -> str:
        """Start an upload; returns the store's handle for it (S3: the multipart upload id)."""

    def part_writer(self, upload_id: str, handle: str, index: int, offset: int) -> PartWriter: ...

    def assemble(self, upload_id: str, handle: str, parts: list[tuple[int, str]]) -> None:
        """Join the parts (index, tag) into the upload's object."""

    def read_upload(self, upload_id: str) -> Iterator[bytes]: ...

    def open_upload(self, upload_id: str, end: bytes = b"") -> BinaryIO:
        """The assembled upload, seekable (a ZIP's directory is read from its end); ``end``, its last
        bytes when the caller has them, spares fetching them again."""

    def promote(self, upload_id: str, sha256: str) -> None:
        """The assembled upload becomes document ``sha256`` (unless stored already); the upload is gone."""

    def discard(self, upload_id: str, handle: str) -> None: ...

    def exists(self, sha256: str) -> bool: ...

    def read(self, sha256: str, start: int, end: int) -> Iterator[bytes]:
        """The document's bytes [start, end)."""


def create_storage(settings: Settings) -> Storage:
    store: Storage
    if settings.storage == "local":
        store = LocalStorage(settings.documents_path)
    elif settings.storage == "s3":
        if not settings.s3_bucket:
            raise ValueError("storage = s3 needs s3_bucket")
        store = S3Storage(settings.s3_bucket, endpoint_url=settings.s3_endpoint_url or None,
                          region=settings.s3_region or None, prefix=settings.s3_prefix)
    else:
        raise ValueError(f"unknown storage {settings.storage!r} (local or s3)")
    if not store.min_chunk <= settings.document_chunk_bytes <= settings.max_request_bytes:
        raise ValueError(f"document_chunk_bytes must be from {store.min_chunk} to max_request_bytes "
                         f"({settings.max_request_bytes}) for {settings.storage} storage")
    return store


# -- a local folder ---------------------------------------------------------------------------
def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _FilePart:
    """A chunk written in place into the upload's file (owner-only), durable on commit."""

    def __init__(self, path: Path, offset: int) -> None:
        self._fd = os.open(path, os.O_WRONLY)
        self._offset = offset

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            done = os.pwrite(self._fd, view, self._offset)
            self._offset += done
            view = view[done:]

    def commit(self) -> str:
        try:
            os.fsync(self._fd)
        finally:
            os.close(self._fd)
        return ""

    def abort(self) -> None:
        os.close(self._fd)


class LocalStorage:
    """``<root>/uploads/<id>`` while uploading (the temporary file), then ``<root>/documents/ab/<sha256>``
    by an fsynced rename. Folders 0700, files 0600."""

    min_chunk = 64 * 1024

    def __init__(self, root: Path) -> None:
        self.root = root
        for folder in (root, root / "uploads", root / "documents"):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _upload(self, upload_id: str) -> Path:
        return self.root / "uploads" / upload_id

    def _document(self, sha256: str) -> Path:
        return self.root / "documents" / sha256[:2] / sha256

    def begin(self, upload_id: str, size: int) -> str:
        fd = os.open(self._upload(upload_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.ftruncate(fd, size)  # sparse: chunks fill it in any order
        finally:
            os.close(fd)
        return ""

    def part_writer(self, upload_id: str, handle: str, index: int, offset: int) -> PartWriter:
        return _FilePart(self._upload(upload_id), offset)

    def assemble(self, upload_id: str, handle: str, parts: list[tuple[int, str]]) -> None:
        """Nothing to join: every chunk was written in place."""

    def read_upload(self, upload_id: str) -> Iterator[bytes]:
        return _read_file(self._upload(upload_id), 0, None)

    def open_upload(self, upload_id: str, end: bytes = b"") -> BinaryIO:
        return self._upload(upload_id).open("rb")  # a file's end costs nothing to read again

    def promote(self, upload_id: str, sha256: str) -> None:
        target = self._document(sha256)
        if target.exists():
            self._upload(upload_id).unlink(missing_ok=True)
            return
        target.parent.mkdir(mode=0o700, exist_ok=True)
        try:
            os.replace(self._upload(upload_id), target)
        except FileNotFoundError:  # a twin completion (another process) moved it first
            if not target.exists():
                raise
        _fsync_dir(target.parent)

    def discard(self, upload_id: str, handle: str) -> None:
        self._upload(upload_id).unlink(missing_ok=True)

    def exists(self, sha256: str) -> bool:
        return self._document(sha256).exists()

    def read(self, sha256: str, start: int, end: int) -> Iterator[bytes]:
        return _read_file(self._document(sha256), start, end)


def _read_file(path: Path, start: int, end: int | None) -> Iterator[bytes]:
    """Opened now (a missing file fails here), read as the pieces are taken."""
    file = path.open("rb")
    file.seek(start)
    return _pieces(file, None if end is None else end - start)


def _pieces(file: BinaryIO, left: int | None) -> Iterator[bytes]:
    with file:
        while left is None or left > 0:
            piece = file.read(PIECE if left is None else min(PIECE, left))
            if not piece:
                return
            if left is not None:
                left -= len(piece)
            yield piece


# -- an S3-compatible object store ----------------------------------------------------------------
class _S3Part:
    """A chunk written to a temporary file (not kept in memory), sent as one part on commit."""

    def __init__(self, store: S3Storage, upload_id: str, handle: str, index: int) -> None:
        self._store, self._upload_id, self._handle, self._index = store, upload_id, handle, index
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by commit or abort)
        self._size = 0

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self._size += len(data)

    def commit(self) -> str:
        try:
            self._file.seek(0)
            answer = self._store.client.upload_part(
                Bucket=self._store.bucket, Key=self._store.upload_key(self._upload_id), UploadId=self._handle,
                PartNumber=self._index + 1, Body=self._file, ContentLength=self._size)
            return str(answer["ETag"])
        finally:
            self._file.close()

    def abort(self) -> None:
        self._file.close()


class _S3Reader(io.RawIOBase):
    """An object as a seekable read-only file: each read is one ranged GET, but for reads within
    ``end`` (the object's last bytes, known already)."""

    def __init__(self, store: S3Storage, key: str, end: bytes) -> None:
        self._store, self._key, self._pos, self._end = store, key, 0, end
        self._size = int(store.client.head_object(Bucket=store.bucket, Key=key)["ContentLength"])

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = {0: 0, 1: self._pos, 2: self._size}[whence] + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer: Any) -> int:
        end = min(self._pos + len(buffer), self._size)
        if end <= self._pos:
            return 0
        known = self._size - len(self._end)
        if self._pos >= known:
            data = self._end[self._pos - known:end - known]
        else:
            data = self._store.client.get_object(Bucket=self._store.bucket, Key=self._key,
                                                 Range=f"bytes={self._pos}-{end - 1}")["Body"].read()
        buffer[:len(data)] = data
        self._pos += len(data)
        return len(data)


class S3Storage:
    """``<prefix>uploads/<id>`` (a multipart upload, then its object), ``<prefix>documents/<sha256>``."""

    min_chunk = S3_MIN_PART

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str | None = None,
                 prefix: str = "") -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix
        # No CRC32 per part and no SHA-256 of each body for its signature (boto3's defaults): completing
        # an upload reads it back and checks its SHA-256, so they would only cost CPU, not add a guarantee.
        self.client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region,
                                   config=Config(retries={"max_attempts": 5, "mode": "standard"},
                                                 max_pool_connections=32,
                                                 request_checksum_calculation="when_required",
                                                 s3={"payload_signing_enabled": False}))

    def upload_key(self, upload_id: str) -> str:
        return f"{self.prefix}uploads/{upload_id}"

    def _document(self, sha256: str) -> str:
        return f"{self.prefix}documents/{sha256}"

    def begin(self, upload_id: str, size: int) -> str:
        answer = self.client.create_multipart_upload(Bucket=self.bucket, Key=self.upload_key(upload_id))
        return str(answer["UploadId"])

    def part_writer(self, upload_id: str, handle: str, index: int, offset: int) -> PartWriter:
        return _S3Part(self, upload_id, handle, index)

    def assemble(self, upload_id: str, handle: str, parts: list[tuple[int, str]]) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=self.upload_key(upload_id), UploadId=handle,
                MultipartUpload={"Parts": [{"PartNumber": i + 1, "ETag": tag} for i, tag in parts]})
        except ClientError as exc:  # joined already (a completion that failed later, or a twin)
            if exc.response.get("Error", {}).get("Code") != "NoSuchUpload" or not self._has(self.upload_key(upload_id)):
                raise

    def read_upload(self, upload_id: str) -> Iterator[bytes]:
        return self._stream(self.upload_key(upload_id), None)

    def open_upload(self, upload_id: str, end: bytes = b"") -> BinaryIO:
        return io.BufferedReader(_S3Reader(self, self.upload_key(upload_id), end), buffer_size=64 * 1024)

    def promote(self, upload_id: str, sha256: str) -> None:
        source = {"Bucket": self.bucket, "Key": self.upload_key(upload_id)}
        if not self.exists(sha256):  # a copy inside the store: the bytes do not pass through us
            size = int(self.client.head_object(**source)["ContentLength"])
            if size <= S3_MAX_COPY:
                self.client.copy_object(CopySource=source, Bucket=self.bucket, Key=self._document(sha256))
            else:  # larger objects are copied part by part
                self.client.copy(source, self.bucket, self._document(sha256))
        self.client.delete_object(**source)

    def discard(self, upload_id: str, handle: str) -> None:
        from botocore.exceptions import ClientError

        with contextlib.suppress(ClientError):  # completed already, or gone
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.upload_key(upload_id), UploadId=handle)
        self.client.delete_object(Bucket=self.bucket, Key=self.upload_key(upload_id))

    def _has(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def exists(self, sha256: str) -> bool:
        return self._has(self._document(sha256))

    def read(self, sha256: str, start: int, end: int) -> Iterator[bytes]:
        return self._stream(self._document(sha256), (start, end))

    def _stream(self, key: str, span: tuple[int, int] | None) -> Iterator[bytes]:
        extra = {} if span is None else {"Range": f"bytes={span[0]}-{span[1] - 1}"}
        if span is not None and span[1] <= span[0]:
            return iter(())
        body = self.client.get_object(Bucket=self.bucket, Key=key, **extra)["Body"]
        return _closing(body.iter_chunks(PIECE), body)


def _closing(pieces: Iterator[bytes], body: Any) -> Iterator[bytes]:
    try:
        yield from pieces
    finally:
        body.close()
