"""Archive actions on the main window: «بایگانی…» files the letter in hand into a folder of the
archive's tree, «خروج از بایگانی…» takes it out of one with the reason. Both are a secretary's
(or an agency administrator's) work; the letter view says where the letter is filed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from app.models import archive as A
from app.models.db import Store
from app.models.folders import Place
from app.models.letter_lookup import letter_summary
from app.ui.archive_dialogs import FileDialog, UnfileDialog

D = TypeVar("D", FileDialog, UnfileDialog)


class Host(Protocol):
    def action_targets(self) -> list[tuple[str, str]]: ...
    def sender_party(self) -> dict[str, str]: ...
    def show_message(self, text: str, ms: int = 8000) -> None: ...
    def sync_now(self, *, quiet: bool = False) -> None: ...


class ArchiveActions(QObject):
    def __init__(self, store: Store, host: Host, widget: QWidget, place: Callable[[], Place | None]) -> None:
        super().__init__(widget)
        self.store, self.host, self.widget, self.place = store, host, widget, place
        self.dialog: FileDialog | UnfileDialog | None = None
        self.file = QAction(self.tr("File…"), widget)
        self.file.setObjectName("fileLetter")
        self.file.setToolTip(self.tr("File the letter in a folder of the archive"))
        self.file.triggered.connect(lambda _checked=False: self.file_selected())
        self.unfile = QAction(self.tr("Take out of the archive…"), widget)
        self.unfile.setObjectName("unfileLetter")
        self.unfile.setToolTip(self.tr("Take the letter out of an archive folder, saying why"))
        self.unfile.triggered.connect(lambda _checked=False: self.unfile_selected())
        for action in (self.file, self.unfile):
            widget.addAction(action)

    @property
    def me(self) -> str:
        return self.host.sender_party().get("person", "")

    def _may_edit(self) -> bool:
        return bool(self.me) and A.may_edit(self.store)

    def update_enabled(self, states: list[str]) -> None:
        targets = self.host.action_targets()
        one = len(targets) == 1 and states[0] in A.FILEABLE and self._may_edit()
        self.file.setEnabled(one)
        self.unfile.setEnabled(one and bool(A.places(self.store, targets[0][0])))

    def _subject(self, guid: str) -> str:
        summary = letter_summary(self.store, guid)
        return summary.subject if summary else ""

    def file_selected(self) -> FileDialog | None:
        targets = self.host.action_targets()
        if len(targets) != 1:
            return None
        guid = targets[0][0]
        dialog = FileDialog(self.store, guid, me=self.me, subject=self._subject(guid), parent=self.widget)
        dialog.filed.connect(lambda _folder: self._done(self.tr("The letter was filed; the server learns of it with the next sync.")))
        return self._open(dialog)

    def unfile_selected(self) -> UnfileDialog | None:
        targets = self.host.action_targets()
        if len(targets) != 1:
            return None
        guid, place = targets[0][0], self.place()
        dialog = UnfileDialog(self.store, guid, me=self.me, subject=self._subject(guid), parent=self.widget,
                              folder=place.folder if isinstance(place, A.FiledIn) else None)
        dialog.unfiled.connect(lambda _folder: self._done(self.tr("The letter was taken out of the folder.")))
        return self._open(dialog)

    def _open(self, dialog: D) -> D:
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _done(self, text: str) -> None:
        self.host.show_message(text)
        self.host.sync_now(quiet=True)
