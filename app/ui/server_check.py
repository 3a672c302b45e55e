"""The server address, its CA bundle and «بررسی اتصال»: the TLS probe (``app.sync.server_probe``)
runs on a worker and its result — the certificate the server presented, whether it is trusted and
why not — is shown in Persian. One widget for the first-run wizard and the settings dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.models.site_config import SiteConfig
from app.protocol.jalali import format_date
from app.protocol.persian import ltr_island
from app.sync.server_probe import ProbeResult, probe_server
from app.ui.file_dialogs import ask, file_dialog
from app.ui.ops import Op, OpContext

OK_COLOR, BAD_COLOR = "#1b5e20", "#b71c1c"


class ServerCheck(QWidget):
    checked = Signal(object)  # the ProbeResult, on the GUI thread
    changed = Signal()  # the address or CA bundle was edited: the last check no longer holds

    def __init__(self, url: str = "", ca_bundle: str = "", *, locked: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: ProbeResult | None = None
        self._op: Op[ProbeResult] | None = None
        self.url = QLineEdit(url or "https://")
        self.url.setObjectName("serverUrl")
        self.url.setPlaceholderText("https://dabir.example.ir")
        self.ca_bundle = QLineEdit(ca_bundle)
        self.ca_bundle.setObjectName("serverCaBundle")
        self.ca_bundle.setPlaceholderText(self.tr("System certificates"))
        for edit in (self.url, self.ca_bundle):
            edit.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # addresses and paths
            edit.setReadOnly(locked)  # the administrator's settings win, shown but not editable
            edit.textEdited.connect(self._edited)
        self.browse = QPushButton(self.tr("Choose file…"))
        self.browse.setEnabled(not locked)
        self.browse.clicked.connect(self._browse)
        self.check_button = QPushButton(self.tr("Check the connection"))
        self.check_button.setObjectName("checkConnection")
        self.check_button.clicked.connect(self.check)
        self.url.returnPressed.connect(self.check)  # Enter in the address checks it
        self._had_focus = False
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_bundle, 1)
        ca_row.addWidget(self.browse)
        self.form = QFormLayout()
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.addRow(self.tr("Server address:"), self.url)
        self.form.addRow(self.tr("Agency CA certificate:"), ca_row)
        if locked:
            note = QLabel(self.tr("Set by the system administrator for this computer."))
            note.setObjectName("lockedNote")
            self.form.addRow("", note)
        self.status = QLabel()
        self.status.setObjectName("probeStatus")
        self.status.setWordWrap(True)
        self.details = QWidget()
        details = QFormLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        self.subject, self.organization, self.issuer, self.validity, self.fingerprint, self.trusted = (
            QLabel() for _ in range(6))
        self.fingerprint.setObjectName("probeFingerprint")
        self.fingerprint.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.fingerprint.setWordWrap(True)
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label, widget in ((self.tr("Issued to:"), self.subject), (self.tr("Organization:"), self.organization),
                              (self.tr("Issued by:"), self.issuer), (self.tr("Valid:"), self.validity),
                              (self.tr("SHA-256 fingerprint:"), self.fingerprint), (self.tr("Trusted:"), self.trusted)):
            details.addRow(label, widget)
        self.details.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.form)
        button_row = QHBoxLayout()
        button_row.addWidget(self.check_button)
        button_row.addStretch(1)
        layout.addLayout(button_row)
        layout.addWidget(self.status)
        layout.addWidget(self.details)

    @property
    def passed(self) -> bool:
        return self.result is not None and self.result.ok

    @property
    def busy(self) -> bool:
        return self._op is not None

    def target(self) -> tuple[str, str | None]:
        """(address, CA bundle or None) as typed."""
        return self.url.text().strip().rstrip("/"), self.ca_bundle.text().strip() or None

    def _edited(self, _text: str = "") -> None:
        self.result = None
        self.details.hide()
        self.status.clear()
        self.changed.emit()

    def _browse(self) -> None:
        path = ask(file_dialog(self, self.tr("Agency CA certificate"), self.tr("Certificates (*.pem *.crt *.cer)")))
        if path:
            self.ca_bundle.setText(path)
            self._edited()

    def check(self) -> None:
        """Run the probe on a worker; ``checked`` reports the result."""
        if self._op is not None:
            return
        url, ca_bundle = self.target()
        self.result = None
        self.details.hide()
        self._set_status(self.tr("Checking the connection…"), None)
        # A disabled button hands the keyboard focus on to the next one (the dialog's «انصراف»):
        # Enter would then cancel. The focus comes back here when the check ends.
        self._had_focus = self.check_button.hasFocus()
        self.check_button.setEnabled(False)

        def work(_ctx: OpContext) -> ProbeResult:
            return probe_server(url, ca_bundle)

        self._op = Op(self, work).success(self._show).failure(self._failed).run()

    def _set_status(self, text: str, ok: bool | None) -> None:
        color = "" if ok is None else f"color: {OK_COLOR if ok else BAD_COLOR};"
        self.status.setStyleSheet(f"{color} font-weight: bold;" if color else "")
        self.status.setText(text)

    def _ended(self) -> None:
        self._op = None
        self.check_button.setEnabled(True)
        if self._had_focus:
            self.check_button.setFocus()

    def _failed(self, exc: BaseException) -> None:
        self._ended()
        self._set_status(self.tr("The connection could not be checked."), False)

    def _show(self, result: ProbeResult) -> None:
        self._ended()
        self.result = result
        self._set_status(result.reason_fa if result.ok else self.tr("Not connected: %1").replace("%1", result.reason_fa),
                         result.ok)
        cert = result.certificate
        if cert is not None:
            self.subject.setText(ltr_island(cert.subject_cn) if cert.subject_cn else "—")
            self.organization.setText(cert.subject_o or "—")
            self.issuer.setText(cert.issuer or "—")
            self.validity.setText(self.tr("from %1 to %2").replace("%1", format_date(cert.not_before))
                                  .replace("%2", format_date(cert.not_after)))
            self.fingerprint.setText(cert.fingerprint)
            self.trusted.setText(self.tr("Yes") if result.trusted else self.tr("No"))
            self.trusted.setStyleSheet(f"color: {OK_COLOR if result.trusted else BAD_COLOR};")
        self.details.setVisible(cert is not None)
        self.checked.emit(result)


def site_error_label(site: SiteConfig) -> QLabel | None:
    """The administrator's file could not be used: say so where the user starts."""
    if not site.error_fa:
        return None
    label = QLabel(site.error_fa)
    label.setObjectName("siteConfigError")
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {BAD_COLOR}; font-weight: bold;")
    return label
