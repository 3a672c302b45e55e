"""The file dialogs: Qt's own (in Persian through ``qtbase_fa``, right to left, whatever the
desktop's language), opening in the user's Documents folder rather than the program's, with
dates in the Jalali calendar, sizes and types in Persian words, and names drawn in their own
direction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QDir,
    QIdentityProxyModel,
    QModelIndex,
    QPersistentModelIndex,
    QStandardPaths,
    Qt,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QFileSystemModel,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from app.models.attachments import size_text
from app.protocol.jalali import format_datetime

_NAME_COLUMN, _SIZE_COLUMN, _TYPE_COLUMN, _DATE_COLUMN = 0, 1, 2, 3  # QFileSystemModel's columns
FSI, PDI = "\u2068", "\u2069"  # first-strong isolate: a name takes the direction of its first letter


class PersianFileColumns(QIdentityProxyModel):
    """The file list's size, type and date as people here read them: «۳۳٫۲ کیلوبایت», «پروندهٔ PDF»,
    «پوشه», «۱۴۰۵/۰۹/۱۴ ۱۱:۳۷» (Qt writes «KiB», the type in English and the Gregorian date)."""

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        source = self.sourceModel()
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole and isinstance(source, QFileSystemModel) and column in (
                _SIZE_COLUMN, _TYPE_COLUMN, _DATE_COLUMN):
            original = self.mapToSource(index)
            if column == _DATE_COLUMN:
                seconds = source.lastModified(original).toSecsSinceEpoch()
                return format_datetime(dt.datetime.fromtimestamp(seconds, dt.UTC))
            if column == _TYPE_COLUMN:
                return self._type(source, original)
            if not source.isDir(original):
                return size_text(source.size(original))
        return super().data(index, role)

    @staticmethod
    def _type(source: QFileSystemModel, index: QModelIndex) -> str:
        info = source.fileInfo(index)
        if info.isRoot():
            return "دیسک"
        if source.isDir(index):
            return "پوشه"
        suffix = info.suffix().upper()
        return f"پروندهٔ {suffix}" if suffix else "پرونده"


class FileNameDelegate(QStyledItemDelegate):
    """Draws a file's name in the direction of its first letter: «14000123453-O-1405-1.pdf» from
    its start, not «O-1405-1.pdf-14000123453» in the right-to-left list. Only the drawing: the
    model's name stays as it is (the dialog copies it into the file name field)."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        if index.column() == _NAME_COLUMN and option.text:
            option.text = f"{FSI}{option.text}{PDI}"


def documents_dir() -> str:
    """The user's Documents folder (the platform's), else their home folder."""
    path = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return path if path and QDir(path).exists() else QDir.homePath()


def file_dialog(parent: QWidget | None, title: str, name_filter: str, *, save: bool = False,
                many: bool = False, folder: str | None = None) -> QFileDialog:
    """A dialog to save a file, or to open one (``many``: several at once), in ``folder`` if it
    exists, else in Documents."""
    start = folder if folder and QDir(folder).exists() else documents_dir()
    dialog = QFileDialog(parent, title, start, name_filter)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)  # a native one would speak the desktop's language
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave if save else QFileDialog.AcceptMode.AcceptOpen)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile if save else
                       QFileDialog.FileMode.ExistingFiles if many else QFileDialog.FileMode.ExistingFile)
    dialog.setProxyModel(PersianFileColumns(dialog))
    dialog.setItemDelegate(FileNameDelegate(dialog))
    for view in dialog.findChildren(QTreeView):  # the detail view: its size and type fit their Persian words
        for column in (_SIZE_COLUMN, _TYPE_COLUMN):
            view.header().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    # Qt 6 labels these two with mnemonics («&Look in:») that qtbase_fa does not have yet; its
    # translations of the plain strings fill the gap.
    for label, source in ((QFileDialog.DialogLabel.LookIn, "Look in:"),
                          (QFileDialog.DialogLabel.FileType, "Files of type:")):
        text = QCoreApplication.translate("QFileDialog", source)
        if text != source:
            dialog.setLabelText(label, text)
    return dialog


def pdf_save_dialog(parent: QWidget | None, title: str, suggested: str, folder: str | None = None) -> QFileDialog:
    """Where to save a PDF: ``folder`` (the settings' PDF folder) if it exists, else Documents."""
    dialog = file_dialog(parent, title, QCoreApplication.translate("WorkflowActions", "PDF files (*.pdf)"), save=True,
                         folder=folder)
    dialog.setDefaultSuffix("pdf")
    dialog.selectFile(suggested)
    return dialog


def ask(dialog: QFileDialog) -> str:
    """Run the dialog; the chosen path, or "" when cancelled."""
    return next(iter(ask_many(dialog)), "")


def ask_many(dialog: QFileDialog) -> list[str]:
    """Run the dialog; the chosen paths, none when cancelled."""
    if dialog.exec() != QFileDialog.DialogCode.Accepted:
        return []
    return dialog.selectedFiles()
