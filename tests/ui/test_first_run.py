"""The first start of a workstation (issue 18 item 4): the wizard against the real ``dabir-server``
over HTTPS and a SoftHSM token, the administrator's ``dabir.toml`` skipping what it fixes, the
settings and About dialogs, a store from a newer Dabir refused, and smoke mode naming its window."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMessageBox, QWizard

from app.log_file import stop_logging_to_file
from app.models.db import DB_FILE, Store, open_store
from app.models.profile import (
    FIRST_RUN_SETTING,
    PDF_FOLDER_SETTING,
    TOKEN_MODULE_SETTING,
    pdf_folder,
    read_setting,
    token_module,
    write_setting,
)
from app.models.site_config import SITE_CONFIG_ENV, load_site_config
from app.protocol.persian import to_persian_digits
from app.sync import account
from app.ui.first_run import LOGIN_PAGE, SERVER_PAGE, SUMMARY_PAGE, TOKEN_PAGE, FirstRunWizard
from app.ui.main import Startup, run_gui
from app.ui.main_window import MainWindow
from app.ui.token_service import TokenService
from devkit.file_keyring import FileKeyring
from devkit.pki import TestPKI, pem
from devkit.server_process import DEMO_PASSWORD, ServerProcess
from devkit.softhsm import SOFTHSM_MODULE, SoftHSM, provision_signing_key, softhsm_available
from tests.support.catalogs import checked_translations
from tests.ui.editor_conftest_helpers import save_screenshot

pytestmark = [pytest.mark.server, pytest.mark.gui]
ROOT = Path(__file__).resolve().parents[2]
TOKEN_LABEL, PIN, HOLDER = "Dabir Wizard", "123456", "مریم کاظمی"


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI(name="Dabir First Run")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Iterator[ServerProcess]:
    srv = ServerProcess(tmp_path_factory.mktemp("first-run-server"), pki)
    srv.setup()
    srv.start()
    yield srv
    srv.stop()


@dataclass
class Token:
    module: str  # a copy of SoftHSM only this module's tests load: it reads our token folder


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Iterator[Token]:
    if not softhsm_available():
        pytest.fail("needs SoftHSM2 (apt install softhsm2)")
    root = tmp_path_factory.mktemp("first-run-token")
    saved = os.environ.get("SOFTHSM2_CONF")
    hsm = SoftHSM(root / "hsm")
    hsm.init_token(TOKEN_LABEL, PIN)
    provision_signing_key(hsm.private_module(root / "provision"), TOKEN_LABEL, PIN, pki, label="signer",
                          key_id=b"\x01", common_name=HOLDER, national_code="0011234563")
    module = root / "app" / "libsofthsm2.so"
    module.parent.mkdir()
    shutil.copy2(SOFTHSM_MODULE, module)
    try:
        yield Token(str(module))
    finally:
        TokenService.instance().stop()
        if saved is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = saved


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A keyring in a file, and no administrator's file unless a test writes one."""
    monkeypatch.setenv("DABIR_TEST_KEYRING_FILE", str(tmp_path / "keyring.json"))
    monkeypatch.setenv(SITE_CONFIG_ENV, str(tmp_path / "dabir.toml"))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    yield
    keyring.set_keyring(previous)
    QThreadPool.globalInstance().waitForDone(10_000)


def server_fingerprint(server: ServerProcess) -> str:
    """SHA-256 of the server's certificate as its file holds it (the leaf, first)."""
    leaf = x509.load_pem_x509_certificates((server.workdir / "tls-cert.pem").read_bytes())[0]
    return leaf.fingerprint(hashes.SHA256()).hex().upper()


def wizard_for(store: Store, qtbot) -> FirstRunWizard:  # type: ignore[no-untyped-def]
    wizard = FirstRunWizard(store, load_site_config())
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def check_server(wizard: FirstRunWizard, qtbot, url: str, ca: str) -> None:  # type: ignore[no-untyped-def]
    check = wizard.server_page.check
    check.url.setText(url)
    check.ca_bundle.setText(ca)
    check._edited()
    check.check_button.click()
    qtbot.waitUntil(lambda: check.result is not None, timeout=20_000)


def log_in_with_enter(form_page, qtbot, password: str, username: str = "a.secretary") -> None:  # type: ignore[no-untyped-def]
    form = form_page.form
    form.username.setText(username)
    form.password.setText(password)
    QTest.keyClick(form.password, Qt.Key.Key_Return)
    assert form.password.text() == ""  # cleared as soon as the request starts
    qtbot.waitUntil(lambda: not form.busy, timeout=20_000)


def persian(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


def test_the_wizard_checks_the_server_logs_in_tests_the_token_and_opens_the_main_window(  # type: ignore[no-untyped-def]
        persian_app: QApplication, qtbot, tmp_path: Path, server: ServerProcess, token: Token, artifacts_dir: Path):
    store = open_store(tmp_path / "fresh")
    startup = Startup(persian_app, store, time.perf_counter())
    try:
        startup.begin()
        wizard = startup.wizard
        assert wizard is not None and startup.window is None
        qtbot.waitExposed(wizard)
        assert wizard.objectName() == "firstRunWizard" and wizard.isRightToLeft()
        assert wizard.currentId() == SERVER_PAGE
        next_button = wizard.button(QWizard.WizardButton.NextButton)
        assert not next_button.isEnabled()  # not before a passing check
        save_screenshot(wizard, artifacts_dir / "first_run_1_server_empty.png")

        check_server(wizard, qtbot, server.base_url, str(server.ca_bundle))
        check = wizard.server_page.check
        assert check.passed and next_button.isEnabled()
        assert check.fingerprint.text().replace(" ", "") == server_fingerprint(server)
        assert check.trusted.text() == "بله" and check.subject.text().strip("\u2066\u202a\u202c\u2069") == "127.0.0.1"
        jalali = r"۱۴[۰-۹]{2}/[۰-۹]{2}/[۰-۹]{2}"
        assert re.fullmatch(f"از {jalali} تا {jalali}", check.validity.text()), check.validity.text()
        save_screenshot(wizard, artifacts_dir / "first_run_2_server_checked.png")

        next_button.click()
        assert wizard.currentId() == LOGIN_PAGE
        save_screenshot(wizard, artifacts_dir / "first_run_3_login.png")
        log_in_with_enter(wizard.login_page, qtbot, DEMO_PASSWORD)
        qtbot.waitUntil(lambda: wizard.currentId() == TOKEN_PAGE, timeout=5000)  # logged in: on to the token

        picker = wizard.token_page.picker
        picker.set_path(token.module)
        assert not next_button.isEnabled()  # test it, or «بعداً»
        picker.test_button.click()
        qtbot.waitUntil(lambda: TOKEN_LABEL in picker.status.text(), timeout=20_000)
        assert HOLDER in picker.status.text() and picker.tokens[0][0] == TOKEN_LABEL
        assert next_button.isEnabled()
        save_screenshot(wizard, artifacts_dir / "first_run_4_token.png")

        next_button.click()
        assert wizard.currentId() == SUMMARY_PAGE
        assert "a.secretary" in wizard.summary_page.user.text() or persian(wizard.summary_page.user.text())
        save_screenshot(wizard, artifacts_dir / "first_run_5_summary.png")
        wizard.button(QWizard.WizardButton.FinishButton).click()
        qtbot.waitUntil(lambda: startup.window is not None and startup.window.isVisible(), timeout=10_000)

        acct = account.load_account(store)
        assert acct is not None and acct.server_url == server.base_url and acct.username == "a.secretary"
        assert read_setting(store, TOKEN_MODULE_SETTING) == {"path": token.module}
        assert token_module(store) == token.module  # what the sign dialog loads
        assert startup.bridge is not None  # sync started as after a login
        for f in store.data_dir.rglob("*"):
            assert not f.is_file() or DEMO_PASSWORD.encode() not in f.read_bytes(), f
    finally:
        if startup.window is not None:
            startup.window.close()
        startup.finish()
        store.close()


def test_an_untrusted_server_is_refused_with_the_reason_until_the_agency_ca_is_chosen(  # type: ignore[no-untyped-def]
        persian_app: QApplication, qtbot, store: Store, server: ServerProcess, artifacts_dir: Path):
    wizard = wizard_for(store, qtbot)
    check_server(wizard, qtbot, server.base_url, "")  # the system store does not know the agency's CA
    check = wizard.server_page.check
    assert check.result is not None and check.result.problem == "unknown_issuer"
    assert not check.passed and not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert "گواهی مرجع سازمان" in check.status.text() and check.trusted.text() == "خیر"
    assert check.fingerprint.text().replace(" ", "") == server_fingerprint(server)  # shown to compare
    save_screenshot(wizard, artifacts_dir / "first_run_server_untrusted.png")
    check_server(wizard, qtbot, server.base_url, str(server.ca_bundle))  # the agency's CA: accepted
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_a_wrong_password_stays_on_the_login_page_and_cancel_keeps_nothing(  # type: ignore[no-untyped-def]
        persian_app: QApplication, qtbot, store: Store, server: ServerProcess):
    wizard = wizard_for(store, qtbot)
    check_server(wizard, qtbot, server.base_url, str(server.ca_bundle))
    wizard.next()
    log_in_with_enter(wizard.login_page, qtbot, "not-the-password")
    assert wizard.currentId() == LOGIN_PAGE and persian(wizard.login_page.form.status.text())
    assert account.load_account(store) is None
    log_in_with_enter(wizard.login_page, qtbot, DEMO_PASSWORD)  # Enter again, the right one this time
    qtbot.waitUntil(lambda: wizard.currentId() == TOKEN_PAGE, timeout=5000)
    assert account.load_account(store) is not None
    with qtbot.waitSignal(wizard.rejected, timeout=20_000):
        wizard.button(QWizard.WizardButton.CancelButton).click()
    assert account.load_account(store) is None  # the login made in the cancelled wizard is undone
    assert read_setting(store, FIRST_RUN_SETTING) is None


def test_a_staff_member_who_does_not_sign_is_not_asked_for_the_token_software(  # type: ignore[no-untyped-def]
        persian_app: QApplication, qtbot, store: Store, server: ServerProcess):
    wizard = wizard_for(store, qtbot)
    check_server(wizard, qtbot, server.base_url, str(server.ca_bundle))
    wizard.next()
    log_in_with_enter(wizard.login_page, qtbot, DEMO_PASSWORD, username="a.staff")
    qtbot.waitUntil(lambda: wizard.currentId() == SUMMARY_PAGE, timeout=5000)  # it stopped on the token page
    with qtbot.waitSignal(wizard.rejected, timeout=20_000):
        wizard.button(QWizard.WizardButton.CancelButton).click()


def test_work_offline_finishes_without_an_account_and_is_not_asked_again(  # type: ignore[no-untyped-def]
        persian_app: QApplication, qtbot, store: Store):
    from app.ui.first_run import needs_first_run

    assert needs_first_run(store)
    wizard = wizard_for(store, qtbot)
    with qtbot.waitSignal(wizard.completed, timeout=10_000) as done:
        wizard.button(QWizard.WizardButton.CustomButton1).click()
    assert done.args == [False] and account.load_account(store) is None and not needs_first_run(store)


def write_site_config(path: Path, server: ServerProcess, *, ca: bool = True, module: str | None = None,
                      pdf: Path | None = None) -> None:
    lines = ["[server]", f'url = "{server.base_url}"']
    if ca:
        lines.append(f'ca_bundle = "{server.ca_bundle}"')
    if module:
        lines += ["[token]", f'module = "{module}"']
    if pdf:
        lines += ["[pdf]", f'folder = "{pdf}"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_administrators_settings_skip_their_pages_and_win_over_the_profile(  # type: ignore[no-untyped-def]
        persian_app: QApplication, qtbot, tmp_path: Path, store: Store, server: ServerProcess, token: Token,
        artifacts_dir: Path):
    admin_pdf = tmp_path / "letters-pdf"
    admin_pdf.mkdir()
    write_site_config(tmp_path / "dabir.toml", server, module=token.module, pdf=admin_pdf)
    write_setting(store, TOKEN_MODULE_SETTING, {"path": "/opt/other/libpkcs11.so"})  # the profile's own choice
    write_setting(store, PDF_FOLDER_SETTING, {"path": str(tmp_path)})
    wizard = wizard_for(store, qtbot)
    assert wizard.currentId() == LOGIN_PAGE  # the server page is not shown
    check = wizard.login_page.check
    qtbot.waitUntil(lambda: check.result is not None, timeout=20_000)  # the probe ran, shown on the login page
    assert check.passed and check.url.isReadOnly() and check.url.text() == server.base_url
    assert wizard.login_page.form.login_button.isEnabled()
    save_screenshot(wizard, artifacts_dir / "first_run_login_preset.png")
    log_in_with_enter(wizard.login_page, qtbot, DEMO_PASSWORD)
    qtbot.waitUntil(lambda: wizard.currentId() == SUMMARY_PAGE, timeout=5000)  # no token page
    assert token.module in wizard.summary_page.token.text()
    with qtbot.waitSignal(wizard.completed, timeout=10_000):
        wizard.button(QWizard.WizardButton.FinishButton).click()
    assert token_module(store) == token.module and pdf_folder(store) == str(admin_pdf)  # the admin's win

    from app.ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(store)
    qtbot.addWidget(dialog)
    assert dialog.server.url.isReadOnly() and dialog.server.url.text() == server.base_url
    assert not dialog.token.combo.isEnabled() and dialog.token.path() == token.module
    assert dialog.pdf_folder.text() == str(admin_pdf)
    from app.ui.about_dialog import AboutDialog

    about = AboutDialog(store.data_dir)
    qtbot.addWidget(about)
    assert about.site_file.text() == str(tmp_path / "dabir.toml")  # the file in use, named in About


def test_a_failing_preset_server_and_a_broken_site_file_are_said_on_the_first_page(  # type: ignore[no-untyped-def]
        persian_app: QApplication, qtbot, tmp_path: Path, store: Store, server: ServerProcess):
    write_site_config(tmp_path / "dabir.toml", server, ca=False)  # no CA bundle: the system store refuses it
    wizard = wizard_for(store, qtbot)
    check = wizard.login_page.check
    qtbot.waitUntil(lambda: check.result is not None, timeout=20_000)
    assert not check.passed and "گواهی مرجع" in check.status.text()
    assert not wizard.login_page.form.login_button.isEnabled()  # no password to a server not trusted
    wizard.close()

    (tmp_path / "dabir.toml").write_text("[server\nurl = 1", encoding="utf-8")
    broken = wizard_for(store, qtbot)
    assert broken.currentId() == SERVER_PAGE
    error = broken.server_page.findChild(QLabel, "siteConfigError")
    assert error is not None and error.isVisible() and "مدیر سامانه" in error.text()


def test_settings_change_the_trust_roots_and_the_pdf_folder(  # type: ignore[no-untyped-def]
        window: MainWindow, qtbot, tmp_path: Path, pki: TestPKI, server: ServerProcess, artifacts_dir: Path):
    dialog = window.settings_actions.show_settings()
    from app.ui.settings_dialog import SettingsDialog

    assert isinstance(dialog, SettingsDialog) and dialog.objectName() == "settingsDialog"
    qtbot.waitExposed(dialog)
    for i, name in enumerate(("server", "token", "trust", "pdf")):
        dialog.tabs.setCurrentIndex(i)
        save_screenshot(dialog, artifacts_dir / f"settings_{i + 1}_{name}.png")
    root = tmp_path / "agency-root.pem"
    root.write_bytes(pem(pki.root_cert))
    leaf = tmp_path / "server.pem"
    leaf.write_bytes((server.workdir / "tls-cert.pem").read_bytes().split(b"-----END CERTIFICATE-----")[0]
                     + b"-----END CERTIFICATE-----\n")
    dialog.tabs.setCurrentIndex(2)
    dialog.add_root(leaf)
    qtbot.waitUntil(lambda: "مرجع صدور گواهی نیست" in dialog.roots_status.text(), timeout=5000)  # refused
    assert dialog.roots.rowCount() == 0
    dialog.add_root(root)
    qtbot.waitUntil(lambda: dialog.roots.rowCount() == 1, timeout=5000)
    fingerprint = pki.root_cert.fingerprint(hashes.SHA256()).hex().upper()
    assert dialog.roots.item(0, 3).text().replace(" ", "") == fingerprint
    assert (window.store.data_dir / "trust-roots" / f"{fingerprint.lower()}.pem").is_file()
    save_screenshot(dialog, artifacts_dir / "settings_3_trust_added.png")
    dialog.roots.selectRow(0)
    dialog.roots.setCurrentCell(0, 0)
    dialog._confirm_remove()
    box = dialog.findChild(QMessageBox, "confirmRemoveRoot")
    assert box is not None and persian(box.text())
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: dialog.roots.rowCount() == 0, timeout=5000)
    assert not list((window.store.data_dir / "trust-roots").iterdir())

    folder = tmp_path / "نامه‌ها"
    folder.mkdir()
    dialog.set_pdf_folder(str(folder))
    qtbot.waitUntil(lambda: bool(dialog.pdf_status.text()), timeout=5000)
    save_dialog = window.actions_.save_dialog("PDF", "letter.pdf")
    qtbot.addWidget(save_dialog)
    assert isinstance(save_dialog, QFileDialog) and Path(save_dialog.directory().absolutePath()) == folder
    dialog.reject()


def test_about_shows_the_version_the_data_folder_and_the_fonts_licence(  # type: ignore[no-untyped-def]
        window: MainWindow, qtbot, artifacts_dir: Path):
    dialog = window.settings_actions.show_about()
    qtbot.waitExposed(dialog)
    from app.ui.about_dialog import AboutDialog

    assert isinstance(dialog, AboutDialog) and dialog.objectName() == "aboutDialog"
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert to_persian_digits(version) in dialog.version.text()
    assert str(window.store.data_dir) in dialog.data_folder.text()
    assert "Vazirmatn 33.0.3" in dialog.font_label.text() and "Open Font License" in dialog.font_label.text()
    assert "SIL OPEN FONT LICENSE" in dialog.licence.toPlainText()
    assert dialog.site_file.text() == "ندارد"
    save_screenshot(dialog, artifacts_dir / "about.png")
    dialog.reject()


def test_a_store_from_a_newer_dabir_is_refused_with_a_persian_message_and_status_2(  # type: ignore[no-untyped-def]
        persian_app: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, artifacts_dir: Path):
    Store(tmp_path / "profile").close()
    db = tmp_path / "profile" / DB_FILE
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    shown: list[tuple[str, list[str]]] = []

    def exec_(box: QMessageBox) -> int:
        box.show()
        save_screenshot(box, artifacts_dir / "store_too_new.png")
        shown.append((box.text(), [b.text() for b in box.buttons()]))
        return int(QMessageBox.StandardButton.Ok)

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    monkeypatch.delenv("DABIR_SMOKE", raising=False)

    class Args:
        data_dir = str(tmp_path / "profile")

    assert run_gui(Args()) == 2  # type: ignore[arg-type]
    [(text, buttons)] = shown
    assert "نسخه" in text and buttons and all(persian(b) for b in buttons), buttons  # Qt's own «تأیید»
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    # started from a menu there is no console: what it said is in the profile's log file, owner-only
    log_file = tmp_path / "profile" / "logs" / "dabir.log"
    assert "newer than this Dabir knows" in log_file.read_text(encoding="utf-8")
    assert (log_file.stat().st_mode & 0o777, log_file.parent.stat().st_mode & 0o777) == (0o600, 0o700)
    stop_logging_to_file()


@pytest.mark.parametrize("with_account", [False, True])
def test_smoke_mode_names_the_first_window_and_saves_its_picture(tmp_path: Path, with_account: bool) -> None:
    profile = tmp_path / "profile"
    store = open_store(profile)
    if with_account:
        account.save_account(store, account.Account("https://127.0.0.1:9", "a.secretary"))
    store.close()
    shot = tmp_path / "first.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DABIR_SMOKE": "1", "DABIR_SMOKE_SCREENSHOT": str(shot),
           "PYTHONPATH": str(ROOT), SITE_CONFIG_ENV: str(tmp_path / "dabir.toml"),
           "PYTHON_KEYRING_BACKEND": "devkit.file_keyring.FileKeyring",
           "DABIR_TEST_KEYRING_FILE": str(tmp_path / "keyring.json")}
    proc = subprocess.run([sys.executable, "-m", "app", "--data-dir", str(profile)], capture_output=True, text=True,
                          timeout=120, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    expected = "mainWindow" if with_account else "firstRunWizard"
    assert re.search(rf"dabir: ready in \d+ ms \(epoch [\d.]+\) window={expected}$", proc.stderr, re.M), proc.stderr
    assert shot.stat().st_size > 0 and "Traceback" not in proc.stderr


def test_the_settings_catalog_is_complete_persian_and_in_sync_with_the_code(tmp_path: Path) -> None:
    sources = ["app/ui/login_form.py", "app/ui/server_check.py", "app/ui/token_module_picker.py",
               "app/ui/first_run.py", "app/ui/settings_dialog.py", "app/ui/about_dialog.py",
               "app/ui/settings_actions.py"]
    for t in checked_translations("settings_fa.ts", sources, tmp_path):
        assert persian(t), t
        assert not re.search(r"[,;?]", t), t
        assert not re.search(r"[0-9]", re.sub(r"%\d|SHA-256|PKCS#11", "", t)), t


def test_cancel_during_a_login_waits_for_it_and_undoes_it(  # type: ignore[no-untyped-def]
        persian_app: QApplication, qtbot, store: Store, server: ServerProcess):
    wizard = wizard_for(store, qtbot)
    check_server(wizard, qtbot, server.base_url, str(server.ca_bundle))
    wizard.next()
    form = wizard.login_page.form
    form.username.setText("a.secretary")
    form.password.setText(DEMO_PASSWORD)
    with qtbot.waitSignal(wizard.rejected, timeout=20_000):
        form.login_button.click()
        wizard.reject()  # while the request is on its way
        assert form.busy
    QThreadPool.globalInstance().waitForDone(20_000)  # whatever was on its way has landed
    qtbot.wait(50)
    assert account.load_account(store) is None and not form.busy


def test_the_token_test_says_when_the_software_cannot_load_or_no_token_is_inserted(  # type: ignore[no-untyped-def]
        persian_app: QApplication, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, token: Token):
    from app.ui.token_module_picker import TokenModulePicker

    picker = TokenModulePicker()
    qtbot.addWidget(picker)
    not_a_library = tmp_path / "libnot-pkcs11.so"
    not_a_library.write_bytes(b"not a shared library")
    picker.set_path(str(not_a_library))
    with qtbot.waitSignal(picker.tested, timeout=20_000) as tested:
        picker.test_button.click()
    assert tested.args == [False] and "بارگذاری نشد" in picker.status.text()

    empty = SoftHSM(tmp_path / "empty-hsm")  # a reader with no token in it
    monkeypatch.setenv("SOFTHSM2_CONF", str(empty.conf))
    module = tmp_path / "empty" / "libsofthsm2.so"
    module.parent.mkdir()
    shutil.copy2(SOFTHSM_MODULE, module)
    picker.set_path(str(module))
    with qtbot.waitSignal(picker.tested, timeout=20_000) as tested:
        picker.test_button.click()
    assert tested.args == [True] and "هیچ توکنی" in picker.status.text() and picker.tokens == []


def test_enter_sends_no_password_while_the_preset_server_is_not_trusted(  # type: ignore[no-untyped-def]
        persian_app: QApplication, qtbot, tmp_path: Path, store: Store, server: ServerProcess):
    write_site_config(tmp_path / "dabir.toml", server, ca=False)
    wizard = wizard_for(store, qtbot)
    qtbot.waitUntil(lambda: wizard.login_page.check.result is not None, timeout=20_000)
    form = wizard.login_page.form
    form.username.setText("a.secretary")
    form.password.setText(DEMO_PASSWORD)
    QTest.keyClick(form.password, Qt.Key.Key_Return)
    assert not form.busy and form.password.text() == DEMO_PASSWORD  # nothing was sent


def test_enter_on_the_server_page_checks_then_goes_on_never_cancels(  # type: ignore[no-untyped-def]
        persian_app, qtbot, store: Store, server: ServerProcess):
    """The check button is disabled while it runs, which handed the focus to «انصراف»: the Enter
    that followed a good check closed the wizard and the app. Enter checks, then goes on."""
    wizard = wizard_for(store, qtbot)
    check = wizard.server_page.check
    check.url.setText(server.base_url)
    check.ca_bundle.setText(str(server.ca_bundle))
    check._edited()
    check.url.setFocus()
    QTest.keyClick(check.url, Qt.Key.Key_Return)  # Enter in the address: the check runs
    qtbot.waitUntil(lambda: check.result is not None, timeout=20_000)
    assert check.passed and wizard.isVisible()
    check._edited()
    check.check_button.setFocus()
    QTest.keyClick(check.check_button, Qt.Key.Key_Space)  # the button, from the keyboard
    qtbot.waitUntil(lambda: check.result is not None, timeout=20_000)
    focused = QApplication.focusWidget()
    assert focused is wizard.button(QWizard.WizardButton.NextButton), focused
    QTest.keyClick(focused, Qt.Key.Key_Return)
    assert wizard.isVisible() and wizard.currentId() == LOGIN_PAGE
    form = wizard.login_page.form
    form.username.setText("a.secretary")
    QTest.keyClick(form.password, Qt.Key.Key_Return)  # no password: asked for it (the address is known)
    assert form.status.text() == "لطفاً نام کاربری و گذرواژه را وارد کنید."


def test_a_broken_administrators_file_is_said_to_a_user_already_set_up(  # type: ignore[no-untyped-def]
        window: MainWindow, qtbot, tmp_path: Path):
    """Not only the wizard: settings and About say the file is broken and not in use (before, the
    administrator's fields silently became editable and About listed the file as if in force)."""
    (tmp_path / "dabir.toml").write_text("[server\nurl = 1", encoding="utf-8")
    settings = window.settings_actions.show_settings()
    qtbot.waitExposed(settings)
    error = settings.findChild(QLabel, "siteConfigError")
    assert error is not None and error.isVisible() and "مدیر سامانه" in error.text()
    settings.reject()
    about = window.settings_actions.show_about()
    qtbot.waitExposed(about)
    note = about.findChild(QLabel, "aboutSiteConfigError")
    assert note is not None and note.text() == "این پرونده نادرست است و به کار گرفته نشده است."
    about.reject()
