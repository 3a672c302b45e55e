"""Python's cyclic garbage collector, run on the GUI thread only.

Automatic collection runs in whichever thread happens to allocate. When it frees a cycle that
holds a Qt object (a window kept by a closure, a tree item), the object is deleted in that thread:
on a worker, in the middle of the GUI thread's event processing, which crashes the process. So
while the app runs automatic collection is off, and a timer on the GUI thread collects the
generations whose thresholds were passed, which is what automatic collection would have done.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 250


class GuiThreadCollector(QObject):
    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.collect)
        self.timer.start()

    def collect(self) -> None:
        """The youngest generations past their threshold, as the automatic collector would."""
        (t0, t1, t2), (c0, c1, c2) = gc.get_threshold(), gc.get_count()
        if c0 > t0:
            gc.collect(2 if c1 > t1 and c2 > t2 else 1 if c1 > t1 else 0)


_collector: GuiThreadCollector | None = None


def collect_on_gui_thread(app: QCoreApplication) -> GuiThreadCollector:
    """Turn automatic collection off and collect on ``app``'s thread from now on (once per process)."""
    global _collector
    if _collector is None:
        gc.disable()
        _collector = GuiThreadCollector(app)
    return _collector
