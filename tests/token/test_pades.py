"""PAdES: the printed letter's PDF signed on the token; poppler's pdfsig (NSS) checks it."""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

import pytest

from app.models.db import Store
from app.token.pades import sign_pdf
from app.token.signing import open_signing_session
from app.ui import letter_print as P
from devkit.pki import pem
from tests.token.conftest import PIN_A, TokenWorld
from tests.ui.test_letter_print import BASE, registered_view

pytestmark = pytest.mark.softhsm


def nss_db_trusting(tmp_path: Path, world: TokenWorld) -> str:
    """An NSS certificate database (what pdfsig reads) with the test root as a trusted CA."""
    db = tmp_path / "nss"
    db.mkdir()
    (tmp_path / "root.pem").write_bytes(pem(world.pki.root_cert))
    (tmp_path / "intermediate.pem").write_bytes(pem(world.pki.intermediate_cert))
    subprocess.run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{db}", "-n", "root", "-t", "CT,C,C", "-i", str(tmp_path / "root.pem")],
                   check=True, capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{db}", "-n", "intermediate", "-t", ",,", "-i",
                    str(tmp_path / "intermediate.pem")], check=True, capture_output=True)
    return f"sql:{db}"


def pdfsig(nss: str, pdf: Path) -> str:
    out = subprocess.run(["pdfsig", "-nssdir", nss, str(pdf)], capture_output=True, text=True)
    return out.stdout + out.stderr


def test_signed_letter_pdf_is_valid_in_pdfsig_against_the_test_ca(qapp, store: Store, tmp_path: Path,
                                                                    world: TokenWorld):
    pdf = P.render_letter_pdf(registered_view(store), tmp_path / "letter.pdf", server_base=BASE)
    with open_signing_session(world.token("Dabir A"), PIN_A, cert_label="signer") as session:
        signed = sign_pdf(pdf, tmp_path / "letter-signed.pdf", session.signer, reason="امضای نامه", location="تهران")
    assert signed.read_bytes().startswith(pdf.read_bytes())  # incremental: the rendered bytes are kept
    nss = nss_db_trusting(tmp_path, world)
    report = pdfsig(nss, signed)
    assert "Signature is Valid." in report, report
    assert "Certificate is Trusted." in report, report
    assert "علی رضایی" in report  # the signer named from the token's certificate

    tampered = tmp_path / "tampered.pdf"
    data = bytearray(signed.read_bytes())
    i = data.index(b"/MediaBox")
    data[i + 1 : i + 9] = b"Mediabox"  # a change inside the signed byte range
    tampered.write_bytes(bytes(data))
    assert "Signature is Valid." not in pdfsig(nss, tampered)


def test_not_a_pdf_is_refused_clearly(tmp_path: Path, world: TokenWorld):
    from app.token.errors import SigningError

    bogus = tmp_path / "x.pdf"
    bogus.write_bytes(b"this is not a pdf")
    with open_signing_session(world.token("Dabir A"), PIN_A, cert_label="signer") as session, \
            pytest.raises(SigningError) as err:
        sign_pdf(bogus, tmp_path / "out.pdf", session.signer)
    assert err.value.message_fa and not (tmp_path / "out.pdf").exists()


def _ink(png: Path, box: tuple[int, int, int, int], dpi: int) -> int:
    """How many clearly blue pixels a rendered page has inside a PDF box (points, from the bottom)."""
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    scale = dpi / 72
    x1, y1, x2, y2 = box
    top, bottom = image.height() - int(y2 * scale), image.height() - int(y1 * scale)
    blue = 0
    for y in range(max(0, top), min(image.height(), bottom)):
        for x in range(int(x1 * scale), min(image.width(), int(x2 * scale))):
            c = image.pixelColor(x, y)
            blue += c.blue() > c.red() + 40
    return blue


def test_a_visible_signature_shows_in_the_signature_block_and_stays_valid(
    qapp, store: Store, tmp_path: Path, world: TokenWorld, artifacts_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    """Issue 15 item 13: signer, title, time and «امضای الکترونیکی» on the page, valid in pdfsig."""
    from app.ui.workflow_actions import visible_signature

    view = registered_view(store)
    pdf = P.render_letter_pdf(view, tmp_path / "letter.pdf", server_base=BASE)
    with open_signing_session(world.token("Dabir A"), PIN_A, cert_label="signer") as session:
        visible = visible_signature(view, tmp_path / "stamp.pdf", session.signer.signing_cert.dump())
        signed = sign_pdf(pdf, tmp_path / "signed.pdf", session.signer, reason="امضای نامه", visible=visible)
    stamp_text = subprocess.run(["pdftotext", str(visible.appearance_pdf), "-"], capture_output=True,
                                text=True).stdout
    for phrase in ("امضای الکترونیکی", "علی رضایی", "مدیرکل فناوری اطلاعات", "زمان امضا"):
        assert phrase in unicodedata.normalize("NFKC", stamp_text), (phrase, stamp_text)

    report = pdfsig(nss_db_trusting(tmp_path, world), signed)
    assert "Signature is Valid." in report and "Certificate is Trusted." in report, report
    assert signed.read_bytes().startswith(pdf.read_bytes())

    # Under the signatory's name and title: the stamp is drawn there (and the unsigned page is blank there).
    x1, y1, x2, y2 = visible.box
    assert x2 - x1 > 100 and y2 - y1 > 40 and visible.page == 0
    for name, source in (("unsigned", pdf), ("signed", signed)):
        subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", str(source), str(tmp_path / name)], check=True)
    assert _ink(tmp_path / "unsigned.png", visible.box, 100) == 0
    assert _ink(tmp_path / "signed.png", visible.box, 100) > 200
    subprocess.run(["pdftoppm", "-png", "-r", "90", "-singlefile", str(signed),
                    str(artifacts_dir / "signed_letter_visible_signature")], check=True)
