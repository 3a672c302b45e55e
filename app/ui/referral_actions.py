"""Referral actions on the main window: «ارجاع» on the letter in hand and «کارتابل», the list
of referrals; answering a referral opens a new internal letter linked by «عطف» to the referred
one, and the answer is recorded on the referral once the new letter is first saved."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from app.models import referrals as R
from app.models.changes import Changes
from app.models.db import Store
from app.models.letter_lookup import letter_summary
from app.ui.cartable_view import CartableView
from app.ui.letter_editor import LetterEditor
from app.ui.ops import OpContext, StoreOp
from app.ui.referral_dialog import ReferralDialog
from app.ui.referral_tree import ReferralTree


class Host(Protocol):
    def action_targets(self) -> list[tuple[str, str]]: ...
    def sender_party(self) -> dict[str, str]: ...
    def open_letter(self, guid: str) -> QWidget: ...
    def new_letter(self, kind: str = "outgoing") -> LetterEditor: ...
    def show_message(self, text: str, ms: int = 8000) -> None: ...
    def sync_now(self, *, quiet: bool = False) -> None: ...
    def show_cartable(self) -> None: ...


class ReferralActions(QObject):
    def __init__(self, store: Store, host: Host, widget: QWidget) -> None:
        super().__init__(widget)
        self.store, self.host, self.widget = store, host, widget
        self.dialog: ReferralDialog | None = None
        # The one cartable widget: the main window shows it when its «کارتابل» folder is chosen.
        self.view = CartableView(store, lambda: R.signed_in(store), widget)
        self.view.openLetter.connect(self.host.open_letter)
        self.view.referOn.connect(lambda letter, referral: self.open_dialog(letter, referral))
        self.view.answer.connect(self.answer)
        self.view.stepped.connect(lambda: self.host.sync_now(quiet=True))  # as a referral: now, not in 30 s
        self.refer = QAction(self.tr("Refer"), widget)
        self.refer.setObjectName("referLetter")
        self.refer.setToolTip(self.tr("Refer the letter to colleagues with an instruction"))
        self.refer.triggered.connect(lambda _checked=False: self.refer_selected())
        self.cartable = QAction(self.tr("Cartable"), widget)
        self.cartable.setObjectName("openCartable")
        self.cartable.setShortcut(QKeySequence("Ctrl+K"))
        self.cartable.triggered.connect(lambda _checked=False: self.open_cartable())
        self.view.showTree.connect(self.open_tree)
        self.tree = QAction(self.tr("Referral tree"), widget)
        self.tree.setObjectName("referralTree")
        self.tree.setToolTip(self.tr("Who the letter was referred to, and how far each got"))
        self.tree.triggered.connect(lambda _checked=False: self.tree_of_selected())
        self.tree_window: ReferralTree | None = None
        for action in (self.refer, self.cartable, self.tree):
            widget.addAction(action)

    @property
    def me(self) -> str:
        return self.host.sender_party().get("person", "")

    def update_enabled(self, states: list[str]) -> None:
        self.refer.setEnabled(len(states) == 1 and bool(self.me))
        self.tree.setEnabled(len(states) == 1 and bool(self.me))

    def tree_of_selected(self) -> ReferralTree | None:
        targets = self.host.action_targets()
        return self.open_tree(targets[0][0]) if len(targets) == 1 else None

    def open_tree(self, letter_guid: str) -> ReferralTree:
        """The letter's incoming tree from the server, in its own window (read on a worker)."""
        window = ReferralTree(self.store, letter_guid, parent=self.widget)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.show()
        window.load()
        self.tree_window = window
        return window

    def refer_selected(self) -> ReferralDialog | None:
        targets = self.host.action_targets()
        return self.open_dialog(targets[0][0]) if len(targets) == 1 else None

    def open_dialog(self, letter_guid: str, parent_referral: str | None = None) -> ReferralDialog:
        summary = letter_summary(self.store, letter_guid)
        dialog = ReferralDialog(self.store, letter_guid, me=self.me, agency=self.host.sender_party().get("agency", ""),
                                subject=summary.subject if summary else "", parent_referral=parent_referral,
                                parent=self.widget)
        dialog.referred.connect(lambda _guid: self._referred())
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _referred(self) -> None:
        self.host.show_message(self.tr("The letter was referred; it reaches your colleagues with the next sync."))
        self.host.sync_now(quiet=True)

    def open_cartable(self, view: str | None = None) -> CartableView:
        """Ctrl+K, the status bar's overdue count: the cartable in the window (showing ``view``, else
        what it showed last)."""
        self.host.show_cartable()
        if view is not None:
            self.view.show_view(view)
        return self.view

    def answer(self, letter_guid: str, referral_guid: str) -> LetterEditor:
        """A new internal letter «عطف» to the referred one, to the referrer, its subject pre-filled."""
        editor = self.host.new_letter("internal")
        referrer = R.referrer_entry(self.store, referral_guid)
        if referrer is not None:
            editor.to_picker.addEntry(referrer)
        link = R.answer_link(self.store, letter_guid)
        if link is not None:
            editor.in_reply_to.setLink(link, notify=True)
            editor.subject.setText(self.tr("Re: %1").replace("%1", link.subject))
        answers_referral(self.widget, editor, self.store, referral_guid, self.me)
        return editor


def answers_referral(parent: QWidget, editor: LetterEditor, store: Store, referral_guid: str, me: str) -> None:
    """The letter in ``editor`` answers the referral: recorded the first time it is saved (on
    ``parent``, which outlives the editor), taken as the referral's «answer» step once it goes for
    signature (:func:`app.models.referrals.answer_with`)."""
    recorded: list[str] = []

    def on_saved(guid: str) -> None:
        if recorded:
            return
        recorded.append(guid)

        def work(_ctx: OpContext) -> Changes:
            R.answer_with(store, referral_guid, me, guid)
            return Changes()

        StoreOp(parent, work).run()

    editor.saved.connect(on_saved)
