"""The incoming desk's actions on the main window: «ثبت وارده» for a received letter and
«ثبت نامه وارده» for a paper one. Both register at once (offline too); the incoming number
comes with the next sync, which they ask for."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from app.models.changes import Changes
from app.models.db import Store
from app.models.incoming import register_received
from app.models.lifecycle import State
from app.ui.ops import OpContext, StoreOp
from app.ui.paper_incoming_dialog import PaperIncomingDialog
from app.ui.workflow_actions import Host


class IncomingActions(QObject):
    def __init__(self, store: Store, host: Host, widget: QWidget,
                 may_register: Callable[[], bool] = lambda: True) -> None:
        super().__init__(widget)
        self.store, self.host, self.widget = store, host, widget
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
        for action in (self.register, self.paper):
            widget.addAction(action)

    def update_enabled(self, states: list[str]) -> None:
        allowed = self.may_register()
        self.register.setEnabled(allowed and len(states) == 1 and states[0] == State.RECEIVED)
        self.paper.setEnabled(allowed)

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

    def _failed(self, exc: BaseException) -> None:
        self.host.warn(self.tr("Register as incoming"), getattr(exc, "message_fa", None)
                       or self.tr("The letter could not be registered."))

    def open_paper_form(self) -> PaperIncomingDialog:
        dialog = PaperIncomingDialog(self.store, self.widget, actor=self.host.actor)
        dialog.registered.connect(lambda _guid: self._registered())
        dialog.finished.connect(dialog.deleteLater)
        self.paper_dialog = dialog
        dialog.open()
        return dialog
