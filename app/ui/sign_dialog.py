"""The signing dialog: choose token and certificate, type the PIN once, sign one letter or a batch.

The dialog opens on the token holding the certificate of a signatory listed on the letters (else
the token used last on this workstation) and refuses, before the PIN, a certificate that names
none of them; a background token refresh never changes what the user chose. Enter always means
"Sign"; after a signing that went through, the dialog closes.

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

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
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

from app.models.letter_actions import SignatoryRule
from app.protocol.certificates import CertificateInfo
from app.protocol.jalali import TEHRAN, format_date
from app.protocol.package import LetterPackage
from app.protocol.persian import to_persian_digits
from app.token.certificates import TokenCertificate, choose_certificate
from app.token.errors import BatchInterrupted, PinError, PinLocked, TokenError
from app.token.pin import PinStatus
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


TokenKey = tuple[str, str]  # (label, serial)


def pin_state_text(pin: PinStatus) -> str:
    """The token's PIN state as the user needs it: tries left when the flags tell (the last
    one), «few left» after a wrong PIN, locked; empty when all is well."""
    if pin.locked:
        return _tr("The token's PIN is locked; ask the IT officer to unblock it. Signing is not possible.")
    if pin.final_try:
        return _tr("Tries left: 1. One more wrong PIN locks the token.")
    if pin.count_low:  # all the flag means (SoftHSM sets it after any wrong PIN), not a count
        return _tr("A wrong PIN was entered before; type it with care.")
    return ""


class SignDialog(QDialog):
    """Sign ``packages`` in place (a signature is appended to each signed package)."""

    batch_finished = Signal(object)  # BatchResult, or the exception that stopped the batch
    token_used = Signal(str, str)  # (label, serial) of a token that signed: remembered for next time

    def __init__(self, packages: Sequence[LetterPackage], token_service: TokenService, parent: QWidget | None = None,
                 *, job: SigningJob | None = None, rule: SignatoryRule | None = None,
                 last_token: TokenKey | None = None) -> None:
        super().__init__(parent)
        self.packages = list(packages)
        self.token_service = token_service
        self._job = job or self._sign_packages
        self.rule = rule  # None: any certificate (a dialog made without letters' signatories)
        self._last_token = last_token
        self.signer_info: CertificateInfo | None = None  # the certificate of the last signing run
        self._cancel = threading.Event()
        self._certs: list[TokenCertificate] = []
        self._running = False
        # The token the user picked, or the one found holding a listed signatory's certificate:
        # shown whenever it is present, also after a scan that briefly missed it.
        self._wanted: TokenKey | None = None
        self._choosing: object | None = None  # the certificate listing that chooses the token
        self._refusal: str | None = None  # why the chosen certificate may not sign these letters
        self._wrong_pin_shown = False  # the status line says the PIN was wrong (until the next try)
        self._locked = False
        self._signing_token: TokenKey = ("", "")
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
        self.cancel_button = QPushButton(_tr("Cancel"))
        for button in (self.sign_button, self.cancel_button):
            button.setAutoDefault(False)  # focus on «Cancel» must not make Enter cancel
        self.sign_button.setDefault(True)
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

        # The dialog blocks these signals when it sets the combos itself: a change here is the user's.
        self.token_combo.currentIndexChanged.connect(self._chosen_by_user)
        self.token_combo.currentIndexChanged.connect(self._on_token_selected)
        self.cert_combo.currentIndexChanged.connect(self._chosen_by_user)
        self.cert_combo.currentIndexChanged.connect(self._on_cert_selected)

        token_service.tokensChanged.connect(self.set_tokens)
        self.set_tokens(token_service.tokens)
        self._update_buttons()
        self.pin_edit.setFocus()

    # -- text --------------------------------------------------------------------------------
    def _intro_text(self) -> str:
        n = len(self.packages)
        if n == 1:
            subject = self.packages[0].content.get("subject", "")
            return _tr("The letter “{0}” will be signed with your electronic signature certificate.").format(subject)
        return _tr("{0} letters will be signed with a single PIN entry.").format(_fa(n))

    # -- tokens ------------------------------------------------------------------------------
    def current_token(self) -> TokenKey | None:
        data = self.token_combo.currentData()
        return (str(data[0]), str(data[1])) if data is not None else None

    def _token_index(self, key: TokenKey | None) -> int:
        # by hand: findData does not compare Python tuples by value
        return next((i for i in range(self.token_combo.count())
                     if tuple(self.token_combo.itemData(i)) == key), -1) if key is not None else -1

    @Slot(list)
    def set_tokens(self, tokens: list[TokenInfo]) -> None:
        """The watcher's list (also after each PIN try: the flags change): the chosen token stays."""
        current = self.current_token()
        self.token_combo.blockSignals(True)
        self.token_combo.clear()
        for t in tokens:
            self.token_combo.addItem(f"{t.label} ({t.manufacturer})", (t.label, t.serial))
        wanted_present = self._token_index(self._wanted) >= 0
        idx = self._token_index(self._wanted if wanted_present else current)
        self.token_combo.setCurrentIndex(idx if idx >= 0 else (0 if tokens else -1))
        self.token_combo.blockSignals(False)
        if not tokens:
            self.token_status.setText(_tr("No token is connected; please connect your signing token."))
        elif len(tokens) == 1:
            self.token_status.setText(_tr("Token “{0}” is ready.").format(tokens[0].label))
        else:
            self.token_status.setText(_tr("{0} tokens are connected.").format(_fa(len(tokens))))
        if tokens and not wanted_present:  # none wanted yet, or it was pulled out: choose as on opening
            self._choose([(t.label, t.serial) for t in tokens])
        elif self.current_token() != current or not tokens:
            self._on_token_selected()
        self._show_pin_status(next((t for t in tokens if (t.label, t.serial) == self.current_token()), None))

    def _chosen_by_user(self) -> None:
        self._wanted = self.current_token()

    def _choose(self, keys: list[TokenKey]) -> None:
        """List every token's certificates, then offer the one holding a listed signatory's."""
        def chosen(found: list[tuple[TokenKey, list[TokenCertificate]]]) -> None:
            if self._choosing is not op:
                return  # a later listing (tokens changed again) decides
            self._choosing = None
            if self._token_index(self._wanted) >= 0:
                return  # the user picked meanwhile, or the wanted token came back: it stands
            allowed = self.rule.allows if self.rule is not None else (lambda _code: False)  # no one listed
            pick = choose_certificate(found, allowed, self._last_token)
            if pick is None or (idx := self._token_index(pick[0])) < 0:
                return
            certs = dict(found)[pick[0]]
            if certs and allowed(certs[pick[1]].info.national_code):
                self._wanted = pick[0]
            self.token_combo.blockSignals(True)
            self.token_combo.setCurrentIndex(idx)
            self.token_combo.blockSignals(False)
            self._set_certificates(pick[0], certs, select=pick[1])
            self._show_pin_status(next((t for t in self.token_service.tokens
                                        if (t.label, t.serial) == pick[0]), None))

        def failed(exc: BaseException) -> None:
            if self._choosing is op:
                self._choosing = None
                self._show_error(exc)
                self._on_token_selected()  # the token shown: its certificates, as if picked

        op = self.token_service.all_certificates(self, keys)
        self._choosing = op
        op.success(chosen).failure(failed).run()

    def _show_pin_status(self, token: TokenInfo | None) -> None:
        if token is None:
            self.pin_warning.clear()
            self._locked = False
            self._fit()
            return
        self.pin_warning.setText(self._pin_warning_text(token.pin))
        self._locked = token.pin.locked
        pad = token.pin.protected_path
        self.pin_edit.setEnabled(not pad and not self._locked)
        if pad:
            self.pin_edit.setPlaceholderText(_tr("Enter the PIN on the card reader’s keypad."))
        self._update_buttons()
        self._fit()

    def _on_token_selected(self) -> None:
        self.cert_combo.blockSignals(True)
        self.cert_combo.clear()
        self.cert_combo.blockSignals(False)
        self._certs = []
        key = self.current_token()
        if key is None:
            self._update_buttons()
            return
        self.token_service.certificates(self, *key).success(lambda certs: self._set_certificates(key, certs)) \
            .failure(lambda exc: self._certificates_failed(key, exc)).run()

    def _certificates_failed(self, token: TokenKey, exc: BaseException) -> None:
        if token == self.current_token():  # not about a token chosen before this one
            self._show_error(exc)

    def _set_certificates(self, token: TokenKey, certs: list[TokenCertificate], select: int | None = None) -> None:
        if token != self.current_token():
            return  # the list of a token that is no longer the chosen one
        self._certs = certs
        self.cert_combo.blockSignals(True)
        self.cert_combo.clear()
        for c in certs:
            name = c.info.common_name or c.label
            usage = _tr("non-repudiation") if c.info.non_repudiation else _tr("digital signature")
            self.cert_combo.addItem(f"{name} — {usage}", c.id.hex() or c.label)
        if select is None and self.rule is not None:  # a listed signatory's certificate first
            select = next((i for i, c in enumerate(certs) if self.rule.allows(c.info.national_code)), None)
        if select is not None and 0 <= select < len(certs):
            self.cert_combo.setCurrentIndex(select)
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
            self._refusal = self.rule.refusal_fa(info.national_code) if self.rule is not None else None
            self.status.setText(self._refusal or "")
        else:
            self._refusal = None
        self._update_buttons()
        self._fit()

    def _update_buttons(self) -> None:
        ready = (not self._running and self.current_token() is not None and bool(self._certs)
                 and self._refusal is None and not self._locked)
        self.sign_button.setEnabled(ready)
        self.cancel_button.setText(_tr("Stop signing") if self._running else _tr("Cancel"))

    # -- signing -----------------------------------------------------------------------------
    @Slot()
    def start_signing(self) -> None:
        i = self.cert_combo.currentIndex()
        if self._running or not (0 <= i < len(self._certs)):
            return
        cert = self._certs[i]
        if self._locked or self._refusal is not None:  # refused before any PIN is asked for
            self.pin_edit.clear()
            self.status.setText(self._refusal or pin_state_text(PinStatus(locked=True)))
            self._fit()
            return
        pin: str | None = self.pin_edit.text() if self.pin_edit.isEnabled() else None
        self.pin_edit.clear()  # the PIN lives only until login, in the task below
        if pin == "":
            self.status.setText(_tr("Please enter the token PIN."))
            self.pin_edit.setFocus()
            return
        self._cancel.clear()
        self._running = True
        self._wrong_pin_shown = False
        self._set_progress(0)
        self.status.setText(_tr("Logging in to the token…"))
        self._update_buttons()
        self.signer_info = cert.info
        label, serial = self.current_token() or ("", "")
        self._signing_token = (label, serial)
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
        self.token_used.emit(*self._signing_token)
        if not isinstance(result, BatchResult):
            self._job_finished(result)
        else:
            self._batch_finished(result)
        self._update_buttons()
        self._fit()
        self.batch_finished.emit(result)
        if not (isinstance(result, BatchResult) and result.cancelled):
            QTimer.singleShot(0, self.accept)  # done: nothing left to do here (the window says what happened)

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
        if isinstance(exc, PinError) and isinstance(exc.status, PinStatus):
            # the reason here, the tries left below the PIN field (not the same words twice)
            self.status.setText(type(exc).message_fa)
            self._wrong_pin_shown = True
            self.pin_warning.setText(self._pin_warning_text(exc.status))
            self._locked = isinstance(exc, PinLocked) or exc.status.locked
            self.pin_edit.setEnabled(not self._locked and not exc.status.protected_path)
        else:
            self._show_error(exc)
        if isinstance(exc, BatchInterrupted):
            self._set_progress(exc.signed)
            self.token_service.rescan()
        self._update_buttons()
        self.pin_edit.setFocus()  # the next try is typed straight away, and Enter signs
        self._fit()
        self.batch_finished.emit(exc)

    def _pin_warning_text(self, pin: PinStatus) -> str:
        """The PIN state below the field, except «a wrong PIN was entered» right after the status
        line said so (one message, not two); the last try and a lock are always shown."""
        if self._wrong_pin_shown and not (pin.final_try or pin.locked):
            return ""
        return pin_state_text(pin)

    def _show_error(self, exc: BaseException) -> None:
        if isinstance(exc, TokenError):
            self.status.setText(exc.message_fa)
        else:
            self.status.setText(_tr("An unexpected error occurred; the details were written to the application log."))
        self._fit()

    def _fit(self) -> None:
        """Grow to show every line (a message that appears must not clip the ones above it)."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        need = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        need = max(need, layout.totalMinimumSize().height())
        if need > self.height():
            self.resize(self.width(), need)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.start_signing()  # Enter always means «Sign» (the PIN field passes it on)
            return
        super().keyPressEvent(event)

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
