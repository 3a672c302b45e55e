"""Content-addressed blob store for attachments, beside the database.

A blob is written to a temporary file, fsynced, then renamed to ``ab/cdef…`` (its SHA-256),
so a crash never leaves a half-written blob under a real name.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(mode=0o700, parents=True, exist_ok=True)  # owner-only, like the database

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:]

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put_stream(self, stream: BinaryIO, on_chunk: Callable[[int], None] | None = None) -> tuple[str, int]:
        """Store a stream; return (sha256, size). Storing the same bytes twice keeps one copy.

        ``on_chunk(bytes so far)`` follows each chunk (progress; it may raise to stop the copy)."""
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                    if on_chunk is not None:
                        on_chunk(size)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path(sha)
            final.parent.mkdir(mode=0o700, exist_ok=True)
            os.replace(tmp, final)
            return sha, size
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put_file(self, path: Path, on_chunk: Callable[[int], None] | None = None) -> tuple[str, int]:
        with path.open("rb") as f:
            return self.put_stream(f, on_chunk)

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def verify(self, sha256: str) -> bool:
        """Re-hash a stored blob (before sending an attachment on)."""
        digest = hashlib.sha256()
        with self.open(sha256) as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest() == sha256
