"""The sync bridge runs the engine off the GUI thread and delivers its events as signals."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from app.models.db import Store
from app.sync.api import ApiError
from app.sync.engine import SyncEngine
from app.ui.sync_bridge import SyncBridge
from tests.sync.test_engine_unit import ScriptedServer, queued_letter


def test_bridge_runs_engine_in_background_and_emits_events(qtbot, store: Store):
    server = ScriptedServer()
    guid = queued_letter(store)
    threads: list[threading.Thread] = []

    def factory(st, on_event):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        return SyncEngine(st, server, on_event=on_event)

    bridge = SyncBridge(store, engine_factory=factory)
    events: list[tuple[str, dict, bool]] = []
    bridge.letterEvent.connect(lambda n, d: events.append((n, d, QThread.currentThread() is bridge.thread())))
    statuses: list[dict] = []
    bridge.statusChanged.connect(statuses.append)
    with qtbot.waitSignal(bridge.synced, timeout=10_000):
        bridge.sync_now()
    assert threads and threads[0] is not threading.main_thread()
    assert ("registered", guid) in [(n, d.get("guid")) for n, d, _ in events]
    assert all(on_gui for _, _, on_gui in events)  # handlers run on the GUI thread
    assert statuses[0]["running"] is True and statuses[-1]["online"] is True and statuses[-1]["pending"] == 0


def test_bridge_reports_offline(qtbot, store: Store):
    server = ScriptedServer()
    queued_letter(store)
    server.failures = [ApiError(0, "transport_error", "", "refused")]
    bridge = SyncBridge(store, engine_factory=lambda st, ev: SyncEngine(st, server, on_event=ev))
    with qtbot.waitSignal(bridge.synced, timeout=10_000):
        bridge.sync_now()
    assert bridge.status["online"] is False and bridge.status["pending"] == 1
