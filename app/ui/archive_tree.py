"""The archive's folder tree as tree-widget items: under «بایگانی» in the folder list, and in the
folder picker of «بایگانی…». Each item carries its folder's GUID; the tree is read on a worker."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QPoint, Qt
from PySide6.QtWidgets import QDialog, QMenu, QTreeWidget, QTreeWidgetItem

from app.models import archive as A
from app.models.db import Store
from app.protocol.persian import to_persian_digits
from app.ui.archive_folder_dialog import FolderDialog
from app.ui.ops import Op, OpContext

GUID_ROLE = Qt.ItemDataRole.UserRole + 2


def number_text(file_number: str) -> str:
    """A file number as shown: Persian digits (no thousands separator: it is a name, not a count)."""
    return to_persian_digits(file_number)


def place_text(node: A.FolderNode) -> str:
    """«title، شماره …»: how the letter view and the dialogs name a folder."""
    return QCoreApplication.translate("Archive", "%1, file number %2").replace("%1", node.title).replace(
        "%2", number_text(node.file_number))


def archive_rows(row: Callable[[str, str], str], store: Store, letter_guid: str) -> list[str]:
    """The letter view's «پرونده:» rows: each folder the letter is filed in, by title and file number."""
    label = QCoreApplication.translate("Archive", "Archive file:")
    return [row(label, html.escape(place_text(node))) for node in A.places(store, letter_guid)]


def add_nodes(parent: QTreeWidgetItem | QTreeWidget, nodes: list[A.FolderNode],
              columns: Callable[[A.FolderNode], list[str]]) -> dict[str, QTreeWidgetItem]:
    """Items for ``nodes`` nested by parent (a folder whose parent is unknown goes to the top);
    returns them by GUID."""
    known = {n.guid for n in nodes}
    items: dict[str, QTreeWidgetItem] = {}
    pending = list(nodes)
    while pending:  # parents before children, whatever the order read
        rest = []
        for node in pending:
            under = node.parent if node.parent in known else None
            if under is not None and under not in items:
                rest.append(node)
                continue
            item = QTreeWidgetItem(columns(node))
            item.setData(0, GUID_ROLE, node.guid)
            item.setToolTip(0, QCoreApplication.translate("Archive", "File number %1").replace(
                "%1", number_text(node.file_number)))
            if under is None:
                if isinstance(parent, QTreeWidget):
                    parent.addTopLevelItem(item)
                else:
                    parent.addChild(item)
            else:
                items[under].addChild(item)
            items[node.guid] = item
        if len(rest) == len(pending):  # a loop in the parents (cannot come from the server): to the top
            for node in rest:
                node_top = A.FolderNode(node.guid, None, node.title, node.file_number)
                items.update(add_nodes(parent, [node_top], columns))
            break
        pending = rest
    return items


def guid_of(item: QTreeWidgetItem | None) -> str | None:
    value = item.data(0, GUID_ROLE) if item is not None else None
    return str(value) if value else None


class ArchiveBranch(QObject):
    """The folders under the «بایگانی» item of the folder list, read again on :meth:`reload`
    (the selection and what was expanded are kept). A secretary's right click there makes a
    folder («پرونده تازه…») or changes one («ویرایش پرونده…»)."""

    def __init__(self, store: Store, root: QTreeWidgetItem, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self._store, self._root, self._tree = store, root, tree
        self.items: dict[str, QTreeWidgetItem] = {}
        self._shown: list[A.FolderNode] | None = None
        self.dialog: QDialog | None = None
        tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        tree.customContextMenuRequested.connect(self._menu)

    def _menu(self, pos: QPoint) -> None:
        item = self._tree.itemAt(pos)
        if item is None or (item is not self._root and guid_of(item) is None) or not A.may_edit(self._store):
            return
        guid = guid_of(item)
        menu = QMenu(self._tree)
        menu.addAction(self.tr("New folder…"), lambda: self.new_folder(guid))
        if guid is not None:
            menu.addAction(self.tr("Edit folder…"), lambda: self.edit_folder(guid))
        menu.popup(self._tree.viewport().mapToGlobal(pos))

    def new_folder(self, parent_guid: str | None) -> QDialog:
        return self._open(FolderDialog(self._store, parent_guid=parent_guid, parent=self._tree))

    def edit_folder(self, guid: str) -> QDialog:
        node = next(n for n in A.tree(self._store) if n.guid == guid)
        return self._open(FolderDialog(self._store, node, parent=self._tree))

    def _open(self, dialog: QDialog) -> QDialog:
        dialog.accepted.connect(self.reload)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def reload(self) -> None:
        store = self._store

        def work(_ctx: OpContext) -> list[A.FolderNode]:
            return A.tree(store)

        Op(self._tree, work).success(self.show).run()

    def show(self, nodes: list[A.FolderNode]) -> None:
        if nodes == self._shown:
            return
        current = guid_of(self._tree.currentItem())
        collapsed = {g for g, item in self.items.items() if not item.isExpanded()}
        blocked = self._tree.blockSignals(True)  # the list stays on the folder it shows
        try:
            self._root.takeChildren()
            self.items = add_nodes(self._root, nodes, lambda n: [n.title, ""])
            self._root.setExpanded(True)
            for guid, item in self.items.items():
                item.setExpanded(guid not in collapsed)
            if current is not None:
                self._tree.setCurrentItem(self.items.get(current, self._root))
        finally:
            self._tree.blockSignals(blocked)
        self._shown = nodes
        if current is not None and current not in self.items:  # the folder shown is gone: show «بایگانی»
            self._tree.currentItemChanged.emit(self._root, None)

    def place_of(self, item: QTreeWidgetItem | None) -> A.FiledIn | None:
        guid = guid_of(item)
        return A.FiledIn(guid) if guid is not None else None
