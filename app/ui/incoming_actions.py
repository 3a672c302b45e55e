"""The incoming desk's actions on the main window: «ثبت وارده» for a received letter and
«ثبت نامه وارده» for a paper one. Both register at once (offline too); the incoming number
comes with the next sync, which they ask for. A person's or a company's letter gets its tracking
id with that number: then «چاپ رسید» prints its receipt (:mod:`app.ui.citizen_receipt`), and a
notification says so when the id arrives with a sync. «پاسخ به فرستنده» opens an outgoing letter to
the person or company who wrote one, «عطف» to it (:mod:`app.models.citizen_answer`): once numbered
it is printed and handed over or posted, never sent through Payam."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from app.models import referrals as R
from app.models.changes import Changes
from app.models.citizen_answer import citizen_reply
from app.models.db import Store
from app.models.incoming import register_received
from app.models.letter_lookup import letter_summary
from app.models.lifecycle import State
from app.models.profile import pdf_folder
from app.protocol.persian import ltr_island
from app.protocol.tracking import display_tracking_id
from app.ui.citizen_receipt import (
    NoReceipt,
    Receipt,
    print_receipt,
    read_receipt,
    receipt_state,
    render_receipt_pdf,
)
from app.ui.file_dialogs import ask, pdf_save_dialog
from app.ui.letter_editor import LetterEditor
from app.ui.notifications import Notifier
from app.ui.ops import Op, OpContext, StoreOp
from app.ui.paper_incoming_dialog import PaperIncomingDialog
from app.ui.referral_actions import answers_referral
from app.ui.workflow_actions import Host, server_base


class IncomingActions(QObject):
    def __init__(self, store: Store, host: Host, widget: QWidget,
                 may_register: Callable[[], bool] = lambda: True, notifier: Notifier | None = None,
                 show_letter: Callable[[str], object] | None = None) -> None:
        super().__init__(widget)
        self.store, self.host, self.widget = store, host, widget
        self.notifier, self.show_letter = notifier, show_letter
        # Tests replace this: where to save the receipt's PDF (instead of the file dialog).
        self.ask_save_path: Callable[[str, str], str] = self._ask_save_path
        # the server numbers incoming letters for the secretariat only: others are not offered it
        self.may_register = may_register
        self.paper_dialog: PaperIncomingDialog | None = None
        self.register = QAction(self.tr("Register as incoming"), widget)
        self.register.setObjectName("registerIncoming")
        self.register.setToolTip(self.tr("Register the received letter with this agency's incoming number"))
        self.register.triggered.connect(lambda _checked=False: self.register_selected())
        self.paper = QAction(self.tr("Register a paper letter"), widget)
        self.paper.setObjectName("registerPaper")
        self.paper.triggered.connect(lambda _checked=False: self.open_paper_form())
        self.print_receipt = QAction(self.tr("Print receipt"), widget)
        self.print_receipt.setObjectName("printReceipt")
        self.print_receipt.triggered.connect(lambda _checked=False: self.print_selected_receipt())
        self.save_receipt = QAction(self.tr("Save receipt as PDF…"), widget)
        self.save_receipt.setObjectName("saveReceipt")
        self.save_receipt.triggered.connect(lambda _checked=False: self.save_selected_receipt())
        self.answer_sender = QAction(self.tr("Answer the sender"), widget)
        self.answer_sender.setObjectName("answerSender")
        self.answer_sender.setToolTip(self.tr("An outgoing letter to the person or company who wrote, in reply to "
                                              "their letter; printed and handed over or posted"))
        self.answer_sender.triggered.connect(lambda _checked=False: self.answer_selected())
        for action in (self.register, self.paper, self.print_receipt, self.save_receipt, self.answer_sender):
            widget.addAction(action)

    def update_enabled(self, states: list[str]) -> None:
        allowed = self.may_register()
        self.register.setEnabled(allowed and len(states) == 1 and states[0] == State.RECEIVED)
        self.paper.setEnabled(allowed)
        guid = self._receipt_target()
        state = receipt_state(self.store, guid) if guid is not None else None
        tip = (self.tr("The receipt can be printed after the next sync, once the tracking id is issued.")
               if state == "waiting" else self.tr("The receipt of a letter from a person or a company"))
        for action in (self.print_receipt, self.save_receipt):
            action.setEnabled(state == "ready")
            action.setToolTip(tip)
        self.answer_sender.setEnabled(guid is not None and citizen_reply(self.store, guid) is not None)

    def register_selected(self) -> None:
        targets = [guid for guid, state in self.host.action_targets() if state == State.RECEIVED]
        if len(targets) != 1:
            return
        guid, store, actor = targets[0], self.store, self.host.actor

        def work(_ctx: OpContext) -> Changes:
            return register_received(store, guid, actor=actor)

        StoreOp(self.widget, work).success(lambda _c: self._registered()).failure(self._failed).run()

    def _registered(self) -> None:
        self.host.show_message(self.tr("The letter was registered; its incoming number comes with the next sync."))
        self.host.sync_now(quiet=True)

    def _paper_registered(self, guid: str) -> None:
        """The letter just registered opens in its tab: the secretary sees it and, once its tracking
        id comes, prints the receipt without hunting for it in the list."""
        self._registered()
        if self.show_letter is not None:
            self.show_letter(guid)

    def _failed(self, exc: BaseException) -> None:
        self.host.warn(self.tr("Register as incoming"), getattr(exc, "message_fa", None)
                       or self.tr("The letter could not be registered."))

    def open_paper_form(self) -> PaperIncomingDialog:
        dialog = PaperIncomingDialog(self.store, self.widget, actor=self.host.actor)
        dialog.registered.connect(self._paper_registered)
        dialog.finished.connect(dialog.deleteLater)
        self.paper_dialog = dialog
        dialog.open()
        return dialog

    def answer_selected(self) -> LetterEditor | None:
        guid = self._receipt_target()
        return self.answer(guid) if guid is not None else None

    def answer(self, letter_guid: str) -> LetterEditor | None:
        """A new outgoing letter to the citizen who wrote ``letter_guid``, «عطف» to it, its subject
        pre-filled (None unless it is a person's or a company's letter)."""
        reply = citizen_reply(self.store, letter_guid)
        if reply is None:
            return None
        editor = self.host.new_letter("outgoing")
        assert isinstance(editor, LetterEditor)
        editor.to_picker.addEntry(reply.recipient)
        editor.in_reply_to.setLink(reply.link, notify=True)
        editor.subject.setText(reply.subject)
        me = R.signed_in(self.store)
        referral = R.open_referral_to(self.store, me, letter_guid) if me else None
        if referral is not None:  # referred to me: answering the citizen answers the referral too
            answers_referral(self.widget, editor, self.store, referral, me)
        return editor

    # --- the citizen's receipt ----------------------------------------------------------

    def _receipt_target(self) -> str | None:
        targets = self.host.action_targets()
        return targets[0][0] if len(targets) == 1 else None

    def _selected_receipt(self) -> Receipt | None:
        guid = self._receipt_target()
        if guid is None:
            return None
        try:
            return read_receipt(self.store, guid, server_base(self.store))
        except NoReceipt as exc:
            self.host.warn(self.tr("Print receipt"), exc.message_fa)
            return None

    def print_selected_receipt(self) -> bool:
        receipt = self._selected_receipt()
        return receipt is not None and print_receipt(receipt, self.widget)

    def _ask_save_path(self, title: str, suggested: str) -> str:
        return ask(pdf_save_dialog(self.widget, title, suggested, pdf_folder(self.store)))

    def save_selected_receipt(self) -> Op[Path] | None:
        receipt = self._selected_receipt()
        if receipt is None:
            return None
        path = self.ask_save_path(self.tr("Save receipt as PDF…"), f"{self.tr('receipt')}-{receipt.tracking_id}.pdf")
        if not path:
            return None
        return Op(self.widget, lambda _ctx: render_receipt_pdf(receipt, path)).success(
            lambda p: self.host.show_message(self.tr("The receipt was saved: %1").replace("%1", ltr_island(str(p))))
        ).failure(self._receipt_failed).run()

    def _receipt_failed(self, exc: BaseException) -> None:
        self.host.warn(self.tr("Print receipt"), getattr(exc, "message_fa", None)
                       or self.tr("The receipt could not be saved."))

    def on_sync_event(self, name: str, data: dict[str, Any]) -> None:
        """A letter registered here got its tracking id with its number: its receipt can be printed now."""
        guid = str(data.get("guid") or "")
        if name != "numbered" or not data.get("tracking_id") or self.notifier is None:
            return
        summary = letter_summary(self.store, guid)
        if summary is None:
            return
        show = self.show_letter
        # the id first: a narrow status bar cuts the message's end, and the id is what the desk tells the sender
        tracking_id = ltr_island(display_tracking_id(str(data["tracking_id"])))
        self.notifier.notify(self.tr("Receipt ready"),
                             self.tr("Tracking id %1 was issued for the letter “%2”.")
                             .replace("%1", tracking_id).replace("%2", summary.subject),
                             on_click=(lambda: show(guid)) if show is not None else None)
