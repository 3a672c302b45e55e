"""Which PKCS#11 module signs on this computer: the ones found here (``app.token.modules``), or a
file the user picks; «آزمایش با توکن» loads it through the application's token service (never on
the GUI thread) and lists the tokens inserted and their holders. One widget for the first-run
wizard and the settings dialog."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.protocol.persian import ltr_island
from app.token.certificates import TokenCertificate
from app.token.modules import found_modules
from app.ui.file_dialogs import ask, file_dialog
from app.ui.ops import Op
from app.ui.token_service import TokenService

OK_COLOR, BAD_COLOR = "#1b5e20", "#b71c1c"


class TokenModulePicker(QWidget):
    tested = Signal(bool)  # the module loaded (whether or not a token is inserted)
    changed = Signal()

    def __init__(self, current: str | None = None, *, locked: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loaded: str | None = None  # the path that last loaded
        self.tokens: list[tuple[str, str, list[str]]] = []  # (label, serial, holders) at the last test
        self.path_label = QLabel()
        self.path_label.setObjectName("tokenModulePath")
        self.path_label.setWordWrap(True)
        self.combo = QComboBox()
        self.combo.setObjectName("tokenModule")
        self.combo.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # product names and paths are Latin
        for found in found_modules():
            assert found.path is not None
            self.combo.addItem(f"{found.name} — {found.vendor}" if found.vendor else found.name, found.path)
            self.combo.setItemData(self.combo.count() - 1, found.path, Qt.ItemDataRole.ToolTipRole)
        if current:
            self.set_path(current)
        self.combo.currentIndexChanged.connect(self._changed)
        self.choose = QPushButton(self.tr("Choose file…"))
        self.choose.clicked.connect(self._choose)
        self.test_button = QPushButton(self.tr("Test with the token"))
        self.test_button.setObjectName("testToken")
        self.test_button.clicked.connect(self.test)
        self.combo.setEnabled(not locked)
        self.choose.setEnabled(not locked)
        self.status = QLabel()
        self.status.setObjectName("tokenStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        row = QHBoxLayout()
        row.addWidget(self.combo, 1)
        row.addWidget(self.choose)
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(self.tr("Token software (PKCS#11 module):")))
        layout.addLayout(row)
        layout.addWidget(self.path_label)
        if locked:
            layout.addWidget(QLabel(self.tr("Set by the system administrator for this computer.")))
        if self.combo.count() == 0:
            self.status.setText(self.tr("No token software was found on this computer; choose its file, "
                                        "or ask the IT officer to install it."))
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self._show_path()

    def path(self) -> str | None:
        value = self.combo.currentData()
        return str(value) if value else None

    def set_path(self, path: str) -> None:
        index = self.combo.findData(path)
        if index < 0:  # a file the user chose: its name here, the full path below
            self.combo.addItem(Path(path).name, path)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)
        self._show_path()

    def _show_path(self) -> None:
        path = self.path()
        self.path_label.setText(ltr_island(path) if path else "")

    def _changed(self, _index: int = 0) -> None:
        self.loaded = None
        self.tokens = []
        self.status.clear()
        self._show_path()
        self.changed.emit()

    def _choose(self) -> None:
        path = ask(file_dialog(self, self.tr("Token software"), self.tr("PKCS#11 modules (*.so *.so.* *.dll *.dylib)")))
        if path:
            self.set_path(path)

    def test(self) -> None:
        """Load the module on the token service's worker, then list its tokens and their holders."""
        path = self.path()
        if not path:
            self._say(self.tr("Choose the token software first."), False)
            return
        self.test_button.setEnabled(False)
        self._say(self.tr("Loading the token software…"), None)
        TokenService.instance().load(self, path).success(lambda _none: self._loaded(path)).failure(self._failed).run()

    def _say(self, html: str, ok: bool | None) -> None:
        color = "" if ok is None else OK_COLOR if ok else BAD_COLOR
        self.status.setText(f'<span style="color: {color}">{html}</span>' if color else html)

    def _failed(self, exc: BaseException) -> None:
        self.test_button.setEnabled(True)
        self.loaded = None
        self._say(escape(getattr(exc, "message_fa", None) or self.tr("The token software could not be loaded.")),
                  False)
        self.tested.emit(False)

    def _loaded(self, path: str) -> None:
        self.loaded = path
        service = TokenService.instance()
        tokens = service.tokens
        if not tokens:
            self.test_button.setEnabled(True)
            self.tokens = []
            self._say(self.tr("The token software works, but no token is inserted. Insert your token and test again."),
                      None)
            self.tested.emit(True)
            return
        keys = [(t.label, t.serial) for t in tokens]
        op: Op[list[tuple[tuple[str, str], list[TokenCertificate]]]] = service.all_certificates(self, keys)
        op.success(self._listed).failure(self._failed).run()

    def _listed(self, listed: list[tuple[tuple[str, str], list[TokenCertificate]]]) -> None:
        self.test_button.setEnabled(True)
        self.tokens = [(label, serial, [c.info.common_name or c.label for c in certs])
                       for (label, serial), certs in listed]
        lines = []
        for label, serial, holders in self.tokens:
            who = "، ".join(escape(h) for h in holders) if holders else self.tr("no signing certificate")
            lines.append(self.tr("Token «%1» (serial %2): %3").replace("%1", escape(label))
                         .replace("%2", ltr_island(escape(serial))).replace("%3", who))
        self._say(self.tr("The token software works. Tokens inserted:") + "<br>" + "<br>".join(lines), True)
        self.tested.emit(True)
