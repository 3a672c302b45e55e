"""Cycles holding Qt objects are freed on the GUI thread, never on a worker that happens to allocate."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtWidgets import QApplication, QWidget


class _Holder:
    def __init__(self) -> None:
        self.widget = QWidget()
        self.me = self  # a cycle: only the cyclic collector frees it
        self.freed_on: str | None = None


def test_the_app_collects_cycles_on_the_gui_thread_only(persian_app: QApplication, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert not gc.isenabled()  # prepare_app turned automatic collection off
    freed: list[str] = []
    holder = _Holder()
    weakref.finalize(holder, lambda: freed.append(threading.current_thread().name))
    del holder

    kept: list[object] = []

    def allocate() -> None:  # a worker making plenty of container objects (what triggers a collection)
        for _ in range(200_000):
            kept.append([{}])

    worker = threading.Thread(target=allocate, name="worker")
    worker.start()
    worker.join()
    assert freed == []  # the worker did not collect the cycle (nor delete its widget)
    qtbot.waitUntil(lambda: bool(freed), timeout=5_000)
    assert freed == [threading.main_thread().name]
    assert gc.get_count()[0] < gc.get_threshold()[0]  # the young generation was collected, by the timer
