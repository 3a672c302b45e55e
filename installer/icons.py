"""Dabir's icon as the files installers want: PNGs of the freedesktop sizes and a Windows .ico,
drawn from the one source, resources/icons/dabir.svg (Qt's SVG renderer, no display needed)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icons" / "dabir.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def _render(size: int, out: Path) -> Path:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"{SVG} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out)):
        raise SystemExit(f"could not write {out}")
    return out


def render_pngs(directory: Path) -> dict[int, Path]:
    """``directory/<n>.png`` for every freedesktop size."""
    return {size: _render(size, directory / f"{size}.png") for size in PNG_SIZES}


def write_ico(out: Path) -> Path:
    """A 256×256 Windows icon (Windows scales it for the smaller places)."""
    return _render(256, out)
