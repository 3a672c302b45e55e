"""The secretary's and signatory's actions on the main window: sign, sync, print, export, log in.

Kept apart from :mod:`app.ui.main_window` (layout, folders, tabs) so that each stays small.
Every long step (loading a token module, storing signatures, rendering or signing a PDF, the
network) runs through :class:`app.ui.ops.Op`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pkcs11
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog

from app.models.db import Store
from app.models.letter_view import LetterView, NotRegistered
from app.models.tables import Agency, Letter, Setting
from app.protocol.persian import to_persian_digits
from app.sync import account
from app.token.modules import load_module
from app.ui.ops import Op, OpContext
from app.ui.signing_flow import ApplyReport, apply_signatures, module_path, packages_for

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow
    from app.ui.sign_dialog import SignDialog

SERVER_BASE_SETTING = "server:base_url"
PRINTABLE = ("registered", "sent", "delivered", "acknowledged")


def server_base(store: Store) -> str:
    """The verification address printed in the QR code: the account's server, else a setting."""
    acct = account.load_account(store)
    if acct is not None:
        return acct.server_url
    with store.reader() as s:
        row = s.get(Setting, SERVER_BASE_SETTING)
        value = row.value if row is not None else None
    return str(value.get("url", "")) if isinstance(value, dict) else ""


def letter_view(store: Store, guid: str) -> LetterView:
    with store.reader() as s:
        letter = s.get(Letter, guid)
        if letter is None:
            raise LookupError(guid)
        agency = s.get(Agency, letter.sender_agency)
        return LetterView.from_letter(letter, agency_name=agency.name if agency else letter.sender_name)


class WorkflowActions(QObject):
    """Owns the workflow QActions of one main window and what they do."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.store: Store = window.store
        self.sign_dialog: SignDialog | None = None
        self.pin_dialog: Any = None
        self.last_apply: ApplyReport | None = None
        # Tests replace these: which library to sign with, where to save, and the PAdES signer.
        self.load_token_library: Callable[[], pkcs11.lib] = lambda: load_module(module_path(self.store))
        self.ask_save_path: Callable[[str, str], str] = self._ask_save_path
        self.sign_pdf: Callable[..., Path] | None = None

        w = window
        self.new_outgoing = self._action(self.tr("New outgoing letter"), QKeySequence("Ctrl+N"),
                                         lambda: w.new_letter("outgoing"))
        self.new_internal = self._action(self.tr("New internal letter"), QKeySequence("Ctrl+Shift+N"),
                                         lambda: w.new_letter("internal"))
        self.open_letter = self._action(self.tr("Open"), None, w.open_selected)
        self.sign = self._action(self.tr("Sign"), QKeySequence("Ctrl+Shift+S"), self.sign_selected)
        self.sync = self._action(self.tr("Synchronize"), QKeySequence("F5"), w.sync_now)
        self.print = self._action(self.tr("Print"), QKeySequence("Ctrl+P"), self.print_selected)
        self.export_pdf = self._action(self.tr("Export PDF"), None, self.export_selected_pdf)
        self.export_signed_pdf = self._action(self.tr("Export signed PDF"), None,
                                              self.export_selected_signed_pdf)
        self.login = self._action(self.tr("Log in to the server"), None, w.show_login)

    def _action(self, text: str, keys: QKeySequence | None, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self.window)
        if keys is not None:
            action.setShortcut(keys)
            action.setToolTip(f"{text} ({keys.toString(QKeySequence.SequenceFormat.NativeText)})")
        action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)
        return action

    def update_enabled(self, states: list[str]) -> None:
        """Enable what makes sense for the selected letters' states."""
        self.sign.setEnabled(bool(states) and all(s == "awaiting_signature" for s in states))
        one_printable = len(states) == 1 and states[0] in PRINTABLE
        for action in (self.print, self.export_pdf, self.export_signed_pdf):
            action.setEnabled(one_printable)
        self.open_letter.setEnabled(len(states) == 1)

    # --- signing ------------------------------------------------------------------------

    def sign_selected(self) -> None:
        guids = [r.guid for r in self.window.selected_rows() if r.state == "awaiting_signature"]
        if not guids:
            self.window.show_message(self.tr("Select the letters to sign in the “Awaiting signature” folder."))
            return
        store, loader = self.store, self.load_token_library

        def work(_ctx: OpContext) -> tuple[pkcs11.lib, list[Any]]:
            return loader(), packages_for(store, guids)

        Op(self.window, work).success(self._open_sign_dialog).failure(self._token_failed).run()

    def _open_sign_dialog(self, loaded: tuple[pkcs11.lib, list[Any]]) -> None:
        lib, packages = loaded
        if not packages:
            self.window.show_message(self.tr("None of the selected letters is awaiting signature any more."))
            return
        from app.ui.sign_dialog import SignDialog  # pyHanko: loaded when someone signs, not at start-up

        dialog = SignDialog(packages, lib, self.window)
        dialog.batch_finished.connect(lambda _result: self._store_signatures(dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.sign_dialog = dialog
        dialog.open()

    def _store_signatures(self, dialog: SignDialog) -> None:
        # Also after a cancel or a pulled token: the letters signed before it keep their signatures.
        fresh = [p for p in dialog.packages if p.signatures]
        if not fresh:
            return
        for p in fresh:  # each package is stored once, even if the dialog signs again
            dialog.packages.remove(p)
        store, signer, actor = self.store, dialog.signer_info, self.window.actor

        def work(_ctx: OpContext) -> ApplyReport:
            return apply_signatures(store, fresh, signer, actor=actor)

        Op(self.window, work).success(self._signatures_stored).failure(self._failed).run()

    def _signatures_stored(self, report: ApplyReport) -> None:
        self.last_apply = report
        if report.queued:
            self.window.show_message(self.tr("%1 signed letters were queued for sending.")
                                     .replace("%1", to_persian_digits(len(report.queued))))
        if report.refused:
            subjects = "، ".join(f"«{s}»" for s, _ in report.refused)
            self.window.warn(self.tr("Signature not stored"),
                             self.tr("These letters changed after they were prepared for signing and were left "
                                     "unchanged: %1. %2").replace("%1", subjects).replace("%2", report.refused[0][1]))
        self.window.reload_all()
        self.window.sync_now(quiet=True)

    def _token_failed(self, exc: BaseException) -> None:
        self.window.warn(self.tr("Signing token"), getattr(exc, "message_fa", None) or str(exc))

    def _failed(self, exc: BaseException) -> None:
        self.window.warn(self.tr("Error"), getattr(exc, "message_fa", None)
                         or self.tr("An unexpected error occurred; the details were written to the log."))

    # --- print and PDF ------------------------------------------------------------------

    def _selected_view(self) -> LetterView | None:
        if not server_base(self.store):  # the QR code's verification address cannot be left out
            self.window.warn(self.tr("Print"), self.tr("The server address is not set; log in to the server first."))
            return None
        targets = self.window.action_targets()
        if len(targets) != 1:
            return None
        guid = targets[0][0]
        try:
            return letter_view(self.store, guid)
        except NotRegistered as exc:
            self.window.show_message(exc.message_fa)
            return None

    def print_selected(self) -> None:
        from app.ui.letter_print import print_letter

        view = self._selected_view()
        if view is not None:
            print_letter(view, self.window, server_base=server_base(self.store))

    def _ask_save_path(self, title: str, suggested: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self.window, title, suggested, self.tr("PDF files (*.pdf)"))
        return path

    def _pdf_name(self, view: LetterView) -> str:
        return f"{view.shams.canonical}.pdf"

    def export_selected_pdf(self) -> Op[Path] | None:
        view = self._selected_view()
        if view is None:
            return None
        path = self.ask_save_path(self.tr("Export PDF"), self._pdf_name(view))
        if not path:
            return None
        base = server_base(self.store)

        def work(_ctx: OpContext) -> Path:
            from app.ui.letter_print import render_letter_pdf

            return render_letter_pdf(view, path, server_base=base)

        self.window.show_message(self.tr("Writing the PDF…"))
        return Op(self.window, work).success(self._pdf_written).failure(self._failed).run()

    def _pdf_written(self, path: Path) -> None:
        self.window.show_message(self.tr("The PDF was saved: %1").replace("%1", str(path)))

    def export_selected_signed_pdf(self) -> Op[Any] | None:
        view = self._selected_view()
        if view is None:
            return None
        path = self.ask_save_path(self.tr("Export signed PDF"), self._pdf_name(view))
        if not path:
            return None
        base, loader = server_base(self.store), self.load_token_library
        unsigned = Path(tempfile.mkdtemp(prefix="dabir-pdf-")) / "letter.pdf"

        def work(_ctx: OpContext) -> pkcs11.lib:
            from app.ui.letter_print import render_letter_pdf

            render_letter_pdf(view, unsigned, server_base=base)
            return loader()

        def ready(lib: pkcs11.lib) -> None:
            self._open_pin_dialog(unsigned, Path(path), lib, view.subject)

        return Op(self.window, work).success(ready).failure(self._token_failed).run()

    def _open_pin_dialog(self, unsigned: Path, output: Path, lib: pkcs11.lib, subject: str) -> None:
        from app.ui.pin_dialog import PinDialog

        sign_pdf = self.sign_pdf
        if sign_pdf is None:
            from app.token.pades import sign_pdf as pades_sign_pdf

            sign_pdf = pades_sign_pdf
        reason = self.tr("Official letter signature")

        def signer(inp: Path, out: Path, token_signer: object) -> Path:
            return sign_pdf(inp, out, token_signer, reason=reason, location="")

        dialog = PinDialog(unsigned, output, lib, signer, subject, self.window)
        dialog.signed.connect(self._pdf_written)
        dialog.finished.connect(dialog.deleteLater)
        self.pin_dialog = dialog
        dialog.open()


