"""Log in to the Dabir server: address, CA bundle, and the shared login form (username, password
used once, never stored)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models.db import Store
from app.sync import account
from app.ui.file_dialogs import ask, file_dialog
from app.ui.login_form import LoginForm


class LoginDialog(QDialog):
    loggedIn = Signal(dict)  # the server's answer without the token

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setObjectName("loginDialog")
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.setWindowTitle(self.tr("Log in to the server"))
        self.setMinimumWidth(480)
        current = account.load_account(store)

        self.server = QLineEdit(current.server_url if current else "https://")
        self.ca_bundle = QLineEdit(current.ca_bundle or "" if current else "")
        self.ca_bundle.setPlaceholderText(self.tr("System certificates"))
        for edit in (self.server, self.ca_bundle):
            edit.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # URLs, paths
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_bundle, 1)
        ca_row.addWidget(browse)
        self.form = LoginForm(store, lambda: (self.server.text(), self.ca_bundle.text().strip() or None))
        self.username, self.password, self.status = self.form.username, self.form.password, self.form.status
        self.login_button = self.form.login_button
        self.form.form.insertRow(0, self.tr("Server address:"), self.server)
        self.form.form.addRow(self.tr("Server CA certificate:"), ca_row)
        self.buttons = QDialogButtonBox()
        self.buttons.addButton(self.login_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.rejected.connect(self.reject)
        self.form.loggedIn.connect(self._done)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.buttons)

    def _browse(self) -> None:
        path = ask(file_dialog(self, self.tr("Server CA certificate"), self.tr("Certificates (*.pem *.crt *.cer)")))
        if path:
            self.ca_bundle.setText(path)

    def start_login(self) -> None:
        self.form.start_login()

    def _done(self, info: dict) -> None:
        self.loggedIn.emit(info)
        self.accept()
