"""The A5 receipt a person or a company takes away when their letter is registered (رسید ثبت نامه).

One portrait A5 page, right to left, in Persian digits and the Jalali calendar: the agency, the
tracking id (big, with its QR code opening the server's public status page ``/track?t=<id>``), the
incoming number and date, the channel, the sender (their national code or id masked but for its
last four digits: the receipt may be lost), the subject and how to look the status up. Painted
with the letter print's helpers (:mod:`app.ui.letter_print`) on a ``QPdfWriter`` or a ``QPrinter``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMarginsF, QPointF, QRectF
from PySide6.QtGui import QColor, QPagedPaintDevice, QPageLayout, QPageSize, QPen
from PySide6.QtWidgets import QDialog, QWidget

from app.models.db import Store
from app.models.directory import agency_name, citizen_channels
from app.models.incoming import CITIZEN_KINDS
from app.models.profile import SENDER_SETTING, read_setting
from app.models.tables import Letter
from app.protocol.jalali import format_datetime
from app.protocol.persian import to_persian_digits
from app.protocol.shams import LRI, PDI
from app.protocol.tracking import display_tracking_id
from app.ui.letter_print import (
    CENTER,
    GREY,
    RIGHT,
    LetterPrintError,
    chars,
    draw_doc,
    draw_qr,
    ensure_fonts,
    painting,
    pdf_writer,
    runs_doc,
)

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter

# The server's channel list as the directory sync keeps it: {code: Persian name} or [{"code", "name"}].
TRACK_PATH = "/track"
MARGIN_MM = 12.0
QR_MM = 34.0
MAX_SUBJECT = 160  # a long subject or name is cut («…»): the page has room for about three lines of it
MAX_NAME = 100
SHOWN_DIGITS = 4  # of the sender's national code or id


class NoReceipt(LetterPrintError):
    """The letter has no receipt (yet): not a person's or company's letter, or no tracking id."""

    def __init__(self, message: str, message_fa: str) -> None:
        super().__init__(message)
        self.message_fa = message_fa


@dataclass(frozen=True)
class Receipt:
    """What the receipt prints, read once from the store (painting needs no store)."""

    guid: str
    agency_name: str
    tracking_id: str  # 12 ASCII digits
    incoming_number: str
    registered_at: dt.datetime | None
    channel_name: str
    sender_kind: str  # person | company
    sender_name: str
    sender_id: str
    subject: str
    server_base: str

    @property
    def track_url(self) -> str:
        """What the QR code holds: the public status page with the id filled in."""
        return f"{self.server_base.rstrip('/')}{TRACK_PATH}?t={self.tracking_id}"

    @property
    def id_label(self) -> str:
        return "کد ملی" if self.sender_kind == "person" else "شناسه ملی"


def mask_identifier(value: str) -> str:
    """All but the last four digits hidden, in Persian digits: «******۳۰۴۴» (read left to right)."""
    return "*" * max(0, len(value) - SHOWN_DIGITS) + to_persian_digits(value[-SHOWN_DIGITS:])


def receipt_state(store: Store, guid: str) -> str | None:
    """"ready" (a citizen's letter with its tracking id), "waiting" (one still waiting for it), or None."""
    with store.reader() as s:
        letter = s.get(Letter, guid)
        if letter is None or letter.kind != "incoming" or letter.sender_kind not in CITIZEN_KINDS:
            return None
        return "ready" if letter.tracking_id else "waiting"


def read_receipt(store: Store, guid: str, server_base: str) -> Receipt:
    """The receipt of a person's or company's letter (NoReceipt with the Persian reason otherwise)."""
    if not server_base:  # the QR code and the printed address cannot be left out
        raise NoReceipt("no server address for the status page",
                        "نشانی کارگزار تعیین نشده است؛ لطفاً ابتدا وارد کارگزار شوید.")
    with store.reader() as s:
        letter = s.get(Letter, guid)
        if letter is None or letter.sender_kind not in CITIZEN_KINDS:
            raise NoReceipt(f"letter {guid} is not a citizen's letter",
                            "این نامه از شخص حقیقی یا حقوقی نیست و رسید ندارد.")
        if not letter.tracking_id:
            raise NoReceipt(f"letter {guid} has no tracking id yet",
                            "شناسه پیگیری این نامه هنوز صادر نشده است؛ رسید پس از همگام‌سازی بعدی چاپ‌شدنی است.")
        facts = (letter.tracking_id, letter.incoming_number or "", letter.incoming_at, letter.citizen_channel or "",
                 letter.sender_kind, letter.sender_name, letter.sender_id or "", letter.subject)
    me = read_setting(store, SENDER_SETTING)
    agency = str(me.get("agency") or "") if isinstance(me, dict) else ""
    tracking_id, number, at, channel, kind, name, sender_id, subject = facts
    return Receipt(guid=guid, agency_name=agency_name(store, agency) or to_persian_digits(agency),
                   tracking_id=tracking_id, incoming_number=number, registered_at=at,
                   channel_name=citizen_channels(store).get(channel, channel), sender_kind=kind, sender_name=name,
                   sender_id=sender_id, subject=subject, server_base=server_base)


# --- painting ------------------------------------------------------------------------------------


def _ltr(text: str) -> str:
    return f"{LRI}{text}{PDI}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def paint_receipt(device: QPagedPaintDevice, receipt: Receipt) -> None:
    """Paint the receipt on one page of ``device`` (full-page coordinates, any resolution)."""
    ensure_fonts()
    dpi = device.logicalDpiY()

    def px(mm: float) -> float:
        return mm * dpi / 25.4

    page = device.pageLayout().fullRect(QPageLayout.Unit.Millimeter)
    left, right, width = px(MARGIN_MM), px(page.width() - MARGIN_MM), px(page.width() - 2 * MARGIN_MM)
    bottom = px(page.height() - MARGIN_MM)
    label, value = chars(10, color=GREY), chars(10.5, bold=True)
    with painting(device) as painter:
        head = runs_doc(device, width, [[(_cut(receipt.agency_name, MAX_NAME), chars(13, bold=True))],
                                        [("رسید ثبت نامه", chars(16, bold=True))]], CENTER)
        y = px(MARGIN_MM)
        draw_doc(painter, head, left, y)
        y += head.size().height() + px(3)
        painter.setPen(QPen(QColor("#333333"), px(0.35)))
        painter.drawLine(QPointF(left, y), QPointF(right, y))

        # The tracking id, big and left to right, in a frame with its QR code under it.
        y += px(5)
        ident = runs_doc(device, width, [[("شناسه پیگیری", label)],
                                         [(_ltr(display_tracking_id(receipt.tracking_id)), chars(22, bold=True))]],
                         CENTER)
        qr_size = px(QR_MM)
        frame = QRectF(left + px(12), y, width - px(24), ident.size().height() + qr_size + px(10))
        painter.setPen(QPen(QColor("#888888"), px(0.3)))
        painter.drawRoundedRect(frame, px(3), px(3))
        draw_doc(painter, ident, left, y + px(2))
        qr = QRectF(left + (width - qr_size) / 2, y + px(4) + ident.size().height(), qr_size, qr_size)
        draw_qr(painter, receipt.track_url, qr)
        y = frame.bottom() + px(6)

        when = format_datetime(receipt.registered_at) if receipt.registered_at else ""
        facts = [
            [("شماره ثبت: ", label), (_ltr(to_persian_digits(receipt.incoming_number)), value)],
            [("تاریخ و ساعت ثبت: ", label), (_ltr(when), value)],
            [("مجرای دریافت: ", label), (receipt.channel_name, value)],
            [("فرستنده: ", label), (_cut(receipt.sender_name, MAX_NAME), value)],
            [(f"{receipt.id_label}: ", label), (_ltr(mask_identifier(receipt.sender_id)), value)],
            [("موضوع: ", label), (_cut(receipt.subject, MAX_SUBJECT), value)],
        ]
        table = runs_doc(device, width - px(8), facts, RIGHT)
        draw_doc(painter, table, left + px(4), y)

        # How to look the status up, at the foot of the page.
        how = (f"برای پیگیری، به نشانی {_ltr(receipt.server_base.rstrip('/') + TRACK_PATH)} بروید یا رمزینه را "
               f"با تلفن همراه پویش کنید و شناسه پیگیری و {receipt.id_label} خود را وارد کنید.")
        foot = runs_doc(device, width - px(8), [[(how, chars(9.5))]], RIGHT)
        top = bottom - foot.size().height() - px(4)
        painter.setPen(QPen(QColor("#999999"), px(0.25)))
        painter.drawLine(QPointF(left, top - px(2)), QPointF(right, top - px(2)))
        draw_doc(painter, foot, left + px(4), top)


def _a5(device: QPagedPaintDevice) -> None:
    device.setPageSize(QPageSize(QPageSize.PageSizeId.A5))
    device.setPageOrientation(QPageLayout.Orientation.Portrait)
    device.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)


def render_receipt_pdf(receipt: Receipt, path: str | Path) -> Path:
    """Write the receipt as a one-page A5 PDF (owner-only, like every data file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = pdf_writer(str(path), QPageSize(QPageSize.PageSizeId.A5))
    writer.setTitle(f"رسید ثبت نامه {display_tracking_id(receipt.tracking_id)}")
    writer.setAuthor(receipt.agency_name)
    paint_receipt(writer, receipt)
    del writer  # the file is complete only once the writer is gone
    path.chmod(0o600)
    return path


def receipt_printer(receipt: Receipt) -> QPrinter:
    """A printer set up for the receipt: A5 portrait, our own margins."""
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    _a5(printer)
    printer.setFullPage(True)
    printer.setDocName(f"رسید {display_tracking_id(receipt.tracking_id)}")
    return printer


def print_receipt(receipt: Receipt, parent_widget: QWidget | None) -> bool:
    """Ask for a printer (A5 preset) and print; False when the user cancels."""
    from PySide6.QtPrintSupport import QPrintDialog

    printer = receipt_printer(receipt)
    dialog = QPrintDialog(printer, parent_widget)
    dialog.setWindowTitle("چاپ رسید")
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    paint_receipt(printer, receipt)
    return True

