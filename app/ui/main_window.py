"""The main window: folders on the right, the letter list with its search box, a status bar.

Letters open in tabs beside the list: drafts in the editor, everything else in the read-only
details view. The workflow actions (sign, sync, print, export) live in
:mod:`app.ui.workflow_actions`; the sync engine's status and events arrive from a
:class:`app.ui.sync_bridge.SyncBridge` once the profile has a server account. Nothing here
refreshes a view after a change: each view hears of it from :class:`app.ui.store_changes.StoreChanges`.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from PySide6.QtCore import QByteArray, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.models import referrals as R
from app.models.changes import Changes
from app.models.db import Store
from app.models.directory import agency_name
from app.models.folders import Folder, LetterRow, Place
from app.models.letter_actions import submit_for_signature
from app.models.letter_lookup import letter_summary
from app.models.lifecycle import State
from app.models.profile import letter_columns_setting, read_setting, remember_letter_columns, signed_in_roles
from app.protocol.jalali import format_datetime
from app.sync import account
from app.sync.account import SENDER_SETTING
from app.ui.admin_window import AdminWindow, may_administer
from app.ui.archive_actions import ArchiveActions
from app.ui.attachments_progress import UploadProgress
from app.ui.elided_label import ElidedLabel
from app.ui.folder_list import FolderList
from app.ui.incoming_actions import IncomingActions
from app.ui.labels import persian_number
from app.ui.letter_details import LetterDetails
from app.ui.letter_editor import LetterEditor
from app.ui.letter_table import LetterTable
from app.ui.letter_table_model import LetterTableModel
from app.ui.login_dialog import LoginDialog
from app.ui.notifications import Notifier
from app.ui.ops import OpContext, StoreOp
from app.ui.outbox_panel import OutboxPanel
from app.ui.rasad_reports import RasadReportsWindow, may_see_reports
from app.ui.referral_actions import ReferralActions
from app.ui.reminders import Reminders
from app.ui.role_names import roles_text
from app.ui.search_box import SearchBox
from app.ui.settings_actions import SettingsActions
from app.ui.store_changes import StoreChanges
from app.ui.sync_bridge import SyncBridge
from app.ui.workflow_actions import WorkflowActions

EDITABLE_STATES = ("draft", "rejected")

START_FOLDER = Folder.INCOMING  # what a secretary checks first; staff start on their cartable


class MainWindow(QMainWindow):
    # Once: the first load finished and the list has been painted (rows or an empty folder).
    ready = Signal()
    # Once: the list was painted with rows in it (startup benchmark).
    first_rows_painted = Signal(float)  # time.perf_counter() of that paint

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setObjectName("mainWindow")
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.setWindowTitle(self.tr("Dabir"))
        self.resize(1200, 720)

        self.bridge: SyncBridge | None = None
        self.rasad_reports: RasadReportsWindow | None = None
        self.admin_window: AdminWindow | None = None
        self.folders = FolderList(store)
        self.search = SearchBox()
        self.model = LetterTableModel(store, self)
        self.table = LetterTable()
        self.table.setModel(self.model)
        self.outbox = OutboxPanel(store)
        self.outbox_notice = QLabel()  # why the letters below are still waiting (a failed sync), in Persian
        self.outbox_notice.setObjectName("outboxNotice")
        self.outbox_notice.setWordWrap(True)
        self.outbox_notice.setStyleSheet("color: #b71c1c; padding: 4px;")
        self.outbox_notice.hide()
        self.outbox_box = QWidget()
        outbox_layout = QVBoxLayout(self.outbox_box)
        outbox_layout.setContentsMargins(0, 0, 0, 0)
        outbox_layout.addWidget(self.outbox_notice)
        outbox_layout.addWidget(self.outbox)
        self.outbox_box.hide()

        right = QWidget()
        box = QVBoxLayout(right)
        box.setContentsMargins(6, 6, 6, 0)
        box.setSpacing(6)
        # Where a search looks: every folder (what a secretary looking for a number expects) or this one.
        self.search_scope = QComboBox()
        self.search_scope.setObjectName("searchScope")
        self.search_scope.addItem(self.tr("All folders"), True)
        self.search_scope.addItem(self.tr("This folder only"), False)
        self.search_scope.setToolTip(self.tr("Where the search looks"))
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.search_scope)
        box.addLayout(search_row)
        list_split = QSplitter(Qt.Orientation.Vertical)
        list_split.addWidget(self.table)
        list_split.addWidget(self.outbox_box)
        list_split.setStretchFactor(0, 3)
        list_split.setStretchFactor(1, 2)
        list_split.setChildrenCollapsible(False)
        box.addWidget(list_split)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.folders)  # first widget = right edge in a right-to-left window
        self.lists = QStackedWidget()  # the letter list, or the cartable when its folder is chosen
        self.lists.addWidget(right)
        splitter.addWidget(self.lists)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 980])
        splitter.setChildrenCollapsible(False)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("letterTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.addTab(splitter, self.tr("Letters"))
        bar = self.tabs.tabBar()
        for side in (bar.ButtonPosition.LeftSide, bar.ButtonPosition.RightSide):
            bar.setTabButton(0, side, None)  # the list itself cannot be closed
        self.tabs.tabCloseRequested.connect(self._close_tab_requested)
        self.tabs.currentChanged.connect(self._update_actions)
        self.setCentralWidget(self.tabs)
        self._open: dict[str, QWidget] = {}  # guid -> its editor or details tab

        # Passing messages in a label of their own (QStatusBar's cuts them off mid-word): elided
        # between words with «…» when the bar is too narrow, whole in the tooltip and in ``messages``.
        self.message_label = ElidedLabel()
        self.message_label.setObjectName("statusMessage")
        # it takes the width the others leave (they keep their whole text first: who is working, the sync)
        self.message_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.statusBar().addWidget(self.message_label, 1)
        self._message_timer = QTimer(self)
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(lambda: self._set_message(""))
        self.status_label = ElidedLabel()
        self.statusBar().addWidget(self.status_label)
        self.user_label = ElidedLabel()  # who is working: name, role, agency (gives way on a narrow bar)
        self.user_label.setObjectName("currentUser")
        self.sync_label = QLabel(self.tr("Not connected to the server"))
        self.sync_label.setObjectName("syncState")
        self.queue_label = QLabel()
        self.queue_label.setObjectName("syncQueue")
        self.last_sync_label = QLabel()
        self.last_sync_label.setObjectName("lastSync")
        # «۳ ارجاع دیرکرددار»: hidden at zero; a click shows the cartable's overdue referrals.
        self.overdue_button = QPushButton()
        self.overdue_button.setObjectName("overdueCount")
        self.overdue_button.setFlat(True)
        self.overdue_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.overdue_button.setStyleSheet("color: #c62828; font-weight: bold; padding: 0 8px;")
        self.overdue_button.hide()
        self.statusBar().addPermanentWidget(self.overdue_button)
        self.upload_progress = UploadProgress()  # attachments going up before their letter is registered
        self.statusBar().addPermanentWidget(self.upload_progress)
        for label in (self.user_label, self.sync_label, self.queue_label, self.last_sync_label):
            label.setContentsMargins(8, 0, 8, 0)
            self.statusBar().addPermanentWidget(label)
        self.messages: list[str] = []  # every passing message in full, newest last
        self._manual_sync = False  # the user asked for this sync: say how it went
        self.notifier = Notifier(self, self.show_message)
        self.last_warning: tuple[str, str] | None = None
        self.actions_ = WorkflowActions(store, self, self)
        self.incoming = IncomingActions(store, self, self, may_register=lambda: not self.is_staff(),
                                        notifier=self.notifier, show_letter=self.open_letter)
        self.referrals = ReferralActions(store, self, self)
        self.archive = ArchiveActions(store, self, self, lambda: self.model.folder)
        self.cartable = self.referrals.view
        self.lists.addWidget(self.cartable)
        self.reminders = Reminders(store, self.notifier, self, open_cartable=self.referrals.open_cartable)
        self._build_menus()

        refresh = QAction(self.tr("Refresh"), self)
        refresh.setShortcut(QKeySequence("Ctrl+R"))  # F5 is «همگام‌سازی»
        refresh.triggered.connect(self.refresh)
        self.addAction(refresh)
        find = QAction(self.tr("Search"), self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(lambda: self.search.setFocus(Qt.FocusReason.ShortcutFocusReason))
        self.addAction(find)

        self.folders.folder_selected.connect(self._on_folder)
        self.folders.cartable_selected.connect(lambda: self.lists.setCurrentWidget(self.cartable))
        self.reminders.counted.connect(self._on_cartable_counted)
        self.overdue_button.clicked.connect(lambda _checked=False: self.referrals.open_cartable(R.OVERDUE))
        self.cartable.table.painted.connect(self._on_cartable_painted)
        # the Letter menu acts on the referral's letter chosen in the cartable too («پاسخ به فرستنده», print …)
        self.cartable.table.selectionModel().selectionChanged.connect(self._update_actions)
        self.lists.currentChanged.connect(self._update_actions)
        self.search.search_changed.connect(self.model.set_query)
        self.search_scope.currentIndexChanged.connect(
            lambda _i: self.model.set_all_folders(bool(self.search_scope.currentData())))
        self.table.columns_changed.connect(self._save_columns)
        self._restore_columns()
        self.model.reloaded.connect(self._on_reloaded)
        self.model.counted.connect(self._on_counted)
        self.model.load_failed.connect(self._on_load_failed)
        self.folders.count_failed.connect(self._on_load_failed)
        self.table.painted.connect(self._on_painted)
        self.table.activated.connect(self._on_activated)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self.model.modelReset.connect(self._update_actions)
        self.outbox.letterActivated.connect(self.open_letter)
        StoreChanges.instance().changed.connect(self._on_store_changed)
        self._update_actions()
        self.show_identity()
        self._loaded_once = False
        self._closing = False
        self._ready_sent = False
        self._rows_painted_sent = False

        self.folders.select(START_FOLDER)  # starts the first load; the counts follow it
        if self.is_staff():
            self.folders.select_cartable()
        self.reminders.start()

    def _build_menus(self) -> None:
        a = self.actions_
        letter = self.menuBar().addMenu(self.tr("&Letter"))
        letter.setToolTipsVisible(True)  # why an action is off (e.g. a receipt waiting for its tracking id)
        for action in (a.new_outgoing, a.new_internal, a.open_letter, None, a.sign, None, self.incoming.register,
                       self.incoming.paper, self.incoming.print_receipt, self.incoming.save_receipt,
                       self.incoming.answer_sender, None,
                       self.referrals.refer, self.referrals.cartable, self.referrals.tree, None,
                       self.archive.file, self.archive.unfile, None, a.print, a.export_pdf, a.export_signed_pdf):
            letter.addSeparator() if action is None else letter.addAction(action)
        server = self.menuBar().addMenu(self.tr("&Server"))
        server.addAction(a.sync)
        server.addAction(a.login)
        self.admin_action = server.addAction(self.tr("Agency administration…"))
        self.admin_action.setObjectName("agencyAdministration")
        self.admin_action.triggered.connect(lambda _checked=False: self.show_admin_window())
        self.admin_action.setVisible(may_administer(self.store))
        self.rasad_menu = self.menuBar().addMenu(self.tr("&Rasad"))
        self.rasad_reports_action = self.rasad_menu.addAction(self.tr("Reports…"))
        self.rasad_reports_action.setObjectName("rasadReports")
        self.rasad_reports_action.triggered.connect(lambda _checked=False: self.show_rasad_reports())
        self.rasad_menu.menuAction().setVisible(may_see_reports(self.store))
        self.settings_actions = SettingsActions(self.store, self, self._logged_in)
        toolbar = QToolBar(self.tr("Letters"))
        toolbar.setObjectName("workflowToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (a.new_outgoing, a.new_internal, None, a.sign, None, self.incoming.register, self.incoming.paper,
                       None, self.referrals.refer, self.referrals.cartable, self.archive.file, None, a.print,
                       a.export_pdf, None, a.sync):
            toolbar.addSeparator() if action is None else toolbar.addAction(action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar

    # --- who is working -----------------------------------------------------------------

    @property
    def actor(self) -> str:
        acct = account.load_account(self.store)
        return acct.username if acct else ""

    def sender_party(self) -> dict[str, str]:
        """Who new letters are written as (agency, unit, person, name), as stored at login."""
        value = read_setting(self.store, SENDER_SETTING)
        return {k: v for k, v in value.items() if isinstance(v, str)} if isinstance(value, dict) else {}

    def is_staff(self) -> bool:
        """Signed in without the secretary's role: their work is the cartable, not the folders."""
        roles = signed_in_roles(self.store)
        return bool(roles) and "secretary" not in (roles or [])

    def show_identity(self) -> None:
        """The agency, the user and the role in the title and the status bar (both windows of a
        workstation otherwise look alike)."""
        value = read_setting(self.store, SENDER_SETTING)
        me = value if isinstance(value, dict) else {}
        agency = agency_name(self.store, str(me.get("agency") or "")) or str(me.get("agency") or "")
        user = str(me.get("name") or me.get("person") or "")
        roles = roles_text([str(r) for r in me.get("roles") or []])
        who = f"{user} ({roles})" if user and roles else user
        parts = [p for p in (who, agency) if p]
        # the platform appends the application's name («دبیر») itself: "who — agency — دبیر"
        self.setWindowTitle(" — ".join(parts) or self.tr("Dabir"))
        self.user_label.setText(" — ".join(parts) if parts else self.tr("Not logged in"))

    def _on_store_changed(self, changes: Changes, handler: object) -> None:
        if (changes.settings or changes.directory) and handler is not self.table:
            self.show_identity()  # a login, or the directory brought the agency's name
            self._update_actions()  # a login may bring other roles (who may register incoming)
            self.rasad_menu.menuAction().setVisible(may_see_reports(self.store))  # managers, admins, observers
            self.admin_action.setVisible(may_administer(self.store))
        if changes.letters:  # the open letter's state may have moved (its actions with it)
            self._update_actions()

    def _restore_columns(self) -> None:
        """The column widths this user left last time (none yet: they follow the content)."""
        state = letter_columns_setting(self.store, self.actor)
        if state:
            self.table.restore_columns(QByteArray.fromBase64(state.encode()))

    def _save_columns(self, state: QByteArray) -> None:
        store, user, text = self.store, self.actor, bytes(state.toBase64().data()).decode()
        StoreOp(self.table, lambda _ctx: remember_letter_columns(store, user, text)).failure(
            lambda exc: self.show_message(self.tr("The column widths could not be saved."))).run()

    # --- letters in tabs ----------------------------------------------------------------

    def selected_rows(self) -> list[LetterRow]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.letter_at(r) for r in rows if r < self.model.rowCount()]

    def current_tab_guid(self) -> str | None:
        widget = self.tabs.currentWidget()
        return next((g for g, w in self._open.items() if w is widget), None)

    def action_targets(self) -> list[tuple[str, str]]:
        """(guid, state) of what the letter actions apply to: the letter in the current tab,
        otherwise the referral's letter selected in the cartable or the rows selected in the list."""
        guid = self.current_tab_guid()
        if guid is None and self.lists.currentWidget() is self.cartable:
            referral = self.cartable.current()
            guid = referral.letter_guid if referral is not None else None
            if guid is None:
                return []
        if guid is not None:
            summary = letter_summary(self.store, guid)
            return [(guid, summary.state)] if summary is not None else []
        return [(r.guid, r.state) for r in self.selected_rows()]

    def _update_actions(self, *_args: object) -> None:
        states = [state for _, state in self.action_targets()]
        self.actions_.update_enabled(states)
        self.incoming.update_enabled(states)
        self.referrals.update_enabled(states)
        self.archive.update_enabled(states)

    def _on_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_letter(self.model.letter_at(index.row()).guid)

    def open_selected(self) -> None:
        rows = self.selected_rows()
        if len(rows) == 1:
            self.open_letter(rows[0].guid)

    def new_letter(self, kind: str = "outgoing") -> LetterEditor:
        editor = LetterEditor(self.store, kind=kind, sender=self.sender_party(), actor=self.actor)
        self._add_editor(editor)
        editor.subject.setFocus()
        return editor

    def open_letter(self, guid: str) -> QWidget:
        """Drafts and returned letters in the editor, everything else in the details view."""
        if guid in self._open:
            self.tabs.setCurrentWidget(self._open[guid])
            return self._open[guid]
        summary = letter_summary(self.store, guid)
        if summary is None:
            raise LookupError(guid)
        if summary.state in EDITABLE_STATES:  # a returned letter becomes a draft again in the editor
            editor = LetterEditor(self.store, guid, sender=self.sender_party(), actor=self.actor)
            self._add_editor(editor, guid)
            if summary.state == State.REJECTED and summary.reject_reason:
                editor._banner.setText(self.tr("Returned by the server: %1").replace("%1", summary.reject_reason))
                editor._banner.show()
            return editor
        details = LetterDetails(self.store, guid)
        details.correctRequested.connect(self._correct)
        details.openLetterRequested.connect(self.open_letter)
        self._add_tab(details, guid, details.title())
        return details

    def _correct(self, guid: str) -> None:
        self.close_tab(self.tabs.indexOf(self._open[guid]))
        self.open_letter(guid)

    def _add_tab(self, widget: QWidget, guid: str | None, title: str) -> None:
        if guid is not None:
            self._open[guid] = widget
        index = self.tabs.addTab(widget, title)
        self.tabs.setTabToolTip(index, title)
        self.tabs.setCurrentIndex(index)

    def _add_editor(self, editor: LetterEditor, guid: str | None = None) -> None:
        self._add_tab(editor, guid, editor.title())
        editor.titleChanged.connect(lambda title: self._retitle(editor, title))
        editor.saved.connect(lambda g: self._editor_saved(editor, g))
        editor.submitForSignature.connect(self.submit_for_signature)
        editor.readyToClose.connect(lambda: self._editor_ready_to_close(editor))

    def _retitle(self, widget: QWidget, title: str) -> None:
        index = self.tabs.indexOf(widget)
        if index > 0:
            self.tabs.setTabText(index, title)

    def _editor_saved(self, editor: LetterEditor, guid: str) -> None:
        self._open[guid] = editor
        self._retitle(editor, editor.title())

    def close_tab(self, index: int) -> bool:
        """Close a letter's tab; an editor still saving closes when its save is through."""
        widget = self.tabs.widget(index)
        if index <= 0 or widget is None:
            return False
        if isinstance(widget, LetterEditor) and not widget.flush():
            return False
        self.tabs.removeTab(index)
        for guid in [g for g, w in self._open.items() if w is widget]:
            del self._open[guid]
        widget.deleteLater()
        return True

    def _close_tab_requested(self, index: int) -> None:
        self._closing = False  # the user is closing a tab, not (any more) the window
        self.close_tab(index)

    def _editor_ready_to_close(self, editor: LetterEditor) -> None:
        self.close_tab(self.tabs.indexOf(editor))
        if self._closing:  # the window was closing when this editor still had to save
            self._closing = False
            self.close()

    def submit_for_signature(self, guid: str) -> None:
        store, actor = self.store, self.actor

        def work(_ctx: OpContext) -> Changes:
            return submit_for_signature(store, guid, actor=actor)

        StoreOp(self, work).success(lambda _changes: self._submitted(guid)).failure(self._submit_failed).run()

    def _submitted(self, guid: str) -> None:
        widget = self._open.get(guid)
        if widget is not None:
            self.close_tab(self.tabs.indexOf(widget))
        self.show_message(self.tr("The letter was sent for signature."))

    def _submit_failed(self, exc: BaseException) -> None:
        self.warn(self.tr("Letters"), getattr(exc, "message_fa", None)
                  or self.tr("The letter could not be sent for signature."))

    # --- messages -----------------------------------------------------------------------

    def show_message(self, text: str, ms: int = 8000) -> None:
        """A passing message in the status bar for ``ms`` milliseconds."""
        self.messages.append(text)
        self._set_message(text)
        self._message_timer.start(ms)

    def _set_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.status_label.setVisible(not text)  # the letter count gives the message its room meanwhile

    def current_message(self) -> str:
        """The passing message shown now, in full ("" when none)."""
        return self.message_label.fullText()

    def warn(self, title: str, text: str) -> None:
        self.last_warning = (title, text)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # never blocks the event loop (the sync engine keeps reporting)

    # --- sync ---------------------------------------------------------------------------

    def attach_bridge(self, bridge: SyncBridge) -> None:
        self.bridge = bridge
        bridge.statusChanged.connect(self._on_sync_status)
        bridge.letterEvent.connect(self._on_letter_event)
        bridge.letterEvent.connect(self.incoming.on_sync_event)
        bridge.letterEvent.connect(self.upload_progress.on_event)
        bridge.letterEvent.connect(self.outbox.on_sync_event)
        bridge.statusChanged.connect(self.upload_progress.on_status)
        self._on_sync_status(bridge.status)

    def sync_now(self, *, quiet: bool = False) -> None:
        if self.bridge is not None:
            self._manual_sync = self._manual_sync or not quiet
            self.bridge.sync_now()
        elif not quiet:
            self.show_message(self.tr("Log in to the server first (Server menu)."))

    def show_login(self) -> LoginDialog:
        dialog = LoginDialog(self.store, self)
        dialog.loggedIn.connect(self._logged_in)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    def _logged_in(self, _info: dict) -> None:
        self.show_message(self.tr("Logged in to the server."))
        if self.bridge is None:
            self.attach_bridge(SyncBridge(self.store, self))
            assert self.bridge is not None
            self.bridge.start()
        else:
            self.bridge.sync_now()

    def _on_sync_status(self, status: dict[str, Any]) -> None:
        online = status.get("online")
        if status.get("running"):
            text, color = self.tr("Synchronizing…"), "#0d47a1"
        elif online is True:
            text, color = self.tr("Online"), "#1b5e20"
        elif online is False:
            text, color = self.tr("Offline"), "#b71c1c"
        else:
            text, color = self.tr("Not connected to the server"), "#6d4c41"
        self.sync_label.setText(f"● {text}")
        self.sync_label.setStyleSheet(f"color: {color};")
        problem = str(status.get("error_fa") or "")  # Persian; the English details are in the log
        self.sync_label.setToolTip(problem)
        self.queue_label.setText(self.tr("Queue: %1").replace("%1", persian_number(int(status.get("pending") or 0))))
        last = status.get("last_sync")  # the last sync that reached the server, not the last try
        if last:
            when = format_datetime(dt.datetime.fromisoformat(last))
            self.last_sync_label.setText(self.tr("Last successful sync: %1").replace("%1", when))
        if status.get("running"):
            return
        self.outbox_notice.setText(problem)
        self.outbox_notice.setVisible(bool(problem))
        if self._manual_sync:
            self._manual_sync = False
            self.show_message(problem or self.tr("Synchronized with the server."))

    def _letter_name(self, guid: str) -> str | None:
        """How a notice names a letter (its subject); None for a letter this profile does not hold."""
        summary = letter_summary(self.store, guid)
        return summary.subject if summary is not None else None

    def _on_letter_event(self, name: str, data: dict[str, Any]) -> None:
        guid = str(data.get("guid", ""))
        if name not in ("rejected", "acknowledged"):
            return
        letter = self._letter_name(guid)
        if letter is None:
            return  # not a letter of this profile: nothing to say about it
        if name == "rejected":
            text = self.tr("The letter “%1” was returned by the server: %2")
            self.notifier.notify(self.tr("Letter returned"),
                                 text.replace("%1", letter).replace("%2", str(data.get("reason", ""))), warning=True,
                                 on_click=lambda: self.open_letter(guid))
        else:
            text = (self.tr("The letter “%1” was registered by the recipient.") if data.get("status") == "registered"
                    else self.tr("The letter “%1” was delivered to the recipient."))
            self.notifier.notify(self.tr("Letter delivered"), text.replace("%1", letter),
                                 on_click=lambda: self.open_letter(guid))

    # --- actions --------------------------------------------------------------------

    def refresh(self) -> None:
        """Read everything again (Ctrl+R), e.g. after another program changed the store."""
        self.model.refresh()
        self.folders.load_counts()
        if self.outbox.isVisible():
            self.outbox.refresh()

    def show_admin_window(self) -> AdminWindow:
        """The agency administrator's window (one at a time: it is brought forward when open)."""
        if self.admin_window is None:
            self.admin_window = AdminWindow(self.store, parent=self)
            self.admin_window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.admin_window.destroyed.connect(lambda _obj=None: setattr(self, "admin_window", None))
        self.admin_window.show()
        self.admin_window.raise_()
        self.admin_window.activateWindow()
        return self.admin_window

    def show_rasad_reports(self) -> RasadReportsWindow:
        """The Rasad reports window (one at a time: it is brought forward when open)."""
        if self.rasad_reports is None:
            self.rasad_reports = RasadReportsWindow(self.store, parent=self)
            self.rasad_reports.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.rasad_reports.destroyed.connect(lambda _obj=None: setattr(self, "rasad_reports", None))
        self.rasad_reports.show()
        self.rasad_reports.raise_()
        self.rasad_reports.activateWindow()
        return self.rasad_reports

    def show_cartable(self) -> None:
        """The cartable in the window (its folder chosen), in front of any open letter."""
        self.tabs.setCurrentIndex(0)
        self.folders.select_cartable()
        self.lists.setCurrentWidget(self.cartable)

    def _on_cartable_counted(self, unread: int, overdue: int) -> None:
        self.folders.set_cartable_count(unread)
        self.overdue_button.setText(self.tr("%1 overdue referrals").replace("%1", persian_number(overdue)))
        self.overdue_button.setToolTip(self.tr("Show the overdue referrals in the cartable"))
        self.overdue_button.setVisible(overdue > 0)

    def _on_cartable_painted(self, _rows: int) -> None:
        """Staff start on the cartable: the window is ready once its first page is painted."""
        model = self.cartable.model
        if model.asked and not model.loading and not self._ready_sent:
            self._ready_sent = True
            self.ready.emit()

    def _on_folder(self, folder: Place) -> None:
        self.lists.setCurrentIndex(0)
        self.status_label.setText(self.tr("Loading…"))
        self.model.set_folder(folder)
        self.outbox_box.setVisible(folder is Folder.OUTBOX)  # the panel reads its rows when shown

    def _on_reloaded(self) -> None:
        if not self._loaded_once:  # the list first: counting every folder would slow it down
            self.folders.load_counts()
        self._loaded_once = True
        self.status_label.setText(self.tr("Counting…"))
        self.table.viewport().update()  # an empty result must still produce the paint "ready" waits for

    def _on_counted(self, total: int) -> None:
        self.table.empty_text = self.tr("No results found") if self.model.query and not total else ""
        if self.model.query and not total:
            self.status_label.setText(self.tr("No results found"))
        elif self.model.query:
            text = (self.tr("%1 letters in all folders match “%2”") if self.model.all_folders
                    else self.tr("%1 letters match “%2”")).replace("%1", persian_number(total))
            self.status_label.setText(text.replace("%2", self.model.query))
        else:
            self.status_label.setText(self.tr("%1 letters").replace("%1", persian_number(total)))

    def _on_load_failed(self, message: object) -> None:
        self.status_label.setText(self.tr("Could not read the letters: %1").replace("%1", str(message)))

    def _on_painted(self, rows: int) -> None:
        if rows and not self._rows_painted_sent:
            self._rows_painted_sent = True
            self.first_rows_painted.emit(time.perf_counter())
        if self._loaded_once and not self._ready_sent:
            self._ready_sent = True
            self.ready.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # The user's name is whole when there is room; on a narrow window it gives way (elided)
        # rather than squeezing out the messages, which take what the others leave.
        self.user_label.setMaximumWidth(max(120, self.width() // 2))

    def closeEvent(self, event: QCloseEvent) -> None:
        for index in range(self.tabs.count() - 1, 0, -1):
            if not self.close_tab(index):
                editor = self.tabs.widget(index)
                # Still saving: the window closes once it is through. Otherwise the user kept it open.
                self._closing = isinstance(editor, LetterEditor) and editor.closing
                event.ignore()
                return
        if self.bridge is not None:
            self.bridge.stop()
        self.model.wait()  # no query may outlive the store it reads
        self.cartable.model.wait()
        super().closeEvent(event)
