"""The file dialogs: Qt's own (in Persian through ``qtbase_fa``, right to left, whatever the
desktop's language), opening in the user's Documents folder rather than the program's, with
dates in the Jalali calendar and sizes in Persian digits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QDir,
    QIdentityProxyModel,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QStandardPaths,
    Qt,
)
from PySide6.QtWidgets import QFileDialog, QFileSystemModel, QWidget

from app.protocol.jalali import format_datetime

_SIZE_COLUMN, _DATE_COLUMN = 1, 3  # QFileSystemModel's columns: name, size, type, date modified


class PersianFileColumns(QIdentityProxyModel):
    """The file list's size and date as people here read them: «۹ بایت», «۱۴۰۵/۰۹/۱۴ ۱۱:۳۷»
    (Qt formats the date in the Gregorian calendar)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._locale = QLocale(QLocale.Language.Persian, QLocale.Country.Iran)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        source = self.sourceModel()
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole and isinstance(source, QFileSystemModel) and column in (
                _SIZE_COLUMN, _DATE_COLUMN):
            original = self.mapToSource(index)
            if column == _DATE_COLUMN:
                seconds = source.lastModified(original).toSecsSinceEpoch()
                return format_datetime(dt.datetime.fromtimestamp(seconds, dt.UTC))
            if not source.isDir(original):
                return self._locale.formattedDataSize(source.size(original))
        return super().data(index, role)


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
