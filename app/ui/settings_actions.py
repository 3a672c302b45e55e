"""The main window's «ابزار» and «راهنما» menus: Settings and About."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from app.models.db import Store


class SettingsActions(QObject):
    def __init__(self, store: Store, window: QMainWindow, on_login: Callable[[dict], None]) -> None:
        super().__init__(window)
        self.store = store
        self.window = window
        self.on_login = on_login
        self.settings = QAction(self.tr("Settings…"), window)
        self.settings.setObjectName("settingsAction")
        self.settings.setShortcut(QKeySequence.StandardKey.Preferences)
        self.settings.triggered.connect(self.show_settings)
        self.about = QAction(self.tr("About Dabir"), window)
        self.about.setObjectName("aboutAction")
        self.about.triggered.connect(self.show_about)
        window.menuBar().addMenu(self.tr("&Tools")).addAction(self.settings)
        window.menuBar().addMenu(self.tr("&Help")).addAction(self.about)

    def show_settings(self) -> QObject:
        from app.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.store, parent=self.window)
        dialog.loggedIn.connect(self.on_login)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def show_about(self) -> QObject:
        from app.ui.about_dialog import AboutDialog

        dialog = AboutDialog(self.store.data_dir, parent=self.window)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog
