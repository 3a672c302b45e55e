"""Desktop notifications: the system tray's balloon when there is a tray, else the status bar."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMainWindow, QSystemTrayIcon

STATUS_MS = 10_000


class Notifier(QObject):
    def __init__(self, window: QMainWindow, show_message: Callable[[str, int], None] | None = None) -> None:
        super().__init__(window)
        self._window = window
        self._show_message = show_message or window.statusBar().showMessage
        self._tray: QSystemTrayIcon | None = None
        self.history: list[tuple[str, str]] = []  # (title, message), newest last

    def _tray_icon(self) -> QSystemTrayIcon | None:
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return None
        if self._tray is None:
            self._tray = QSystemTrayIcon(self._window.windowIcon(), self)
            self._tray.setToolTip(self._window.windowTitle())
            self._tray.show()
        return self._tray

    def notify(self, title: str, message: str, *, warning: bool = False) -> None:
        self.history.append((title, message))
        tray = self._tray_icon()
        if tray is not None and QSystemTrayIcon.supportsMessages():
            icon = QSystemTrayIcon.MessageIcon.Warning if warning else QSystemTrayIcon.MessageIcon.Information
            tray.showMessage(title, message, icon, STATUS_MS)
        else:  # no tray (offscreen, some Linux desktops): a transient status-bar message instead
            self._show_message(f"{title}: {message}", STATUS_MS)
