"""Log in to the Dabir server: address, username, password (used once, never stored), CA bundle."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models.changes import Changed, Changes
from app.models.db import Store
from app.sync import account
from app.sync.api import ApiError
from app.ui.file_dialogs import ask, file_dialog
from app.ui.ops import Op, OpContext, StoreOp


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
        self.username = QLineEdit(current.username if current else "")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.ca_bundle = QLineEdit(current.ca_bundle or "" if current else "")
        self.ca_bundle.setPlaceholderText(self.tr("System certificates"))
        for edit in (self.server, self.username, self.password, self.ca_bundle):
            edit.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # URLs, user names, paths
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_bundle, 1)
        ca_row.addWidget(browse)
        self.status = QLabel()
        self.status.setObjectName("loginStatus")
        self.status.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self.tr("Server address:"), self.server)
        form.addRow(self.tr("Username:"), self.username)
        form.addRow(self.tr("Password:"), self.password)
        form.addRow(self.tr("Server CA certificate:"), ca_row)
        self.buttons = QDialogButtonBox()
        self.login_button = self.buttons.addButton(self.tr("Log in"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.login_button.clicked.connect(self.start_login)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self._op: Op[Changed[dict]] | None = None

    def _browse(self) -> None:
        path = ask(file_dialog(self, self.tr("Server CA certificate"), self.tr("Certificates (*.pem *.crt *.cer)")))
        if path:
            self.ca_bundle.setText(path)

    def start_login(self) -> None:
        if self._op is not None:
            return
        url, user = self.server.text().strip().rstrip("/"), self.username.text().strip()
        password = self.password.text()
        self.password.clear()  # the password lives only until the login request
        if not url.startswith(("https://", "http://")) or not user or not password:
            self.status.setText(self.tr("Please enter the server address, your username and your password."))
            return
        acct = account.Account(server_url=url, username=user, ca_bundle=self.ca_bundle.text().strip() or None)
        store, box = self.store, [password]
        password = ""

        def work(_ctx: OpContext) -> Changed[dict]:
            return Changed(account.login(store, acct, box.pop()), Changes(settings=True))  # account, sender

        self.status.setText(self.tr("Logging in…"))
        self.login_button.setEnabled(False)
        self._op = StoreOp(self, work).success(self._done).failure(self._failed).run()

    def _done(self, result: Changed[dict]) -> None:
        self._op = None
        self.login_button.setEnabled(True)
        self.loggedIn.emit(result.value)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._op = None
        self.login_button.setEnabled(True)
        if isinstance(exc, ApiError) and exc.status:
            message = exc.message_fa or self.tr("The server refused the login.")
        else:
            message = getattr(exc, "message_fa", None) or self.tr("The server could not be reached.")
        self.status.setText(message)
