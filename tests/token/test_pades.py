"""PAdES: the printed letter's PDF signed on the token; poppler's pdfsig (NSS) checks it."""

from __future__ import annotations

import subprocess
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
