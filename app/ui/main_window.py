"""The main window: folders on the right, the letter list with its search box, a status bar."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter, QVBoxLayout, QWidget

from app.models.db import Store
from app.models.folders import Folder, folder_counts
from app.ui.folder_list import FolderList
from app.ui.labels import persian_number
from app.ui.letter_table import LetterTable
from app.ui.letter_table_model import LetterTableModel
from app.ui.ops import Op, OpContext
from app.ui.search_box import SearchBox

START_FOLDER = Folder.INCOMING  # what a secretary checks first


class MainWindow(QMainWindow):
    # Once: the first load finished and the list has been painted (rows or an empty folder).
    ready = Signal()
    # Once: the list was painted with rows in it (startup benchmark).
    first_rows_painted = Signal(float)  # time.perf_counter() of that paint

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setObjectName("mainWindow")
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.setWindowTitle(self.tr("Dabir"))
        self.resize(1200, 720)

        self.folders = FolderList()
        self.search = SearchBox()
        self.model = LetterTableModel(store, self)
        self.table = LetterTable()
        self.table.setModel(self.model)

        right = QWidget()
        box = QVBoxLayout(right)
        box.setContentsMargins(6, 6, 6, 0)
        box.setSpacing(6)
        box.addWidget(self.search)
        box.addWidget(self.table)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.folders)  # first widget = right edge in a right-to-left window
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 980])
        splitter.setChildrenCollapsible(False)
        self.setCentralWidget(splitter)

        self.status_label = QLabel()
        self.statusBar().addWidget(self.status_label, 1)

        refresh = QAction(self.tr("Refresh"), self)
        refresh.setShortcut(QKeySequence.StandardKey.Refresh)
        refresh.triggered.connect(self.refresh)
        self.addAction(refresh)
        find = QAction(self.tr("Search"), self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(lambda: self.search.setFocus(Qt.FocusReason.ShortcutFocusReason))
        self.addAction(find)

        self.folders.folder_selected.connect(self._on_folder)
        self.search.search_changed.connect(self.model.set_query)
        self.model.reloaded.connect(self._on_reloaded)
        self.model.counted.connect(self._on_counted)
        self.model.load_failed.connect(self._on_load_failed)
        self.table.painted.connect(self._on_painted)
        self._loaded_once = False
        self._ready_sent = False
        self._rows_painted_sent = False

        self.folders.select(START_FOLDER)  # starts the first load; the counts follow it

    # --- actions --------------------------------------------------------------------

    def refresh(self) -> None:
        self.model.refresh()
        self.refresh_counts()

    def refresh_counts(self) -> None:
        store = self.store

        def work(_ctx: OpContext) -> dict[Folder, int]:
            with store.reader() as s:
                return folder_counts(s)

        Op(self, work).success(self.folders.set_counts).failure(self._on_load_failed).run()

    def _on_folder(self, folder: Folder) -> None:
        self.status_label.setText(self.tr("Loading…"))
        self.model.set_folder(folder)

    def _on_reloaded(self) -> None:
        if not self._loaded_once:  # the list first: counting every folder would slow it down
            self.refresh_counts()
        self._loaded_once = True
        self.status_label.setText(self.tr("Counting…"))
        self.table.viewport().update()  # an empty result must still produce the paint "ready" waits for

    def _on_counted(self, total: int) -> None:
        if self.model.query:
            text = self.tr("%1 letters match “%2”").replace("%1", persian_number(total))
            self.status_label.setText(text.replace("%2", self.model.query))
        else:
            self.status_label.setText(self.tr("%1 letters").replace("%1", persian_number(total)))

    def _on_load_failed(self, message: object) -> None:
        self.status_label.setText(self.tr("Could not read the letters: %1").replace("%1", str(message)))

    def _on_painted(self, rows: int) -> None:
        if rows and not self._rows_painted_sent:
            self._rows_painted_sent = True
            self.first_rows_painted.emit(time.perf_counter())
        if self._loaded_once and not self._ready_sent:
            self._ready_sent = True
            self.ready.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.model.wait()  # no query may outlive the store it reads
        super().closeEvent(event)
