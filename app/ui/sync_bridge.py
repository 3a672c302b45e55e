"""The sync engine in the desktop app: runs it off the GUI thread, re-emits its events as signals.

Electrum's pattern: the core (``app.sync``) knows nothing of Qt; this bridge is the one place
that turns its callbacks into Qt signals, which Qt queues onto the GUI thread. What a pass
changed in the store is announced on :class:`app.ui.store_changes.StoreChanges`, like any write.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.models.changes import Changes
from app.models.db import Store
from app.models.profile import read_setting
from app.sync import account
from app.sync.engine import SyncEngine, SyncReport
from app.ui.ops import Op, OpContext
from app.ui.store_changes import StoreChanges

log = logging.getLogger(__name__)
DEFAULT_INTERVAL_MS = 30_000


class SyncBridge(QObject):
    #: {"online": bool|None, "pending": int, "last_sync": iso str|None (the last pass that reached the
    #: server), "error": str|None (English, for the log), "error_fa": str|None (for the user), "running": bool}
    statusChanged = Signal(dict)
    #: ("registered" | "sent" | "rejected" | "received" | "verified" | "acknowledged" | "ack_sent" |
    #:  "upload_progress" | "uploaded", data)
    letterEvent = Signal(str, dict)
    #: a pass finished (SyncReport); what it changed has been announced on StoreChanges
    synced = Signal(object)

    def __init__(
        self,
        store: Store,
        parent: QObject | None = None,
        *,
        interval_ms: int = DEFAULT_INTERVAL_MS,
        engine_factory: Callable[[Store, Callable[[str, dict[str, Any]], None]], SyncEngine] | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._engine_factory = engine_factory or account.open_engine
        self._running: Op[SyncReport] | None = None
        self._again = False
        last = read_setting(store, "sync:last")
        self.status: dict[str, Any] = {"online": None, "pending": 0, "error": None, "error_fa": None,
                                       "last_sync": last.get("last_success") if isinstance(last, dict) else None,
                                       "running": False}
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.sync_now)

    def start(self) -> None:
        self._timer.start()
        self.sync_now()

    def stop(self) -> None:
        self._timer.stop()

    def sync_now(self) -> None:
        """Run once now; if a run is in progress, run again right after it."""
        if self._running is not None:
            self._again = True
            return
        self._set(running=True)

        def work(ctx: OpContext) -> SyncReport:
            engine = self._engine_factory(self.store, lambda name, data: self.letterEvent.emit(name, dict(data)))
            try:
                return engine.run_once()
            finally:
                api = getattr(engine, "api", None)
                if api is not None and hasattr(api, "close"):
                    api.close()

        self._running = Op(self, work).success(self._done).failure(self._failed).run()

    def _done(self, report: SyncReport) -> None:
        self._running = None
        if report.error:
            log.warning("sync pass did not reach the server: %s", report.error)
        error_fa = None if report.error is None else self.offline_text() if not report.online else self.tr(
            "Your session on the server has ended; please log in again from the Server menu.")
        self._set(running=False, online=report.online, pending=report.pending, error=report.error,
                  error_fa=error_fa, last_sync=report.last_success)
        StoreChanges.instance().announce(pass_changes(report), self)
        self.synced.emit(report)
        self._maybe_again()

    def _failed(self, exc: BaseException) -> None:
        self._running = None
        log.warning("sync could not run: %s", exc)
        self._set(running=False, online=None if isinstance(exc, account.AccountError) else False, error=str(exc),
                  error_fa=getattr(exc, "message_fa", None) or self.offline_text())
        self._maybe_again()

    def offline_text(self) -> str:
        return self.tr("The server could not be reached; the letters wait in the outbox and are sent "
                       "automatically once it can be reached.")

    def _maybe_again(self) -> None:
        if self._again:
            self._again = False
            self.sync_now()

    def _set(self, **changes: Any) -> None:
        self.status.update(changes)
        self.statusChanged.emit(dict(self.status))


def pass_changes(report: SyncReport) -> Changes:
    """What a sync pass changed: the letters it moved, the outbox (attempts and errors change
    even offline), the directory if it got news, and the settings (last sync, pinned certificate)."""
    guids = [*report.registered, *report.sent, *(g for g, _ in report.rejected), *report.received,
             *report.acknowledged, *report.numbered, *report.verified, *report.archived]
    return Changes(letters=frozenset(guids), outbox=True, directory=report.directory_changes > 0, settings=True)

