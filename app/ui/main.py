"""Starting the desktop app: ``dabir`` (or ``python -m app``) with no subcommand lands here.

A profile never set up (no account, wizard never finished) starts with the first-run wizard
(``app/ui/first_run.py``); otherwise the main window opens. A store migrated by a newer Dabir is
refused with a Persian message box and exit status 2, nothing written.

Smoke mode, for CI and packaging checks: with ``DABIR_SMOKE=1`` in the environment the app
starts as usual, quits with status 0 as soon as the first window the user sees has painted (the
wizard, or the main window with its letter list loaded), and prints
``dabir: ready in N ms (epoch T) window=<objectName>`` to stderr (N from ``run_gui``, T the
wall-clock time of that paint, for measuring from process start); with
``DABIR_SMOKE_SCREENSHOT=<file.png>`` it saves a grab of that window first. If nothing has
painted within 30 s it quits with status 1. (A too-new store in smoke mode prints the reason
instead of showing the box, and exits 2.)
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

from PySide6.QtCore import QThreadPool, QTimer, SignalInstance
from PySide6.QtGui import QIcon, Qt
from PySide6.QtWidgets import QApplication, QWidget

from app.log_file import log_to_file
from app.models.attachments import remove_old_copies
from app.models.db import Store, StoreTooNewError, default_data_dir, open_store
from app.models.site_config import load_site_config
from app.ui.collector import collect_on_gui_thread
from app.ui.fonts import apply_app_font
from app.ui.i18n import install_translator
from app.ui.resources import icon_path

if TYPE_CHECKING:
    from app.ui.first_run import FirstRunWizard
    from app.ui.main_window import MainWindow
    from app.ui.sync_bridge import SyncBridge

log = logging.getLogger(__name__)

SMOKE_ENV = "DABIR_SMOKE"
SMOKE_SCREENSHOT_ENV = "DABIR_SMOKE_SCREENSHOT"
STORE_TOO_NEW_EXIT = 2
SMOKE_TIMEOUT_MS = 30_000
SITE_ERROR_MS = 60_000
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
    collect_on_gui_thread(app)  # no worker thread ever frees a Qt object
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


class Startup:
    """The windows of one run: the first-run wizard for a profile never set up, then the main
    window (its sync started as after a login). In smoke mode, the first of them to paint ends the run."""

    def __init__(self, app: QApplication, store: Store, started: float) -> None:
        self.app, self.store, self.started = app, store, started
        self.smoke = bool(os.environ.get(SMOKE_ENV))
        self.window: MainWindow | None = None
        self.bridge: SyncBridge | None = None
        self.wizard: FirstRunWizard | None = None

    def begin(self) -> None:
        from app.ui.first_run import FirstRunWizard, needs_first_run

        if self.smoke:
            QTimer.singleShot(SMOKE_TIMEOUT_MS, lambda: self.app.exit(1))
        if not needs_first_run(self.store):
            self.open_main()
            return
        self.app.setQuitOnLastWindowClosed(False)  # between the wizard and the main window
        wizard = self.wizard = FirstRunWizard(self.store, load_site_config())
        wizard.completed.connect(lambda _online: self.open_main())
        wizard.rejected.connect(self.app.quit)  # cancel: the app closes, nothing kept
        self._watch(wizard, wizard.ready)
        freeze_startup_objects()
        wizard.show()

    def open_main(self) -> None:
        from app.ui.main_window import MainWindow

        self.app.setQuitOnLastWindowClosed(True)
        window = self.window = MainWindow(self.store)
        self.bridge = start_sync(window)
        if self.wizard is None:
            self._watch(window, window.ready)
            freeze_startup_objects()
        window.show()
        site = load_site_config()
        if site.error_fa:  # the administrator's file is broken: the user tells IT (the wizard said it too)
            window.show_message(site.error_fa, SITE_ERROR_MS)

    def _watch(self, widget: QWidget, ready: SignalInstance) -> None:
        if not self.smoke:
            return

        def painted() -> None:
            ms = (time.perf_counter() - self.started) * 1000
            shot = os.environ.get(SMOKE_SCREENSHOT_ENV)
            if shot:
                widget.grab().save(shot)
            print(f"dabir: ready in {ms:.0f} ms (epoch {time.time():.3f}) window={widget.objectName()}",
                  file=sys.stderr, flush=True)
            self.app.exit(0)

        ready.connect(painted)

    def finish(self) -> None:
        if self.bridge is not None:
            self.bridge.stop()
        if self.window is not None:
            self.window.model.wait()
        QThreadPool.globalInstance().waitForDone()


def run_gui(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    prepare_app(app)

    data_dir = Path(args.data_dir).expanduser() if getattr(args, "data_dir", None) else default_data_dir()
    log_to_file(data_dir, logging.getLogger().getEffectiveLevel())
    try:
        store = open_store(data_dir)
    except StoreTooNewError as exc:
        from app.ui.first_run import store_too_new_box

        log.error("%s", exc)
        if not os.environ.get(SMOKE_ENV):
            store_too_new_box(exc).exec()
        else:
            print(f"dabir: {exc}", file=sys.stderr, flush=True)
        return STORE_TOO_NEW_EXIT
    try:
        remove_old_copies(store)  # attachments handed to other programs more than a day ago
        startup = Startup(app, store, started)
        startup.begin()
        code = app.exec()
        startup.finish()
        return code
    finally:
        store.close()
