"""A horizontal bar chart drawn with QPainter (QtCharts is not in the bundle): one row of bars per
label, one bar per series, Persian labels and digits, laid out right to left like the window."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.protocol.persian import to_persian_digits
from app.ui.labels import persian_number

COLORS = (QColor("#1e88e5"), QColor("#e53935"), QColor("#43a047"))
MAX_ROWS = 15  # more labels than this would not be readable; the table has them all


def persian_value(value: float) -> str:
    """``1234`` → ``۱٬۲۳۴``, ``8.5`` → ``۸٫۵`` (one decimal at most)."""
    if value == int(value):
        return persian_number(int(value))
    return to_persian_digits(f"{value:,.1f}".replace(",", "\u066c").replace(".", "\u066b"))


class BarChart(QWidget):
    """``set_data(labels, [(series name, values)…])``; the first MAX_ROWS labels are drawn."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels: list[str] = []
        self.series: list[tuple[str, list[float]]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(160)

    def set_data(self, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]]) -> None:
        self.labels = list(labels)[:MAX_ROWS]
        self.series = [(name, [float(v) for v in values][:MAX_ROWS]) for name, values in series][:len(COLORS)]
        self.setAccessibleDescription("؛ ".join(
            f"{label}: " + "، ".join(f"{name} {persian_value(vals[i])}" for name, vals in self.series)
            for i, label in enumerate(self.labels)))
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(600, 60 + 26 * max(1, len(self.labels)) * max(1, len(self.series)))

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), self.palette().base())
        fm = p.fontMetrics()
        line = fm.height()
        rtl = self.layoutDirection() == Qt.LayoutDirection.RightToLeft
        w, h = self.width(), self.height()
        if not self.labels or not self.series:
            p.end()
            return
        # the legend on top, the labels on the reading side, bars growing from it
        x = float(w - 8 if rtl else 8)
        for color, (name, _values) in zip(COLORS, self.series, strict=False):
            text_w = fm.horizontalAdvance(name)
            box = QRectF(x - 12 if rtl else x, 6 + (line - 10) / 2, 10, 10)
            p.fillRect(box, color)
            tx = x - 18 - text_w if rtl else x + 16
            p.setPen(self.palette().text().color())
            p.drawText(QRectF(tx, 6, text_w, line), Qt.AlignmentFlag.AlignVCenter, name)
            x = tx - 16 if rtl else tx + text_w + 16
        top = 12 + line
        label_w = min(max(fm.horizontalAdvance(lbl) for lbl in self.labels) + 12, w // 3)
        value_w = fm.horizontalAdvance("۰۰۰٬۰۰۰٫۰") + 8
        bar_area = max(10, w - label_w - value_w - 16)
        peak = max((v for _n, vals in self.series for v in vals), default=0) or 1
        row_h = (h - top - 6) / len(self.labels)
        bar_h = max(4.0, min(22.0, (row_h - 6) / len(self.series)))
        for i, label in enumerate(self.labels):
            y = top + i * row_h
            label_rect = QRectF(w - label_w - 4 if rtl else 4, y, label_w - 8, row_h)
            p.setPen(self.palette().text().color())
            p.drawText(label_rect, Qt.AlignmentFlag.AlignVCenter | (
                Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft),
                fm.elidedText(label, Qt.TextElideMode.ElideLeft if rtl else Qt.TextElideMode.ElideRight, label_w - 8))
            for k, (color, (_name, vals)) in enumerate(zip(COLORS, self.series, strict=False)):
                value = vals[i] if i < len(vals) else 0.0
                length = bar_area * value / peak
                by = y + (row_h - bar_h * len(self.series)) / 2 + k * bar_h
                start = w - label_w - 8
                rect = QRectF(start - length, by, length, bar_h - 2) if rtl else QRectF(label_w + 8, by, length, bar_h - 2)
                p.fillRect(rect, color)
                text = persian_value(value)
                tw = fm.horizontalAdvance(text)
                tx = rect.left() - tw - 4 if rtl else rect.right() + 4
                p.drawText(QRectF(tx, by, tw + 2, bar_h - 2), Qt.AlignmentFlag.AlignVCenter, text)
        p.end()
