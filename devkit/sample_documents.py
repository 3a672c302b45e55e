"""Small real files of each attachment type (and a few impostors) for the document tests and the bench."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

from app.protocol import media


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return out.getvalue()


def _ooxml(part: str) -> bytes:
    return _zip({"[Content_Types].xml": b'<?xml version="1.0"?><Types/>', "_rels/.rels": b"<Relationships/>",
                 f"{part}": b"<document>\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85</document>"})


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _ole2() -> bytes:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + struct.pack("<HHH", 0x3E, 3, 0xFFFE)
    return header.ljust(512, b"\x00") + os.urandom(1024)


def samples() -> dict[str, tuple[bytes, str]]:
    """file name → (bytes, the media type the server finds)."""
    return {
        "نامه.docx": (_ooxml("word/document.xml"), media.DOCX),
        "جدول.xlsx": (_ooxml("xl/workbook.xml"), media.XLSX),
        "ارائه.pptx": (_ooxml("ppt/presentation.xml"), media.PPTX),
        "old.doc": (_ole2(), media.DOC),
        "old.xls": (_ole2(), media.XLS),
        "old.ppt": (_ole2(), media.PPT),
        "scan.pdf": (b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", media.PDF),
        "photo.jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + os.urandom(200)
                      + b"\xff\xd9", media.JPEG),
        "image.png": (_png(), media.PNG),
        "scan.tiff": (b"II*\x00\x08\x00\x00\x00" + os.urandom(100), media.TIFF),
        "clip.mp4": (struct.pack(">I", 24) + b"ftypisom" + b"\x00\x00\x02\x00isomiso2"
                     + struct.pack(">I", 8) + b"free", media.MP4),
        "یادداشت.txt": ("متن ساده فارسی، با نیم‌فاصله.\n".encode() * 10, media.TEXT),
        "archive.zip": (_zip({"a.txt": b"hello", "b/c.txt": b"world"}), media.ZIP),
    }


def write_sample(folder: Path, name: str) -> tuple[Path, str]:
    data, media_type = samples()[name]
    path = folder / name
    path.write_bytes(data)
    return path, media_type


def executable() -> bytes:
    """A Windows executable's first bytes."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + os.urandom(512)


def big_file(path: Path, size: int) -> Path:
    """``size`` random bytes (a binary type the server refuses: use for chunking, not for completing)."""
    with path.open("wb") as f:
        left = size
        while left:
            n = min(left, 1 << 20)
            f.write(os.urandom(n))
            left -= n
    return path


def big_zip(path: Path, size: int) -> Path:
    """A ZIP of about ``size`` bytes (stored, incompressible) — an allowed type of any size."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z, z.open("data.bin", "w", force_zip64=True) as f:
        left = max(size - 200, 0)
        while left:
            n = min(left, 1 << 20)
            f.write(os.urandom(n))
            left -= n
    return path
