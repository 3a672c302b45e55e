"""Print/PDF of a registered letter, checked from the outside with poppler (as a reader would)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import ClassVar
from xml.etree import ElementTree

import pytest
from PySide6.QtWidgets import QApplication

from app.models import letters as L
from app.models import qr_payload as Q
from app.models.db import Store
from app.models.letter_view import LetterView, NotRegistered, Signatory
from app.protocol.canonical import content_sha256
from app.protocol.persian import (
    national_code_check_digit,
    national_id_check_digit,
    normalize,
    to_persian_digits,
)
from app.protocol.shams import LRI, LRO, PDF, PDI, Shams
from app.ui import letter_print as P

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

AGENCY = "1400012345" + national_id_check_digit("1400012345")
OTHER = "1010038714" + national_id_check_digit("1010038714")
C1 = "001234567" + national_code_check_digit("001234567")
C2 = "123456789" + national_code_check_digit("123456789")
BASE = "https://dabir.example.ir"
SUBJECT = "درخواست تمدید قرارداد پشتیبانی سامانهٔ دبیرخانهٔ الکترونیکی"
WHEN = dt.datetime(2026, 11, 23, 7, 30, 15, tzinfo=dt.UTC)  # ۱۴۰۵/۰۹/۰۲ in Tehran
PARAGRAPH = (
    "با سلام و احترام، پیرو مکاتبات قبلی و نظر به ضرورت تمدید قرارداد پشتیبانی سامانهٔ دبیرخانهٔ "
    "الکترونیکی در سال ۱۴۰۵، خواهشمند است دستور فرمایید اقدامات لازم در خصوص تأمین اعتبار و "
    "انعقاد الحاقیهٔ قرارداد شمارهٔ ۱۲۳/۴۵ به عمل آید و نتیجه به این اداره کل اعلام شود."
)


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def registered_view(store: Store, *, paragraphs: int = 2, **kw) -> LetterView:
    """A letter through the model API, signed, then numbered as the sync engine would record it."""
    body = "".join(f"<p>{PARAGRAPH}</p>" for _ in range(paragraphs))
    sender = {
        "agency": AGENCY,
        "unit": "ادارهٔ کل فناوری اطلاعات",
        "person": "s.ahmadi",
        "name": "وزارت نمونه",
    }
    recipients = [
        {"role": "to", "agency": OTHER, "name": "سازمان برنامه و بودجهٔ کشور"},
        {"role": "cc", "agency": AGENCY, "name": "معاونت توسعهٔ مدیریت و منابع"},
    ]
    with store.session() as s:
        letter = L.create_letter(
            s, kind="outgoing", subject=SUBJECT, body=body, sender=sender, recipients=recipients,
            priority=kw.pop("priority", "urgent"), classification=kw.pop("classification", "confidential"),
        )  # fmt: skip
        s.flush()
        L.add_signature(
            s, letter, cms=b"test", content_sha256_hex=content_sha256(L.letter_content(letter)),
            signer_subject="CN=علی رضایی,SERIALNUMBER=" + C1, signer_national_code=C1,
        )  # fmt: skip
        for state in ("queued", "registered"):
            L.transition(s, letter, state)
        letter.shams = f"{AGENCY}-O-1405-187"
        letter.registered_at = WHEN
        s.flush()
        return LetterView.from_letter(
            letter,
            agency_name="وزارت نمونه",
            signatories=[Signatory("علی رضایی", "مدیرکل فناوری اطلاعات", C1)],
            **kw,
        )


def words(pdf: Path, page: int = 1) -> list[tuple[float, float, str]]:
    """Words in visual order with their position (pdftotext -bbox keeps glyph order as drawn)."""
    xml = run("pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-")
    xml = re.sub(r"<!DOCTYPE[^>]*>", "", xml)
    root = ElementTree.fromstring(xml)
    out = []
    for w in root.iter("{http://www.w3.org/1999/xhtml}word"):
        out.append((float(w.get("xMin")), float(w.get("yMin")), unicodedata.normalize("NFKC", w.text or "")))
    return out


def rtl_line(seen: list[tuple[float, float, str]], y: float) -> str:
    """One printed line read right to left. pdftotext -bbox cuts Persian into single glyphs but
    keeps a left-to-right run (the SHAMS) as one word, so this is the logical order of the line."""
    return "".join(w[2] for w in sorted((w for w in seen if abs(w[1] - y) < 3), key=lambda w: -w[0]))


def plain_text(pdf: Path) -> str:
    # Qt writes presentation-form glyphs; NFKC folds them back, normalize() drops bidi/ZW marks.
    return normalize(unicodedata.normalize("NFKC", run("pdftotext", str(pdf), "-")))


@pytest.fixture
def app(qapp: QApplication) -> QApplication:
    return qapp


def test_view_from_letter_copies_what_printing_needs(store: Store):
    view = registered_view(store)
    assert view.shams == Shams.parse(f"{AGENCY}-O-1405-187")
    assert view.recipients == ("سازمان برنامه و بودجهٔ کشور",)
    assert view.copies == ("معاونت توسعهٔ مدیریت و منابع",)
    assert view.signer_national_codes == (C1,)
    assert view.date_display == "۱۴۰۵/۰۹/۰۲"
    assert view.attachment_display == "ندارد"
    assert (view.priority_mark, view.classification_mark) == ("فوری", "محرمانه")
    assert Q.parse(view.qr_payload(BASE).encode()).guid == view.guid


def test_unregistered_letter_is_refused(store: Store):
    with store.session() as s:
        letter = L.create_letter(s, kind="outgoing", subject="پیش‌نویس", sender={"agency": AGENCY})
        with pytest.raises(NotRegistered) as info:
            LetterView.from_letter(letter, agency_name="وزارت نمونه")
    assert "شماره‌گذاری" in info.value.message_fa


def test_letterheads_are_listed_with_the_default_first():
    heads = P.list_letterheads()
    assert heads[0] == ("main", "سربرگ اصلی")
    head = P.load_letterhead("main")
    assert head.invocation == "بسمه‌تعالی"
    with pytest.raises(P.LetterPrintError):
        P.load_letterhead("../etc/passwd")


def test_pdf_of_a_registered_letter(app, store: Store, tmp_path: Path, artifacts_dir: Path):
    view = registered_view(store)
    pdf = P.render_letter_pdf(view, tmp_path / "letter.pdf", server_base=BASE)

    info = run("pdfinfo", str(pdf))
    assert re.search(r"Page size:\s+595(\.\d+)? x 842(\.\d+)? pts \(A4\)", info)
    assert re.search(r"Pages:\s+1\b", info)

    fonts = run("pdffonts", str(pdf)).splitlines()[2:]
    assert fonts and all("Vazirmatn" in line for line in fonts), fonts
    assert all(line.split()[-5] == "yes" for line in fonts), "every font embedded"

    text = plain_text(pdf)
    assert normalize(SUBJECT) in text
    for phrase in (
        "وزارت نمونه",
        "سازمان برنامه و بودجه کشور",
        "علی رضایی",
        "مدیرکل فناوری اطلاعات",
        "رونوشت",
    ):
        assert normalize(phrase) in text, phrase
    assert "صفحه" not in text  # one page: no page numbers

    # The number reads left to right in Persian digits, with the label at its right (RTL line).
    seen = words(pdf)
    shams_display = view.shams.display.strip(LRI + LRO + PDF + PDI)
    number = [w for w in seen if w[2] == shams_display]
    assert number, f"{shams_display} not found as one word in {[w[2] for w in seen][:20]}"
    assert rtl_line(seen, number[0][1]) == "شماره:" + shams_display
    date = [w for w in seen if w[2] == "۱۴۰۵/۰۹/۰۲"]
    assert date and rtl_line(seen, date[0][1]) == "تاریخ:۱۴۰۵/۰۹/۰۲"

    # Page 1 as a person sees it, and the QR on it read back by a decoder.
    png = artifacts_dir / "printed_letter"
    run("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(png))
    assert (artifacts_dir / "printed_letter.png").stat().st_size > 10_000
    zxingcpp = pytest.importorskip("zxingcpp")
    from PySide6.QtGui import QImage

    scan = tmp_path / "scan"
    run("pdftoppm", "-png", "-r", "200", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(scan))
    image = QImage(str(scan) + ".png").convertToFormat(QImage.Format.Format_Grayscale8)
    found = [r.text for r in zxingcpp.read_barcodes(image)]
    assert found == [view.qr_payload(BASE).encode()]
    decoded = Q.parse(found[0])
    assert (decoded.shams, decoded.guid, decoded.signatories) == (view.shams, view.guid, (C1,))
    (artifacts_dir / "printed_letter_qr.txt").write_text(found[0] + "\n", encoding="utf-8")


def test_long_letter_is_paginated(app, store: Store, tmp_path: Path, artifacts_dir: Path):
    view = registered_view(store, paragraphs=14, priority="normal", classification="normal")
    pdf = P.render_letter_pdf(view, tmp_path / "long.pdf", server_base=BASE)
    pages = int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(pdf))).group(1))
    assert pages >= 2
    for page in range(1, pages + 1):
        seen = words(pdf, page)
        # The page number is the lowest line of the page, read right to left.
        assert (
            rtl_line(seen, max(w[1] for w in seen))
            == f"صفحه{to_persian_digits(page)}از{to_persian_digits(pages)}"
        )
        assert any(w[2] == view.shams.display.strip(LRI + LRO + PDF + PDI) for w in seen), "number repeated on every page"
    text = plain_text(pdf)
    assert "فوری" not in text and "محرمانه" not in text  # normal letters carry no marks
    run(
        "pdftoppm",
        "-png",
        "-r",
        "80",
        "-f",
        "2",
        "-l",
        "2",
        "-singlefile",
        str(pdf),
        str(artifacts_dir / "printed_letter_p2"),
    )


def test_pdf_can_take_a_signature_later(app, store: Store, tmp_path: Path):
    """The PAdES step appends to this file incrementally; here: a signature field, as pyHanko adds it."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    pdf = P.render_letter_pdf(registered_view(store), tmp_path / "letter.pdf", server_base=BASE)
    with pdf.open("rb") as f:
        writer = IncrementalPdfFileWriter(f)
        append_signature_field(writer, SigFieldSpec("Signature1", on_page=0, box=(40, 40, 200, 90)))
        out = tmp_path / "with-field.pdf"
        with out.open("wb") as o:
            writer.write(o)
    assert out.read_bytes().startswith(pdf.read_bytes())  # an update, not a rewrite
    assert "Pages:" in run("pdfinfo", str(out))


def test_plain_text_body_and_foreign_fonts_are_tamed(app, tmp_path: Path):
    view = LetterView(
        guid="3f0c8a52-1b7e-4c1e-9d0a-5a7b2c9e1f00", kind="internal", subject="گزارش",
        body_html='<html><body style="font-family:\'Tahoma\'"><p><span style="font-family:Arial">بند اول</span></p></body></html>',
        agency_id=AGENCY, agency_name="وزارت نمونه", sender_unit="", shams=Shams.parse(f"{AGENCY}-I-1405-3"),
        registered_at=WHEN,
    )  # fmt: skip
    pdf = P.render_letter_pdf(view, tmp_path / "a.pdf", server_base=BASE)
    fonts = run("pdffonts", str(pdf)).splitlines()[2:]
    assert all("Vazirmatn" in line for line in fonts), fonts
    assert normalize("بند اول") in plain_text(pdf)
    assert P._body_html("سطر یک\nسطر <دو>") == "<p>سطر یک</p><p>سطر &lt;دو&gt;</p>"


def test_printer_path_paints_the_same_pages(app, store: Store, tmp_path: Path):
    """print_letter() paints on a QPrinter after its dialog; a PDF-file printer stands in for paper."""
    from PySide6.QtGui import QPageLayout, QPageSize
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)
    assert P.paint_letter(printer, registered_view(store, paragraphs=14), server_base=BASE) >= 2
    del printer
    assert normalize(SUBJECT) in plain_text(tmp_path / "printed.pdf")


class _FakePrintDialog:
    """Stands in for QPrintDialog: records what it was given and answers as the user would."""

    accept: ClassVar[bool] = True
    out: ClassVar[Path] = Path()
    seen: ClassVar[list[_FakePrintDialog]] = []

    def __init__(self, printer, parent=None) -> None:  # type: ignore[no-untyped-def]
        self.printer, self.parent, self.title = printer, parent, ""
        _FakePrintDialog.seen.append(self)

    def setWindowTitle(self, title: str) -> None:
        self.title = title

    def exec(self) -> int:
        from PySide6.QtWidgets import QDialog

        if not self.accept:
            return QDialog.DialogCode.Rejected
        self.printer.setOutputFileName(str(self.out))  # the "printer" the user picked: a PDF file
        return QDialog.DialogCode.Accepted


@pytest.mark.parametrize("accept", [True, False])
def test_print_letter_asks_for_a_printer_then_prints(app, store: Store, tmp_path: Path, monkeypatch, accept: bool):
    """print_letter(): A4, full page (our margins), the SHAMS in the job name, a Persian dialog
    title; printed only when the dialog is accepted."""
    from PySide6 import QtPrintSupport
    from PySide6.QtGui import QPageSize

    monkeypatch.setattr(QtPrintSupport, "QPrintDialog", _FakePrintDialog)
    _FakePrintDialog.seen, _FakePrintDialog.accept, _FakePrintDialog.out = [], accept, tmp_path / "paper.pdf"
    view = registered_view(store)
    assert P.print_letter(view, None, server_base=BASE) is accept
    dialog = _FakePrintDialog.seen[0]
    assert dialog.title == "چاپ نامه"
    printer = dialog.printer
    assert printer.pageLayout().pageSize().id() == QPageSize.PageSizeId.A4 and printer.fullPage()
    assert view.shams.canonical in printer.docName()
    del printer, dialog
    _FakePrintDialog.seen = []
    printed = tmp_path / "paper.pdf"
    assert printed.exists() is accept
    if accept:
        assert normalize(SUBJECT) in plain_text(printed)
