"""The paper registration form (ثبت نامه وارده): a letter that came by post or by hand.

The sender is an agency from the directory, a person (national code) or a company (national
id), checked as typed; the sender's own number and date (the Jalali date picker), subject,
summary, priority, classification and the scanned pages (images or PDF, kept in the local blob
store). Registering stores the letter at once, offline too; its incoming number comes with the
next sync (:mod:`app.models.incoming`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models.changes import Changed, Changes
from app.models.db import Store
from app.models.directory import all_agencies
from app.models.incoming import PaperLetter, check_sender, register_paper
from app.protocol.canonical import Classification, InvalidContent, Priority
from app.ui.file_dialogs import ask_many, file_dialog
from app.ui.jalali_date_picker import JalaliDateEdit
from app.ui.labels import classification_name, priority_name
from app.ui.ops import OpContext, StoreOp
from app.ui.persian_text_edit import PersianPlainTextEdit


class PaperIncomingDialog(QDialog):
    """Fills in a paper letter and registers it; ``registered`` carries its GUID."""

    registered = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None, *, actor: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("paperIncomingDialog")
        self.setWindowTitle(self.tr("Register a paper letter"))
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.store, self.actor = store, actor
        self.scans: list[Path] = []
        # Tests replace this: which files to attach (instead of the file dialog).
        self.ask_scan_files: Callable[[], list[str]] = self._ask_scan_files

        self.sender_kind = QComboBox()
        self.sender_kind.setObjectName("senderKind")
        for kind, label in (("agency", self.tr("An agency from the directory")), ("person", self.tr("A person")),
                            ("company", self.tr("A company or institution"))):
            self.sender_kind.addItem(label, kind)
        self.agency = QComboBox()
        self.agency.setObjectName("senderAgency")
        for nid, name in all_agencies(store):
            self.agency.addItem(name, nid)
        self.sender_name = QLineEdit()
        self.sender_name.setObjectName("senderName")
        self.sender_id = QLineEdit()
        self.sender_id.setObjectName("senderId")
        self.sender_id.setMaxLength(11)
        # a code is all digits, which Qt lays out (and aligns) left to right: keep it at the form's start edge
        self.sender_id.setAlignment(Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignRight
                                    | Qt.AlignmentFlag.AlignVCenter)
        self.id_error = QLabel()
        self.id_error.setObjectName("senderIdError")
        self.id_error.setStyleSheet("color: #b71c1c;")
        self.id_error.hide()
        # its line is kept while the label is hidden: the form does not jump as one types
        self.id_error_line = QWidget()
        line = QVBoxLayout(self.id_error_line)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.id_error)
        self.id_error_line.setFixedHeight(self.id_error.fontMetrics().height() + 4)
        self.sender_number = QLineEdit()
        self.sender_number.setObjectName("senderNumber")
        self.sender_date = JalaliDateEdit()
        self.sender_date.setObjectName("senderDate")
        self.subject = QLineEdit()
        self.subject.setObjectName("subject")
        self.summary = PersianPlainTextEdit()
        self.summary.setObjectName("summary")
        self.summary.setMaximumHeight(90)
        self.priority = QComboBox()
        for p in Priority:
            self.priority.addItem(priority_name(p.value), p.value)
        self.classification = QComboBox()
        for c in Classification:
            self.classification.addItem(classification_name(c.value), c.value)
        self.scan_list = QListWidget()
        self.scan_list.setObjectName("scanList")
        self.scan_list.setMaximumHeight(80)
        add = QPushButton(self.tr("Add scanned pages…"))
        add.setObjectName("addScans")
        add.clicked.connect(self.add_scans)
        remove = QPushButton(self.tr("Remove"))
        remove.clicked.connect(self._remove_scan)
        scan_buttons = QVBoxLayout()
        scan_buttons.addWidget(add)
        scan_buttons.addWidget(remove)
        scan_buttons.addStretch(1)
        scans = QHBoxLayout()
        scans.addWidget(self.scan_list, 1)
        scans.addLayout(scan_buttons)
        note = QLabel(self.tr("Scanned pages stay on this computer until attachments are uploaded."))
        note.setStyleSheet("color: #555;")
        note.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("formError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b71c1c;")
        self.error.hide()

        form = QFormLayout()
        form.addRow(self.tr("Sender:"), self.sender_kind)
        self.agency_label = QLabel(self.tr("Agency:"))
        form.addRow(self.agency_label, self.agency)
        self.name_label = QLabel(self.tr("Name:"))
        form.addRow(self.name_label, self.sender_name)
        self.id_label = QLabel()
        form.addRow(self.id_label, self.sender_id)
        form.addRow("", self.id_error_line)
        form.addRow(self.tr("Sender's letter number:"), self.sender_number)
        form.addRow(self.tr("Sender's letter date:"), self.sender_date)
        form.addRow(self.tr("Subject:"), self.subject)
        form.addRow(self.tr("Summary:"), self.summary)
        form.addRow(self.tr("Priority:"), self.priority)
        form.addRow(self.tr("Classification:"), self.classification)
        form.addRow(self.tr("Scanned pages:"), scans)
        form.addRow("", note)
        self.form = form
        self.buttons = QDialogButtonBox()
        self.register_button = self.buttons.addButton(self.tr("Register"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.register_button.setObjectName("registerPaper")
        self.buttons.addButton(self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.sender_kind.currentIndexChanged.connect(self._kind_changed)
        self.sender_id.editingFinished.connect(self.check_id)
        self.sender_id.textEdited.connect(self._id_edited)
        self._kind_changed()
        self.resize(560, self.sizeHint().height())

    # --- the sender ---------------------------------------------------------------------

    def kind(self) -> str:
        return str(self.sender_kind.currentData())

    def _kind_changed(self, *_args: object) -> None:
        agency = self.kind() == "agency"
        shown: tuple[QWidget, ...] = (self.agency_label, self.agency)
        hidden: tuple[QWidget, ...] = (self.name_label, self.sender_name, self.id_label, self.sender_id,
                                       self.id_error_line)
        for w in shown:
            w.setVisible(agency)
        for w in hidden:
            w.setVisible(not agency)
        self.id_label.setText(self.tr("National code:") if self.kind() == "person" else self.tr("National id:"))
        self.sender_id.setMaxLength(10 if self.kind() == "person" else 11)
        self.id_error.hide()

    def _sender(self) -> tuple[str, str]:
        """(id, name) as the form gives them."""
        if self.kind() == "agency":
            return str(self.agency.currentData() or ""), self.agency.currentText()
        return self.sender_id.text(), self.sender_name.text()

    def _id_edited(self, text: str) -> None:
        """Checked as soon as all its digits are typed (and again when the field is left)."""
        self.show_error("")
        if len(text.strip()) >= self.sender_id.maxLength():
            self.check_id()
        else:
            self.id_error.hide()

    def check_id(self) -> bool:
        """Check the typed national code or id now; the Persian reason shows under it."""
        if self.kind() == "agency" or not self.sender_id.text().strip():
            return True
        try:
            check_sender(self.kind(), self.sender_id.text())
        except InvalidContent as exc:
            self.id_error.setText(exc.message_fa)
            self.id_error.show()
            return False
        self.id_error.hide()
        return True

    # --- scans --------------------------------------------------------------------------

    def scan_dialog(self) -> QFileDialog:
        """The Persian file dialog, in Documents, for one or more scanned pages."""
        return file_dialog(self, self.tr("Scanned pages"),
                           self.tr("Images and PDF (*.png *.jpg *.jpeg *.tif *.tiff *.webp *.pdf)"), many=True)

    def _ask_scan_files(self) -> list[str]:
        return ask_many(self.scan_dialog())

    def add_scans(self) -> None:
        for name in self.ask_scan_files():
            path = Path(name)
            if path not in self.scans:
                self.scans.append(path)
                self.scan_list.addItem(path.name)

    def _remove_scan(self) -> None:
        row = self.scan_list.currentRow()
        if 0 <= row < len(self.scans):
            del self.scans[row]
            self.scan_list.takeItem(row)

    # --- registering --------------------------------------------------------------------

    def paper(self) -> PaperLetter:
        sender_id, name = self._sender()
        return PaperLetter(
            sender_kind=self.kind(), sender_id=sender_id, sender_name=name, subject=self.subject.text(),
            summary=self.summary.toPlainText(), sender_number=self.sender_number.text(),
            sender_date=self.sender_date.date(), priority=str(self.priority.currentData()),
            classification=str(self.classification.currentData()), scans=tuple(self.scans))

    def submit(self) -> None:
        self.show_error("")
        if not self.check_id():
            self.show_error(self.id_error.text())
            return
        paper, store, actor = self.paper(), self.store, self.actor

        def work(_ctx: OpContext) -> Changed[str]:
            guid = register_paper(store, paper, actor=actor)
            return Changed(guid, Changes.of_letters([guid], outbox=True))

        self.register_button.setEnabled(False)
        StoreOp(self, work).success(self._done).failure(self._failed).run()

    def _done(self, result: Changed[str]) -> None:
        self.registered.emit(result.value)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.register_button.setEnabled(True)
        self.show_error(getattr(exc, "message_fa", None) or self.tr("The letter could not be registered."))

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
