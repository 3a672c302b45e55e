"""Starting the desktop app: ``dabir`` (or ``python -m app``) with no subcommand lands here.

Smoke mode, for CI and packaging checks: with ``DABIR_SMOKE=1`` in the environment the app
starts as usual, quits with status 0 as soon as the main window has loaded and painted its
letter list, and prints ``dabir: ready in N ms (epoch T)`` to stderr (N from ``run_gui``, T
the wall-clock time of that paint, for measuring from process start); if that has not
happened within 30 s it quits with status 1.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtGui import QIcon, Qt
from PySide6.QtWidgets import QApplication

from app.models.db import default_data_dir, open_store
from app.ui.fonts import apply_app_font
from app.ui.i18n import install_translator
from app.ui.resources import icon_path

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow
    from app.ui.sync_bridge import SyncBridge

log = logging.getLogger(__name__)

SMOKE_ENV = "DABIR_SMOKE"
SMOKE_TIMEOUT_MS = 30_000
GUI_SWITCH_INTERVAL_S = 0.001  # see prepare_app


def prepare_app(app: QApplication) -> None:
    """Everything the application object needs before the first window: RTL, font, Persian."""
    app.setApplicationName("Dabir")
    app.setOrganizationName("Dabir")
    app.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    app.setWindowIcon(QIcon(str(icon_path())))
    app.setDesktopFileName("dabir")  # Wayland shells take the icon from dabir.desktop
    apply_app_font(app)
    install_translator(app)
    app.setApplicationDisplayName(app.translate("MainWindow", "Dabir"))
    # Workers (search pages, counts, signing, sync) run Python too: with the default 5 ms, the GUI
    # thread could wait that long for the interpreter lock in the middle of a repaint.
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)


def freeze_startup_objects() -> None:
    """Exempt what start-up made (modules, Qt wrappers, the window) from the cyclic garbage
    collector: it lives as long as the app, and a full pass over it is long enough to be felt
    when it lands on a keystroke. (Objects made later are collected as usual.)"""
    gc.collect()
    gc.freeze()


def start_sync(window: MainWindow) -> SyncBridge | None:
    """Sync in the background only for a profile that has a server account (else: offline work)."""
    from app.sync.account import load_account
    from app.ui.sync_bridge import SyncBridge

    if load_account(window.store) is None:
        return None
    bridge = SyncBridge(window.store, window)
    window.attach_bridge(bridge)
    bridge.start()
    return bridge


def show_main_window(window: MainWindow, bridge: SyncBridge | None) -> None:
    """Show the window; a profile with no server account (a first start) asks to log in at once
    rather than showing a window that can only say it is not connected."""
    window.show()
    if bridge is None:
        window.show_login()


def run_gui(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    prepare_app(app)

    from app.ui.main_window import MainWindow  # after the translator: widgets translate on creation

    data_dir = Path(args.data_dir).expanduser() if getattr(args, "data_dir", None) else default_data_dir()
    store = open_store(data_dir)
    try:
        window = MainWindow(store)
        bridge = start_sync(window)
        freeze_startup_objects()
        if os.environ.get(SMOKE_ENV):

            def ready() -> None:
                ms = (time.perf_counter() - started) * 1000
                print(f"dabir: ready in {ms:.0f} ms (epoch {time.time():.3f})", file=sys.stderr, flush=True)
                app.exit(0)

            window.ready.connect(ready)
            QTimer.singleShot(SMOKE_TIMEOUT_MS, lambda: app.exit(1))
        show_main_window(window, bridge)
        code = app.exec()
        if bridge is not None:
            bridge.stop()
        window.model.wait()
        QThreadPool.globalInstance().waitForDone()
        return code
    finally:
        store.close()
