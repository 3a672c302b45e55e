"""Desktop notifications: the system tray's balloon when there is a tray, else the status bar.

Clicking the balloon brings the window forward and does what the notification is about (opens
the cartable, the letter); clicking the tray icon brings the window forward.
"""

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
        self._on_click: Callable[[], object] | None = None  # what the balloon shown last is about

    def _tray_icon(self) -> QSystemTrayIcon | None:
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return None
        if self._tray is None:
            self._tray = QSystemTrayIcon(self._window.windowIcon(), self)
            self._tray.setToolTip(self._window.windowTitle())
            self._tray.messageClicked.connect(self.clicked)
            self._tray.activated.connect(lambda _reason: self.bring_forward())
            self._tray.show()
        return self._tray

    def notify(self, title: str, message: str, *, warning: bool = False,
               on_click: Callable[[], object] | None = None) -> None:
        self.history.append((title, message))
        self._on_click = on_click
        tray = self._tray_icon()
        if tray is not None and QSystemTrayIcon.supportsMessages():
            icon = QSystemTrayIcon.MessageIcon.Warning if warning else QSystemTrayIcon.MessageIcon.Information
            tray.showMessage(title, message, icon, STATUS_MS)
        else:  # no tray (offscreen, some Linux desktops): a transient status-bar message instead
            self._show_message(f"{title}: {message}", STATUS_MS)

    def bring_forward(self) -> None:
        """The window in front of the user's other windows, restored if it was minimised."""
        if self._window.isMinimized():
            self._window.showNormal()
        self._window.show()
        self._window.raise_()
        self._window.activateWindow()

    def clicked(self) -> None:
        """The user clicked the balloon: the window, then what the notification was about."""
        self.bring_forward()
        if self._on_click is not None:
            self._on_click()
