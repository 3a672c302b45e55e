"""Print and PDF of a registered letter on its letterhead (A4 portrait, right-to-left, Vazirmatn).

Every page is a full letterhead sheet: header (logo, agency, invocation, number/date/attachment
block and priority/classification marks), the flowing content (recipients, subject, body,
signatories, copies) laid out by one paginated ``QTextDocument``, and a footer with the
verification QR code and, for letters of more than one page, «صفحه ۱ از ۲».

The same painter code drives ``QPdfWriter`` (:func:`render_letter_pdf`) and ``QPrinter``
(:func:`print_letter`). The PDF is plain (no form fields, no signature): ``app/token`` can add a
PAdES signature to it later as an incremental update, shown in the room left under the
signatories (:func:`signature_block`) with an appearance drawn here (:func:`render_signature_stamp`).
The public drawing helpers (fonts, text runs, the QR code, the PDF writer) also paint the
citizen's receipt (:mod:`app.ui.citizen_receipt`).
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PySide6 import QtGui
from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
    QTextFormat,
    QTextOption,
)
from PySide6.QtWidgets import QDialog, QWidget

from app.models.letter_view import LetterView
from app.models.qr_payload import qr_matrix
from app.protocol.media import shown_name
from app.protocol.persian import to_persian_digits
from app.protocol.shams import LRI, PDI, display_text
from app.ui.fonts import FAMILY, load_bundled_fonts
from app.ui.resources import resources_dir

DEFAULT_LETTERHEAD = "main"
PDF_DPI = 300
RED = QColor("#c00000")
GREY = QColor("#555555")

# Qt's AlignLeft/AlignRight mirror in right-to-left text; AlignAbsolute pins them to the page.
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignAbsolute
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignAbsolute
CENTER = Qt.AlignmentFlag.AlignHCenter
# QTextDocument scales fixed lengths (margins) from 96 dpi to its paint device's resolution.
_DOC_DPI = 96.0

BODY_PT = 11.5
SMALL_PT = 7.5
# The visible signature's stamp, in the signatories' column under their names.
STAMP_W_MM, STAMP_H_MM = 60.0, 20.0
SIGNATORY_COLUMN_MM = 70.0
BLUE = QColor("#0d3c7a")


class LetterPrintError(RuntimeError):
    message_fa = "چاپ نامه ممکن نشد."


# --- letterheads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Letterhead:
    name: str
    title: str
    invocation: str
    html: str  # the template with placeholders
    logo: Path | None

    def render(self, view: LetterView) -> str:
        values = {
            "agency_name": view.agency_name,
            "sender_unit": view.sender_unit,
            "agency_id": to_persian_digits(view.agency_id),
            **view.extra,
        }
        return string.Template(self.html).safe_substitute({k: html.escape(v) for k, v in values.items()})


_META = re.compile(r"""<meta\s+name="([\w-]+)"\s+content="([^"]*)"\s*/?>""", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def letterheads_dir() -> Path:
    return resources_dir() / "letterheads"


def load_letterhead(name: str = DEFAULT_LETTERHEAD) -> Letterhead:
    if not re.fullmatch(r"[\w-]+", name):
        raise LetterPrintError(f"bad letterhead name {name!r}")
    path = letterheads_dir() / f"{name}.html"
    if not path.is_file():
        raise LetterPrintError(f"letterhead {name!r} not found at {path}")
    text = _COMMENT.sub("", path.read_text(encoding="utf-8"))
    meta = {k.lower(): v for k, v in _META.findall(text)}
    logo = path.parent / meta["logo"] if meta.get("logo") else None
    return Letterhead(
        name=name,
        title=meta.get("title", name),
        invocation=meta.get("invocation", ""),
        html=_META.sub("", text).strip(),
        logo=logo if logo and logo.is_file() else None,
    )


def list_letterheads() -> list[tuple[str, str]]:
    """(code name, Persian title) of every bundled letterhead, the default first."""
    names = sorted(p.stem for p in letterheads_dir().glob("*.html"))
    names.sort(key=lambda n: n != DEFAULT_LETTERHEAD)
    return [(n, load_letterhead(n).title) for n in names]


# --- page geometry -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Geometry:
    """Millimetres in, device pixels out. Binding margin on the right: Persian sheets bind there."""

    dpi: float
    page_w_mm: float
    page_h_mm: float
    right_mm: float = 25.0
    left_mm: float = 15.0
    top_mm: float = 10.0
    bottom_mm: float = 10.0
    header_mm: float = 42.0
    footer_mm: float = 30.0

    def px(self, mm: float) -> float:
        return mm * self.dpi / 25.4

    @property
    def left(self) -> float:
        return self.px(self.left_mm)

    @property
    def right(self) -> float:
        return self.px(self.page_w_mm - self.right_mm)

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def header_top(self) -> float:
        return self.px(self.top_mm)

    @property
    def content_top(self) -> float:
        return self.px(self.top_mm + self.header_mm + 4)

    @property
    def footer_top(self) -> float:
        return self.px(self.page_h_mm - self.bottom_mm - self.footer_mm)

    @property
    def content_height(self) -> float:
        return self.footer_top - self.px(2) - self.content_top

    @property
    def bottom(self) -> float:
        return self.px(self.page_h_mm - self.bottom_mm)


def _geometry(device: QPagedPaintDevice) -> _Geometry:
    size = device.pageLayout().fullRect(QPageLayout.Unit.Millimeter)
    # A printer may report its own resolution; layout in its logical pixels keeps fonts in points.
    return _Geometry(dpi=device.logicalDpiY(), page_w_mm=size.width(), page_h_mm=size.height())


# --- fonts and text ------------------------------------------------------------------------------


def ensure_fonts() -> None:
    if QGuiApplication.instance() is None:
        raise LetterPrintError("a QGuiApplication must exist before printing (fonts need it)")
    families = load_bundled_fonts()
    if FAMILY not in families and FAMILY not in QFontDatabase.families():
        # A letter printed in a fallback font may show empty boxes for Persian letters: refuse.
        raise LetterPrintError(f"the bundled font {FAMILY} is missing from resources/fonts")


def _font(pt: float, weight: QFont.Weight = QFont.Weight.Normal) -> QFont:
    font = QFont(FAMILY)
    font.setPointSizeF(pt)
    font.setWeight(weight)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    # Optional ligatures (e.g. بی) have no Unicode mapping in Qt's PDF, so text extraction would
    # drop letters; the required Arabic forms (init/medi/fina, rlig) stay on.
    for tag in ("liga", "calt"):
        font.setFeature(QFont.Tag(tag), 0)
    return font


def _new_doc(device: QPagedPaintDevice, pt: float = BODY_PT) -> QTextDocument:
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(device)  # lay out in the device's DPI, not the screen's
    doc.setDefaultFont(_font(pt))
    doc.setDocumentMargin(0)
    option = QTextOption()
    option.setTextDirection(Qt.LayoutDirection.RightToLeft)
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    doc.setDefaultTextOption(option)
    return doc


def _doc_mm(mm: float) -> float:
    return mm * _DOC_DPI / 25.4


def _block(align: Qt.AlignmentFlag, *, top_mm: float = 0, bottom_mm: float = 0) -> QTextBlockFormat:
    fmt = QTextBlockFormat()
    fmt.setAlignment(align)
    fmt.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    fmt.setTopMargin(_doc_mm(top_mm))
    fmt.setBottomMargin(_doc_mm(bottom_mm))
    return fmt


def _qt_bidi(text: str) -> str:
    """Qt's bidi engine ignores the isolates LRI…PDI of ``Shams.display``; a left-to-right
    override (LRO…PDF) keeps the same promise there: the number reads left to right, in order."""
    return text.replace(LRI, "\u202d").replace(PDI, "\u202c")


def chars(pt: float = BODY_PT, *, bold: bool = False, color: QColor | None = None) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setFont(_font(pt, QFont.Weight.Bold if bold else QFont.Weight.Normal))
    if color is not None:
        fmt.setForeground(QBrush(color))
    return fmt


class _Writer:
    """Appends right-to-left paragraphs of plain runs to a document (no HTML escaping to get wrong)."""

    def __init__(self, doc: QTextDocument) -> None:
        self.doc = doc
        self.cursor = QTextCursor(doc)
        self._first = True

    def paragraph(
        self,
        runs: list[tuple[str, QTextCharFormat]],
        align: Qt.AlignmentFlag = RIGHT,
        *,
        top_mm: float = 0,
        bottom_mm: float = 0,
        right_px: float = 0,
    ) -> None:
        fmt = _block(align, top_mm=top_mm, bottom_mm=bottom_mm)
        fmt.setRightMargin(right_px)
        if self._first:
            self.cursor.setBlockFormat(fmt)
            self._first = False
        else:
            self.cursor.insertBlock(fmt)
        for text, run_format in runs:
            self.cursor.insertText(_qt_bidi(text), run_format)


# The editor's rich text names its own font; the print uses the bundled one so nothing is missing.
_BODY_RE = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL | re.IGNORECASE)
_FONT_FAMILY = re.compile(r"font-family\s*:\s*[^;\"]*;?", re.IGNORECASE)
_FONT_FACE = re.compile(r"""\sface\s*=\s*("[^"]*"|'[^']*'|\S+)""", re.IGNORECASE)


def _body_html(stored: str) -> str:
    if not QtGui.Qt.mightBeRichText(stored):
        paragraphs = [html.escape(p) for p in stored.splitlines()] or [""]
        return "".join(f"<p>{p}</p>" for p in paragraphs)
    match = _BODY_RE.search(stored)
    inner = match.group(1) if match else stored
    return _FONT_FACE.sub("", _FONT_FAMILY.sub("", inner))


def _content_document(view: LetterView, device: QPagedPaintDevice, geo: _Geometry) -> tuple[QTextDocument, int]:
    """The flowing content, and the position of the room kept for the signature stamp (-1: none)."""
    doc = _new_doc(device)
    w = _Writer(doc)
    plain, bold, small = chars(), chars(bold=True), chars(9.5)

    for i, name in enumerate(view.recipients or ("",)):
        w.paragraph([("به: " if i == 0 else "\u2003\u2003", bold), (name, bold)])
    if view.recipient_address:
        w.paragraph([("نشانی: ", small), (view.recipient_address, small)])
    w.paragraph([("موضوع: ", bold), (view.subject, plain)], top_mm=2)
    for label, shams, when in (("عطف به نامهٔ شمارهٔ ", view.in_reply_to_shams, view.in_reply_to_date),
                               ("پیرو نامهٔ شمارهٔ ", view.follow_up_of_shams, view.follow_up_of_date)):
        if shams:
            w.paragraph([(label, small), (display_text(shams), small), (view.reference_date_display(when), small)])

    # Body: the stored rich text, then every block made RTL and justified unless it says otherwise.
    w.paragraph([], RIGHT, top_mm=3)
    start = w.cursor.position()
    w.cursor.insertFragment(QTextDocumentFragment.fromHtml(_body_html(view.body_html)))
    end = w.cursor.position()
    block = doc.findBlock(start)
    while block.isValid() and block.position() <= end:
        fmt = block.blockFormat()
        explicit_ltr = fmt.hasProperty(QTextFormat.Property.LayoutDirection) and (
            fmt.layoutDirection() == Qt.LayoutDirection.LeftToRight
        )
        if not explicit_ltr:
            fmt.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
            align = fmt.alignment() & Qt.AlignmentFlag.AlignHorizontal_Mask
            kept = align in (Qt.AlignmentFlag.AlignHCenter, Qt.AlignmentFlag.AlignLeft)
            if not (fmt.hasProperty(QTextFormat.Property.BlockAlignment) and kept):
                fmt.setAlignment(Qt.AlignmentFlag.AlignJustify)
            elif align == Qt.AlignmentFlag.AlignLeft:
                fmt.setAlignment(LEFT)
        fmt.setLineHeight(135, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
        QTextCursor(block).setBlockFormat(fmt)
        block = block.next()
    w.cursor.movePosition(QTextCursor.MoveOperation.End)

    # Signatories: name over title, centred in a column at the left, as Iranian letters are signed.
    # Measured: Qt scales top/bottom block margins from 96 dpi but takes side margins in device pixels.
    indent = geo.width - geo.px(SIGNATORY_COLUMN_MM)
    for i, s in enumerate(view.signatories):
        w.paragraph([(s.name, bold)], CENTER, top_mm=12 if i == 0 else 6, right_px=indent)
        if s.title:
            w.paragraph([(s.title, plain)], CENTER, right_px=indent)
    stamp = -1
    if view.signatories:  # room for the electronic signature's stamp, as a paper letter leaves it for the pen
        w.paragraph([], CENTER, top_mm=1, bottom_mm=STAMP_H_MM - 4, right_px=indent)
        stamp = w.cursor.position()

    if view.copies:
        w.paragraph([("رونوشت:", chars(10, bold=True))], top_mm=10)
        for name in view.copies:
            w.paragraph([("– ", chars(10)), (name, chars(10))])
    if view.attachment_names:  # what «پیوست: ۲ فایل» in the header refers to
        w.paragraph([("پیوست‌ها:", chars(10, bold=True))], top_mm=6 if view.copies else 10)
        for i, name in enumerate(view.attachment_names, 1):
            w.paragraph([(f"{to_persian_digits(i)}. ", chars(10)), (shown_name(name), chars(10))])

    doc.setPageSize(QSizeF(geo.width, geo.content_height))
    return doc, stamp


def _html_doc(device: QPagedPaintDevice, width: float, html_text: str, pt: float = 10) -> QTextDocument:
    doc = _new_doc(device, pt)
    doc.setHtml(f'<div dir="rtl">{html_text}</div>')
    doc.setTextWidth(width)
    return doc


def runs_doc(
    device: QPagedPaintDevice,
    width: float,
    lines: list[list[tuple[str, QTextCharFormat]]],
    align: Qt.AlignmentFlag = RIGHT,
) -> QTextDocument:
    doc = _new_doc(device)
    w = _Writer(doc)
    for runs in lines:
        w.paragraph(runs, align)
    doc.setTextWidth(width)
    return doc


def draw_doc(painter: QPainter, doc: QTextDocument, x: float, y: float) -> None:
    painter.save()
    painter.translate(x, y)
    doc.drawContents(painter)
    painter.restore()


# --- page parts ----------------------------------------------------------------------------------


def _draw_header(
    painter: QPainter, device: QPagedPaintDevice, geo: _Geometry, view: LetterView, head: Letterhead
) -> None:
    top = geo.header_top
    # Right column: logo (or its placeholder frame) over the template's identity block.
    col_w = geo.px(62)
    col_x = geo.right - col_w
    logo = QRectF(col_x + (col_w - geo.px(16)) / 2, top, geo.px(16), geo.px(16))
    image = QImage(str(head.logo)) if head.logo else QImage()
    if not image.isNull():
        painter.drawImage(logo, image)
    else:
        painter.save()
        painter.setPen(QPen(QColor("#999999"), geo.px(0.3), Qt.PenStyle.DashLine))
        painter.drawRoundedRect(logo, geo.px(2), geo.px(2))
        painter.restore()
        hint = runs_doc(device, logo.width(), [[("محل نشان", chars(6.5, color=QColor("#999999")))]], CENTER)
        draw_doc(painter, hint, logo.x(), logo.center().y() - hint.size().height() / 2)
    identity = _html_doc(device, col_w, head.render(view))
    draw_doc(painter, identity, col_x, logo.bottom() + geo.px(2))

    # Centre: invocation, and the classification stamp in red under it.
    centre_w = geo.px(50)
    centre_x = geo.left + (geo.width - centre_w) / 2
    lines: list[list[tuple[str, QTextCharFormat]]] = []
    if head.invocation:
        lines.append([(head.invocation, chars(10.5, bold=True))])
    if view.classification_mark:
        lines.append([(view.classification_mark, chars(13, bold=True, color=RED))])
    if lines:
        draw_doc(painter, runs_doc(device, centre_w, lines, CENTER), centre_x, top)

    # Left block: number, date, attachment; priority in red.
    label, value = chars(10), chars(10, bold=True)
    block_lines = [
        [("شماره: ", label), (view.number_display, value)],
        [("تاریخ: ", label), (view.date_display, value)],
        [("پیوست: ", label), (view.attachment_display, value)],
    ]
    if view.priority_mark:
        block_lines.append([(view.priority_mark, chars(12, bold=True, color=RED))])
    draw_doc(painter, runs_doc(device, geo.px(64), block_lines), geo.left, top + geo.px(8))

    y = geo.px(geo.top_mm + geo.header_mm)
    painter.save()
    painter.setPen(QPen(QColor("#333333"), geo.px(0.35)))
    painter.drawLine(QPointF(geo.left, y), QPointF(geo.right, y))
    painter.restore()


def draw_qr(painter: QPainter, text: str, rect: QRectF) -> None:
    """Vector modules merged into one path: crisp at any print size, and no hairline seams."""
    matrix = qr_matrix(text)
    n = len(matrix)
    m = rect.width() / n
    path = QPainterPath()
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                path.addRect(QRectF(rect.x() + start * m, rect.y() + r * m, (c - start) * m, m))
            else:
                c += 1
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.fillRect(rect.adjusted(-4 * m, -4 * m, 4 * m, 4 * m), Qt.GlobalColor.white)  # quiet zone
    path.setFillRule(Qt.FillRule.WindingFill)
    painter.fillPath(path, QBrush(Qt.GlobalColor.black))
    painter.restore()


def _draw_footer(
    painter: QPainter,
    device: QPagedPaintDevice,
    geo: _Geometry,
    qr_text: str,
    verify_url: str,
    page: int,
    pages: int,
) -> None:
    y = geo.footer_top
    painter.save()
    painter.setPen(QPen(QColor("#999999"), geo.px(0.25)))
    painter.drawLine(QPointF(geo.left, y), QPointF(geo.right, y))
    painter.restore()

    size = geo.px(22)
    qr = QRectF(geo.right - size, geo.bottom - size, size, size)
    draw_qr(painter, qr_text, qr)
    caption_w = geo.px(80)
    caption = runs_doc(
        device,
        caption_w,
        [
            [
                (
                    "استعلام اصالت نامه: رمزینه را پویش کنید یا به این نشانی بروید:",
                    chars(SMALL_PT, color=GREY),
                )
            ],
            [(f"{LRI}{verify_url}{PDI}", chars(6.5, color=GREY))],
        ],
    )
    draw_doc(painter, caption, qr.left() - geo.px(4) - caption_w, qr.top())

    if pages > 1:
        text = f"صفحه {to_persian_digits(page)} از {to_persian_digits(pages)}"
        number = runs_doc(device, geo.px(40), [[(text, chars(9))]], LEFT)
        draw_doc(painter, number, geo.left, geo.bottom - number.size().height())


# --- entry points --------------------------------------------------------------------------------


@contextmanager
def painting(device: QPaintDevice) -> Iterator[QPainter]:
    """A painter on ``device`` with antialiased shapes and text, ended however the painting ends."""
    painter = QPainter()
    if not painter.begin(device):
        raise LetterPrintError("could not start painting on the output device")
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        yield painter
    finally:
        painter.end()


def paint_letter(device: QPagedPaintDevice, view: LetterView, *, server_base: str) -> int:
    """Paint every page of ``view`` on ``device`` (full-page coordinates); return the page count."""
    ensure_fonts()
    head = load_letterhead(view.letterhead)
    payload = view.qr_payload(server_base)
    qr_text = payload.encode()
    geo = _geometry(device)
    content, _stamp = _content_document(view, device, geo)
    pages = max(1, content.pageCount())
    with painting(device) as painter:
        for page in range(pages):
            if page and not device.newPage():
                raise LetterPrintError("the output device refused a new page")
            _draw_header(painter, device, geo, view, head)
            painter.save()
            painter.translate(geo.left, geo.content_top - page * geo.content_height)
            content.drawContents(painter, QRectF(0, page * geo.content_height, geo.width, geo.content_height))
            painter.restore()
            _draw_footer(painter, device, geo, qr_text, payload.verification_url, page + 1, pages)
    return pages


def pdf_writer(target: str | QIODevice, page: QPageSize) -> QPdfWriter:
    writer = QPdfWriter(target)
    writer.setResolution(PDF_DPI)
    writer.setPageSize(page)
    writer.setPageOrientation(QPageLayout.Orientation.Portrait)
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    writer.setCreator("Dabir (دبیر)")
    return writer


def render_letter_pdf(letter_view: LetterView, path: str | Path, *, server_base: str) -> Path:
    """Write the letter as an A4 PDF (fonts embedded, ready to be PAdES-signed later)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = pdf_writer(str(path), QPageSize(QPageSize.PageSizeId.A4))
    writer.setTitle(letter_view.subject)
    writer.setAuthor(letter_view.agency_name)
    paint_letter(writer, letter_view, server_base=server_base)
    del writer  # the file is complete only once the writer is gone
    path.chmod(0o600)  # owner-only, like the signed PDF and every other data file
    return path


@dataclass(frozen=True)
class SignatureBlock:
    """Where the visible signature goes on the letter's PDF."""

    page: int  # 0-based
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 in PDF points from the page's bottom left


def signature_block(letter_view: LetterView) -> SignatureBlock:
    """The room left under the signatories' names in :func:`render_letter_pdf`'s layout (the
    same layout, made again without painting); the foot of the last page's signatory column
    when the letter lists no signatory."""
    ensure_fonts()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = pdf_writer(buffer, QPageSize(QPageSize.PageSizeId.A4))
    geo = _geometry(writer)
    content, stamp = _content_document(letter_view, writer, geo)
    width, height = geo.px(STAMP_W_MM), geo.px(STAMP_H_MM)
    if stamp >= 0:
        top = content.documentLayout().blockBoundingRect(content.findBlock(stamp)).top()
        page = int(top // geo.content_height)
        y = geo.content_top + top - page * geo.content_height
    else:
        page, y = max(1, content.pageCount()) - 1, geo.footer_top - geo.px(2) - height
    x = geo.left + (geo.px(SIGNATORY_COLUMN_MM) - width) / 2
    to_pt = 72.0 / geo.dpi
    page_h = geo.px(geo.page_h_mm) * to_pt
    box = (round(x * to_pt), round(page_h - (y + height) * to_pt), round((x + width) * to_pt), round(page_h - y * to_pt))
    del writer
    return SignatureBlock(page, box)


def render_signature_stamp(path: str | Path, block: SignatureBlock, lines: list[tuple[str, bool]]) -> Path:
    """A one-page PDF the size of ``block``'s box: a frame and centred lines (text, bold), e.g.
    «امضای الکترونیکی», the signer, their title and the time; a signature field's appearance."""
    ensure_fonts()
    path = Path(path)
    x1, y1, x2, y2 = block.box
    writer = pdf_writer(str(path), QPageSize(QSizeF(x2 - x1, y2 - y1), QPageSize.Unit.Point, "stamp"))
    size = writer.pageLayout().fullRectPixels(writer.resolution())
    with painting(writer) as painter:
        pen = writer.resolution() / 72.0
        painter.setPen(QPen(BLUE, pen))
        frame = QRectF(size).adjusted(pen, pen, -pen, -pen)
        painter.drawRoundedRect(frame, 4 * pen, 4 * pen)
        runs = [[(text, chars(8 if i else 8.5, bold=bold, color=BLUE))] for i, (text, bold) in enumerate(lines)]
        doc = runs_doc(writer, frame.width(), runs, CENTER)
        draw_doc(painter, doc, frame.left(), frame.top() + (frame.height() - doc.size().height()) / 2)
    del writer
    return path


def print_letter(letter_view: LetterView, parent_widget: QWidget | None, *, server_base: str) -> bool:
    """Ask for a printer (QPrintDialog) and print; False when the user cancels."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)  # our margins are the letterhead's, not the driver's
    printer.setDocName(f"{letter_view.shams.canonical} {letter_view.subject}")
    dialog = QPrintDialog(printer, parent_widget)
    dialog.setWindowTitle("چاپ نامه")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    paint_letter(printer, letter_view, server_base=server_base)
    return True


def _paint_sheet(device: QPagedPaintDevice, html_text: str) -> None:
    """The sheet on the device's pages, 2 cm margins; painted here, since print_() numbers pages in Latin digits."""
    margin = device.logicalDpiY() * 20 / 25.4
    width, height = device.width() - 2 * margin, device.height() - 2 * margin
    doc = _new_doc(device)
    doc.setHtml(html_text)
    doc.setPageSize(QSizeF(width, height))
    with painting(device) as painter:
        for page in range(max(1, doc.pageCount())):
            if page and not device.newPage():
                raise LetterPrintError("the output device refused a new page")
            painter.save()
            painter.translate(margin, margin - page * height)
            doc.drawContents(painter, QRectF(0, page * height, width, height))
            painter.restore()


def render_sheet_pdf(html_text: str, title: str, path: str | Path) -> Path:
    """A plain A4 page of rich text (a paper letter's registration sheet) as a PDF."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = pdf_writer(str(path), QPageSize(QPageSize.PageSizeId.A4))
    writer.setTitle(title)
    ensure_fonts()
    _paint_sheet(writer, html_text)
    del writer
    path.chmod(0o600)
    return path


def print_sheet(html_text: str, title: str, parent_widget: QWidget | None) -> bool:
    """Ask for a printer and print the sheet; False when the user cancels."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setDocName(title)
    dialog = QPrintDialog(printer, parent_widget)
    dialog.setWindowTitle("چاپ نامه")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    ensure_fonts()
    _paint_sheet(printer, html_text)
    return True
