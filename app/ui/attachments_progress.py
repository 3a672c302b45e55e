"""Attachments going up or coming down as people follow them: the file, the bytes, the speed and the
time left («۱۲ مگابایت از ۴۸ مگابایت — ۳٫۱ مگابایت در ثانیه — ۱۲ ثانیه مانده»), worded by one
formatter (:func:`transfer_text`) for the sync's uploads (a progress bar in the status bar, fed by
the sync bridge's ``upload_progress`` events) and the letter view's downloads."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from app.models.attachments import size_text
from app.protocol.media import shown_name
from app.protocol.persian import to_persian_digits


def _tr(text: str) -> str:
    return QCoreApplication.translate("UploadProgress", text)


def time_left(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return _tr("%1 seconds left").replace("%1", to_persian_digits(max(1, round(seconds))))
    if seconds < 3600:
        return _tr("%1 minutes left").replace("%1", to_persian_digits(round(seconds / 60)))
    return _tr("%1 hours left").replace("%1", to_persian_digits(round(seconds / 3600, 1)).replace(".", "٫"))


def transfer_text(template: str, name: str, done: int, total: int, rate: float = 0, eta: float | None = None) -> str:
    """``template`` («… «%1»: %2 of %3», translated) with the name, the bytes, then the speed and
    the time left while it goes on: «دریافت «گزارش.pdf»: ۱۲ مگابایت از ۴۸ مگابایت — ۳٫۱ مگابایت در ثانیه — ۱۲ ثانیه مانده»."""
    first = template.replace("%2", size_text(done)).replace("%3", size_text(total)).replace("%1", shown_name(name))
    parts = [first]
    if rate > 0 and done < total:
        parts.append(_tr("%1 per second").replace("%1", size_text(int(rate))))
        parts.append(time_left(eta))
    return " — ".join(p for p in parts if p)


def upload_text(data: dict[str, Any], *, with_bytes: bool = True) -> str:
    """An ``upload_progress`` event in words (:func:`transfer_text`; without the bytes when the bar shows them)."""
    template = _tr("Uploading «%1»: %2 of %3") if with_bytes else _tr("Uploading «%1»")
    return transfer_text(template, str(data.get("name") or ""), int(data.get("done") or 0),
                         int(data.get("total") or 0), float(data.get("rate") or 0), data.get("eta"))


class UploadProgress(QWidget):
    """Hidden until an upload reports; hidden again once it is through or the pass ends."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("uploadProgress")
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setMinimumWidth(200)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        self.hide()

    def on_event(self, name: str, data: dict[str, Any]) -> None:
        if name == "upload_progress":
            done, total = int(data.get("done") or 0), int(data.get("total") or 0)
            self.bar.setValue(int(1000 * done / total) if total else 1000)
            self.bar.setFormat(_tr("%1 of %2").replace("%1", size_text(done)).replace("%2", size_text(total)))
            self.label.setText(upload_text(data, with_bytes=False))  # the bytes are on the bar
            self.setToolTip(upload_text(data))
            self.show()
        elif name in ("registered", "rejected"):
            self.hide()

    def on_status(self, status: dict[str, Any]) -> None:
        if not status.get("running"):
            self.hide()
