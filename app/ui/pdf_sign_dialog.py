"""Signing a letter's PDF (PAdES): the sign dialog's token, certificate and PIN steps, another job."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from app.models.letter_actions import SignatoryRule
from app.token.signing import TokenSigningSession
from app.ui.ops import OpContext
from app.ui.sign_dialog import SignDialog
from app.ui.token_service import TokenService

#: (input pdf, output pdf, pyHanko signer) -> the output path; app.token.pades.sign_pdf in the app.
PdfSigner = Callable[[Path, Path, object], Path]


class PdfSignDialog(SignDialog):
    """Signs ``input_pdf`` into ``output_pdf`` on the chosen token after the PIN."""

    signed = Signal(object)  # the output path

    def __init__(self, input_pdf: Path, output_pdf: Path, token_service: TokenService, sign_pdf: PdfSigner,
                 subject: str, parent: QWidget | None = None, *, rule: SignatoryRule | None = None,
                 last_token: tuple[str, str] | None = None) -> None:
        self.input_pdf, self.output_pdf, self.subject = input_pdf, output_pdf, subject

        def job(session: TokenSigningSession, ctx: OpContext, _cancel: threading.Event) -> Path:
            ctx.progress(0, 1)
            out = sign_pdf(input_pdf, output_pdf, session.signer)
            ctx.progress(1, 1)
            return Path(out)

        super().__init__([], token_service, parent, job=job, rule=rule, last_token=last_token)
        self.setObjectName("pdfSignDialog")
        self.setWindowTitle(self.tr("Sign the PDF"))
        self.progress.setRange(0, 1)
        self.progress.hide()

    def _intro_text(self) -> str:
        return self.tr("The PDF of the letter “{0}” will be signed with your signature certificate.").format(
            getattr(self, "subject", ""))

    def _set_progress(self, done: int) -> None:
        self.progress.setValue(done)

    def _on_progress(self, done: int, total: int, _text: str = "") -> None:
        self.progress.setValue(done)

    def _job_finished(self, result: object) -> None:
        self.status.setText(self.tr("The signed PDF was saved."))
        self.signed.emit(result)
