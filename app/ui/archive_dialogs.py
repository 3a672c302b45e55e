"""«بایگانی…» and «خروج از بایگانی…»: filing a letter into a folder of the archive's tree (found
by title or file number) and taking it out of one with the reason. Both store the change at once,
offline too; the next sync sends it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QTreeWidgetItemIterator,
    QVBoxLayout,
    QWidget,
)

from app.models import archive as A
from app.models.changes import Changed
from app.models.db import Store
from app.protocol.archive import file_number_key
from app.protocol.canonical import InvalidContent
from app.ui.archive_tree import add_nodes, guid_of, number_text, place_text
from app.ui.dialog_buttons import action_buttons
from app.ui.ops import OpContext, StoreOp
from app.ui.persian_text_edit import PersianPlainTextEdit


def _error_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setStyleSheet("color: #b71c1c;")
    label.setWordWrap(True)
    label.hide()
    return label


class FileDialog(QDialog):
    """Files one letter; ``filed`` carries the folder's GUID."""

    filed = Signal(str)

    def __init__(self, store: Store, letter_guid: str, *, me: str, subject: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("archiveFileDialog")
        self.setWindowTitle(self.tr("File the letter in the archive"))
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.store, self.letter_guid, self.me = store, letter_guid, me
        self.subject = QLabel(subject)
        self.subject.setWordWrap(True)
        here = A.places(store, letter_guid)
        self.filed_in = QLabel(self.tr("Already filed in: %1").replace(
            "%1", "؛ ".join(f"«{n.title}»" for n in here)) if here else "")
        self.filed_in.setWordWrap(True)
        self.filed_in.setVisible(bool(here))
        self.filter = QLineEdit()
        self.filter.setObjectName("archiveFilter")
        self.filter.setPlaceholderText(self.tr("Find a folder by title or file number…"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter)
        self.folders = QTreeWidget()
        self.folders.setObjectName("archiveFolders")
        self.folders.setColumnCount(2)
        self.folders.setHeaderLabels([self.tr("Folder"), self.tr("File number")])
        self.folders.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.folders.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.folders.header().setStretchLastSection(False)
        self.nodes = {n.guid: n for n in A.tree(store)}
        self.items = add_nodes(self.folders, list(self.nodes.values()),
                               lambda n: [n.title, number_text(n.file_number)])
        for guid in (n.guid for n in here):
            self.items[guid].setDisabled(True)  # already there
        self.folders.expandAll()
        self.folders.currentItemChanged.connect(lambda *_: self._update())
        self.folders.itemDoubleClicked.connect(lambda *_: self.submit())
        self.empty = QLabel(self.tr("The archive has no folders yet; a secretary makes them with a right click on "
                                    "«Archive» in the folder list."))
        self.empty.setWordWrap(True)
        self.empty.setVisible(not self.nodes)
        self.error = _error_label("archiveError")
        form = QFormLayout()
        form.addRow(self.tr("Letter:"), self.subject)
        form.addRow(self.tr("Find:"), self.filter)
        buttons, self.ok = action_buttons(self, self.tr("File"), "fileButton", self.submit, self.tr("Cancel"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.filed_in)
        layout.addWidget(self.folders, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(560, 480)
        self._update()

    def _filter(self, text: str) -> None:
        """Folders whose title or file number holds the text, with the folders above them."""
        key = file_number_key(text)
        shown: set[str] = set()
        for guid, node in self.nodes.items():
            if node.matches(key):
                at: str | None = guid
                while at is not None and at not in shown:
                    shown.add(at)
                    at = self.nodes[at].parent if at in self.nodes else None
        it = QTreeWidgetItemIterator(self.folders)
        while it.value():
            item: QTreeWidgetItem = it.value()
            item.setHidden(guid_of(item) not in shown)
            it += 1
        current = self.folders.currentItem()
        if current is None or current.isHidden():
            matches = [self.items[g] for g, n in self.nodes.items() if key and n.matches(key)
                       and not self.items[g].isDisabled()]
            if len(matches) == 1:  # the one folder found is chosen (a hidden one never is: see chosen)
                self.folders.setCurrentItem(matches[0])
        self._update()

    def chosen(self) -> str | None:
        item = self.folders.currentItem()
        return guid_of(item) if item is not None and not item.isHidden() and not item.isDisabled() else None

    def choose(self, folder_guid: str) -> None:
        self.folders.setCurrentItem(self.items[folder_guid])

    def _update(self) -> None:
        self.ok.setEnabled(self.chosen() is not None)

    def submit(self) -> None:
        folder = self.chosen()
        if folder is None:
            return
        store, guid, me = self.store, self.letter_guid, self.me

        def work(_ctx: OpContext) -> Changed[str]:
            return A.file_letter(store, guid, folder, me)

        self.ok.setEnabled(False)
        StoreOp(self, work).success(self._done).failure(self._failed).run()

    def _done(self, changed: Changed[str]) -> None:
        self.filed.emit(changed.value)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._update()
        self.error.setText(exc.message_fa if isinstance(exc, InvalidContent) else self.tr("The letter could not be filed."))
        self.error.show()


class UnfileDialog(QDialog):
    """Takes one letter out of a folder, with the reason; ``unfiled`` carries the folder's GUID."""

    unfiled = Signal(str)

    def __init__(self, store: Store, letter_guid: str, *, me: str, subject: str = "", folder: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("archiveUnfileDialog")
        self.setWindowTitle(self.tr("Take the letter out of the archive"))
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.store, self.letter_guid, self.me = store, letter_guid, me
        subject_label = QLabel(subject)
        subject_label.setWordWrap(True)
        self.folder = QComboBox()
        self.folder.setObjectName("unfileFolder")
        for node in A.places(store, letter_guid):
            self.folder.addItem(place_text(node), node.guid)
        if folder is not None and (i := self.folder.findData(folder)) >= 0:
            self.folder.setCurrentIndex(i)
        self.reason = PersianPlainTextEdit()
        self.reason.setObjectName("unfileReason")
        self.reason.setPlaceholderText(self.tr("Why the letter leaves the folder (kept in the audit log)"))
        self.reason.setTabChangesFocus(True)
        self.reason.textChanged.connect(self._update)
        self.error = _error_label("unfileError")
        form = QFormLayout()
        form.addRow(self.tr("Letter:"), subject_label)
        form.addRow(self.tr("From folder:"), self.folder)
        form.addRow(self.tr("Reason:"), self.reason)
        buttons, self.ok = action_buttons(self, self.tr("Take out of the archive"), "unfileButton", self.submit, self.tr("Cancel"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(520, 300)
        self._update()

    def _update(self) -> None:
        self.ok.setEnabled(self.folder.count() > 0 and bool(self.reason.toPlainText().strip()))

    def submit(self) -> None:
        store, guid, me = self.store, self.letter_guid, self.me
        folder, reason = str(self.folder.currentData()), self.reason.toPlainText()

        def work(_ctx: OpContext) -> Changed[str]:
            return A.unfile_letter(store, guid, folder, me, reason)

        self.ok.setEnabled(False)
        StoreOp(self, work).success(self._done).failure(self._failed).run()

    def _done(self, changed: Changed[str]) -> None:
        self.unfiled.emit(changed.value)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._update()
        text = exc.message_fa if isinstance(exc, InvalidContent) else self.tr("The letter could not be taken out.")
        self.error.setText(text)
        self.error.show()
