"""The secretary's folders, with how many letters each holds (Persian digits), and the archive's
folder tree under «بایگانی».

The counts are read off the GUI thread, and again whenever a store change touches letters or the
outbox (the archive's tree with them: every sync pass changes the outbox)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from app.models.changes import Changes
from app.models.db import Store
from app.models.folders import Folder, Place
from app.models.letter_lists import read_folder_counts
from app.ui.archive_tree import ArchiveBranch
from app.ui.labels import folder_name, persian_number
from app.ui.ops import Op, OpContext
from app.ui.store_changes import StoreChanges

_FOLDER_ROLE = Qt.ItemDataRole.UserRole + 1


class FolderList(QTreeWidget):
    """Two columns, name and count; the folders are a flat list (no root decoration), the archive
    a tree under its item."""

    folder_selected = Signal(object)  # a Folder, or an archive folder (FiledIn)
    cartable_selected = Signal()  # the «کارتابل» item: the window shows the cartable instead of a folder
    count_failed = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._counted = False  # counts are first asked for by the window, once its list is shown
        self.setObjectName("folderList")
        self.setColumnCount(2)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setIndentation(14)  # the archive's folders nest under «بایگانی»
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setStyleSheet("QTreeWidget::item { padding: 5px 8px; }")  # room to aim and to read
        self.header().setStretchLastSection(False)
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self._items: dict[Folder, QTreeWidgetItem] = {}
        for folder in Folder:
            item = QTreeWidgetItem([folder_name(folder), ""])
            item.setData(0, _FOLDER_ROLE, folder.value)
            # Trailing edge: the left in a right-to-left window (Qt mirrors "leading/trailing").
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignTrailing | Qt.AlignmentFlag.AlignVCenter)
            self.addTopLevelItem(item)
            self._items[folder] = item
        self.archive = ArchiveBranch(store, self._items[Folder.ARCHIVE], self)
        # The cartable is listed like a folder, with its unread count (set by the window's reminders).
        self.cartable_item = QTreeWidgetItem([self.tr("Cartable"), ""])
        self.cartable_item.setTextAlignment(1, Qt.AlignmentFlag.AlignTrailing | Qt.AlignmentFlag.AlignVCenter)
        self.insertTopLevelItem(0, self.cartable_item)  # first: where staff work, and every referral lands
        self.currentItemChanged.connect(self._on_current_changed)
        StoreChanges.instance().changed.connect(self._on_store_changed)

    def load_counts(self) -> None:
        """Count the letters of every folder on a worker; the numbers change when they arrive."""
        self._counted = True
        store = self._store

        def work(_ctx: OpContext) -> dict[Folder, int]:
            return read_folder_counts(store)

        Op(self, work).success(self.set_counts).failure(lambda exc: self.count_failed.emit(str(exc))).run()
        self.archive.reload()

    def _on_store_changed(self, changes: Changes, _handler: object) -> None:
        # Outbox changes too (every sync pass): one cheap query that also catches letters another
        # program (the command line) moved meanwhile.
        if (changes.letters or changes.outbox) and self._counted:
            self.load_counts()

    def _on_current_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        if current is self.cartable_item:
            self.cartable_selected.emit()
        elif current is not None:
            self.folder_selected.emit(self._place(current))

    def _place(self, item: QTreeWidgetItem) -> Place:
        return self.archive.place_of(item) or Folder(item.data(0, _FOLDER_ROLE))

    def current_folder(self) -> Place | None:
        item = self.currentItem()
        return None if item is None or item is self.cartable_item else self._place(item)

    def select_cartable(self) -> None:
        self.setCurrentItem(self.cartable_item)

    def set_cartable_count(self, unread: int) -> None:
        self.cartable_item.setText(1, persian_number(unread))

    def select(self, folder: Place) -> None:
        self.setCurrentItem(self._items[folder] if isinstance(folder, Folder) else self.archive.items[folder.folder])

    def set_counts(self, counts: dict[Folder, int]) -> None:
        for folder, n in counts.items():
            self._items[folder].setText(1, persian_number(n))

    def count_text(self, folder: Folder) -> str:
        return self._items[folder].text(1)

    def item_for(self, folder: Folder) -> QTreeWidgetItem:
        return self._items[folder]
