"""PAdES signatures on a letter's PDF (the printable copy), made with any pyHanko signer.

The letter itself is signed as canonical content (CAdES, app.token.signing); this signs the
rendered PDF so that a person or a PDF reader can check the printout on its own. The
signature is an incremental update: the bytes of the rendered letter stay as they were.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers

from app.token.errors import SigningError


def sign_pdf(
    input_pdf: Path,
    output_pdf: Path,
    signer: signers.Signer,
    *,
    reason: str = "امضای نامه اداری",
    location: str = "",
    field_name: str = "DabirSignature",
) -> Path:
    """Write ``output_pdf``: ``input_pdf`` plus a PAdES-B-B signature (SHA-256)."""
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None,
        location=location or None,
    )
    output_pdf = Path(output_pdf)
    fd, tmp = tempfile.mkstemp(dir=output_pdf.parent, prefix=".signing-", suffix=".pdf")
    try:
        with Path(input_pdf).open("rb") as src, os.fdopen(fd, "wb") as out:
            try:
                writer = IncrementalPdfFileWriter(src, strict=False)
                signers.sign_pdf(writer, meta, signer=signer, output=out)
            except PdfError as exc:
                raise SigningError(
                    f"{input_pdf} is not a PDF that can be signed: {exc}",
                    "پرونده PDF نامه قابل امضا نیست.",
                ) from exc
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, output_pdf)  # never a half-written signed PDF under the real name
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return output_pdf
