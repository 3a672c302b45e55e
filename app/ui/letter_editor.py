"""The letter editor: one draft (outgoing or internal) from the local store, autosaved.

Embeddable in a tab or a window. Changes are written after a short pause in typing
(``autosave_ms``), on Ctrl+S and when the editor closes, each time in one store transaction
run as a :class:`app.ui.ops.StoreOp` off the GUI thread, one write at a time and in order (a
save asked for meanwhile follows the one in flight). Closing waits for the write: the editor
says ``readyToClose`` once its changes are stored. Saving an edit to a signed letter drops its
signature, so it first asks (:meth:`LetterEditor.confirm_drop_signature`, which tests replace).
A letter the server returned becomes a draft again as the editor opens it. Attachments
(:mod:`app.ui.attachments_panel`) are copied into the blob store as they are attached and saved
with the draft like any other field.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
    QTextOption,
)
from PySide6.QtGui import Qt as QtGuiNs  # Qt.mightBeRichText lives in QtGui
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.models.changes import Changes
from app.models.db import Store
from app.models.drafts import DraftValues, SavedDraft, check_complete, is_signed, load_draft, save_draft
from app.models.letter_actions import return_to_draft
from app.models.lifecycle import IllegalTransition, SealedContent, State
from app.protocol import jalali
from app.protocol.canonical import MAX_SUBJECT, Classification, InvalidContent, Priority, validate_subject
from app.protocol.persian import to_persian_digits
from app.ui.attachments_panel import AttachmentsEditor, local_paths
from app.ui.labels import classification_name, priority_name, state_name
from app.ui.link_picker import LinkPicker
from app.ui.ops import StoreOp
from app.ui.recipient_picker import RecipientPicker
from app.ui.rich_text_toolbar import RichTextToolbar
from app.ui.store_changes import StoreChanges

log = logging.getLogger(__name__)

AUTOSAVE_MS = 1500
ERROR_STYLE = "color: #c62828;"


def _error_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


class LetterEditor(QWidget):
    """Edits one letter. ``guid=None`` starts a new draft, created in the store on first save."""

    saved = Signal(str)  # guid, after every successful write
    submitForSignature = Signal(str)  # guid; Ctrl+Enter, after a successful save
    titleChanged = Signal(str)  # for the tab or window title
    readyToClose = Signal()  # a close had to wait for a save: it may go ahead now

    def __init__(
        self,
        store: Store,
        guid: str | None = None,
        *,
        kind: str = "outgoing",
        sender: dict[str, str] | None = None,
        actor: str = "",
        letterheads: Sequence[str] | None = None,
        autosave_ms: int = AUTOSAVE_MS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._guid = guid
        self._kind = kind
        self._sender = dict(sender or {})
        self._actor = actor
        self._dirty = False
        self._loading = False
        self._read_only = False
        self._unsign_declined = False  # the user kept the signature: autosave stops asking
        self._state = "draft"
        self._writing: StoreOp[Any] | None = None  # the write in flight; the next one waits for it
        self._edits = 0  # changes made so far: a save covers those made before it started
        self._save_after: bool | None = None  # a save asked for during a write (explicit or not)
        self._submit_wanted = False  # Ctrl+Enter: submit once the save in flight is through
        self._close_wanted = False  # closing waits for the save in flight

        self._build(list(letterheads or [self.tr("Main letterhead")]))
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(autosave_ms)
        self._autosave.timeout.connect(self._autosave_now)
        self._connect_changes()
        self._install_shortcuts()
        if guid is not None:
            self._load(guid)
        self._update_header()
        self._emit_title()
        self.readyToClose.connect(self._close_if_window)
        StoreChanges.instance().changed.connect(self._on_store_changed)

    # --- construction -----------------------------------------------------------------

    def _build(self, letterheads: list[str]) -> None:
        self._heading = QLabel(self)
        font = self._heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self._heading.setFont(font)
        self._date = QLabel(self)
        self._date.setToolTip(self.tr("Date of the draft; the letter date is set at registration"))
        self._error_field = ""  # the field the refusal shown is about
        self._banner = _error_label(self)

        self.subject = QLineEdit(self)
        self.subject.setMaxLength(MAX_SUBJECT)
        self.subject.setPlaceholderText(self.tr("Subject of the letter"))
        self.subject.setAccessibleName(self.tr("Subject"))
        self.subject_error = _error_label(self)
        self.to_picker = RecipientPicker(self._store, self, placeholder=self.tr("Add a recipient…"))
        self.cc_picker = RecipientPicker(self._store, self, placeholder=self.tr("Add a copy recipient…"))
        self._offer_own_agency()
        self.recipients_error = _error_label(self)
        self.priority = QComboBox(self)
        for value in Priority:
            self.priority.addItem(priority_name(value), value)
        self.classification = QComboBox(self)
        for level in Classification:
            self.classification.addItem(classification_name(level), level)
        self.letterhead = QComboBox(self)
        self.letterhead.addItems(letterheads)
        self.in_reply_to = LinkPicker(self._store, self)
        self.follow_up_of = LinkPicker(self._store, self)
        self.signatories = RecipientPicker(  # only the sender agency's signatories, by name and title
            self._store, self, kinds=("person",), placeholder=self.tr("Add a signatory…"),
            signatories_of=self._sender.get("agency") or "",
        )

        self.body = QTextEdit(self)
        self.body.setAcceptRichText(True)
        self.body.setAccessibleName(self.tr("Body"))
        self.body.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self._set_rtl_default(self.body)
        self.toolbar = RichTextToolbar(self.body, self)
        self.attachments = AttachmentsEditor(self._store, self)
        self.setAcceptDrops(True)  # a file dropped anywhere on the letter is attached,
        self.body.viewport().installEventFilter(self)  # on its text too (rather than its path typed in)

        self.status = QLabel(self)
        self.error = _error_label(self)
        self.save_button = QPushButton(self.tr("Save"), self)
        self.save_button.clicked.connect(self.save)
        self.submit_button = QPushButton(self.tr("Send for signature"), self)
        self.submit_button.clicked.connect(self.submit_for_signature)

        header = QHBoxLayout()
        header.addWidget(self._heading)
        header.addStretch(1)
        header.addWidget(self._date)

        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        grid.setHorizontalSpacing(8)

        def row(
            r: int, label: str, field: QWidget, col: int = 0, span: int = 1, below: QWidget | None = None
        ) -> None:
            caption = QLabel(label, self)
            caption.setBuddy(field)
            grid.addWidget(caption, r, col, Qt.AlignmentFlag.AlignTop)
            if below is None:
                grid.addWidget(field, r, col + 1, 1, span)
                return
            box = QVBoxLayout()
            box.setSpacing(2)
            box.addWidget(field)
            box.addWidget(below)
            grid.addLayout(box, r, col + 1, 1, span)

        row(0, self.tr("Subject:"), self.subject, span=3, below=self.subject_error)
        row(1, self.tr("To:"), self.to_picker, below=self.recipients_error)
        row(1, self.tr("Copy to:"), self.cc_picker, col=2)
        row(2, self.tr("In reply to:"), self.in_reply_to)
        row(2, self.tr("Follow-up of:"), self.follow_up_of, col=2)
        row(3, self.tr("Priority:"), self.priority)
        row(3, self.tr("Classification:"), self.classification, col=2)
        row(4, self.tr("Signatories:"), self.signatories)
        row(4, self.tr("Letterhead:"), self.letterhead, col=2)
        row(5, self.tr("Attachments:"), self.attachments, span=3)

        footer = QHBoxLayout()
        footer.addWidget(self.status)
        footer.addWidget(self.error, 1)
        footer.addStretch(0)
        footer.addWidget(self.save_button)
        footer.addWidget(self.submit_button)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self._banner)
        layout.addLayout(grid)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.body, 1)
        layout.addLayout(footer)

    @staticmethod
    def _set_rtl_default(edit: QTextEdit) -> None:
        # New paragraphs are right-to-left and start on the right, whatever the UI language.
        option = edit.document().defaultTextOption()
        option.setTextDirection(Qt.LayoutDirection.RightToLeft)
        option.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignAbsolute)
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        edit.document().setDefaultTextOption(option)

    def _connect_changes(self) -> None:
        self.subject.textChanged.connect(self._on_changed)
        self.subject.textChanged.connect(lambda _t: self._emit_title())
        self.body.document().contentsChanged.connect(self._on_changed)
        for picker in (self.to_picker, self.cc_picker, self.signatories):
            picker.changed.connect(self._on_changed)
        for link in (self.in_reply_to, self.follow_up_of):
            link.changed.connect(self._on_changed)
        for combo in (self.priority, self.classification, self.letterhead):
            combo.currentIndexChanged.connect(self._on_changed)
        self.attachments.changed.connect(self._on_changed)
        self.attachments.settled.connect(self._attachments_settled)
        # A refusal goes as soon as the field it is about is changed, not at the next save.
        self.subject.textChanged.connect(lambda _t: self._clear_error_of("subject"))
        self.to_picker.changed.connect(lambda *_a: self._clear_error_of("recipients"))
        self.signatories.changed.connect(lambda *_a: self._clear_error_of("signatories"))

    def _install_shortcuts(self) -> None:
        def shortcut(keys: Sequence[QKeySequence | QKeySequence.StandardKey | str], slot: object, text: str) -> QAction:
            act = QAction(text, self)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.save_action = shortcut([QKeySequence.StandardKey.Save], self.save, self.tr("Save"))
        self.submit_action = shortcut(
            ["Ctrl+Return", "Ctrl+Enter"], self.submit_for_signature, self.tr("Send for signature")
        )
        # The formatting shortcuts work from anywhere in the editor, not only the toolbar.
        self.addActions(self.toolbar.formattingActions())
        self.save_button.setToolTip(self._with_keys(self.tr("Save"), self.save_action))
        self.submit_button.setToolTip(self._with_keys(self.tr("Send for signature"), self.submit_action))

    @staticmethod
    def _with_keys(text: str, action: QAction) -> str:
        return f"{text} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"

    # --- public API -------------------------------------------------------------------

    @property
    def guid(self) -> str | None:
        return self._guid

    def isDirty(self) -> bool:
        return self._dirty

    @property
    def closing(self) -> bool:
        """A close is waiting for the save in flight (``readyToClose`` follows)."""
        return self._close_wanted

    def isReadOnly(self) -> bool:
        return self._read_only

    def title(self) -> str:
        return self.subject.text().strip() or self.tr("New letter")

    def values(self) -> DraftValues:
        """What the editor currently shows, as the store would take it."""
        return DraftValues(
            subject=self.subject.text(),
            body=self.body.toHtml() if not self.body.document().isEmpty() else "",
            priority=self.priority.currentData(),
            classification=self.classification.currentData(),
            to=self.to_picker.entries(),
            cc=self.cc_picker.entries(),
            in_reply_to=self.in_reply_to.link(),
            follow_up_of=self.follow_up_of.link(),
            signatories=self.signatories.entries(),
            letterhead=self.letterhead.currentText(),
            attachments=self.attachments.entries(),
        )

    def save(self) -> bool:
        """Write now (Ctrl+S). False if it cannot be saved as it is (the reason is shown);
        otherwise the write runs in the background and ``saved`` follows."""
        return self._save(explicit=True)

    def submit_for_signature(self) -> bool:
        """Save, check the letter is complete, then emit ``submitForSignature`` (Ctrl+Enter).

        False if the letter cannot be saved as it is; the completeness check follows the save."""
        if self._read_only or not self._save(explicit=True):
            return False
        self._submit_wanted = True
        self._after_write()
        return True

    def flush(self) -> bool:
        """Before closing: True when nothing is left to save. Otherwise the changes are being
        saved and ``readyToClose`` follows once they are stored (or once the user has agreed to
        lose changes that cannot be stored)."""
        self._autosave.stop()
        if self.attachments.busy and not self._read_only:  # a file is still being copied: it is kept too
            self._close_wanted = True
            return False
        if self._read_only or (not self._dirty and self._writing is None):
            return True
        self._close_wanted = True
        if self._dirty and not self._save(explicit=True):  # cannot be saved as it is (e.g. no subject)
            self._close_wanted = False
            return self.confirm_discard()
        return False

    def _attachments_settled(self) -> None:
        """A close waited for the files being attached: save them with the draft, then close."""
        if self._close_wanted and self._writing is None:
            self._close_wanted = False
            if self.flush():
                self.readyToClose.emit()

    def confirm_drop_signature(self) -> bool:
        """Ask before an edit removes the letter's signature (tests replace this)."""
        answer = QMessageBox.question(
            self,
            self.tr("Signed letter"),
            self.tr("Editing removes the signature of the letter. Continue?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def confirm_discard(self) -> bool:
        """Ask whether unsaved (unsavable) changes may be thrown away (tests replace this)."""
        answer = QMessageBox.warning(
            self,
            self.tr("Unsaved changes"),
            self.tr("The changes could not be saved. Close anyway and lose them?"),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.flush():
            event.accept()
        else:
            event.ignore()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QDragEnterEvent | QDragMoveEvent) and self.attachments.accepts(event.mimeData()):
            event.acceptProposedAction()
            return True
        if isinstance(event, QDropEvent) and event.type() == QEvent.Type.Drop and \
                self.attachments.accepts(event.mimeData()):
            self.dropEvent(event)
            return True
        return super().eventFilter(watched, event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.attachments.accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        if self.attachments.accepts(event.mimeData()):
            event.acceptProposedAction()
            self.attachments.attach_files(local_paths(event.mimeData()))
        else:
            event.ignore()

    def _close_if_window(self) -> None:
        if self.isWindow():  # in a tab, the window closes the tab itself
            self.close()

    def _offer_own_agency(self) -> None:
        """An outgoing letter goes to other agencies: its own agency is not offered as a recipient;
        an internal letter stays inside it: only its own agency, units and people are offered."""
        own = str(self._sender.get("agency") or "")
        for picker in (self.to_picker, self.cc_picker):
            picker.excluded_agency = own if self._kind == "outgoing" else ""
            picker.within_agency = own if self._kind == "internal" else ""

    # --- loading ----------------------------------------------------------------------

    def _load(self, guid: str) -> None:
        draft = load_draft(self._store, guid)
        v = draft.values
        self._kind, self._state = draft.kind, draft.state
        self._offer_own_agency()
        self._loading = True
        try:
            self.subject.setText(v.subject)
            if QtGuiNs.mightBeRichText(v.body):
                self.body.setHtml(v.body)
            else:
                self.body.setPlainText(v.body)
            self._set_rtl_default(self.body)
            self.body.document().clearUndoRedoStacks()  # undo must not empty the loaded letter
            self.subject.setModified(False)
            self.priority.setCurrentIndex(max(0, self.priority.findData(v.priority)))
            self.classification.setCurrentIndex(max(0, self.classification.findData(v.classification)))
            self.to_picker.setEntries(v.to)
            self.cc_picker.setEntries(v.cc)
            self.signatories.setEntries(v.signatories)
            self.in_reply_to.setLink(v.in_reply_to)
            self.follow_up_of.setLink(v.follow_up_of)
            self.attachments.set_entries(v.attachments)
            self.in_reply_to.setExcludedGuid(guid)
            self.follow_up_of.setExcludedGuid(guid)
            if v.letterhead:
                if self.letterhead.findText(v.letterhead) < 0:
                    self.letterhead.addItem(v.letterhead)
                self.letterhead.setCurrentText(v.letterhead)
        finally:
            self._loading = False
        if draft.state == State.REJECTED and draft.kind != "incoming":
            self._take_back(guid)
        elif not draft.editable:
            self._set_read_only(SealedContent.message_fa)

    def _take_back(self, guid: str) -> None:
        """A letter the server returned: a draft again, to be corrected (the first write)."""
        store, actor = self._store, self._actor

        def work() -> Changes:
            return return_to_draft(store, guid, actor=actor)

        self._write(work, lambda _changes: self._taken_back())

    def _taken_back(self) -> None:
        self._state = State.DRAFT.value
        self._update_header()

    def _on_store_changed(self, changes: Changes, handler: object) -> None:
        """Someone else changed this letter: show it as stored, unless there are edits to keep."""
        if handler is not self and changes.touches(self._guid) and not self._dirty and self._writing is None:
            assert self._guid is not None
            self._load(self._guid)
            self._update_header()

    def _set_read_only(self, message: str) -> None:
        self._read_only = True
        self._autosave.stop()
        self.subject.setReadOnly(True)
        self.body.setReadOnly(True)
        for w in (
            self.priority,
            self.classification,
            self.letterhead,
            self.toolbar,
            self.save_button,
            self.submit_button,
        ):
            w.setEnabled(False)
        for picker in (self.to_picker, self.cc_picker, self.signatories, self.in_reply_to, self.follow_up_of):
            picker.setReadOnly(True)
        self.attachments.setReadOnly(True)
        self._banner.setText(message)
        self._banner.show()

    # --- saving -----------------------------------------------------------------------

    def _on_changed(self, *_args: object) -> None:
        if self._loading or self._read_only:
            return
        self._edits += 1
        self._dirty = True
        self.status.setText(self.tr("Unsaved changes"))
        if not self._unsign_declined:
            self._autosave.start()

    def _autosave_now(self) -> None:
        self._save(explicit=False)

    def _save(self, *, explicit: bool) -> bool:
        """Start writing what is shown; False if it cannot be written as it is (reason shown)."""
        self._autosave.stop()
        if self._read_only:
            return False
        if not self._dirty and (self._guid is not None or self._writing is not None):
            return True  # the store holds what is shown, or will once the write in flight is through
        values = self.values()
        try:
            validate_subject(values.subject)
        except InvalidContent as exc:
            self._show_error(exc)
            return False
        if self._writing is not None:  # one write at a time, in order: this one follows
            self._save_after = explicit or bool(self._save_after)
            return True
        if self._guid is not None and is_signed(self._store, self._guid):
            if self._unsign_declined and not explicit:
                return False
            if not self.confirm_drop_signature():
                self._unsign_declined = True
                self.status.setText(self.tr("Not saved: the letter keeps its signature"))
                return False
        store, guid, kind, sender, actor, edits = self._store, self._guid, self._kind, self._sender, self._actor, self._edits

        def work() -> SavedDraft:
            return save_draft(store, guid, values, kind=kind, sender=sender, actor=actor)

        self._write(work, lambda saved: self._saved(saved, edits))
        return True

    def _write(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self._writing = StoreOp(self, lambda _ctx: work()).success(lambda result: self._written(done, result)) \
            .failure(self._write_failed).run()

    def _written(self, done: Callable[[Any], None], result: object) -> None:
        self._writing = None
        done(result)
        self._after_write()

    def _saved(self, saved: SavedDraft, edits: int) -> None:
        first = self._guid is None
        self._guid = saved.guid
        self._dirty = self._edits != edits  # typed on while it was being written: still to save
        self._unsign_declined = False
        self._state = State.DRAFT.value
        if first:
            self.in_reply_to.setExcludedGuid(saved.guid)
            self.follow_up_of.setExcludedGuid(saved.guid)
        self._clear_errors()
        if not self._dirty:
            now = dt.datetime.now(jalali.TEHRAN)
            self.status.setText(self.tr("Saved at %1").replace("%1", to_persian_digits(f"{now:%H:%M}")))
        self._update_header()
        self.saved.emit(saved.guid)

    def _write_failed(self, exc: BaseException) -> None:
        self._writing = None
        self._submit_wanted = False
        if isinstance(exc, InvalidContent):
            self._show_error(exc)
        elif isinstance(exc, SealedContent | IllegalTransition):
            self._set_read_only(exc.message_fa)
        else:
            log.error("the letter could not be saved", exc_info=exc)
            self.status.setText(self.tr("Not saved"))
        if self._close_wanted:
            self._close_wanted = False
            self._save_after = None
            if self._read_only or self.confirm_discard():
                self._dirty = False
                self.readyToClose.emit()
            return
        self._after_write()

    def _after_write(self) -> None:
        """What was waiting for the write that just ended: another save, a submit, a close."""
        if self._writing is not None:
            return
        explicit, self._save_after = self._save_after, None
        if self._dirty and (explicit is not None or self._close_wanted):
            if not self._save(explicit=bool(explicit) or self._close_wanted) and self._close_wanted:
                self._close_wanted = False
                if self.confirm_discard():
                    self._dirty = False
                    self.readyToClose.emit()
            if self._writing is not None:
                return
        if self._submit_wanted:
            self._submit_wanted = False
            self._check_and_submit()
        elif self._close_wanted and not self._dirty:
            self._close_wanted = False
            self.readyToClose.emit()

    def _check_and_submit(self) -> None:
        if self._guid is None:
            return
        try:
            check_complete(self._store, self._guid)
        except InvalidContent as exc:
            self._show_error(exc, saved=True)
            return
        self.submitForSignature.emit(self._guid)

    # --- feedback ---------------------------------------------------------------------

    def _show_error(self, exc: InvalidContent, *, saved: bool = False) -> None:
        """Show the Persian reason next to the field it concerns; nothing typed is lost. ``saved``:
        the draft is saved, only sending it for signature was refused."""
        self._clear_errors()
        self._error_field = exc.field
        message = to_persian_digits(exc.message_fa)
        if exc.field == "subject":
            if not self.subject.text().strip():
                message = self.tr("Enter the subject of the letter.")
            target = self.subject_error
            self.subject.setFocus()
        elif exc.field.startswith("recipients"):
            target = self.recipients_error
        else:
            target = self.error
        target.setText(message)
        target.show()
        self.status.setText(self.tr("Saved, not sent for signature") if saved else self.tr("Not saved"))

    def _clear_errors(self) -> None:
        self._error_field = ""
        for label in (self.subject_error, self.recipients_error, self.error):
            label.clear()
            label.hide()

    def _clear_error_of(self, field: str) -> None:
        if self._error_field.startswith(field):
            self._clear_errors()

    def fieldError(self, name: str) -> str:
        """The error shown beside ``subject``, ``recipients`` or in general (``""`` if none)."""
        label = {"subject": self.subject_error, "recipients": self.recipients_error}.get(name, self.error)
        return label.text() if not label.isHidden() else ""

    def _update_header(self) -> None:
        kind = self.tr("Internal letter") if self._kind == "internal" else self.tr("Outgoing letter")
        self._heading.setText(f"{kind} — {state_name(self._state)}")
        today = jalali.to_gregorian(*jalali.today())
        self._date.setText(self.tr("Date: %1").replace("%1", jalali.format_long(today)))

    def _emit_title(self) -> None:
        title = self.title()
        self.setWindowTitle(title)
        self.titleChanged.emit(title)
