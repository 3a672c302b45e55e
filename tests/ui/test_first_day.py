"""A secretary's first day against the real server (issue 15, items 7–9): who is logged in, what
a failed sync says, and one state for a sent letter. Real widgets, the real ``dabir-server``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt, QThreadPool
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.models import letters as L
from app.models.db import Store, open_store
from app.models.directory import search_directory
from app.models.folders import Folder
from app.models.lifecycle import STATE_NAMES_FA, State
from app.models.profile import LAST_TOKEN_SETTING, TOKEN_MODULE_SETTING, read_setting
from app.models.tables import Letter, Person, Setting
from app.protocol.canonical import canonical_bytes, content_sha256
from app.sync import account as acc
from app.sync import outbox
from app.token.signing import sign_detached
from app.ui.login_dialog import LoginDialog
from app.ui.main_window import MainWindow
from app.ui.sync_bridge import SyncBridge
from devkit.file_keyring import FileKeyring
from devkit.letters import SoftSigner, make_signer
from devkit.pki import TestPKI
from devkit.server_process import DEMO_PASSWORD, ServerProcess
from devkit.softhsm import SoftHSM, provision_signing_key, softhsm_available
from tests.ui.editor_conftest_helpers import save_screenshot

pytestmark = [pytest.mark.server, pytest.mark.gui]
SIGNER_CODE = "0011234563"
STATE_COLUMN = 4  # subject, counterpart, number, date, state, priority


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI(name="Dabir First Day")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Iterator[ServerProcess]:
    srv = ServerProcess(tmp_path_factory.mktemp("first-day-server"), pki)
    srv.setup()
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def signer(server: ServerProcess, pki: TestPKI) -> SoftSigner:
    """Agency A's signatory's key, registered with the server as an administrator does."""
    from app.sync.api import DabirApi

    soft = make_signer(pki, "مدیرکل امضاکننده", SIGNER_CODE)
    with DabirApi(server.base_url, server.ca_bundle) as admin:
        admin.login("a.admin", DEMO_PASSWORD)
        admin.add_signatory_certificate("a.signatory", soft.cert_pem)
    return soft


@pytest.fixture(autouse=True)
def file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DABIR_TEST_KEYRING_FILE", str(tmp_path / "keyring.json"))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    yield
    keyring.set_keyring(previous)


def agency_a(server: ServerProcess) -> dict:
    return server.demo["agencies"][0]  # type: ignore[index]


def logged_in(path: Path, server: ServerProcess) -> Store:
    store = open_store(path)
    acc.login(store, acc.Account(server.base_url, "a.secretary", str(server.ca_bundle)), DEMO_PASSWORD)
    return store


def sync(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert window.bridge is not None
    with qtbot.waitSignal(window.bridge.synced, timeout=30_000):
        window.sync_now()


def close(window: MainWindow) -> None:
    window.close()
    window.model.wait()
    QThreadPool.globalInstance().waitForDone(10_000)


def with_title(window: MainWindow, path: Path) -> None:
    """The window as grabbed offscreen has no title bar: draw its title above it, with the
    application's name appended as the window system does."""
    body = window.grab()
    image = QPixmap(body.width(), body.height() + 34)
    image.fill(QColor("#dfe3e8"))
    painter = QPainter(image)
    painter.setFont(window.font())
    title = f"{window.windowTitle()} — {QApplication.applicationDisplayName()}"
    painter.drawText(0, 0, body.width() - 12, 34, 0x0082, title)  # right, vcenter
    painter.drawPixmap(0, 34, body)
    painter.end()
    assert image.save(str(path))


def test_a_fresh_profile_asks_to_log_in_and_then_says_who_is_working(
    persian_app: QApplication, qtbot, tmp_path: Path, server: ServerProcess, artifacts_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    store = open_store(tmp_path / "fresh")
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()  # a profile set up to work offline: the Server menu's login
    window.show_login()
    dialog = window.findChild(LoginDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.server.setText(server.base_url)
    dialog.username.setText("a.secretary")
    dialog.password.setText(DEMO_PASSWORD)
    dialog.ca_bundle.setText(str(server.ca_bundle))
    dialog.login_button.click()
    qtbot.waitUntil(lambda: window.bridge is not None and window.bridge.status["last_sync"] is not None,
                    timeout=30_000)  # logged in, then the first sync brought the directory
    agency = agency_a(server)["name"]
    qtbot.waitUntil(lambda: agency in window.windowTitle(), timeout=10_000)
    title = window.windowTitle()
    assert title == f"دبیر دبیرخانه (کارمند دبیرخانه) — {agency}", title  # the platform adds « — دبیر»
    assert agency in window.user_label.fullText() and "کارمند دبیرخانه" in window.user_label.fullText()
    assert "آخرین همگام‌سازی موفق" in window.last_sync_label.text()

    # The directory now knows who may sign in agency A (the role and, for them only, the national code).
    with store.reader() as s:
        people = {p.username: (p.signatory, p.national_code) for p in s.query(Person)}
    assert people["a.signatory"][0] is True and people["a.signatory"][1]
    assert people["a.secretary"] == (False, None) and people["b.signatory"][0] is True
    editor = window.new_letter()
    offered = [e.person for _n, e in editor.signatories._find("ی")]
    assert offered == ["a.signatory"]  # not B's signatory, not A's secretary or staff
    window.close_tab(window.tabs.indexOf(editor))

    window.resize(1800, 600)
    qtbot.waitUntil(lambda: window.user_label.text() == window.user_label.fullText(), timeout=5000)  # room for it
    with_title(window, artifacts_dir / "main_window_title_status.png")
    close(window)
    store.close()


def test_a_failed_manual_sync_says_so_in_persian_and_keeps_the_last_successful_time(
    persian_app: QApplication, qtbot, tmp_path: Path, pki: TestPKI, artifacts_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    srv = ServerProcess(tmp_path / "server", pki)
    srv.setup()
    srv.start()
    try:
        store = logged_in(tmp_path / "profile", srv)
        window = MainWindow(store)
        qtbot.addWidget(window)
        window.attach_bridge(SyncBridge(store, window))
        window.show()
        sync(window, qtbot)
        assert window.bridge is not None and window.bridge.status["online"] is True
        last = window.last_sync_label.text()
        assert "آخرین همگام‌سازی موفق" in last and not window.outbox_notice.isVisible()
    finally:
        srv.stop()

    window.folders.select(Folder.OUTBOX)
    window.resize(1000, 560)  # the status bar cannot hold the whole message
    sync(window, qtbot)  # F5 with the server down
    message = "ارتباط با کارگزار برقرار نشد"
    assert message in window.messages[-1]
    assert window.current_message() == window.messages[-1]
    qtbot.waitUntil(lambda: window.message_label.text().endswith("…"), timeout=5000)  # laid out: too long to fit
    shown = window.message_label.text()
    assert window.message_label.toolTip() == window.messages[-1]
    kept, full = shown.removesuffix("…"), window.messages[-1]
    assert full.startswith(kept) and (kept == full or full[len(kept)] in " ،؛:")  # cut between words
    assert message in window.outbox_notice.text() and window.outbox_notice.isVisible()
    assert message in window.sync_label.toolTip() and "ConnectError" not in window.sync_label.toolTip()
    assert window.last_sync_label.text() == last  # nothing reached the server: the time stays
    save_screenshot(window, artifacts_dir / "main_window_sync_failed.png")
    close(window)
    store.close()


def test_an_internal_letter_has_one_state_and_notices_name_their_letter(
    persian_app: QApplication, qtbot, tmp_path: Path, server: ServerProcess, signer: SoftSigner  # type: ignore[no-untyped-def]
) -> None:
    a = agency_a(server)
    store = logged_in(tmp_path / "secretary", server)
    with store.session() as s:
        letter = L.create_letter(s, kind="internal", subject="دعوت به جلسه هماهنگی داخلی",
                                 body="<p>با سلام؛ جلسه هماهنگی روز شنبه برگزار می‌شود.</p>",
                                 sender={"agency": a["national_id"], "unit": "secretariat", "person": "a.secretary",
                                         "name": "دبیر دبیرخانه"},
                                 recipients=[{"role": "to", "agency": a["national_id"], "unit": "it",
                                              "person": "a.staff", "name": "کارشناس"}])
        content = L.letter_content(letter)
        L.add_signature(s, letter, cms=sign_detached(canonical_bytes(content), signer.pyhanko()),
                        content_sha256_hex=content_sha256(content))
        outbox.queue_letter(s, letter)
        guid = letter.guid
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.attach_bridge(SyncBridge(store, window))
    window.show()
    for _ in range(4):  # register and send; the agency's inbox acknowledges; the acknowledgement comes back
        sync(window, qtbot)
        with store.reader() as s:
            if s.get(Letter, guid).state == State.DELIVERED:
                break
    with store.reader() as s:
        assert s.get(Letter, guid).state == State.DELIVERED, "the view says delivered: so must the list"
    window.folders.select(Folder.SENT)
    qtbot.waitUntil(lambda: window.model.folder is Folder.SENT and not window.model.loading
                    and window.model.rowCount() == 1, timeout=10_000)
    row_state = window.model.data(window.model.index(0, STATE_COLUMN))
    details = window.open_letter(guid)
    assert row_state == details.state_label.text() == STATE_NAMES_FA[State.DELIVERED]  # type: ignore[attr-defined]
    delivered = [m for t, m in window.notifier.history if t == "تحویل نامه"]
    assert delivered and all("«دعوت به جلسه هماهنگی داخلی»" in m for m in delivered)

    # Another workstation of the same agency hears of the acknowledgement too, for a letter it does
    # not hold: no notice with an empty name.
    other = logged_in(tmp_path / "other-desk", server)
    second = MainWindow(other)
    qtbot.addWidget(second)
    second.attach_bridge(SyncBridge(other, second))
    sync(second, qtbot)
    assert not any("«»" in m for _t, m in second.notifier.history), second.notifier.history
    assert [t for t, _m in second.notifier.history if t == "تحویل نامه"] == []
    close(second)
    close(window)
    other.close()
    store.close()


PIN = "123456"


@pytest.fixture(scope="module")
def demo_tokens(tmp_path_factory: pytest.TempPathFactory, server: ServerProcess, pki: TestPKI) -> Iterator[str]:
    """The demo workstation: agency A's and agency B's signatory tokens in one PKCS#11 module,
    each certificate naming its agency's signatory (national code) and registered with the server.
    Returns the module's path."""
    from app.sync.api import DabirApi

    if not softhsm_available():
        pytest.fail("needs SoftHSM2 (apt install softhsm2)")
    root = tmp_path_factory.mktemp("demo-tokens")
    old_conf = os.environ.get("SOFTHSM2_CONF")
    try:
        hsm = SoftHSM(root / "hsm")
        labels = {"a": "Dabir Demo A", "b": "Dabir Demo B"}
        for label in labels.values():
            hsm.init_token(label, PIN)
        lib = hsm.private_module(root / "module")
        for i, (prefix, agency) in enumerate(zip(labels, server.demo["agencies"], strict=True)):  # type: ignore[call-overload]
            code = next(u["national_code"] for u in agency["users"] if u["username"] == f"{prefix}.signatory")
            key = provision_signing_key(lib, labels[prefix], PIN, pki, label="signatory", key_id=bytes([i + 1]),
                                        common_name=("علی رضایی", "مریم کریمی")[i], national_code=code)
            from devkit.pki import pem

            with DabirApi(server.base_url, server.ca_bundle) as admin:
                admin.login(f"{prefix}.admin", DEMO_PASSWORD)
                admin.add_signatory_certificate(f"{prefix}.signatory", pem(key.certificate).decode())
        yield str(lib.so)
    finally:
        from app.ui.token_service import TokenService

        TokenService.instance().stop()
        if old_conf is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = old_conf


@pytest.mark.softhsm
def test_a_secretary_in_agency_a_signs_with_as_token_without_choosing_anything(
    persian_app: QApplication, qtbot, tmp_path: Path, server: ServerProcess, demo_tokens: str  # type: ignore[no-untyped-def]
) -> None:
    from tests.ui.test_editor import pick_by_popup

    store = logged_in(tmp_path / "agency-a", server)
    with store.session() as s:
        s.add(Setting(key=TOKEN_MODULE_SETTING, value={"path": demo_tokens}))
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.attach_bridge(SyncBridge(store, window))
    window.show()
    sync(window, qtbot)  # the directory: agencies, and who signs for agency A

    editor = window.new_letter()
    editor.subject.setText("درخواست همکاری در اجرای بخشنامه")
    editor.body.setPlainText("با سلام و احترام، خواهشمند است دستور فرمایید اقدام لازم انجام شود.")
    b = server.demo["agencies"][1]  # type: ignore[index]
    editor.to_picker.setEntries([e for e in search_directory(store, b["name"]) if e.kind == "agency"][:1])
    pick_by_popup(qtbot, editor.signatories, "رضایی")  # the signatory, by name
    assert [e.person for e in editor.signatories.entries()] == ["a.signatory"]
    assert editor.submit_for_signature()
    qtbot.waitUntil(lambda: window.tabs.count() == 1, timeout=10_000)

    window.folders.select(Folder.AWAITING_SIGNATURE)
    qtbot.waitUntil(lambda: window.model.folder is Folder.AWAITING_SIGNATURE and not window.model.loading
                    and window.model.rowCount() == 1, timeout=10_000)
    select = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    window.table.selectionModel().select(window.model.index(0, 0), select)
    guid = window.model.letter_at(0).guid
    window.actions_.sign.trigger()
    qtbot.waitUntil(lambda: window.actions_.sign_dialog is not None or bool(window.last_warning), timeout=10_000)
    assert window.last_warning is None, window.last_warning
    dialog = window.actions_.sign_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.sign_button.isEnabled, timeout=10_000)  # nothing chosen by hand
    assert dialog.current_token()[0] == "Dabir Demo A" and "علی رضایی" in dialog.cert_combo.currentText()  # type: ignore[index]
    QTest.keyClicks(dialog.pin_edit, PIN)
    QTest.keyClick(dialog.pin_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.actions_.last_apply is not None, timeout=20_000)
    assert window.actions_.last_apply.queued == [guid]  # type: ignore[union-attr]
    assert read_setting(store, LAST_TOKEN_SETTING)["label"] == "Dabir Demo A"  # remembered for next time
    for _ in range(3):  # the server registers it (it checks the certificate is A's signatory's) and sends it
        sync(window, qtbot)
        with store.reader() as s:
            if s.get(Letter, guid).state in (State.SENT, State.DELIVERED):
                break
    with store.reader() as s:
        letter = s.get(Letter, guid)
        assert letter.state in (State.SENT, State.DELIVERED), (letter.state, letter.reject_reason)
        assert letter.shams
    close(window)
    store.close()
