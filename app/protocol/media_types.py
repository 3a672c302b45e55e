"""Which files may be attached, told by their content: the client checks before copying a file,
so the user hears at once what the server would refuse after the upload.

The media type comes from the first bytes; the name's extension only chooses among formats that
share a container (a .docx and an .xlsx are both zip files, a .doc and an .xls both OLE files).
"""

from __future__ import annotations

from pathlib import PurePath

MAX_DOCUMENT_SIZE = 2 * 1024**3  # bytes (2 GiB), the server's default limit
HEAD_BYTES = 4096  # how much of a file the sniffing reads

_ZIP_FAMILY = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".zip": "application/zip",
}
_OLE_FAMILY = {".doc": "application/msword", ".xls": "application/vnd.ms-excel", ".ppt": "application/vnd.ms-powerpoint"}
_MAGIC = (  # (prefix, media type, extensions it may carry)
    (b"%PDF-", "application/pdf", {".pdf"}),
    (b"\xff\xd8\xff", "image/jpeg", {".jpg", ".jpeg"}),
    (b"\x89PNG\r\n\x1a\n", "image/png", {".png"}),
    (b"II*\x00", "image/tiff", {".tif", ".tiff"}),
    (b"MM\x00*", "image/tiff", {".tif", ".tiff"}),
)
ALLOWED_EXTENSIONS = frozenset(
    {*_ZIP_FAMILY, *_OLE_FAMILY, *(e for _, _, exts in _MAGIC for e in exts), ".mp4", ".txt"})


def sniff(head: bytes, name: str) -> str | None:
    """The media type of a file whose first bytes are ``head``, or None when it is not an allowed
    kind of document (or its content is not what its name says)."""
    ext = PurePath(name).suffix.lower()
    for prefix, media, exts in _MAGIC:
        if head.startswith(prefix):
            return media if ext in exts else None
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _ZIP_FAMILY.get(ext)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _OLE_FAMILY.get(ext)
    if head[4:8] == b"ftyp":
        return "video/mp4" if ext == ".mp4" else None
    if ext == ".txt" and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 3:  # not just a character cut at the end of the head
                return None
        return "text/plain"
    return None
