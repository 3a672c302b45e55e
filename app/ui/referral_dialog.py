"""The referral dialog (ارجاع): colleagues picked from the directory by name, unit or title, an
instruction from the server's list, a postscript (هامش) and an optional due date (the Jalali
date picker). Referring stores the referral at once, offline too; the next sync sends it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models import referrals as R
from app.models.changes import Changed
from app.models.db import Store
from app.protocol.canonical import InvalidContent
from app.ui.dialog_buttons import action_buttons
from app.ui.jalali_date_picker import JalaliDateEdit
from app.ui.ops import OpContext, StoreOp
from app.ui.persian_text_edit import PersianPlainTextEdit


class ReferralDialog(QDialog):
    """Refers one letter; ``referred`` carries the new referral's GUID."""

    referred = Signal(str)

    def __init__(self, store: Store, letter_guid: str, *, me: str, agency: str, subject: str = "",
                 parent_referral: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("referralDialog")
        self.setWindowTitle(self.tr("Refer the letter"))
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.store, self.letter_guid, self.me, self.parent_referral = store, letter_guid, me, parent_referral

        self.filter = QLineEdit()
        self.filter.setObjectName("colleagueFilter")
        self.filter.setPlaceholderText(self.tr("Find a colleague by name, unit or title…"))
        self.filter.textChanged.connect(self._filter)
        self.people = QListWidget()
        self.people.setObjectName("colleagues")
        for c in R.colleagues(store, agency, me):
            item = QListWidgetItem("، ".join(p for p in (c.name, c.title, c.unit) if p))
            item.setData(Qt.ItemDataRole.UserRole, c)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.people.addItem(item)
        self.instruction = QComboBox()
        self.instruction.setObjectName("instruction")
        self.instruction.addItems(list(R.instructions(store)))
        self.postscript = PersianPlainTextEdit()
        self.postscript.setObjectName("postscript")
        self.postscript.setPlaceholderText(self.tr("Postscript (optional)"))
        self.postscript.setFixedHeight(80)
        self.has_due = QCheckBox(self.tr("Due date"))
        self.has_due.setObjectName("hasDueDate")
        self.due = JalaliDateEdit()  # opens on today
        self.due.setObjectName("dueDate")
        self.due.setEnabled(False)
        self.has_due.toggled.connect(self.due.setEnabled)
        self.error = QLabel()
        self.error.setObjectName("referralError")
        self.error.setStyleSheet("color: #b71c1c;")
        self.error.setWordWrap(True)
        self.error.hide()

        form = QFormLayout()
        if subject:
            form.addRow(self.tr("Letter:"), QLabel(subject))
        form.addRow(self.tr("Refer to:"), self.filter)
        form.addRow("", self.people)
        form.addRow(self.tr("Instruction:"), self.instruction)
        form.addRow(self.tr("Postscript:"), self.postscript)
        form.addRow(self.has_due, self.due)
        buttons, self.ok = action_buttons(self, self.tr("Refer"), "referButton", self.submit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(560, 520)

    def _filter(self, text: str) -> None:
        for i in range(self.people.count()):
            item = self.people.item(i)
            colleague: R.Colleague = item.data(Qt.ItemDataRole.UserRole)
            item.setHidden(not colleague.matches(text))

    def chosen(self) -> list[str]:
        return [self.people.item(i).data(Qt.ItemDataRole.UserRole).username for i in range(self.people.count())
                if self.people.item(i).checkState() == Qt.CheckState.Checked]

    def submit(self) -> None:
        store, guid, me, parent = self.store, self.letter_guid, self.me, self.parent_referral
        to, instruction, postscript = self.chosen(), self.instruction.currentText(), self.postscript.toPlainText()
        due = self.due.date() if self.has_due.isChecked() else None

        def work(_ctx: OpContext) -> Changed[str]:
            return R.refer(store, guid, me, to, instruction, postscript, due, parent)

        self.ok.setEnabled(False)
        StoreOp(self, work).success(self._done).failure(self._failed).run()

    def _done(self, changed: Changed[str]) -> None:
        self.referred.emit(changed.value)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.ok.setEnabled(True)
        text = exc.message_fa if isinstance(exc, InvalidContent) else self.tr("The letter could not be referred.")
        self.error.setText(text)
        self.error.show()
