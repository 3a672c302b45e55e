"""Main-window GUI tests: a Persian right-to-left app over a small, known local store."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QThreadPool, QTranslator
from PySide6.QtWidgets import QApplication

from app.models.db import Store
from app.models.letters import create_letter
from app.models.tables import Letter

OWN = {"agency": "14000123453", "unit": "دبیرخانه مرکزی", "person": "s.ahmadi", "name": "سارا احمدی، دبیرخانه مرکزی"}


@pytest.fixture
def persian_app(qapp: QApplication) -> Iterator[QApplication]:
    """What ``run_gui`` does to the application (RTL, Vazirmatn, Persian), undone afterwards
    so that other GUI tests in the session start from a plain application."""
    from app.ui.main import prepare_app

    direction, font, icon = qapp.layoutDirection(), qapp.font(), qapp.windowIcon()
    before = set(qapp.findChildren(QTranslator))
    prepare_app(qapp)
    yield qapp
    for translator in qapp.findChildren(QTranslator):
        if translator not in before:
            qapp.removeTranslator(translator)
            translator.deleteLater()
    qapp.setLayoutDirection(direction)
    qapp.setFont(font)
    qapp.setWindowIcon(icon)


def add_letter(store: Store, subject: str, *, kind: str = "outgoing", state: str | None = None, **extra: object) -> str:
    """A letter through the real model API (so the search index is maintained as in the app)."""
    with store.session() as s:
        if kind == "incoming":
            sender = {"agency": "14000234561", "unit": "دفتر فناوری اطلاعات", "name": "دفتر فناوری اطلاعات، وزارت راه و شهرسازی"}
            recipients = [{"role": "to", **OWN}]
        else:
            sender = OWN
            recipients = [{"role": "to", "agency": "14000234561", "name": "وزارت راه و شهرسازی"}]
        letter = create_letter(s, kind=kind, subject=subject, body=extra.pop("body", ""), sender=sender,
                               recipients=recipients, **extra)  # type: ignore[arg-type]
        s.flush()
        if state is not None:
            s.get(Letter, letter.guid).state = state  # type: ignore[union-attr]
        return letter.guid


@pytest.fixture
def window(persian_app: QApplication, store: Store, qtbot):  # type: ignore[no-untyped-def]
    """A main window over ``store``; the first load is awaited."""
    from app.ui.main_window import MainWindow

    win = MainWindow(store)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: not win.model.loading, timeout=10_000)
    yield win
    win.model.wait()
    QThreadPool.globalInstance().waitForDone(10_000)
