"""What an attachment is, read from its bytes (not its name), and a file name safe to show and save.

Client and server use the same rules, so the media type a client signs into a letter is the one the
server finds when the upload completes. The signatures are a short table (first bytes of the
file); a ZIP is looked into (OOXML documents are ZIPs with ``[Content_Types].xml``); an OLE2
compound file (doc/xls/ppt) is told apart by its name's extension; text is valid UTF-8 without NUL.
"""

from __future__ import annotations

import codecs
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

HEAD_BYTES = 4096  # what magic_type needs of the start of a file

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOC, XLS, PPT = "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"
OLE2 = "application/x-ole-storage"
PDF, JPEG, PNG, TIFF, MP4 = "application/pdf", "image/jpeg", "image/png", "image/tiff", "video/mp4"
TEXT, ZIP = "text/plain", "application/zip"
EXECUTABLE = "application/x-executable"
UNKNOWN = "application/octet-stream"

DEFAULT_ALLOWED = (DOC, DOCX, XLS, XLSX, PPT, PPTX, PDF, JPEG, PNG, TIFF, MP4, TEXT, ZIP)

# The extensions a type's file may end with, its canonical one first (what :func:`name_for_type` appends).
EXTENSIONS: dict[str, tuple[str, ...]] = {
    DOC: ("doc", "dot"), DOCX: ("docx",), XLS: ("xls", "xlt"), XLSX: ("xlsx",), PPT: ("ppt", "pps", "pot"),
    PPTX: ("pptx",), PDF: ("pdf",), JPEG: ("jpg", "jpeg", "jpe"), PNG: ("png",), TIFF: ("tif", "tiff"),
    MP4: ("mp4", "m4v"), TEXT: ("txt", "csv", "text"), ZIP: ("zip",),
}
OTHER_EXTENSION = "bin"  # a type without its own: no system opens it as a program
# What Windows runs (or asks to run) when a file of this extension is opened: never attached.
RUNNABLE_EXTENSIONS = frozenset((
    "exe", "com", "scr", "bat", "cmd", "vbs", "vbe", "js", "jse", "wsf", "wsh", "ps1", "msi", "lnk", "hta",
    "jar", "cpl", "reg", "pif"))

# (prefix, media type), first match wins
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"MZ", EXECUTABLE),  # Windows PE
    (b"\x7fELF", EXECUTABLE),
    (b"\xfe\xed\xfa\xce", EXECUTABLE), (b"\xfe\xed\xfa\xcf", EXECUTABLE),  # Mach-O
    (b"\xce\xfa\xed\xfe", EXECUTABLE), (b"\xcf\xfa\xed\xfe", EXECUTABLE), (b"\xca\xfe\xba\xbe", EXECUTABLE),
    (b"#!", EXECUTABLE),  # a script asks to be run
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"II*\x00", TIFF), (b"MM\x00*", TIFF),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", OLE2),
    (b"PK\x03\x04", ZIP), (b"PK\x05\x06", ZIP),
)
_OLE2_BY_EXTENSION = {"doc": DOC, "dot": DOC, "xls": XLS, "xlt": XLS, "ppt": PPT, "pps": PPT, "pot": PPT}
_OOXML_PARTS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))


def magic_type(head: bytes, name: str) -> str | None:
    """The media type the first bytes show (a ZIP still to be looked into: :func:`zip_type`), or None."""
    if head[4:8] == b"ftyp":
        return MP4
    found = next((media for prefix, media in _MAGIC if head.startswith(prefix)), None)
    if found == OLE2:
        return _OLE2_BY_EXTENSION.get(name.rpartition(".")[2].lower() if "." in name else "", OLE2)
    return found


def zip_type(file: BinaryIO) -> str:
    """A ZIP's type from its entry names (the central directory only: nothing is unpacked)."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return UNKNOWN
    if "[Content_Types].xml" in names:
        for prefix, media in _OOXML_PARTS:
            if any(n.startswith(prefix) for n in names):
                return media
    return ZIP


class Sniffer:
    """Fed a file's bytes in order (all of them, or until ``wants_more`` is False), tells its type."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._head = b""
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._text = True  # UTF-8 without NUL so far
        self._size = 0

    @property
    def wants_more(self) -> bool:
        """Only text needs every byte; anything else is known from its head."""
        return len(self._head) < HEAD_BYTES or (self._text and magic_type(self._head, self.name) is None)

    def feed(self, piece: bytes) -> None:
        self._size += len(piece)
        if len(self._head) < HEAD_BYTES:
            self._head += piece[:HEAD_BYTES - len(self._head)]
        if self._text and b"\x00" in piece:
            self._text = False
        elif self._text:
            try:
                self._decoder.decode(piece)
            except UnicodeDecodeError:
                self._text = False

    def media_type(self, reopen: Callable[[], BinaryIO]) -> str:
        """The type, once fed; ``reopen`` gives the whole file again, seekable (a ZIP is looked into)."""
        found = magic_type(self._head, self.name)
        if found == ZIP:
            with reopen() as file:
                return zip_type(file)
        if found is not None:
            return found
        try:
            self._decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            self._text = False
        return TEXT if self._text and self._size else UNKNOWN


def sniff(path: Path, name: str | None = None) -> str:
    """The media type of a file (what the server will find when it is uploaded)."""
    sniffer = Sniffer(path.name if name is None else name)
    with path.open("rb") as file:
        while sniffer.wants_more and (piece := file.read(1 << 20)):
            sniffer.feed(piece)
    return sniffer.media_type(lambda: path.open("rb"))


def same_type(declared: str, found: str) -> bool:
    """A declared type agrees with the content: the same, or any text/* for plain UTF-8 text (csv, markdown)."""
    declared = declared.split(";", 1)[0].strip().lower()
    return declared == found or (found == TEXT and declared.startswith("text/"))


# -- file names -------------------------------------------------------------------------
MAX_NAME = 200
_BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_RESERVED = set('<>:"|?*')  # not allowed in Windows file names


def safe_file_name(name: str, fallback: str = "document") -> str:
    """A name to show and to save under: the last path component, without control or bidi-override
    characters (a name like ``gpj.exe`` shown as ``exe.jpg``), without Windows' reserved characters,
    without leading dots, at most MAX_NAME characters with its extension kept. Persian (and its
    zero-width non-joiner) is kept."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join("_" if c in _RESERVED else c for c in name
                   if c not in _BIDI_CONTROLS and unicodedata.category(c) not in ("Cc", "Cs", "Zl", "Zp"))
    name = name.strip().lstrip(".").rstrip(". ").strip()  # Windows drops trailing dots and spaces
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        ext = ext if dot and 0 < len(ext) <= 10 else ""
        name = (stem if ext else name)[:MAX_NAME - len(ext) - 1].rstrip() + (f".{ext}" if ext else "")
    return name or fallback


def extension(name: str) -> str:
    """A name's extension in lower case ("" for none): what a desktop opens the file by."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def runnable_name(name: str) -> bool:
    """The (sanitized) name ends like a program or script Windows would run when it is opened."""
    return extension(safe_file_name(name)) in RUNNABLE_EXTENSIONS


def name_for_type(name: str, media_type: str, fallback: str = "document") -> str:
    """The name to hand a file to the system under (open, save): :func:`safe_file_name`, ending with an
    extension of its media type, so the desktop opens it as what its content is. A matching
    extension stays (``report.PDF``, ``photo.jpeg``); otherwise the type's canonical one is added
    (``run.bat`` as text: ``run.bat.txt``; ``invoice<U+202E>fdp.exe`` as PDF: ``invoicefdp.exe.pdf``)."""
    media_type = media_type.split(";", 1)[0].strip().lower()
    known = EXTENSIONS.get(media_type) or (EXTENSIONS[TEXT] if media_type.startswith("text/") else (OTHER_EXTENSION,))
    name = safe_file_name(name, fallback)
    if extension(name) in known:
        return name
    suffix = "." + known[0]
    return name[:MAX_NAME - len(suffix)].rstrip(". ") + suffix


def shown_name(name: str) -> str:
    """A file name to put in Persian text: sanitized and isolated (FSI…PDI), so it does not turn the
    sentence around; when its stem ends in digits a left-to-right mark before the extension keeps
    them together, «صورتجلسه-۱۴۰۵.jpg» (not «jpg.۱۴۰۵» with the extension before the number)."""
    name = safe_file_name(name)
    stem, dot, ext = name.rpartition(".")
    if dot and stem[-1:].isdigit() and ext.isascii():
        name = f"{stem}\u200e.{ext}"
    return f"\u2068{name}\u2069"
