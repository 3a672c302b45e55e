"""The bundled Persian font (Vazirmatn, OFL): registered at startup, made the application font."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication

from app.ui.resources import fonts_dir

log = logging.getLogger(__name__)

FAMILY = "Vazirmatn"
POINT_SIZE = 10

# Font files registered in this process (the database forgets nothing until the app exits).
loaded_files: dict[Path, list[str]] = {}


def load_bundled_fonts(directory: Path | None = None) -> list[str]:
    """Register every TTF in ``resources/fonts``; return the families found."""
    families: set[str] = set()
    for path in sorted((directory or fonts_dir()).glob("*.ttf")):
        if path not in loaded_files:
            font_id = QFontDatabase.addApplicationFont(str(path))
            if font_id < 0:
                log.warning("could not load font %s", path)
                continue
            loaded_files[path] = QFontDatabase.applicationFontFamilies(font_id)
        families.update(loaded_files[path])
    return sorted(families)


def apply_app_font(app: QGuiApplication) -> QFont:
    """Make Vazirmatn the application font; keep the platform font if it is missing."""
    families = load_bundled_fonts()
    if FAMILY not in families:
        log.warning("bundled font %s not found in %s; using the system font", FAMILY, fonts_dir())
        return app.font()
    font = QFont(FAMILY, POINT_SIZE)
    # Hinting distorts Persian joins at small sizes more than it sharpens them.
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    app.setFont(font)
    return font
