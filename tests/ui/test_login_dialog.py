"""Logging a profile in to the real central server from the login dialog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import Qt

from app.models.db import Store
from app.models.tables import Setting
from app.sync import account
from app.ui.login_dialog import LoginDialog
from devkit.file_keyring import FileKeyring
from devkit.pki import TestPKI
from devkit.server_process import DEMO_PASSWORD, ServerProcess

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    srv = ServerProcess(tmp_path_factory.mktemp("login-server"), TestPKI(name="Dabir Login Test"))
    srv.setup()
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def test_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DABIR_TEST_KEYRING_FILE", str(tmp_path / "keyring.json"))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    yield tmp_path / "keyring.json"
    keyring.set_keyring(previous)


def fill(dialog: LoginDialog, server: ServerProcess, password: str) -> None:
    dialog.server.setText(server.base_url)
    dialog.username.setText("a.secretary")
    dialog.password.setText(password)
    dialog.ca_bundle.setText(str(server.ca_bundle))


def test_wrong_password_is_refused_in_persian_and_nothing_is_kept(qtbot, store: Store, server: ServerProcess,
                                                                   test_keyring: Path):
    dialog = LoginDialog(store)
    qtbot.addWidget(dialog)
    fill(dialog, server, "not-the-password")
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    assert dialog.password.text() == ""  # the password does not linger in the widget
    qtbot.waitUntil(lambda: dialog.login_button.isEnabled(), timeout=15_000)
    assert any("\u0600" <= ch <= "\u06ff" for ch in dialog.status.text()), dialog.status.text()
    assert account.load_account(store) is None and not test_keyring.exists()


def test_login_keeps_the_account_and_token_but_never_the_password(qtbot, store: Store, server: ServerProcess,
                                                                  test_keyring: Path):
    dialog = LoginDialog(store)
    qtbot.addWidget(dialog)
    fill(dialog, server, DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.loggedIn, timeout=15_000) as signal:
        qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    assert "token" not in signal.args[0]
    acct = account.load_account(store)
    assert acct is not None and acct.username == "a.secretary" and acct.server_url == server.base_url
    assert DEMO_PASSWORD not in test_keyring.read_text()
    for f in store.data_dir.rglob("*"):  # the database, its WAL, blobs
        assert not f.is_file() or DEMO_PASSWORD.encode() not in f.read_bytes(), f
    with store.reader() as s:
        assert s.get(Setting, account.SENDER_SETTING).value["person"] == "a.secretary"
    with account.open_api(store) as api:  # the kept token works
        assert api.me()["username"] == "a.secretary"
