"""Views hear about store changes once, from StoreChanges: a write in one view (or a sync pass)
redraws the others with no hand-called reload, and writes run off the GUI thread."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThreadPool
from sqlalchemy import event

from app.models.db import Store
from app.models.folders import Folder
from app.sync.engine import SyncEngine
from app.ui.letter_details import LetterDetails
from app.ui.letter_editor import LetterEditor
from app.ui.main_window import MainWindow
from app.ui.store_changes import StoreChanges
from app.ui.sync_bridge import SyncBridge
from tests.sync.test_engine_unit import ScriptedServer, queued_letter
from tests.ui.editor_conftest_helpers import type_text
from tests.ui.workflow_helpers import set_sender

pytestmark = [pytest.mark.gui]


def commit_threads(store: Store) -> list[int]:
    """The threads in which the store's write transactions commit."""
    threads: list[int] = []
    event.listen(store.engine, "commit", lambda _conn: threads.append(threading.get_ident()))
    return threads


def subjects(win: MainWindow) -> list[str]:
    return [win.model.letter_at(r).subject for r in range(win.model.rowCount())]


def test_an_editor_save_redraws_the_list_and_the_counts_off_the_gui_thread(window: MainWindow, store: Store,
                                                                           qtbot) -> None:  # type: ignore[no-untyped-def]
    set_sender(store)
    window.folders.select(Folder.DRAFTS)
    qtbot.waitUntil(lambda: not window.model.loading and window.model.folder is Folder.DRAFTS, timeout=10_000)
    assert subjects(window) == []
    qtbot.waitUntil(lambda: window.folders.count_text(Folder.DRAFTS) == "۰", timeout=5000)  # counted after the paint
    commits = commit_threads(store)
    announced: list[object] = []

    def heard(_changes: object, handler: object) -> None:
        announced.append(handler)

    StoreChanges.instance().changed.connect(heard)
    editor = window.new_letter()
    assert isinstance(editor, LetterEditor)
    editor.subject.setFocus()
    type_text(editor.subject, "درخواست تمدید قرارداد پشتیبانی")
    with qtbot.waitSignal(editor.saved, timeout=5000):
        assert editor.save()
    # The list and the folder counts redraw themselves from the announcement.
    qtbot.waitUntil(lambda: subjects(window) == ["درخواست تمدید قرارداد پشتیبانی"], timeout=5000)
    qtbot.waitUntil(lambda: window.folders.count_text(Folder.DRAFTS) == "۱", timeout=5000)
    StoreChanges.instance().changed.disconnect(heard)
    assert announced == [editor]  # one announcement, made by the editor
    assert editor.subject.isUndoAvailable()  # the editor did not redraw itself over what it wrote
    assert commits and threading.main_thread().ident not in commits  # the write ran on a worker

    editor.body.setPlainText("با سلام و احترام")
    assert editor.save()
    window.close_tab(window.tabs.indexOf(editor))
    qtbot.waitUntil(lambda: window.tabs.count() == 1, timeout=5000)  # closed once the save was through
    assert threading.main_thread().ident not in commits
    window.model.wait()


def test_a_sync_pass_redraws_an_open_details_view(window: MainWindow, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    server = ScriptedServer()
    guid = queued_letter(store, "گزارش پیشرفت پروژه")
    details = window.open_letter(guid)
    assert isinstance(details, LetterDetails)
    assert "در صف ارسال" in details.state_label.text() and "هنوز شماره‌گذاری نشده است" in details.text()
    bridge = SyncBridge(store, window, engine_factory=lambda st, ev: SyncEngine(st, server, on_event=ev))
    window.attach_bridge(bridge)
    with qtbot.waitSignal(bridge.synced, timeout=10_000):
        bridge.sync_now()
    assert "ارسال‌شده" in details.state_label.text()  # re-read when the pass was announced
    assert "هنوز شماره‌گذاری نشده است" not in details.text() and "دریافت و تأیید شد" in details.text()
    window.folders.select(Folder.SENT)
    qtbot.waitUntil(lambda: window.folders.count_text(Folder.SENT) == "۱", timeout=5000)
    window.model.wait()
    QThreadPool.globalInstance().waitForDone(10_000)
