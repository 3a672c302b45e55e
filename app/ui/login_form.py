"""The one login form (username, password, the Persian reason of a refusal) that the login
dialog, the first-run wizard and the settings dialog all use: the password is used once for
``account.login`` on a worker, and cleared from the widget as soon as the request starts."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.models.changes import Changed, Changes
from app.models.db import Store
from app.sync import account
from app.sync.api import ApiError
from app.ui.ops import Op, OpContext, StoreOp

#: Where to log in: () -> (server address, CA bundle or None), asked when the user logs in.
Target = Callable[[], tuple[str, str | None]]


class LoginForm(QWidget):
    loggedIn = Signal(dict)  # the server's answer without the token
    busyChanged = Signal(bool)

    def __init__(self, store: Store, target: Target, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.target = target
        current = account.load_account(store)
        self.username = QLineEdit(current.username if current else "")
        self.username.setObjectName("loginUsername")
        self.password = QLineEdit()
        self.password.setObjectName("loginPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        for edit in (self.username, self.password):
            edit.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # user names are Latin
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.start_login)  # Enter logs in (again, after a refusal)
        self.login_button = QPushButton(self.tr("Log in"))
        self.login_button.setObjectName("loginButton")
        self.login_button.clicked.connect(self.start_login)
        self.status = QLabel()
        self.status.setObjectName("loginStatus")
        self.status.setWordWrap(True)
        self.form = QFormLayout()
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.addRow(self.tr("Username:"), self.username)
        self.form.addRow(self.tr("Password:"), self.password)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.form)
        layout.addWidget(self.status)
        self._op: Op[Changed[dict]] | None = None

    @property
    def busy(self) -> bool:
        return self._op is not None

    def start_login(self) -> None:
        if self._op is not None or not self.login_button.isEnabled():
            return  # busy, or the owner holds logins back (a server whose check has not passed)
        url, ca_bundle = self.target()
        url, user = url.strip().rstrip("/"), self.username.text().strip()
        password = self.password.text()
        self.password.clear()  # the password lives only until the login request
        if not url.startswith(("https://", "http://")) or not user or not password:
            self.status.setText(self.tr("Please enter your username and your password.") if url.startswith("https://")
                                else self.tr("Please enter the server address, your username and your password."))
            return
        acct = account.Account(server_url=url, username=user, ca_bundle=ca_bundle or None)
        store, box = self.store, [password]
        password = ""

        def work(_ctx: OpContext) -> Changed[dict]:
            return Changed(account.login(store, acct, box.pop()), Changes(settings=True))  # account, sender

        self.status.setText(self.tr("Logging in…"))
        self._set_busy(True)
        self._op = StoreOp(self, work).success(self._done).failure(self._failed).run()

    def _set_busy(self, busy: bool) -> None:
        self.login_button.setEnabled(not busy)
        self.busyChanged.emit(busy)

    def _done(self, result: Changed[dict]) -> None:
        self._op = None
        self.status.setText(self.tr("Logged in."))
        self.loggedIn.emit(result.value)
        self._set_busy(False)  # after loggedIn: who waits for the form to be idle sees the login done

    def _failed(self, exc: BaseException) -> None:
        self._op = None
        self._set_busy(False)
        if isinstance(exc, ApiError) and exc.status:
            message = exc.message_fa or self.tr("The server refused the login.")
        else:
            message = getattr(exc, "message_fa", None) or self.tr("The server could not be reached.")
        self.status.setText(message)
        self.password.setFocus()
