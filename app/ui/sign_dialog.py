"""The signing dialog: choose token and certificate, type the PIN once, sign one letter or a batch.

The dialog does no token work itself: the application's :class:`app.ui.token_service.TokenService`
watches the tokens (the dialog listens to its signal) and lists certificates and signs on its
workers when the dialog asks. The PIN leaves the field the moment "Sign" is pressed and is
dropped by the worker right after login.

Strings are English source text through ``self.tr``; the formal Persian is in
``translations/fa/sign_fa.ts``. :class:`app.ui.pdf_sign_dialog.PdfSignDialog` reuses this
dialog with another ``job`` (a signed PDF instead of letter packages).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.protocol.certificates import CertificateInfo
from app.protocol.jalali import TEHRAN, format_date
from app.protocol.package import LetterPackage
from app.protocol.persian import to_persian_digits
from app.token.certificates import TokenCertificate
from app.token.errors import BatchInterrupted, PinError, TokenError
from app.token.signing import BatchResult, TokenSigningSession
from app.token.tokens import TokenInfo
from app.ui.ops import OpContext
from app.ui.token_service import SigningJob, TokenService


def _tr(text: str) -> str:
    """Translations under the SignDialog context, also for subclasses (PdfSignDialog): PySide's
    self.tr() would look them up under the subclass's name."""
    return QCoreApplication.translate("SignDialog", text)


def _fa(n: int) -> str:
    return to_persian_digits(str(n))


class SignDialog(QDialog):
    """Sign ``packages`` in place (a signature is appended to each signed package)."""

    batch_finished = Signal(object)  # BatchResult, or the exception that stopped the batch

    def __init__(self, packages: Sequence[LetterPackage], token_service: TokenService, parent: QWidget | None = None,
                 *, job: SigningJob | None = None) -> None:
        super().__init__(parent)
        self.packages = list(packages)
        self.token_service = token_service
        self._job = job or self._sign_packages
        self.signer_info: CertificateInfo | None = None  # the certificate of the last signing run
        self._cancel = threading.Event()
        self._certs: list[TokenCertificate] = []
        self._running = False
        self.result_batch: BatchResult | None = None

        self.setObjectName("signDialog")
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.setWindowTitle(_tr("Sign letters"))
        self.setMinimumWidth(560)

        self.intro = QLabel(self._intro_text())
        self.intro.setWordWrap(True)
        self.token_status = QLabel()
        self.token_status.setObjectName("tokenStatus")
        self.token_status.setWordWrap(True)
        self.token_combo = QComboBox()
        self.cert_combo = QComboBox()
        self.cert_detail = QLabel()
        self.cert_detail.setWordWrap(True)
        self.cert_detail.setObjectName("certDetail")
        self.pin_edit = QLineEdit()
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setPlaceholderText(_tr("Token password (PIN)"))
        self.pin_edit.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.pin_warning = QLabel()
        self.pin_warning.setObjectName("pinWarning")
        self.pin_warning.setWordWrap(True)
        self.pin_warning.setStyleSheet("color: #a15c00;")
        self.progress = QProgressBar()
        self.progress.setRange(0, max(1, len(self.packages)))
        self.progress.setValue(0)
        self._set_progress(0)
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)

        form = QFormLayout()
        form.addRow(_tr("Token:"), self.token_combo)
        form.addRow("", self.token_status)
        form.addRow(_tr("Signing certificate:"), self.cert_combo)
        form.addRow("", self.cert_detail)
        form.addRow(_tr("Password:"), self.pin_edit)
        form.addRow("", self.pin_warning)

        self.buttons = QDialogButtonBox()
        self.sign_button = QPushButton(_tr("Sign"))
        self.sign_button.setDefault(True)
        self.cancel_button = QPushButton(_tr("Cancel"))
        self.buttons.addButton(self.sign_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.sign_button.clicked.connect(self.start_signing)
        self.cancel_button.clicked.connect(self._on_cancel)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

        self.token_combo.currentIndexChanged.connect(self._on_token_selected)
        self.cert_combo.currentIndexChanged.connect(self._on_cert_selected)

        token_service.tokensChanged.connect(self.set_tokens)
        self.set_tokens(token_service.tokens)
        self._update_buttons()

    # -- text --------------------------------------------------------------------------------
    def _intro_text(self) -> str:
        n = len(self.packages)
        if n == 1:
            subject = self.packages[0].content.get("subject", "")
            return _tr("The letter “{0}” will be signed with your electronic signature certificate.").format(subject)
        return _tr("{0} letters will be signed with a single PIN entry.").format(_fa(n))

    # -- tokens ------------------------------------------------------------------------------
    @Slot(list)
    def set_tokens(self, tokens: list[TokenInfo]) -> None:
        current = self.token_combo.currentData()
        self.token_combo.blockSignals(True)
        self.token_combo.clear()
        for t in tokens:
            self.token_combo.addItem(f"{t.label} ({t.manufacturer})", (t.label, t.serial))
        idx = self.token_combo.findData(current) if current is not None else -1
        self.token_combo.setCurrentIndex(idx if idx >= 0 else (0 if tokens else -1))
        self.token_combo.blockSignals(False)
        if not tokens:
            self.token_status.setText(_tr("No token is connected; please connect your signing token."))
        elif len(tokens) == 1:
            self.token_status.setText(_tr("Token “{0}” is ready.").format(tokens[0].label))
        else:
            self.token_status.setText(_tr("{0} tokens are connected.").format(_fa(len(tokens))))
        if self.token_combo.currentData() != current or not tokens:
            self._on_token_selected()
        self._show_pin_status(next((t for t in tokens if (t.label, t.serial) == self.token_combo.currentData()), None))

    def _show_pin_status(self, token: TokenInfo | None) -> None:
        if token is None:
            self.pin_warning.clear()
            return
        self.pin_warning.setText(token.pin.warning_fa or "")
        pad = token.pin.protected_path
        self.pin_edit.setEnabled(not pad)
        if pad:
            self.pin_edit.setPlaceholderText(_tr("Enter the PIN on the card reader’s keypad."))

    def _on_token_selected(self) -> None:
        self.cert_combo.clear()
        self._certs = []
        if self.token_combo.currentData() is None:
            self._update_buttons()
            return
        key = self.token_combo.currentData()
        self.token_service.certificates(self, *key).success(lambda certs: self._set_certificates(key, certs)) \
            .failure(lambda exc: self._certificates_failed(key, exc)).run()

    def _certificates_failed(self, token: tuple[str, str], exc: BaseException) -> None:
        if token == self.token_combo.currentData():  # not about a token chosen before this one
            self._show_error(exc)

    def _set_certificates(self, token: tuple[str, str], certs: list[TokenCertificate]) -> None:
        if token != self.token_combo.currentData():
            return  # the list of a token that is no longer the chosen one
        self._certs = certs
        self.cert_combo.blockSignals(True)
        self.cert_combo.clear()
        for c in certs:
            name = c.info.common_name or c.label
            usage = _tr("non-repudiation") if c.info.non_repudiation else _tr("digital signature")
            self.cert_combo.addItem(f"{name} — {usage}", c.id.hex() or c.label)
        self.cert_combo.blockSignals(False)
        if not certs:
            self.cert_detail.setText(_tr("No signing certificate was found on this token."))
        self._on_cert_selected()

    def _on_cert_selected(self) -> None:
        i = self.cert_combo.currentIndex()
        if 0 <= i < len(self._certs):
            info = self._certs[i].info
            issuer = info.issuer_common_name or info.issuer
            lines = [_tr("Issuer: {0}").format(f"\u2068{issuer}\u2069"),  # isolate: Latin names keep their order
                     _tr("Valid from {0} to {1}").format(format_date(info.not_before.astimezone(TEHRAN)),
                                                            format_date(info.not_after.astimezone(TEHRAN)))]
            if info.national_code:
                lines.insert(0, _tr("National code: {0}").format(to_persian_digits(info.national_code)))
            self.cert_detail.setText("\n".join(lines))
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = not self._running and self.token_combo.currentData() is not None and bool(self._certs)
        self.sign_button.setEnabled(ready)
        self.cancel_button.setText(_tr("Stop signing") if self._running else _tr("Cancel"))

    # -- signing -----------------------------------------------------------------------------
    @Slot()
    def start_signing(self) -> None:
        i = self.cert_combo.currentIndex()
        if self._running or not (0 <= i < len(self._certs)):
            return
        cert = self._certs[i]
        pin: str | None = self.pin_edit.text() if self.pin_edit.isEnabled() else None
        self.pin_edit.clear()  # the PIN lives only until login, in the task below
        if pin == "":
            self.status.setText(_tr("Please enter the token PIN."))
            return
        self._cancel.clear()
        self._running = True
        self._set_progress(0)
        self.status.setText(_tr("Logging in to the token…"))
        self._update_buttons()
        self.signer_info = cert.info
        label, serial = self.token_combo.currentData()
        # The dialog's own cancel flag, not Op.cancel: a stopped batch still reports what it signed.
        op = self.token_service.sign(self, label, serial, cert, pin, self._job, self._cancel)
        pin = None
        op.with_progress(self._on_progress).success(self._on_finished).failure(self._on_failed).run()

    def _sign_packages(self, session: TokenSigningSession, ctx: OpContext, cancel: threading.Event) -> BatchResult:
        return session.sign_packages(self.packages, progress=lambda done, total: ctx.progress(done, total),
                                     cancel=cancel)

    def _set_progress(self, done: int) -> None:
        self.progress.setValue(done)
        # Qt's %v/%m would print ASCII digits in a bidi-broken order
        self.progress.setFormat("\u200f" + _tr("{0} of {1} letters").format(_fa(done), _fa(len(self.packages))))

    def _on_progress(self, done: int, total: int, _text: str = "") -> None:
        self._set_progress(done)
        self.status.setText(_tr("{0} of {1} letters signed.").format(_fa(done), _fa(total)))

    def _on_finished(self, result: Any) -> None:
        self._running = False
        self.pin_warning.clear()  # a good PIN resets the token's wrong-PIN counter
        self.token_service.rescan()
        if not isinstance(result, BatchResult):
            self._job_finished(result)
        else:
            self._batch_finished(result)
        self._update_buttons()
        self.batch_finished.emit(result)

    def _job_finished(self, result: Any) -> None:
        """A ``job`` other than the letter batch finished (subclasses say what it did)."""

    def _batch_finished(self, result: BatchResult) -> None:
        self.result_batch = result
        if result.cancelled:
            self.status.setText(_tr("Signing stopped at your request; {0} letters were signed and {1} were left unchanged.")
                                .format(_fa(result.signed), _fa(len(self.packages) - result.signed)))
        else:
            self.status.setText(_tr("{0} letters were signed successfully.").format(_fa(result.signed)))

    def _on_failed(self, exc: BaseException) -> None:
        self._running = False
        self._show_error(exc)
        if isinstance(exc, PinError) and exc.status is not None:
            self.pin_warning.setText(getattr(exc.status, "warning_fa", None) or "")
        if isinstance(exc, BatchInterrupted):
            self._set_progress(exc.signed)
            self.token_service.rescan()
        self._update_buttons()
        self.batch_finished.emit(exc)

    def _show_error(self, exc: BaseException) -> None:
        if isinstance(exc, TokenError):
            self.status.setText(exc.message_fa)
        else:
            self.status.setText(_tr("An unexpected error occurred; the details were written to the application log."))

    def _on_cancel(self) -> None:
        if self._running:
            self._cancel.set()
            self.status.setText(_tr("Stopping; the letter being signed will be completed first…"))
        else:
            self.reject()

    def done(self, r: int) -> None:
        self._cancel.set()
        self.token_service.wait(10_000)  # a batch stopped part-way still reports the letters it signed
        super().done(r)

    def closeEvent(self, event: Any) -> None:
        if self._running:
            self._cancel.set()
        super().closeEvent(event)
