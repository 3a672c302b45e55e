"""Where the bundled resources (fonts) and translations live.

In a source tree or an editable install they sit at the repository root, beside ``app/``, and
so they do in the PyInstaller bundle (its ``_internal`` folder, ``sys._MEIPASS``, holds ``app/``);
an installer may place them elsewhere and say so with ``DABIR_RESOURCES`` /
``DABIR_TRANSLATIONS``.
"""

from __future__ import annotations

import os
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]


def resources_dir() -> Path:
    return Path(os.environ.get("DABIR_RESOURCES") or _ROOT / "resources")


def translations_dir() -> Path:
    return Path(os.environ.get("DABIR_TRANSLATIONS") or _ROOT / "translations")


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


def icon_path() -> Path:
    """Dabir's icon (scalable; the Linux packages also install it as PNGs)."""
    return resources_dir() / "icons" / "dabir.svg"
