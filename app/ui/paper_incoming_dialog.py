"""The paper registration form (ثبت نامه وارده): a letter that came by post or by hand.

The sender is an agency from the directory, a person (national code) or a company (national
id), checked as typed; for a person or a company also the channel the letter came through (the
server's list; the desk's last choice is the default), mobile, postal code and address, checked
as typed too; the sender's own number and date (the Jalali date picker), subject, summary,
priority, classification and the scanned pages (images or PDF, kept in the local blob store).
Registering stores the letter at once, offline too; its incoming number (and a citizen's letter's
tracking id) comes with the next sync (:mod:`app.models.incoming`). The sender's facts and the
letter's sit side by side, so the form fits a 1366×768 screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.models.attachments import (
    AttachmentEntry,
    AttachmentRefused,
    check_file,
    last_folder,
    remember_folder,
)
from app.models.changes import Changed, Changes
from app.models.db import Store
from app.models.directory import all_agencies, citizen_channels, last_channel, remember_channel
from app.models.document_limits import server_limits
from app.models.incoming import CITIZEN_KINDS, PaperLetter, check_sender, register_paper
from app.protocol.canonical import Classification, InvalidContent, Priority
from app.protocol.citizen import MAX_ADDRESS, validate_mobile, validate_postal_code
from app.protocol.persian import InvalidIdentifier, to_ascii_digits, to_persian_digits
from app.ui.attachments_panel import AttachmentList
from app.ui.file_dialogs import ask_many, file_dialog
from app.ui.jalali_date_picker import JalaliDateEdit
from app.ui.labels import classification_name, priority_name
from app.ui.ops import Op, OpContext, StoreOp
from app.ui.persian_text_edit import PersianPlainTextEdit

log = logging.getLogger(__name__)


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
        self.checking_scans = False  # the files just chosen are being checked (on a worker)
        self._entries: list[AttachmentEntry] = []  # the scans as listed
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
        self.id_error, self.id_error_line = _error_line("senderIdError")
        # a person's or a company's letter: the channel it came through and how to reach the sender
        self.channel = QComboBox()
        self.channel.setObjectName("citizenChannel")
        self.channel.setPlaceholderText(self.tr("Choose the channel"))
        for code, name in citizen_channels(store).items():
            self.channel.addItem(name, code)
        self.channel.setCurrentIndex(self.channel.findData(last_channel(store)))  # -1 (none) before a first one
        self.channel_error, self.channel_error_line = _error_line("channelError")
        self.mobile = _digits_edit("mobile", 16)
        self.mobile_error, self.mobile_error_line = _error_line("mobileError")
        self.postal_code = _digits_edit("postalCode", 12)
        self.postal_error, self.postal_error_line = _error_line("postalCodeError")
        self.address = PersianPlainTextEdit()
        self.address.setObjectName("address")
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(self.address.fontMetrics().lineSpacing() * 3 + 12)
        self.address_error, self.address_error_line = _error_line("addressError")
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
        self.scan_list = AttachmentList()  # as the letter's attachments are listed: icon, name, size
        self.scan_list.setObjectName("scanList")
        self.scan_list.setMinimumHeight(self.scan_list.fontMetrics().lineSpacing() * 4)
        add = QPushButton(self.tr("Add scanned pages or files…"))
        add.setObjectName("addScans")
        add.clicked.connect(self.add_scans)
        remove = QPushButton(self.tr("Remove"))
        remove.clicked.connect(self._remove_scan)
        scan_buttons = QHBoxLayout()  # above the list, as for a letter's attachments: the list gets the width
        scan_buttons.addWidget(add)
        scan_buttons.addWidget(remove)
        scan_buttons.addStretch(1)
        scans = QVBoxLayout()
        scans.addLayout(scan_buttons)
        scans.addWidget(self.scan_list)
        scans.setContentsMargins(0, 0, 0, 0)
        note = QLabel(self.tr("Pages and files stay on this computer until attachments are uploaded."))
        note.setStyleSheet("color: #555;")
        note.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("formError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b71c1c;")
        self.error.hide()

        sender_box = QGroupBox(self.tr("The sender"))
        form = QFormLayout(sender_box)
        form.addRow(self.tr("Sender:"), self.sender_kind)
        self.agency_label = QLabel(self.tr("Agency:"))
        form.addRow(self.agency_label, self.agency)
        self.name_label = QLabel(self.tr("Name:"))
        form.addRow(self.name_label, self.sender_name)
        self.id_label = QLabel()
        form.addRow(self.id_label, self.sender_id)
        form.addRow("", self.id_error_line)
        self.citizen_rows: list[QWidget] = []
        for label, field, error in ((self.tr("Received through:"), self.channel, self.channel_error_line),
                                    (self.tr("Mobile:"), self.mobile, self.mobile_error_line),
                                    (self.tr("Postal code:"), self.postal_code, self.postal_error_line),
                                    (self.tr("Address:"), self.address, self.address_error_line)):
            caption = QLabel(label)
            form.addRow(caption, field)
            form.addRow("", error)
            self.citizen_rows += [caption, field, error]
        self.sender_form = form
        letter_box = QGroupBox(self.tr("The letter"))
        form = QFormLayout(letter_box)
        form.addRow(self.tr("Sender's letter number:"), self.sender_number)
        form.addRow(self.tr("Sender's letter date:"), self.sender_date)
        form.addRow(self.tr("Subject:"), self.subject)
        form.addRow(self.tr("Summary:"), self.summary)
        form.addRow(self.tr("Priority:"), self.priority)
        form.addRow(self.tr("Classification:"), self.classification)
        self.form = form
        self.buttons = QDialogButtonBox()
        self.register_button = self.buttons.addButton(self.tr("Register"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.register_button.setObjectName("registerPaper")
        self.buttons.addButton(self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        columns = QHBoxLayout()  # right to left: the sender first
        columns.addWidget(sender_box, 1)
        pages_box = QGroupBox(self.tr("Pages and files"))  # the column's whole width: names are read whole
        pages = QVBoxLayout(pages_box)
        pages.addLayout(scans)
        pages.addWidget(note)
        letter_column = QVBoxLayout()
        letter_column.addWidget(letter_box)
        letter_column.addWidget(pages_box)
        columns.addLayout(letter_column, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.sender_kind.currentIndexChanged.connect(self._kind_changed)
        self.sender_id.editingFinished.connect(self.check_id)
        self.sender_id.textEdited.connect(self._id_edited)
        self.channel.currentIndexChanged.connect(lambda _i: self.channel_error.hide())
        for edit, error, full in ((self.mobile, self.mobile_error, 11), (self.postal_code, self.postal_error, 10)):
            edit.editingFinished.connect(self.check_contact)
            edit.textEdited.connect(lambda text, error=error, full=full: self._contact_edited(text, error, full))
        self.address.textChanged.connect(self.check_contact)
        self._kind_changed()
        self.resize(max(900, self.sizeHint().width()), self.sizeHint().height())

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
        for w in (*hidden, *self.citizen_rows):
            w.setVisible(not agency)
        self.id_label.setText(self.tr("National code:") if self.kind() == "person" else self.tr("National id:"))
        self.sender_id.setMaxLength(10 if self.kind() == "person" else 11)
        for error in (self.id_error, self.channel_error, self.mobile_error, self.postal_error, self.address_error):
            error.hide()

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

    def _contact_edited(self, text: str, error: QLabel, full: int) -> None:
        """A mobile or postal code is checked once all its digits are typed (and when the field is left)."""
        self.show_error("")
        if sum(c.isdigit() for c in to_ascii_digits(text)) >= full:
            self.check_contact()
        else:
            error.hide()

    def check_contact(self) -> bool:
        """Check the mobile, postal code and address now; each field's Persian reason shows under it."""
        if self.kind() not in CITIZEN_KINDS:
            return True
        ok = True
        for error, check in ((self.mobile_error, lambda: validate_mobile(self.mobile.text())),
                             (self.postal_error, lambda: validate_postal_code(self.postal_code.text()))):
            try:
                check()
                error.hide()
            except InvalidIdentifier as exc:
                error.setText(exc.message_fa)
                error.show()
                ok = False
        too_long = len(self.address.toPlainText().strip()) > MAX_ADDRESS
        self.address_error.setText(self.tr("The address is longer than %1 characters.")
                                   .replace("%1", to_persian_digits(MAX_ADDRESS)))
        self.address_error.setVisible(too_long)
        return ok and not too_long

    def check_channel(self) -> bool:
        """A person's or a company's letter names the channel it came through."""
        if self.kind() in CITIZEN_KINDS and self.channel.currentIndex() < 0:
            self.channel_error.setText(self.tr("Choose the channel the letter came through."))
            self.channel_error.show()
            return False
        self.channel_error.hide()
        return True

    def _first_error(self) -> str:
        for error in (self.id_error, self.channel_error, self.mobile_error, self.postal_error, self.address_error):
            if not error.isHidden():
                return error.text()
        return ""

    # --- scans --------------------------------------------------------------------------

    def scan_dialog(self) -> QFileDialog:
        """The Persian file dialog, several files at once, in the folder the last attached files came
        from (else Documents), for scanned pages or the files the sender brought."""
        return file_dialog(self, self.tr("Scanned pages or files"),
                           self.tr("Scanned pages and documents (*.png *.jpg *.jpeg *.tif *.tiff *.pdf *.doc *.docx *.xls *.xlsx *.ppt *.pptx *.mp4 *.txt *.zip)"),
                           many=True, folder=last_folder(self.store))

    def _ask_scan_files(self) -> list[str]:
        return ask_many(self.scan_dialog())

    def add_scans(self) -> None:
        """List the chosen files with their type and size; one that cannot be attached is said so at
        once. Checked on a worker (a file's type is read from its content: a big text file is read whole)."""
        chosen = [Path(name) for name in dict.fromkeys(self.ask_scan_files()) if Path(name) not in self.scans]
        if not chosen:
            return
        store = self.store

        def work(_ctx: OpContext) -> list[tuple[Path, AttachmentEntry | AttachmentRefused]]:
            remember_folder(store, str(chosen[0]))
            limits = server_limits(store)
            checked: list[tuple[Path, AttachmentEntry | AttachmentRefused]] = []
            for path in chosen:
                try:
                    checked.append((path, AttachmentEntry("", path.stat().st_size, check_file(path, limits), path.name)))
                except AttachmentRefused as exc:
                    checked.append((path, exc))
            return checked

        self.checking_scans = True
        Op(self, work).success(self._scans_checked).failure(self._scans_failed).run()

    def _scans_failed(self, exc: BaseException) -> None:
        self.checking_scans = False
        log.error("the chosen files could not be checked", exc_info=exc)
        self.show_error(self.tr("The chosen files could not be read."))

    def _scans_checked(self, checked: list[tuple[Path, AttachmentEntry | AttachmentRefused]]) -> None:
        self.checking_scans = False
        for path, result in checked:
            if isinstance(result, AttachmentEntry) and path not in self.scans:
                self.scans.append(path)
                self._entries.append(result)
        self.scan_list.set_entries(self._entries)
        self.scan_list.show()
        self.show_error("\n".join(r.message_fa for _, r in checked if isinstance(r, AttachmentRefused)))

    def _remove_scan(self) -> None:
        row = self.scan_list.currentRow()
        if 0 <= row < len(self.scans):
            del self.scans[row], self._entries[row]
            self.scan_list.set_entries(self._entries)
            self.scan_list.show()

    # --- registering --------------------------------------------------------------------

    def paper(self) -> PaperLetter:
        sender_id, name = self._sender()
        return PaperLetter(
            sender_kind=self.kind(), sender_id=sender_id, sender_name=name, subject=self.subject.text(),
            summary=self.summary.toPlainText(), sender_number=self.sender_number.text(),
            sender_date=self.sender_date.date(), priority=str(self.priority.currentData()),
            classification=str(self.classification.currentData()), scans=tuple(self.scans),
            channel=self.channel.currentData() if self.kind() in CITIZEN_KINDS else None,
            mobile=self.mobile.text(), postal_code=self.postal_code.text(), address=self.address.toPlainText())

    def submit(self) -> None:
        self.show_error("")
        checks = (self.check_id(), self.check_channel(), self.check_contact())  # every field's reason shows
        if not all(checks):
            self.show_error(self._first_error())
            return
        paper, store, actor = self.paper(), self.store, self.actor

        def work(_ctx: OpContext) -> Changed[str]:
            guid = register_paper(store, paper, actor=actor)
            if paper.channel:
                remember_channel(store, paper.channel)
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


def _error_line(name: str) -> tuple[QLabel, QWidget]:
    """A field's red reason line; the line keeps its height while the reason is hidden, so the form
    does not jump as one types."""
    error = QLabel()
    error.setObjectName(name)
    error.setStyleSheet("color: #b71c1c;")
    error.hide()
    line = QWidget()
    box = QVBoxLayout(line)
    box.setContentsMargins(0, 0, 0, 0)
    box.addWidget(error)
    line.setFixedHeight(error.fontMetrics().height() + 4)
    return error, line


def _digits_edit(name: str, length: int) -> QLineEdit:
    """A number typed in digits (Qt lays digits out left to right: kept at the form's start edge)."""
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setMaxLength(length)
    edit.setAlignment(Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return edit
