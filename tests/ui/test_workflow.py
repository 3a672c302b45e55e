"""The daily workflow in the main window: draft → awaiting signature → signed on a token → queued
→ synced (status bar, outbox progress, notifications)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtTest import QTest
from sqlalchemy import update

from app.models import letters as L
from app.models.db import Store
from app.models.directory import DirectoryEntry
from app.models.folders import Folder
from app.models.profile import TOKEN_MODULE_SETTING
from app.models.tables import Letter, OutboxOperation, Setting
from app.sync.api import ApiError
from app.sync.engine import SyncEngine
from app.ui.letter_editor import LetterEditor
from app.ui.main_window import MainWindow
from app.ui.sync_bridge import SyncBridge
from devkit.softhsm import SoftHSM, provision_signing_key, softhsm_available
from tests.sync.test_engine_unit import B, ScriptedServer, queued_letter
from tests.ui.editor_conftest_helpers import save_screenshot
from tests.ui.workflow_helpers import awaiting_letter, set_sender, signatory, state_of

pytestmark = [pytest.mark.gui]


def show_folder(win: MainWindow, qtbot, folder: Folder) -> None:  # type: ignore[no-untyped-def]
    win.folders.select(folder)
    qtbot.waitUntil(lambda: not win.model.loading and win.model.folder is folder, timeout=10_000)


def subjects(win: MainWindow) -> list[str]:
    return [win.model.letter_at(r).subject for r in range(win.model.rowCount())]


def test_ctrl_n_drafts_a_letter_that_goes_to_awaiting_signature(window: MainWindow, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    set_sender(store)
    window.activateWindow()
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    editor = window.tabs.currentWidget()
    assert isinstance(editor, LetterEditor) and window.tabs.count() == 2
    editor.subject.setText("درخواست تمدید قرارداد پشتیبانی")
    editor.body.setPlainText("با سلام و احترام، خواهشمند است دستور فرمایید اقدام لازم انجام شود.")
    editor.to_picker.setEntries([DirectoryEntry("agency", B, name="سازمان برنامه و بودجه")])
    editor.signatories.setEntries([DirectoryEntry.from_dict(signatory())])
    assert editor.submit_for_signature(), editor.fieldError("general")
    qtbot.waitUntil(lambda: window.tabs.count() == 1, timeout=5000)  # the editor tab closed once submitted
    show_folder(window, qtbot, Folder.AWAITING_SIGNATURE)
    assert subjects(window) == ["درخواست تمدید قرارداد پشتیبانی"]
    assert "برای امضا" in window.current_message()

    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    internal = window.tabs.currentWidget()
    assert isinstance(internal, LetterEditor) and internal._kind == "internal"
    assert window.close_tab(window.tabs.indexOf(internal))


@pytest.mark.softhsm
@pytest.mark.skipif(not softhsm_available(), reason="needs Debian softhsm2")
def test_signing_on_a_token_queues_the_letters(window: MainWindow, store: Store, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from devkit.pki import TestPKI
    from tests.token.conftest import NATIONAL_CODE

    pin = "246810"
    first = awaiting_letter(store, "گزارش عملکرد سه‌ماهه سوم")
    second = awaiting_letter(store, "درخواست همکاری در اجرای بخشنامه")
    edited = awaiting_letter(store, "دعوت به جلسه هماهنگی")
    hsm = SoftHSM(tmp_path / "hsm")
    old_conf = os.environ.get("SOFTHSM2_CONF")
    try:
        hsm.init_token("Dabir Workflow", pin)
        lib = hsm.private_module(tmp_path / "module")  # its own instance: the session's tokens stay as they are
        provision_signing_key(lib, "Dabir Workflow", pin, TestPKI(), label="signer", key_id=b"\x01",
                              common_name="علی رضایی", national_code=NATIONAL_CODE)
        with store.session() as s:  # the module to sign with, as an administrator configures it
            s.add(Setting(key=TOKEN_MODULE_SETTING, value={"path": lib.so}))
        show_folder(window, qtbot, Folder.AWAITING_SIGNATURE)
        window.table.selectAll()
        assert window.actions_.sign.isEnabled()
        window.actions_.sign.trigger()
        qtbot.waitUntil(lambda: window.actions_.sign_dialog is not None, timeout=10_000)
        dlg = window.actions_.sign_dialog
        assert dlg is not None and len(dlg.packages) == 3
        qtbot.waitUntil(lambda: dlg.sign_button.isEnabled(), timeout=10_000)
        with store.session() as s:  # changed while its package was on the way to the token
            L.edit_letter(s, s.get(Letter, edited), subject="دعوت به جلسه هماهنگی (اصلاحیه)")
        dlg.pin_edit.setText(pin)
        with qtbot.waitSignal(dlg.batch_finished, timeout=20_000):
            dlg.sign_button.click()
        qtbot.waitUntil(lambda: window.actions_.last_apply is not None, timeout=10_000)
        qtbot.waitUntil(lambda: not shiboken6.isValid(dlg), timeout=5000)  # it closed by itself
    finally:
        if old_conf is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = old_conf

    report = window.actions_.last_apply
    assert sorted(report.queued) == sorted([first, second]) and len(report.refused) == 1
    assert state_of(store, first) == state_of(store, second) == "queued"
    assert state_of(store, edited) == "awaiting_signature"
    with store.reader() as s:
        sig = s.get(Letter, first).signatures[0]
        assert sig.signer_national_code == NATIONAL_CODE and "علی رضایی" in sig.signer_subject
        assert not s.get(Letter, edited).signatures
    assert window.last_warning is not None and "دعوت به جلسه" in window.last_warning[1]
    show_folder(window, qtbot, Folder.OUTBOX)
    assert set(subjects(window)) == {"گزارش عملکرد سه‌ماهه سوم", "درخواست همکاری در اجرای بخشنامه"}


def test_sync_drains_the_outbox_and_notifies_a_rejection(window: MainWindow, store: Store, qtbot, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    server = ScriptedServer()
    rejected = queued_letter(store, "درخواست تخصیص اعتبار")
    good = queued_letter(store, "گزارش پیشرفت پروژه")
    bridge = SyncBridge(store, window, engine_factory=lambda st, ev: SyncEngine(st, server, on_event=ev))
    window.attach_bridge(bridge)
    show_folder(window, qtbot, Folder.OUTBOX)

    # Offline first: both letters wait in the outbox, the last error is shown beside them.
    server.failures = [ApiError(0, "transport_error", "", "connection refused")]
    with qtbot.waitSignal(bridge.synced, timeout=10_000):
        QTest.keyClick(window, Qt.Key.Key_F5)
    assert "برون‌خط" in window.sync_label.text() and "۲" in window.queue_label.text()
    qtbot.waitUntil(lambda: any(r.retrying for r in window.outbox.rows), timeout=5000)
    assert len(window.outbox.rows) == 2
    progress = [window.outbox.topLevelItem(i).text(1) for i in range(2)]
    assert any("تلاش ۲" in p for p in progress) and all("در صف" in p or "شماره‌گذاری" in p for p in progress)
    save_screenshot(window, artifacts_dir / "outbox.png")

    with store.session() as s:  # the retry is due now rather than after the backoff
        s.execute(update(OutboxOperation).values(next_attempt_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    server.failures = [ApiError(422, "signature_invalid", "امضای نامه با گواهی‌های مورد اعتماد تأیید نشد.",
                                "signature does not verify")]
    with qtbot.waitSignal(bridge.synced, timeout=10_000):
        window.actions_.sync.trigger()
    qtbot.waitUntil(lambda: window.outbox.rows == [] and not window.model.loading, timeout=5000)
    assert state_of(store, rejected) == "rejected" and state_of(store, good) == "sent"
    assert "برخط" in window.sync_label.text() and "۰" in window.queue_label.text()
    assert "آخرین همگام‌سازی" in window.last_sync_label.text() and "۱۴" in window.last_sync_label.text()
    title, message = window.notifier.history[-1]
    assert title == "بازگشت نامه" and "درخواست تخصیص اعتبار" in message and "تأیید نشد" in message

    # The returned letter reopens as a draft in the editor, with the server's reason on top.
    editor = window.open_letter(rejected)
    assert isinstance(editor, LetterEditor) and not editor.isReadOnly()
    qtbot.waitUntil(lambda: state_of(store, rejected) == "draft", timeout=5000)  # written in the background
    assert "تأیید نشد" in editor._banner.text() and state_of(store, rejected) == "draft"
    window.close_tab(window.tabs.indexOf(editor))
    show_folder(window, qtbot, Folder.SENT)
    window.table.selectRow(0)
    save_screenshot(window, artifacts_dir / "main_window_workflow.png")
    window.model.wait()
    QThreadPool.globalInstance().waitForDone(10_000)
