"""The agency administrator's window («مدیریت سازمان»): the agency's users (new, edited, a signing
certificate registered), its units and its audit log of refusals and trust changes.

Every call goes to the server (GET/POST/PATCH /admin/…) on a worker; a refusal is shown in the
server's own Persian words, beside the form it refuses (nothing typed is lost). New users reach the
letter pickers through the directory sync, as any change of the directory does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
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

from app.models.db import Store
from app.models.profile import signed_in_roles
from app.protocol import jalali
from app.protocol.certificates import describe_certificate
from app.protocol.persian import to_persian_digits
from app.protocol.receipt import load_certificate, parse_time
from app.sync import account
from app.sync.api import ApiError, DabirApi
from app.ui.file_dialogs import FSI, PDI, ask, file_dialog
from app.ui.ops import Op, OpContext
from app.ui.role_names import role_names, roles_text

ADMIN_ROLE = "agency_admin"
MIN_PASSWORD = 8  # the server's own minimum (server/requests.py UserIn)
AUDIT_PAGE = 50
Work = Callable[[DabirApi], Any]


def may_administer(store: Store) -> bool:
    """Whether the signed-in user is an agency administrator (who sees the window's menu entry)."""
    return ADMIN_ROLE in (signed_in_roles(store) or [])


def read_certificate(data: bytes) -> tuple[str, str]:
    """A certificate file (PEM or DER) as the PEM text the server takes and its holder's name;
    ValueError if it is neither."""
    cert = load_certificate(data)
    der = cert.public_bytes(serialization.Encoding.DER)
    info = describe_certificate(der)
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii"), info.common_name or info.subject


def isolated(text: str) -> str:
    """Text in its own direction (the server's English details read left to right in a Persian table)."""
    return f"{FSI}{text}{PDI}" if text else ""


def _jalali_time(iso_time: str | None) -> str:
    return jalali.format_datetime(parse_time(iso_time)) if iso_time else ""


def _table(parent: QWidget, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    header = table.horizontalHeader()  # columns fit their content; the last one takes the room left
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: list[list[str]], *, append: bool = False) -> None:
    start = table.rowCount() if append else 0
    table.setRowCount(start + len(rows))
    for r, row in enumerate(rows, start):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)  # a long detail is cut short in its cell
            table.setItem(r, c, item)


class UserDialog(QDialog):
    """A new user's details, or an existing user's roles, title, unit and whether active. The
    window sends it; a refusal lands in ``error`` and the dialog stays open with what was typed."""

    def __init__(self, parent: AdminWindow, units: list[dict[str, Any]], role_names: dict[str, str],
                 user: dict[str, Any] | None = None) -> None:
        super().__init__(parent)
        self.user = user
        self.setObjectName("adminUserDialog")
        self.setWindowTitle(self.tr("New user") if user is None else self.tr("Edit user"))
        self.setMinimumWidth(460)
        form = QFormLayout()
        self.username, self.display_name = QLineEdit(self), QLineEdit(self)
        self.national_code, self.title = QLineEdit(self), QLineEdit(self)
        self.password, self.password_again = QLineEdit(self), QLineEdit(self)
        for box in (self.username, self.national_code, self.password, self.password_again):
            box.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        for box in (self.password, self.password_again):
            box.setEchoMode(QLineEdit.EchoMode.Password)
        self.unit = QComboBox(self)
        if user is None or not user["unit"]:  # the server does not take a unit away, it moves the user
            self.unit.addItem(self.tr("(no unit)"), None)
        for u in units:
            self.unit.addItem(f"{u['name']} ({u['code']})", u["code"])
        self.roles = {role: QCheckBox(name, self) for role, name in role_names.items()}
        roles_box = QVBoxLayout()
        for check in self.roles.values():
            roles_box.addWidget(check)
        self.active = QCheckBox(self.tr("Active account"), self)
        if user is None:
            form.addRow(self.tr("Username:"), self.username)
            form.addRow(self.tr("Display name:"), self.display_name)
            form.addRow(self.tr("National code:"), self.national_code)
        else:
            shown = QLabel(f"{user['display_name']} ({user['username']})", self)
            form.addRow(self.tr("User:"), shown)
            self.title.setText(user["title"])
            self.unit.setCurrentIndex(max(0, self.unit.findData(user["unit"])))
            for role, check in self.roles.items():
                check.setChecked(role in user["roles"])
            self.active.setChecked(user["active"])
        form.addRow(self.tr("Title:"), self.title)
        form.addRow(self.tr("Unit:"), self.unit)
        form.addRow(self.tr("Roles:"), roles_box)
        if user is None:
            form.addRow(self.tr("Password:"), self.password)
            form.addRow(self.tr("Password again:"), self.password_again)
            self.active.hide()  # a new account is active
        else:
            form.addRow("", self.active)
            for box in (self.username, self.display_name, self.national_code, self.password, self.password_again):
                box.hide()  # not in the form: shown, they would sit empty over its top corner
        self.error = QLabel(self)
        self.error.setObjectName("adminDialogError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        self.save_button = QPushButton(self.tr("Save"), self)
        self.save_button.setDefault(True)
        cancel = QPushButton(self.tr("Cancel"), self)
        cancel.clicked.connect(self.reject)
        cancel.setAutoDefault(False)  # it takes the focus while Save waits: Enter must not close the form then
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

    def chosen_roles(self) -> list[str]:
        return [role for role, check in self.roles.items() if check.isChecked()]

    def problem(self) -> str:
        """What is missing or wrong before anything is sent ("" when nothing)."""
        if not self.chosen_roles():
            return self.tr("Choose at least one role.")
        if self.user is not None:
            return ""
        if not self.username.text().strip() or not self.display_name.text().strip():
            return self.tr("Enter the username and the display name.")
        if len(self.password.text()) < MIN_PASSWORD:
            return self.tr("The password must have at least %1 characters.").replace(
                "%1", to_persian_digits(str(MIN_PASSWORD)))
        if self.password.text() != self.password_again.text():
            return self.tr("The two passwords are not the same.")
        return ""


class AdminWindow(QWidget):
    """The administrator's window; ``open_api`` is this profile's session (tests pass their own)."""

    def __init__(self, store: Store, *, open_api: Callable[[Store], DabirApi] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.store = store
        self._open_api = open_api or account.open_api
        self.users: list[dict[str, Any]] = []
        self.units: list[dict[str, Any]] = []
        self.audit: list[dict[str, Any]] = []
        self.audit_cursor: int | None = None
        self.dialog: UserDialog | None = None
        self.setObjectName("adminWindow")
        self.setWindowTitle(self.tr("Agency administration"))
        self.resize(1100, 650)
        self.status = QLabel(self)
        self.status.setObjectName("adminStatus")
        self.status.setWordWrap(True)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._users_tab(), self.tr("Users"))
        self.tabs.addTab(self._units_tab(), self.tr("Units"))
        self.tabs.addTab(self._audit_tab(), self.tr("Security events"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        self.load_users()
        self.load_audit()

    # -- the tabs -------------------------------------------------------------------------------
    def _users_tab(self) -> QWidget:
        tab = QWidget(self)
        self.user_table = _table(tab, [self.tr("Name"), self.tr("Username"), self.tr("Title"), self.tr("Unit"),
                                       self.tr("Roles"), self.tr("Status"), self.tr("Signing certificate")])
        self.new_user_button = QPushButton(self.tr("New user…"), tab)
        self.new_user_button.clicked.connect(lambda _c=False: self.new_user())
        self.edit_button = QPushButton(self.tr("Edit…"), tab)
        self.edit_button.clicked.connect(lambda _c=False: self.edit_user())
        self.certificate_button = QPushButton(self.tr("Register signing certificate…"), tab)
        self.certificate_button.clicked.connect(lambda _c=False: self.choose_certificate())
        buttons = QHBoxLayout()
        for button in (self.new_user_button, self.edit_button, self.certificate_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addLayout(buttons)
        layout.addWidget(self.user_table, 1)
        return tab

    def _units_tab(self) -> QWidget:
        tab = QWidget(self)
        self.unit_table = _table(tab, [self.tr("Code"), self.tr("Name"), self.tr("Parent unit")])
        self.unit_code, self.unit_name = QLineEdit(tab), QLineEdit(tab)
        self.unit_code.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.unit_parent = QComboBox(tab)
        self.add_unit_button = QPushButton(self.tr("Add unit"), tab)
        self.add_unit_button.clicked.connect(lambda _c=False: self.add_unit())
        form = QHBoxLayout()
        for label, widget in ((self.tr("Code:"), self.unit_code), (self.tr("Name:"), self.unit_name),
                              (self.tr("Parent unit:"), self.unit_parent)):
            form.addWidget(QLabel(label, tab))
            form.addWidget(widget)
        form.addWidget(self.add_unit_button)
        form.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addLayout(form)
        layout.addWidget(self.unit_table, 1)
        return tab

    def _audit_tab(self) -> QWidget:
        tab = QWidget(self)
        self.audit_table = _table(tab, [self.tr("Time"), self.tr("User"), self.tr("IP address"), self.tr("Action"),
                                        self.tr("Outcome"), self.tr("Code"), self.tr("Letter"), self.tr("Detail")])
        self.audit_code = QLineEdit(tab)
        self.audit_code.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.audit_code.setPlaceholderText("certificate_unbound")
        self.audit_code.setMinimumWidth(240)
        self.audit_code.returnPressed.connect(lambda: self.load_audit())
        show = QPushButton(self.tr("Show"), tab)
        show.clicked.connect(lambda _c=False: self.load_audit())
        self.more_button = QPushButton(self.tr("More"), tab)
        self.more_button.clicked.connect(lambda _c=False: self.load_audit(more=True))
        self.more_button.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Event code:"), tab))
        row.addWidget(self.audit_code)
        row.addWidget(show)
        row.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.addLayout(row)
        layout.addWidget(self.audit_table, 1)
        layout.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignLeft)
        return tab

    # -- talking to the server ------------------------------------------------------------------
    def _call(self, work: Work, done: Callable[[Any], None], failed: Callable[[str], None] | None = None) -> Op[Any]:
        """``work(api)`` on a worker; ``done(result)`` or the refusal's Persian text on the GUI thread."""
        store, open_api = self.store, self._open_api

        def run(_ctx: OpContext) -> Any:
            with open_api(store) as api:
                return work(api)

        def failure(exc: BaseException) -> None:
            known = exc.message_fa if isinstance(exc, ApiError | account.AccountError) else ""
            (failed or self.status.setText)(known or self.tr("The server could not be reached."))

        return Op(self, run).success(done).failure(failure).run()

    def load_users(self) -> Op[Any]:
        return self._call(lambda api: api.admin_users(), self.show_users)

    def show_users(self, answer: dict[str, Any]) -> None:
        self.users, self.units = answer["users"], answer["units"]
        _fill(self.user_table, [[
            u["display_name"], u["username"], u["title"], u["unit_name"] or (u["unit"] or ""), roles_text(u["roles"]),
            self.tr("Active") if u["active"] else self.tr("Deactivated"),
            "، ".join(self._certificate_text(c) for c in u["certificates"]) or "—"] for u in self.users])
        unit_names = {u["code"]: u["name"] for u in self.units}
        _fill(self.unit_table, [[u["code"], u["name"], unit_names.get(u["parent"] or "", u["parent"] or "")]
                                for u in self.units])
        self.unit_parent.clear()
        self.unit_parent.addItem(self.tr("(none)"), None)
        for u in self.units:
            self.unit_parent.addItem(u["name"], u["code"])

    def _certificate_text(self, cert: dict[str, Any]) -> str:
        until = jalali.format_date(parse_time(cert["not_after"]))
        state = self.tr("signs until %1").replace("%1", until) if cert["bound"] else self.tr("unbound: does not sign")
        return f"{cert['holder']} ({state})"

    def selected_user(self) -> dict[str, Any] | None:
        row = self.user_table.currentRow()
        return self.users[row] if 0 <= row < len(self.users) else None

    def _changed(self, text: str) -> None:
        self.status.setText(text)
        self.load_users()
        self.load_audit()

    # -- users ----------------------------------------------------------------------------------
    def new_user(self) -> UserDialog:
        return self._open_dialog(None)

    def edit_user(self) -> UserDialog | None:
        user = self.selected_user()
        if user is None:
            self.status.setText(self.tr("Select a user first."))
            return None
        return self._open_dialog(user)

    def _open_dialog(self, user: dict[str, Any] | None) -> UserDialog:
        if self.dialog is not None:
            self.dialog.close()
        dialog = self.dialog = UserDialog(self, self.units, role_names(), user)
        dialog.save_button.clicked.connect(lambda _c=False: self.save(dialog))
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None) if self.dialog is dialog else None)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def save(self, dialog: UserDialog) -> None:
        problem = dialog.problem()
        dialog.error.setText(problem)
        if problem:
            return
        user = dialog.user
        if user is None:
            self._send(dialog, self._new_user_work(dialog), self.tr("The user «%1» was added.").replace(
                "%1", dialog.display_name.text().strip()))
            return
        roles = dialog.chosen_roles()
        changes: dict[str, Any] = {"title": dialog.title.text().strip(), "unit": dialog.unit.currentData()}
        if sorted(roles) != sorted(user["roles"]):
            changes["roles"] = roles
        if dialog.active.isChecked() != user["active"]:
            changes["active"] = dialog.active.isChecked()
        if changes["unit"] is None:
            changes.pop("unit")  # a user without a unit left without one
        done = self.tr("The changes to «%1» were saved.").replace("%1", user["display_name"])
        signs = any(c["bound"] for c in user["certificates"])
        loses = changes.get("active") is False or ("roles" in changes and "signatory" not in roles)
        if signs and loses:
            self._confirm_unbind(dialog, user, lambda: self._send(dialog, self._update_work(user, changes), done))
        else:
            self._send(dialog, self._update_work(user, changes), done)

    def _new_user_work(self, dialog: UserDialog) -> Work:
        body: dict[str, Any] = {"title": dialog.title.text().strip()}
        if dialog.unit.currentData():
            body["unit"] = dialog.unit.currentData()
        if dialog.national_code.text().strip():
            body["national_code"] = dialog.national_code.text().strip()
        username, name = dialog.username.text().strip(), dialog.display_name.text().strip()
        password, roles = dialog.password.text(), dialog.chosen_roles()
        return lambda api: api.add_user(username, name, password, roles, **body)

    @staticmethod
    def _update_work(user: dict[str, Any], changes: dict[str, Any]) -> Work:
        return lambda api: api.update_user(user["username"], **changes)

    def _confirm_unbind(self, dialog: UserDialog, user: dict[str, Any], go: Callable[[], None]) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Signing certificate"),
                          self.tr("Without the signatory role (or deactivated), «%1»'s signing certificate stops "
                                  "signing for the agency: letters signed with it from now on are refused. "
                                  "Save the changes?").replace("%1", user["display_name"]),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, dialog)
        box.setObjectName("confirmUnbind")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(lambda result: go() if result == QMessageBox.StandardButton.Yes else None)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def _send(self, dialog: UserDialog, work: Work, done: str) -> None:
        dialog.save_button.setEnabled(False)
        dialog.error.setText(self.tr("Sending to the server…"))

        def ok(_answer: Any) -> None:
            dialog.accept()
            self._changed(done)

        def refused(text: str) -> None:
            dialog.save_button.setEnabled(True)
            dialog.error.setText(text)

        self._call(work, ok, refused)

    # -- certificates ---------------------------------------------------------------------------
    def choose_certificate(self) -> None:
        user = self.selected_user()
        if user is None:
            self.status.setText(self.tr("Select a user first."))
            return
        dialog = file_dialog(self, self.tr("The signatory's signing certificate"),
                             self.tr("Certificates (*.pem *.crt *.cer *.der)"))
        chosen = ask(dialog)
        if chosen:
            self.register_certificate(user["username"], Path(chosen))

    def register_certificate(self, username: str, path: Path) -> Op[Any] | None:
        """Send the certificate in ``path`` (PEM or DER) for ``username``; the outcome in the status line."""
        try:
            pem, holder = read_certificate(path.read_bytes())
        except (OSError, ValueError):
            self.status.setText(self.tr("The file is not a readable certificate (PEM or DER)."))
            return None
        self.status.setText(self.tr("Sending to the server…"))
        return self._call(
            lambda api: api.add_signatory_certificate(username, pem),
            lambda _a: self._changed(self.tr("The certificate of «%1» was registered for %2.")
                                     .replace("%1", holder).replace("%2", username)),
            lambda text: self.status.setText(self.tr("The certificate of «%1» was not registered: %2")
                                             .replace("%1", holder).replace("%2", text)))

    # -- units ----------------------------------------------------------------------------------
    def add_unit(self) -> Op[Any] | None:
        code, name, parent = self.unit_code.text().strip(), self.unit_name.text().strip(), self.unit_parent.currentData()
        if not code or not name:
            self.status.setText(self.tr("Enter the unit's code and name."))
            return None

        def added(_a: Any) -> None:
            self.unit_code.clear()
            self.unit_name.clear()
            self._changed(self.tr("The unit «%1» was added.").replace("%1", name))

        return self._call(lambda api: api.add_unit(code, name, parent), added)

    # -- the audit log --------------------------------------------------------------------------
    def _actions(self) -> dict[str, str]:
        return {"user_add": self.tr("Add a user"), "user_update": self.tr("Change a user"),
                "unit_add": self.tr("Add a unit"), "certificate_add": self.tr("Register a certificate"),
                "certificate_added": self.tr("Register a certificate"), "trust_root_add": self.tr("Add a trust root"),
                "trust_root_added": self.tr("Add a trust root"), "register": self.tr("Register a letter"),
                "payam_send": self.tr("Send a letter"), "internal_send": self.tr("Send an internal letter")}

    def load_audit(self, *, more: bool = False) -> Op[Any]:
        before = self.audit_cursor if more else None
        code = self.audit_code.text().strip() or None
        self.more_button.setEnabled(False)
        return self._call(lambda api: api.audit_events(before=before, limit=AUDIT_PAGE, code=code),
                          lambda page: self.show_audit(page, append=more))

    def show_audit(self, page: dict[str, Any], *, append: bool = False) -> None:
        items = page["items"]
        self.audit = [*self.audit, *items] if append else items
        self.audit_cursor = page["cursor"]
        actions = self._actions()
        outcomes = {"done": self.tr("Done"), "refused": self.tr("Refused")}
        _fill(self.audit_table, [[
            _jalali_time(e["at"]), e["username"] or "", e["ip"] or "", actions.get(e["action"], e["action"]),
            outcomes.get(e["outcome"], e["outcome"]), e["code"], e["guid"] or "", isolated(e["detail"])] for e in items],
            append=append)
        self.more_button.setEnabled(bool(page["more"]))
