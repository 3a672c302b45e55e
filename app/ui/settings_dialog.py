"""Settings: the server and login, the token software, the profile's trust roots and the PDF
folder. The server and token tabs are the first-run wizard's own widgets; what the administrator
fixed in ``dabir.toml`` is shown read-only (it wins over the profile)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.models.changes import Changes
from app.models.db import Store
from app.models.profile import (
    PDF_FOLDER_SETTING,
    TOKEN_MODULE_SETTING,
    pdf_folder,
    token_module,
    write_setting,
)
from app.models.site_config import SiteConfig, load_site_config
from app.protocol.jalali import format_date
from app.protocol.persian import ltr_island
from app.sync import account
from app.sync.trust_roots import LocalRoot, add_local_root, list_local_roots, remove_local_root
from app.ui.file_dialogs import ask, documents_dir, file_dialog
from app.ui.login_form import LoginForm
from app.ui.ops import Op, OpContext, StoreOp
from app.ui.server_check import BAD_COLOR, OK_COLOR, ServerCheck, site_error_label
from app.ui.token_module_picker import TokenModulePicker


def _grouped(sha256: str) -> str:
    h = sha256.upper()
    return " ".join(h[i:i + 4] for i in range(0, len(h), 4))


class SettingsDialog(QDialog):
    loggedIn = Signal(dict)  # logged in again from the server tab

    def __init__(self, store: Store, site: SiteConfig | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.site = site = site or load_site_config()
        self.setObjectName("settingsDialog")
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.setWindowTitle(self.tr("Settings"))
        self.resize(760, 560)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._server_tab(), self.tr("Server"))
        self.tabs.addTab(self._token_tab(), self.tr("Signing token"))
        self.tabs.addTab(self._trust_tab(), self.tr("Trust roots"))
        self.tabs.addTab(self._pdf_tab(), self.tr("PDF folder"))
        buttons = QDialogButtonBox()
        buttons.addButton(self.tr("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if (error := site_error_label(site)) is not None:  # what the administrator set is not in use
            layout.addWidget(error)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.refresh_roots()

    # --- server -----------------------------------------------------------------------------

    def _server_tab(self) -> QWidget:
        current = account.load_account(self.store)
        url = self.site.server_url or (current.server_url if current else "")
        ca = (self.site.ca_bundle if self.site.server_url else (current.ca_bundle if current else "")) or ""
        self.server = ServerCheck(url, ca, locked=bool(self.site.server_url))
        self.login = LoginForm(self.store, self.server.target)
        self.login.loggedIn.connect(self.loggedIn.emit)
        self.login.login_button.setEnabled(False)  # after a passing check: never a password to an unknown server
        self.server.checked.connect(lambda _r: self.login.login_button.setEnabled(self.server.passed))
        self.server.changed.connect(lambda: self.login.login_button.setEnabled(False))
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.server)
        layout.addWidget(self.login)
        layout.addWidget(self.login.login_button, 0, Qt.AlignmentFlag.AlignLeading)
        layout.addStretch(1)
        return page

    # --- token ------------------------------------------------------------------------------

    def _token_tab(self) -> QWidget:
        self.token = TokenModulePicker(token_module(self.store, self.site), locked=bool(self.site.pkcs11_module))
        self.token_save = QPushButton(self.tr("Use this token software"))
        self.token_save.setObjectName("saveTokenModule")
        self.token_save.setEnabled(False)
        self.token_save.setVisible(not self.site.pkcs11_module)
        self.token.tested.connect(lambda ok: self.token_save.setEnabled(ok))
        self.token.changed.connect(lambda: self.token_save.setEnabled(False))
        self.token_save.clicked.connect(self.save_token_module)
        self.token_saved = QLabel()
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.token)
        layout.addWidget(self.token_save, 0, Qt.AlignmentFlag.AlignLeading)
        layout.addWidget(self.token_saved)
        return page

    def save_token_module(self) -> None:
        path, store = self.token.loaded, self.store
        if not path:
            return
        self._write(lambda: write_setting(store, TOKEN_MODULE_SETTING, {"path": path}),
                    lambda: self.token_saved.setText(self.tr("Saved: letters are signed with this token software.")))

    def _write(self, fn: Any, then: Any) -> None:
        def work(_ctx: OpContext) -> Changes:
            return fn()

        StoreOp(self, work).success(lambda _c: then()).failure(self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        QMessageBox.warning(self, self.tr("Settings"), getattr(exc, "message_fa", None) or str(exc))

    # --- trust roots ------------------------------------------------------------------------

    def _trust_tab(self) -> QWidget:
        page = QWidget()
        intro = QLabel(self.tr("Certificate authorities this computer trusts for letters, besides those the server "
                               "publishes for the agency."))
        intro.setWordWrap(True)
        self.roots = QTableWidget(0, 4)
        self.roots.setObjectName("trustRoots")
        self.roots.setHorizontalHeaderLabels([self.tr("Subject"), self.tr("Issuer"), self.tr("Valid until"),
                                              self.tr("SHA-256 fingerprint")])
        self.roots.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.roots.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.roots.verticalHeader().hide()
        self.roots.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.roots.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.roots.setWordWrap(True)  # the fingerprint wraps onto a second line rather than being cut
        self.root_list: list[LocalRoot] = []
        add = QPushButton(self.tr("Add certificate…"))
        add.setObjectName("addTrustRoot")
        add.clicked.connect(self._choose_root)
        self.remove_root_button = QPushButton(self.tr("Remove"))
        self.remove_root_button.setObjectName("removeTrustRoot")
        self.remove_root_button.clicked.connect(self._confirm_remove)
        self.roots_status = QLabel()
        self.roots_status.setObjectName("trustRootsStatus")
        self.roots_status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(self.remove_root_button)
        row.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addWidget(self.roots, 1)
        layout.addLayout(row)
        layout.addWidget(self.roots_status)
        return page

    def refresh_roots(self) -> None:
        store = self.store
        Op(self, lambda _ctx: list_local_roots(store)).success(self._show_roots).failure(self._failed).run()

    def _show_roots(self, roots: list[LocalRoot]) -> None:
        self.root_list = roots
        self.roots.setRowCount(len(roots))
        for i, root in enumerate(roots):
            info = root.info
            cells = (info.common_name or info.subject, info.issuer_common_name or info.issuer,
                     format_date(info.not_after), _grouped(info.sha256))
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(info.subject if j == 0 else text)
                self.roots.setItem(i, j, item)
        self.roots.resizeRowsToContents()
        self.remove_root_button.setEnabled(bool(roots))

    def _choose_root(self) -> None:
        path = ask(file_dialog(self, self.tr("Add certificate"), self.tr("Certificates (*.pem *.crt *.cer *.der)")))
        if path:
            self.add_root(Path(path))

    def add_root(self, path: Path) -> Op[Any]:
        store = self.store
        return Op(self, lambda _ctx: add_local_root(store, path)).success(
            lambda info: self._root_changed(self.tr("Added: %1").replace("%1", info.common_name or info.subject), True)
        ).failure(lambda exc: self._root_changed(getattr(exc, "message_fa", None) or str(exc), False)).run()

    def _root_changed(self, text: str, ok: bool) -> None:
        self.roots_status.setStyleSheet(f"color: {OK_COLOR if ok else BAD_COLOR};")
        self.roots_status.setText(text)
        self.refresh_roots()

    def _confirm_remove(self) -> None:
        row = self.roots.currentRow()
        if not 0 <= row < len(self.root_list):
            self.roots_status.setText(self.tr("Select the certificate to remove."))
            return
        info = self.root_list[row].info
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Remove trust root"),
                          self.tr("Stop trusting «%1»? Letters signed under it will no longer be accepted as valid.")
                          .replace("%1", info.common_name or info.subject),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("confirmRemoveRoot")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(lambda result: self.remove_root(info.sha256)
                             if result == QMessageBox.StandardButton.Yes else None)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def remove_root(self, sha256: str) -> Op[Any]:
        store = self.store
        return Op(self, lambda _ctx: remove_local_root(store, sha256)).success(
            lambda _none: self._root_changed(self.tr("Removed."), True)).failure(self._failed).run()

    # --- PDF folder -------------------------------------------------------------------------

    def _pdf_tab(self) -> QWidget:
        page = QWidget()
        self.pdf_folder = QLineEdit(pdf_folder(self.store, self.site) or "")
        self.pdf_folder.setObjectName("pdfFolder")
        self.pdf_folder.setReadOnly(True)
        self.pdf_folder.setPlaceholderText(documents_dir())
        self.pdf_folder.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        choose = QPushButton(self.tr("Choose folder…"))
        choose.setObjectName("choosePdfFolder")
        choose.setEnabled(not self.site.pdf_folder)
        choose.clicked.connect(self._choose_pdf_folder)
        self.pdf_status = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.pdf_folder, 1)
        row.addWidget(choose)
        intro = QLabel(self.tr("Saved letters (PDF) are offered in this folder first."))
        intro.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addLayout(row)
        if self.site.pdf_folder:
            layout.addWidget(QLabel(self.tr("Set by the system administrator for this computer.")))
        layout.addWidget(self.pdf_status)
        layout.addStretch(1)
        return page

    def _choose_pdf_folder(self) -> None:
        dialog = file_dialog(self, self.tr("PDF folder"), "", folder=self.pdf_folder.text() or None)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly)
        path = ask(dialog)
        if path:
            self.set_pdf_folder(path)

    def set_pdf_folder(self, path: str) -> None:
        store = self.store
        self.pdf_folder.setText(path)
        self._write(lambda: write_setting(store, PDF_FOLDER_SETTING, {"path": path}),
                    lambda: self.pdf_status.setText(self.tr("Saved: %1").replace("%1", ltr_island(path))))
