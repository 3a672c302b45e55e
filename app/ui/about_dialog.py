"""About Dabir: the version (pyproject's, as ``dabir --version`` prints it), Qt's, the data folder,
the bundled font and its licence (the OFL asks that it travel with the font), and the
administrator's settings file in use."""

from __future__ import annotations

import re
from pathlib import Path

import PySide6
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.models.site_config import SiteConfig, load_site_config
from app.protocol.persian import ltr_island, to_persian_digits
from app.ui.resources import fonts_dir


def font_credit() -> tuple[str, str]:
    """(name and version, licence) of the bundled font, from its README."""
    readme = fonts_dir() / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    found = re.search(r"^(\w+) \*\*([\d.]+)\*\*", text, re.M)
    licence = "SIL Open Font License 1.1" if "Open Font" in text else ""
    return (f"{found.group(1)} {found.group(2)}" if found else "Vazirmatn"), licence


class AboutDialog(QDialog):
    def __init__(self, data_dir: Path, site: SiteConfig | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        site = site or load_site_config()
        self.data_dir = data_dir
        self.setObjectName("aboutDialog")
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.setWindowTitle(self.tr("About Dabir"))
        self.resize(640, 560)
        title = QLabel(self.tr("Dabir — secretariat of official letters"))
        title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.version = QLabel(ltr_island(to_persian_digits(__version__)))
        self.version.setObjectName("aboutVersion")
        self.qt_version = QLabel(ltr_island(f"Qt {qVersion()} / PySide6 {PySide6.__version__}"))
        self.data_folder = self._path_field(str(data_dir))  # a long path scrolls rather than being cut
        self.data_folder.setObjectName("aboutDataFolder")
        open_folder = QPushButton(self.tr("Open folder"))
        open_folder.setObjectName("openDataFolder")
        open_folder.clicked.connect(self.open_data_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.data_folder, 1)
        folder_row.addWidget(open_folder)
        name, licence = font_credit()
        self.font_label = QLabel(self.tr("%1, licence: %2").replace("%1", ltr_island(name)).replace("%2", licence))
        self.font_label.setObjectName("aboutFont")
        self.site_file: QLabel | QLineEdit = self._path_field(str(site.path)) if site.path else QLabel(self.tr("None"))
        if site.error:
            self.site_file.setToolTip(site.error_fa or "")
        self.site_file.setObjectName("aboutSiteConfig")
        form = QFormLayout()
        form.addRow(self.tr("Version:"), self.version)
        form.addRow(self.tr("Qt:"), self.qt_version)
        form.addRow(self.tr("Data folder:"), folder_row)
        form.addRow(self.tr("Font:"), self.font_label)
        form.addRow(self.tr("Administrator's settings file:"), self.site_file)
        if site.error:
            self.site_error = QLabel(self.tr("This file is not valid and is not in use."))
            self.site_error.setObjectName("aboutSiteConfigError")
            self.site_error.setStyleSheet("color: #c62828;")
            form.addRow("", self.site_error)
        ofl = fonts_dir() / "OFL.txt"
        self.licence = QPlainTextEdit(ofl.read_text(encoding="utf-8") if ofl.is_file() else "")
        self.licence.setObjectName("fontLicence")
        self.licence.setReadOnly(True)
        self.licence.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # the licence is English
        self.licence.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox()
        buttons.addButton(self.tr("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("The font's licence:")))
        layout.addWidget(self.licence, 1)
        layout.addWidget(buttons)

    @staticmethod
    def _path_field(path: str) -> QLineEdit:
        field = QLineEdit(path)
        field.setReadOnly(True)
        field.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        field.setCursorPosition(0)
        return field

    def open_data_folder(self) -> bool:
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.data_dir)))
