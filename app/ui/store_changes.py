"""The application's one "the store changed" signal (Anki's ``operation_did_execute``).

Every write op and every sync pass announces what it changed (:class:`app.models.changes.Changes`)
here, with the object that made the change; each open view listens and decides for itself
whether to redraw, and may skip a change it made itself. Nobody refreshes another view by hand.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Signal

from app.models.changes import Changes


class StoreChanges(QObject):
    changed = Signal(object, object)  # Changes, the object that made the change (None: unknown)

    _instance: StoreChanges | None = None

    @classmethod
    def instance(cls) -> StoreChanges:
        """The application's instance, owned by the QApplication (made on first use)."""
        if cls._instance is None or not shiboken6.isValid(cls._instance):
            cls._instance = cls(QCoreApplication.instance())
        return cls._instance

    def announce(self, changes: Changes, handler: object | None = None) -> None:
        """Tell every view (GUI thread only); nothing is said about a write that changed nothing."""
        if changes:
            self.changed.emit(changes, handler)
