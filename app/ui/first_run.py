"""The first-run wizard: server (TLS check, certificate shown), login, token software, summary.

What the administrator fixed in ``dabir.toml`` is not asked again: a pre-set server skips the
server page (its check runs on the login page), a pre-set module skips the token page. Cancel
closes the app with nothing kept (a login made meanwhile is undone); «کار بدون اتصال» finishes
without an account, because drafting offline is a feature and the main window can log in later.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.models.changes import Changes
from app.models.db import Store, StoreTooNewError
from app.models.profile import (
    FIRST_RUN_SETTING,
    TOKEN_MODULE_SETTING,
    read_setting,
    token_module_setting,
    write_setting,
)
from app.models.site_config import SiteConfig
from app.protocol.persian import ltr_island
from app.sync import account
from app.ui.login_form import LoginForm
from app.ui.ops import OpContext, StoreOp
from app.ui.server_check import ServerCheck, site_error_label
from app.ui.token_module_picker import TokenModulePicker

SERVER_PAGE, LOGIN_PAGE, TOKEN_PAGE, SUMMARY_PAGE = range(4)


def needs_first_run(store: Store) -> bool:
    """A profile that has no account and never finished the wizard (not even to work offline)."""
    return account.load_account(store) is None and not read_setting(store, FIRST_RUN_SETTING)


class ServerPage(QWizardPage):
    def __init__(self, store: Store, site: SiteConfig) -> None:
        super().__init__()
        self.setTitle(self.tr("Server"))
        self.setSubTitle(self.tr("Enter the address of your agency's Dabir server and check the connection."))
        current = account.load_account(store)
        self.check = ServerCheck(current.server_url if current else "", (current.ca_bundle or "") if current else "")
        self.check.checked.connect(self._checked)
        self.check.changed.connect(self.completeChanged.emit)
        layout = QVBoxLayout(self)
        if (error := site_error_label(site)) is not None:
            layout.addWidget(error)
        layout.addWidget(self.check)
        layout.addStretch(1)

    def _checked(self, _result: object) -> None:
        self.completeChanged.emit()
        wizard = self.wizard()
        if self.check.passed and wizard is not None:  # Enter now goes on to the login
            wizard.button(QWizard.WizardButton.NextButton).setFocus()

    def isComplete(self) -> bool:
        return self.check.passed


class LoginPage(QWizardPage):
    def __init__(self, store: Store, site: SiteConfig, server: ServerCheck) -> None:
        super().__init__()
        self.setTitle(self.tr("Log in"))
        self.setSubTitle(self.tr("Log in with the username and password your agency gave you. "
                                 "The password is not kept on this computer."))
        self.preset = bool(site.server_url)
        # A pre-set server is checked here, shown read-only: the administrator's address wins.
        self.check = ServerCheck(site.server_url or "", site.ca_bundle or "", locked=True) if self.preset else server
        self.info: dict[str, Any] | None = None
        self.form = LoginForm(store, self.check.target)
        self.server_label = QLabel()
        self.server_label.setObjectName("loginServer")
        layout = QVBoxLayout(self)
        if self.preset:  # (a file with an error pre-sets nothing: the server page shows it)
            layout.addWidget(self.check)
            self.check.checked.connect(self._probed)
        else:
            layout.addWidget(self.server_label)
        layout.addWidget(self.form)
        layout.addWidget(self.form.login_button, 0, Qt.AlignmentFlag.AlignLeading)
        layout.addStretch(1)
        self.form.loggedIn.connect(self._logged_in)

    def initializePage(self) -> None:
        url, _ca = self.check.target()
        self.server_label.setText(self.tr("Server: %1").replace("%1", ltr_island(url)))
        if self.preset and self.check.result is None:
            self.form.login_button.setEnabled(False)
            self.check.check()
        self.form.username.setFocus()

    def _probed(self, result: object) -> None:
        self.form.login_button.setEnabled(self.check.passed)

    def _logged_in(self, info: dict[str, Any]) -> None:
        self.info = info
        self.completeChanged.emit()
        wizard = self.wizard()
        if wizard is not None and wizard.currentPage() is self:
            wizard.next()

    def isComplete(self) -> bool:
        return self.info is not None


class TokenPage(QWizardPage):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.setTitle(self.tr("Signing token"))
        self.setSubTitle(self.tr("Choose the software of your signing token and test it with the token inserted. "
                                 "Staff who do not sign can skip this step."))
        self.skipped = False
        self.picker = TokenModulePicker(token_module_setting(store))
        self.picker.tested.connect(lambda _ok: self.completeChanged.emit())
        self.picker.changed.connect(self.completeChanged.emit)
        self.later = QPushButton(self.tr("Later"))
        self.later.setObjectName("tokenLater")
        self.later.clicked.connect(self._later)
        layout = QVBoxLayout(self)
        layout.addWidget(self.picker)
        layout.addWidget(self.later, 0, Qt.AlignmentFlag.AlignLeading)

    def initializePage(self) -> None:
        self.skipped = False

    def _later(self) -> None:
        self.skipped = True
        wizard = self.wizard()
        if wizard is not None:
            wizard.next()

    def chosen(self) -> str | None:
        """The module to keep: the one that loaded in the test (None when skipped)."""
        return None if self.skipped else self.picker.loaded

    def isComplete(self) -> bool:
        return self.skipped or (self.picker.loaded is not None and self.picker.loaded == self.picker.path())


class SummaryPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Ready"))
        self.setSubTitle(self.tr("Dabir is set up. These settings can be changed later in Settings."))
        self.server, self.user, self.token = QLabel(), QLabel(), QLabel()
        for label in (self.server, self.user, self.token):
            label.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(self.tr("Server:"), self.server)
        form.addRow(self.tr("Logged in as:"), self.user)
        form.addRow(self.tr("Token software:"), self.token)

    def initializePage(self) -> None:
        wizard = self.wizard()
        assert isinstance(wizard, FirstRunWizard)
        url, _ca = wizard.login_page.check.target()
        self.server.setText(ltr_island(url))
        user = (wizard.login_page.info or {}).get("user") or {}
        self.user.setText(str(user.get("display_name") or user.get("username") or ""))
        module = wizard.site.pkcs11_module or wizard.token_page.chosen()
        self.token.setText(ltr_island(module) if module else self.tr("Not chosen yet (Settings, later)"))


class FirstRunWizard(QWizard):
    ready = Signal()  # painted for the first time (smoke mode)
    completed = Signal(bool)  # finished and saved: True with an account, False to work offline

    def __init__(self, store: Store, site: SiteConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.site = site
        self.offline = False
        self._painted = False
        self._saving = False
        self.setObjectName("firstRunWizard")
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.setWindowTitle(self.tr("Setting up Dabir"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.setOption(QWizard.WizardOption.HaveCustomButton1)
        self.setButtonText(QWizard.WizardButton.CustomButton1, self.tr("Work offline"))
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("Next"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("Back"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("Finish"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("Cancel"))
        self.customButtonClicked.connect(lambda _which: self.work_offline())
        self.server_page = ServerPage(store, site)
        self.login_page = LoginPage(store, site, self.server_page.check)
        self.token_page = TokenPage(store)
        self.summary_page = SummaryPage()
        self.setPage(SERVER_PAGE, self.server_page)
        self.setPage(LOGIN_PAGE, self.login_page)
        self.setPage(TOKEN_PAGE, self.token_page)
        self.setPage(SUMMARY_PAGE, self.summary_page)
        self.setStartId(LOGIN_PAGE if site.server_url else SERVER_PAGE)
        self.currentIdChanged.connect(self._page_changed)
        self.resize(720, 600)

    def nextId(self) -> int:
        current = self.currentId()
        if current == SERVER_PAGE:
            return LOGIN_PAGE
        if current == LOGIN_PAGE:
            return SUMMARY_PAGE if self.site.pkcs11_module or not self._signs_here() else TOKEN_PAGE
        if current == TOKEN_PAGE:
            return SUMMARY_PAGE
        return -1

    def _signs_here(self) -> bool:
        """Whether letters are signed in this profile: a signatory's, or the desk's the signatory signs
        at (roles not known yet: offer the token page)."""
        user = (self.login_page.info or {}).get("user") or {}
        roles = user.get("roles") if isinstance(user, dict) else None
        return not isinstance(roles, list) or bool({"secretary", "signatory"} & set(roles))

    def _page_changed(self, page: int) -> None:
        offline = self.button(QWizard.WizardButton.CustomButton1)
        offline.setVisible(page != SUMMARY_PAGE)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self.ready.emit)  # after this paint (a grab now would paint again inside it)

    def work_offline(self) -> None:
        """Finish without an account: drafting works offline, the main window logs in later."""
        self.offline = True
        self.accept()

    def accept(self) -> None:
        """Keep the choices (token software, the wizard done) on a worker, then close."""
        if self._saving:
            return
        self._saving = True
        store = self.store
        module = None if self.offline or self.site.pkcs11_module else self.token_page.chosen()

        def work(_ctx: OpContext) -> Changes:
            if module:
                write_setting(store, TOKEN_MODULE_SETTING, {"path": module})
            return write_setting(store, FIRST_RUN_SETTING, {"done": True})

        StoreOp(self, work).success(lambda _c: self._saved()).failure(self._save_failed).run()

    def _saved(self) -> None:
        self._saving = False
        super().accept()
        self.completed.emit(account.load_account(self.store) is not None)

    def _save_failed(self, exc: BaseException) -> None:
        self._saving = False
        QMessageBox.critical(self, self.tr("Setting up Dabir"),
                             getattr(exc, "message_fa", None) or self.tr("The settings could not be saved."))

    def reject(self) -> None:
        """Close with nothing kept: a login made in this wizard is undone first."""
        if self._saving:
            return
        form = self.login_page.form
        if form.busy:  # a login on its way would save the account after we close: wait for it, then undo it
            form.busyChanged.connect(self._reject_when_idle)
            self.setEnabled(False)
            return
        if self.login_page.info is None:
            super().reject()
            return
        self._saving = True
        store = self.store

        def work(_ctx: OpContext) -> Changes:
            account.forget(store)
            return Changes(settings=True)

        def done(*_args: object) -> None:
            self._saving = False
            QWizard.reject(self)

        StoreOp(self, work).success(done).failure(done).run()

    def _reject_when_idle(self, busy: bool) -> None:
        if not busy:
            self.login_page.form.busyChanged.disconnect(self._reject_when_idle)
            self.setEnabled(True)
            self.reject()


def store_too_new_box(exc: StoreTooNewError) -> QMessageBox:
    """A newer Dabir migrated this profile: say so in Persian (Qt's own buttons, in Persian too)."""
    box = QMessageBox(QMessageBox.Icon.Critical, QCoreApplication.translate("FirstRunWizard", "Dabir"), exc.message_fa,
                      QMessageBox.StandardButton.Ok)
    box.setObjectName("storeTooNew")
    box.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    return box
