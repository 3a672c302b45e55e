"""The agency administrator's window against the real server: b.admin adds a signatory, registers
their signing certificate (a TLS server certificate is refused in Persian), removes the role after
a warning (the certificate shows unbound, the security events list it), adds a unit; refusals
stay in the dialog with what was typed; only agency administrators see the menu entry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QMessageBox, QTableWidget

from app.models.db import Store
from app.sync.account import remember_sender
from app.ui import admin_window as admin_module
from app.ui.admin_window import AdminWindow, UserDialog
from app.ui.role_names import role_names
from devkit.letters import make_signer
from devkit.pki import pem
from devkit.server_process import ServerProcess
from tests.support.catalogs import checked_translations
from tests.sync.servers import api, signing_server
from tests.ui.conftest import OWN
from tests.ui.editor_conftest_helpers import save_screenshot

NEW = "b.nouri"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from signing_server(tmp_path_factory, "AdminUI")


def column(table: QTableWidget, c: int) -> list[str]:
    return [table.item(r, c).text() if table.item(r, c) else "" for r in range(table.rowCount())]


def row_of(win: AdminWindow, username: str) -> list[str]:
    r = column(win.user_table, 1).index(username)
    return [win.user_table.item(r, c).text() for c in range(win.user_table.columnCount())]


def select(win: AdminWindow, username: str) -> None:
    r = column(win.user_table, 1).index(username)
    win.user_table.selectRow(r)
    win.user_table.setCurrentCell(r, 0)


def admin_window(store: Store, server: ServerProcess, qtbot: Any) -> AdminWindow:
    win = AdminWindow(store, open_api=lambda _s: api(server, "b.admin"))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: "b.secretary" in column(win.user_table, 1), timeout=20_000)
    return win


def fill_new_user(dialog: UserDialog, username: str, password: str, again: str | None = None) -> None:
    dialog.username.setText(username)
    dialog.display_name.setText("مریم نوری")
    dialog.national_code.setText("0012345679")
    dialog.title.setText("معاون اداری")
    dialog.unit.setCurrentIndex(dialog.unit.findData("office"))
    dialog.roles["signatory"].setChecked(True)
    dialog.password.setText(password)
    dialog.password_again.setText(password if again is None else again)


def choose_in_file_dialog(path: Path, seen: list[str]) -> None:
    """Type ``path`` into the (Persian, non-native) file dialog once it is up, and accept it."""
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, QFileDialog) and w.isVisible()]
    if not dialogs:
        QTimer.singleShot(50, lambda: choose_in_file_dialog(path, seen))
        return
    dialog = dialogs[0]
    seen.append(dialog.windowTitle())
    dialog.findChild(QLineEdit, "fileNameEdit").setText(str(path))
    dialog.accept()
    if dialog.isVisible():
        dialog.reject()


def test_an_administrator_manages_a_signatory_from_start_to_unbinding(  # type: ignore[no-untyped-def]
        persian_app: QApplication, store: Store, server: ServerProcess, tmp_path: Path, qtbot,
        artifacts_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    win = admin_window(store, server, qtbot)
    assert win.windowTitle() == "مدیریت سازمان"
    assert [win.tabs.tabText(i) for i in range(3)] == ["کاربران", "واحدها", "رویدادهای امنیتی"]
    assert row_of(win, "b.signatory")[4] == "امضاکننده" and row_of(win, "b.signatory")[5] == "فعال"

    # refused before sending: a short password, two passwords that differ
    dialog = win.new_user()
    qtbot.waitExposed(dialog)
    assert dialog.windowTitle() == "کاربر جدید"
    fill_new_user(dialog, NEW, "short")
    dialog.save_button.click()
    assert dialog.error.text() == "گذرواژه باید دست‌کم ۸ نویسه باشد."
    fill_new_user(dialog, NEW, "a-long-password", "another-password")
    dialog.save_button.click()
    assert dialog.error.text() == "دو گذرواژهٔ واردشده یکسان نیست."
    # refused by the server: the username is taken; the dialog keeps everything typed
    fill_new_user(dialog, "b.secretary", "a-long-password")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "از پیش وجود دارد" in dialog.error.text(), timeout=20_000)
    assert dialog.isVisible() and dialog.display_name.text() == "مریم نوری"
    assert dialog.password.text() == "a-long-password" and dialog.save_button.isEnabled()
    save_screenshot(dialog, artifacts_dir / "admin_new_user_refused.png")
    dialog.username.setText(NEW)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: win.dialog is None and NEW in column(win.user_table, 1), timeout=20_000)
    assert row_of(win, NEW)[:6] == ["مریم نوری", NEW, "معاون اداری", "دفتر مدیرکل", "امضاکننده", "فعال"]
    assert row_of(win, NEW)[6] == "—" and win.status.text() == "کاربر «مریم نوری» افزوده شد."

    # a TLS server certificate is refused in Persian; the signing certificate (DER, through the dialog) is registered
    _key, tls = server.pki.issue_tls_cert()
    (tmp_path / "tls.pem").write_bytes(pem(tls))
    select(win, NEW)
    win.register_certificate(NEW, tmp_path / "tls.pem")
    qtbot.waitUntil(lambda: "ثبت نشد" in win.status.text(), timeout=20_000)
    assert "برای امضای سند صادر نشده است" in win.status.text() and "127.0.0.1" in win.status.text()
    signer = make_signer(server.pki, "Maryam Nouri", "0012345679")
    (tmp_path / "گواهی امضا.der").write_bytes(signer.cert_der)
    seen: list[str] = []
    QTimer.singleShot(50, lambda: choose_in_file_dialog(tmp_path / "گواهی امضا.der", seen))
    qtbot.mouseClick(win.certificate_button, Qt.MouseButton.LeftButton)
    assert seen == ["گواهی امضای امضاکننده"]
    qtbot.waitUntil(lambda: "Maryam Nouri (معتبر برای امضا تا" in row_of(win, NEW)[6], timeout=20_000)
    assert win.status.text() == f"گواهی «Maryam Nouri» برای کاربر {NEW} ثبت شد."
    with api(server, "b.admin") as admin:
        [cert] = {u["username"]: u for u in admin.admin_users()["users"]}[NEW]["certificates"]
    assert cert["bound"] and cert["sha256"] == signer_sha(signer.cert_der)
    win.tabs.setCurrentIndex(0)
    save_screenshot(win, artifacts_dir / "admin_users.png")

    # removing the signatory role warns that the certificate stops signing, then unbinds it
    select(win, NEW)
    edit = win.edit_user()
    assert edit is not None
    qtbot.waitExposed(edit)
    assert edit.windowTitle() == "ویرایش کاربر" and edit.roles["signatory"].isChecked()
    edit.roles["signatory"].setChecked(False)
    edit.roles["staff"].setChecked(True)
    edit.save_button.click()
    box = edit.findChild(QMessageBox, "confirmUnbind")
    assert box is not None and "دیگر برای امضای نامه‌های سازمان پذیرفته نمی‌شود" in box.text()
    assert "مریم نوری" in box.text()
    box.button(QMessageBox.StandardButton.No).click()  # not now: nothing is sent, the dialog stays
    qtbot.wait(300)
    assert win.dialog is edit and edit.isVisible() and not edit.roles["signatory"].isChecked()
    with api(server, "b.admin") as admin:
        assert "signatory" in {u["username"]: u for u in admin.admin_users()["users"]}[NEW]["roles"]
    edit.save_button.click()
    box = edit.findChild(QMessageBox, "confirmUnbind")
    assert box is not None
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: win.dialog is None and "جداشده" in row_of(win, NEW)[6], timeout=20_000)
    assert row_of(win, NEW)[4] == "کارشناس"
    qtbot.waitUntil(lambda: "certificate_unbound" in column(win.audit_table, 5), timeout=20_000)
    r = column(win.audit_table, 5).index("certificate_unbound")
    assert column(win.audit_table, 1)[r] == "b.admin" and column(win.audit_table, 4)[r] == "انجام شد"
    assert column(win.audit_table, 0)[r].startswith("۱۴")  # Jalali, Persian digits
    assert "already_exists" in column(win.audit_table, 5)  # the refused duplicate, audited
    win.tabs.setCurrentIndex(2)
    save_screenshot(win, artifacts_dir / "admin_security_events.png")
    win.audit_code.setText("certificate_unbound")
    win.load_audit()
    qtbot.waitUntil(lambda: set(column(win.audit_table, 5)) == {"certificate_unbound"}, timeout=20_000)
    # «بیشتر»: the next page below the first, newest first as the server keeps them
    monkeypatch.setattr(admin_module, "AUDIT_PAGE", 2)
    win.audit_code.clear()
    win.load_audit()
    qtbot.waitUntil(lambda: win.audit_table.rowCount() == 2 and win.more_button.isEnabled(), timeout=20_000)
    qtbot.mouseClick(win.more_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.audit_table.rowCount() == 4, timeout=20_000)
    with api(server, "b.admin") as admin:
        newest = admin.audit_events(limit=4)["items"]
    assert column(win.audit_table, 5) == [e["code"] for e in newest]

    # the role back and the certificate registered again (it signs again), then the account deactivated
    select(win, NEW)
    edit = win.edit_user()
    assert edit is not None
    edit.roles["signatory"].setChecked(True)
    edit.save_button.click()  # gaining a role warns of nothing
    qtbot.waitUntil(lambda: win.dialog is None and "امضاکننده" in row_of(win, NEW)[4], timeout=20_000)
    (tmp_path / "signer.pem").write_bytes(pem(x509.load_der_x509_certificate(signer.cert_der)))
    win.register_certificate(NEW, tmp_path / "signer.pem")
    qtbot.waitUntil(lambda: "معتبر برای امضا" in row_of(win, NEW)[6], timeout=20_000)
    select(win, NEW)
    edit = win.edit_user()
    assert edit is not None and edit.active.isChecked()
    edit.active.setChecked(False)
    edit.save_button.click()
    box = edit.findChild(QMessageBox, "confirmUnbind")
    assert box is not None
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: win.dialog is None and row_of(win, NEW)[5] == "غیرفعال", timeout=20_000)
    assert "جداشده" in row_of(win, NEW)[6]
    with api(server, "b.admin") as admin:
        [cert] = {u["username"]: u for u in admin.admin_users()["users"]}[NEW]["certificates"]
    assert (cert["bound"], cert["unbound_reason"]) == (False, "user_deactivated")

    # a unit under another
    win.tabs.setCurrentIndex(1)
    win.unit_code.setText("archive")
    win.unit_name.setText("بایگانی")
    win.unit_parent.setCurrentIndex(win.unit_parent.findData("office"))
    win.add_unit_button.click()
    qtbot.waitUntil(lambda: "archive" in column(win.unit_table, 0), timeout=20_000)
    r = column(win.unit_table, 0).index("archive")
    assert [column(win.unit_table, c)[r] for c in (1, 2)] == ["بایگانی", "دفتر مدیرکل"]
    save_screenshot(win, artifacts_dir / "admin_units.png")
    win.close()


def signer_sha(der: bytes) -> str:
    import hashlib

    return hashlib.sha256(der).hexdigest()


def test_a_staff_member_is_refused_in_persian(  # type: ignore[no-untyped-def]
        persian_app: QApplication, store: Store, server: ServerProcess, qtbot) -> None:
    win = AdminWindow(store, open_api=lambda _s: api(server, "b.staff"))
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.status.text() == "شما مجوز انجام این کار را ندارید.", timeout=20_000)
    assert win.user_table.rowCount() == 0


@pytest.mark.parametrize(("roles", "shown"), [(["staff"], False), (["secretary"], False),
                                              (["secretary", "signatory"], False), (["agency_admin"], True)])
def test_the_menu_entry_is_for_agency_administrators(  # type: ignore[no-untyped-def]
        persian_app: QApplication, store: Store, qtbot, roles: list[str], shown: bool) -> None:
    from app.ui.main_window import MainWindow

    remember_sender(store, {"agency": OWN["agency"], "username": "b.admin", "display_name": "راهبر سازمان",
                            "roles": roles})
    win = MainWindow(store)
    qtbot.addWidget(win)
    assert win.admin_action.text() == "مدیریت سازمان…"
    assert win.admin_action.isVisible() is shown
    if shown:
        window = win.show_admin_window()
        assert win.show_admin_window() is window  # one window, brought forward
        qtbot.waitUntil(lambda: bool(window.status.text()), timeout=10_000)  # no account here: said in Persian
        assert window.status.text() == "این نمایه هنوز به کارگزار متصل نشده است؛ ابتدا وارد شوید."
        window.close()


def test_admin_catalog_is_complete_and_in_sync_with_the_code(tmp_path: Path) -> None:
    import re

    for t in checked_translations("admin_fa.ts", ["app/ui/admin_window.py", "app/ui/role_names.py"], tmp_path):
        assert not re.search(r"[,;?0-9]", t.replace("%1", "").replace("%2", "")), t


def test_a_certificate_file_in_pem_or_der(tmp_path: Path) -> None:
    from app.ui.admin_window import read_certificate
    from devkit.pki import TestPKI

    pki = TestPKI(name="Admin Read")
    signer = make_signer(pki, "Reza Karimi", "0012345679")
    as_pem = pem(pki.root_cert)
    assert read_certificate(signer.cert_der)[1] == "Reza Karimi"
    text, holder = read_certificate(b"\n" + as_pem)
    assert text.encode() == pki.root_cert.public_bytes(serialization.Encoding.PEM) and holder
    with pytest.raises(ValueError):
        read_certificate(b"not a certificate")


def test_the_edit_dialog_shows_only_the_fields_it_edits(  # type: ignore[no-untyped-def]
        persian_app: QApplication, store: Store, qtbot) -> None:
    """The new-user fields an existing user's dialog leaves out are not left lying over its corner."""
    def no_server(_store: Store) -> Any:
        raise OSError("no server here")

    win = AdminWindow(store, open_api=no_server)
    qtbot.addWidget(win)
    user = {"username": "b.staff", "display_name": "کارشناس", "title": "", "unit": "it", "roles": ["staff"],
            "active": True, "certificates": []}
    dialog = UserDialog(win, [{"code": "it", "name": "فناوری اطلاعات"}], role_names(), user)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert [box for box in dialog.findChildren(QLineEdit) if box.isVisible()] == [dialog.title]


def test_enter_after_a_refusal_does_not_throw_away_the_form(  # type: ignore[no-untyped-def]
        persian_app: QApplication, store: Store, qtbot) -> None:
    """Save is disabled while sending, so the focus moves on to Cancel: Enter then must not close
    the dialog and lose what was typed (the passwords included)."""
    def no_server(_store: Store) -> Any:
        raise OSError("no server here")

    win = AdminWindow(store, open_api=no_server)
    qtbot.addWidget(win)
    dialog = win.new_user()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5_000)
    fill_new_user(dialog, NEW, "a-long-password")
    dialog.save_button.setFocus()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.text() == "ارتباط با کارگزار برقرار نشد.", timeout=10_000)
    qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.username.text() == NEW
