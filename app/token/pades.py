"""PAdES signatures on a letter's PDF (the printable copy), made with any pyHanko signer.

The letter itself is signed as canonical content (CAdES, app.token.signing); this signs the
rendered PDF so that a person or a PDF reader can check the printout on its own. The
signature is an incremental update: the bytes of the rendered letter stay as they were.
It can be visible: pyHanko's static stamp places a one-page PDF drawn by the caller (the
signer, title, time and «امضای الکترونیکی», shaped by Qt, which pyHanko's text stamps cannot
do for Persian without HarfBuzz) as the signature field's appearance in the signature block.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.stamp import StaticStampStyle

from app.token.errors import SigningError


@dataclass(frozen=True)
class VisibleSignature:
    """Where the signature shows on the page, and what it looks like there."""

    page: int  # 0-based
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 in PDF points, origin at the page's bottom left
    appearance_pdf: Path  # a one-page PDF the size of the box


def sign_pdf(
    input_pdf: Path,
    output_pdf: Path,
    signer: signers.Signer,
    *,
    reason: str = "امضای نامه اداری",
    location: str = "",
    field_name: str = "DabirSignature",
    visible: VisibleSignature | None = None,
) -> Path:
    """Write ``output_pdf``: ``input_pdf`` plus a PAdES-B-B signature (SHA-256), shown in
    ``visible``'s box when given (else an invisible signature field)."""
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
                spec = fields.SigFieldSpec(field_name, on_page=visible.page, box=visible.box) if visible else None
                style = StaticStampStyle.from_pdf_file(str(visible.appearance_pdf), border_width=0) if visible else None
                signers.PdfSigner(meta, signer, stamp_style=style, new_field_spec=spec).sign_pdf(writer, output=out)
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
