"""«پرونده تازه…» and «ویرایش پرونده…»: a secretary makes, renames or moves a folder of the
archive's tree. The server decides at once (a file number must be free in the agency), so these
need the connection; the folder then comes into this client's copy of the tree."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.models import archive as A
from app.models.db import Store
from app.protocol.archive import file_number_key
from app.protocol.persian import to_persian_digits
from app.sync import account
from app.sync import archive as sync_archive
from app.sync.api import ApiError, DabirApi
from app.ui.dialog_buttons import action_buttons
from app.ui.ops import Op, OpContext


def _below(nodes: list[A.FolderNode], guid: str) -> set[str]:
    """The folder and every folder under it (where it cannot move)."""
    out, grew = {guid}, True
    while grew:
        more = {n.guid for n in nodes if n.parent in out} - out
        out |= more
        grew = bool(more)
    return out


def _depth(nodes: dict[str, A.FolderNode], guid: str) -> int:
    depth, at, seen = 0, nodes[guid].parent, {guid}
    while at is not None and at in nodes and at not in seen:
        seen.add(at)
        depth, at = depth + 1, nodes[at].parent
    return depth


class FolderDialog(QDialog):
    """Makes a folder (``folder`` None) under ``parent_guid``, or changes ``folder``; ``saved``
    carries the folder's GUID once the server has it."""

    saved = Signal(str)

    def __init__(self, store: Store, folder: A.FolderNode | None = None, parent_guid: str | None = None, *,
                 open_api: Callable[[Store], DabirApi] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("archiveFolderDialog")
        self.setWindowTitle(self.tr("Edit the archive folder") if folder else self.tr("New archive folder"))
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.store, self.folder = store, folder
        self._open_api = open_api or account.open_api  # this profile's session (the one sync uses)
        self.title = QLineEdit(folder.title if folder else "")
        self.title.setObjectName("folderTitle")
        self.title.setMaxLength(200)
        self.file_number = QLineEdit(to_persian_digits(folder.file_number) if folder else "")
        self.file_number.setObjectName("folderFileNumber")
        self.file_number.setMaxLength(40)
        self.file_number.setPlaceholderText(self.tr("for example %1").replace("%1", "۱۴۰۵/ح/۱۲"))
        self.parent_folder = QComboBox()
        self.parent_folder.setObjectName("folderParent")
        self.parent_folder.addItem(self.tr("(top of the archive)"), None)
        nodes = A.tree(store)
        by_guid = {n.guid: n for n in nodes}
        barred = _below(nodes, folder.guid) if folder else set()
        for node in nodes:
            if node.guid not in barred:
                indent = "    " * _depth(by_guid, node.guid)
                self.parent_folder.addItem(f"{indent}{node.title} ({to_persian_digits(node.file_number)})", node.guid)
        start = folder.parent if folder else parent_guid
        if start is not None and (i := self.parent_folder.findData(start)) >= 0:
            self.parent_folder.setCurrentIndex(i)
        self.error = QLabel()
        self.error.setObjectName("folderError")
        self.error.setStyleSheet("color: #b71c1c;")
        self.error.setWordWrap(True)
        self.error.hide()
        for edit in (self.title, self.file_number):
            edit.textChanged.connect(self.error.hide)  # the reason shown was for what was there before
        form = QFormLayout()
        form.addRow(self.tr("Title:"), self.title)
        form.addRow(self.tr("File number:"), self.file_number)
        form.addRow(self.tr("Under:"), self.parent_folder)
        buttons, self.ok = action_buttons(self, self.tr("Save"), "saveFolder", self.submit, self.tr("Cancel"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(480, 220)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def changes(self) -> dict[str, Any]:
        """What the server is asked: every field for a new folder, what differs for one changed."""
        title, number = self.title.text().strip(), self.file_number.text().strip()
        parent = self.parent_folder.currentData()
        if self.folder is None:
            return {"title": title, "file_number": number, "parent": parent}
        out: dict[str, Any] = {}
        if title != self.folder.title:
            out["title"] = title
        if file_number_key(number) != file_number_key(self.folder.file_number):
            out["file_number"] = number
        if parent != self.folder.parent:
            out["parent"] = parent
        return out

    def submit(self) -> None:
        if not self.title.text().strip():
            return self._show_error(self.tr("Write the folder's title."))
        if not self.file_number.text().strip():
            return self._show_error(self.tr("Write the folder's file number."))
        changes, store, folder, open_api = self.changes(), self.store, self.folder, self._open_api
        if folder is not None and not changes:
            self.accept()
            return None

        def work(_ctx: OpContext) -> str:
            with open_api(store) as api:
                if folder is None:
                    return str(sync_archive.make_folder(store, api, changes["title"], changes["file_number"],
                                                        changes["parent"])["id"])
                sync_archive.change_folder(store, api, folder.guid, changes)
                return folder.guid

        self.ok.setEnabled(False)
        Op(self, work).success(self._done).failure(self._failed).run()
        return None

    def _done(self, guid: str) -> None:
        self.saved.emit(guid)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.ok.setEnabled(True)
        if isinstance(exc, ApiError | account.AccountError) and exc.message_fa:
            self._show_error(exc.message_fa)
        else:
            self._show_error(self.tr("The folder could not be saved."))
