"""Dabir's own icon: every window shows it (title bar, task bar, Alt+Tab), not Qt's default."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from app.ui.resources import icon_path


def test_the_app_and_its_windows_have_dabirs_icon(persian_app: QApplication) -> None:
    assert icon_path().is_file()
    icon = persian_app.windowIcon()
    assert not icon.isNull()
    image = icon.pixmap(48, 48).toImage()
    assert image.width() == 48
    # Drawn, not blank: the letter's white sheet and the blue ground are both there.
    colors = {QColor(image.pixel(x, y)).name() for x in range(0, 48, 4) for y in range(0, 48, 4)}
    assert len(colors) > 4
    assert persian_app.desktopFileName() == "dabir"  # the .deb installs dabir.desktop
