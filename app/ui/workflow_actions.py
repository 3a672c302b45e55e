"""The secretary's and signatory's actions on the main window: sign, sync, print, export, log in.

Kept apart from :mod:`app.ui.main_window` (layout, folders, tabs) so that each stays small; the
actions see the window only through the narrow :class:`Host` interface. Every long step (reading
the letters to sign, storing signatures, rendering or signing a PDF, the network) runs through
:class:`app.ui.ops.Op`, and token work through the application's
:class:`app.ui.token_service.TokenService`.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QWidget

from app.models.db import Store
from app.models.folders import LetterRow
from app.models.letter_actions import (
    ApplyReport,
    SignatoryRule,
    apply_signatures,
    packages_for,
    signatory_rule,
)
from app.models.letter_details import Details, read_details
from app.models.letter_lookup import printable_view
from app.models.letter_view import LetterView, NotRegistered
from app.models.profile import (
    last_token_setting,
    pdf_folder,
    remember_last_token,
    server_base_setting,
    token_module,
)
from app.protocol.certificates import describe_certificate
from app.protocol.jalali import format_datetime
from app.protocol.package import LetterPackage
from app.protocol.persian import ltr_island, to_persian_digits
from app.sync import account
from app.sync.outbox import queue_letter
from app.token.modules import module_path
from app.ui.file_dialogs import ask, pdf_save_dialog
from app.ui.incoming_details import paper_sheet_html
from app.ui.ops import Op, OpContext, StoreOp
from app.ui.token_service import TokenService

if TYPE_CHECKING:
    from app.token.pades import VisibleSignature
    from app.ui.pdf_sign_dialog import PdfSignDialog
    from app.ui.sign_dialog import SignDialog

PRINTABLE = ("registered", "sent", "delivered", "acknowledged")
# A received letter is printed for the paper file as the sender's letter (not signed again by us).
PRINTABLE_RECEIVED = ("received", "incoming_provisional", "registered_incoming")


def visible_signature(view: LetterView, stamp_pdf: Path, certificate_der: bytes) -> VisibleSignature:
    """The signature as the page shows it, in the letter's signature block: «امضای الکترونیکی», the
    signer (named as the letter prints them, else by the certificate), their title and the time."""
    from app.token.pades import VisibleSignature
    from app.ui.letter_print import render_signature_stamp, signature_block

    cert = describe_certificate(certificate_der)
    listed = next((s for s in view.signatories if cert.national_code and s.national_code == cert.national_code), None)
    name = listed.name if listed is not None else cert.common_name or ""
    lines = [("امضای الکترونیکی", True), (name, True)]
    if listed is not None and listed.title:
        lines.append((listed.title, False))
    lines.append(("زمان امضا: " + format_datetime(dt.datetime.now(dt.UTC)), False))
    block = signature_block(view)
    render_signature_stamp(stamp_pdf, block, lines)
    return VisibleSignature(block.page, block.box, stamp_pdf)


def server_base(store: Store) -> str:
    """The verification address printed in the QR code: the account's server, else a setting."""
    acct = account.load_account(store)
    return acct.server_url if acct is not None else server_base_setting(store)


class Host(Protocol):
    """What the actions need from the window that shows them."""

    @property
    def actor(self) -> str: ...

    def selected_rows(self) -> list[LetterRow]: ...

    def action_targets(self) -> list[tuple[str, str]]: ...

    def new_letter(self, kind: str = "outgoing") -> object: ...

    def open_selected(self) -> None: ...

    def show_login(self) -> object: ...

    def sync_now(self, *, quiet: bool = False) -> None: ...

    def show_message(self, text: str, ms: int = 8000) -> None: ...

    def warn(self, title: str, text: str) -> None: ...


class WorkflowActions(QObject):
    """Owns the workflow QActions of one main window (``widget``) and what they do."""

    def __init__(self, store: Store, host: Host, widget: QWidget) -> None:
        super().__init__(widget)
        self.store = store
        self.host = host
        self.widget = widget
        self.token_service = TokenService.instance()
        self.sign_dialog: SignDialog | None = None
        self.pdf_sign_dialog: PdfSignDialog | None = None
        self.last_apply: ApplyReport | None = None
        # Tests replace this: where to save (instead of the file dialog).
        self.ask_save_path: Callable[[str, str], str] = self._ask_save_path

        h = host
        self.new_outgoing = self._action(self.tr("New outgoing letter"), QKeySequence("Ctrl+N"),
                                         lambda: h.new_letter("outgoing"))
        self.new_internal = self._action(self.tr("New internal letter"), QKeySequence("Ctrl+Shift+N"),
                                         lambda: h.new_letter("internal"))
        self.open_letter = self._action(self.tr("Open"), None, h.open_selected)
        self.sign = self._action(self.tr("Sign"), QKeySequence("Ctrl+Shift+S"), self.sign_selected)
        self.sync = self._action(self.tr("Synchronize"), QKeySequence("F5"), h.sync_now)
        self.print = self._action(self.tr("Print"), QKeySequence("Ctrl+P"), self.print_selected)
        self.export_pdf = self._action(self.tr("Export PDF"), None, self.export_selected_pdf)
        self.export_signed_pdf = self._action(self.tr("Export signed PDF"), None,
                                              self.export_selected_signed_pdf)
        self.login = self._action(self.tr("Log in to the server"), None, h.show_login)

    def _action(self, text: str, keys: QKeySequence | None, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self.widget)
        if keys is not None:
            action.setShortcut(keys)
            action.setToolTip(f"{text} ({keys.toString(QKeySequence.SequenceFormat.NativeText)})")
        action.triggered.connect(lambda _checked=False: slot())
        self.widget.addAction(action)
        return action

    def update_enabled(self, states: list[str]) -> None:
        """Enable what makes sense for the selected letters' states."""
        self.sign.setEnabled(bool(states) and all(s == "awaiting_signature" for s in states))
        one = states[0] if len(states) == 1 else None
        for action in (self.print, self.export_pdf):
            action.setEnabled(one in PRINTABLE or one in PRINTABLE_RECEIVED)
        self.export_signed_pdf.setEnabled(one in PRINTABLE)
        self.open_letter.setEnabled(len(states) == 1)

    def _with_tokens(self, path: str, then: Callable[[], None]) -> None:
        """Load the token module (on a worker, once), then continue on the GUI thread."""
        self.token_service.load(self.widget, path).success(lambda _none: then()).failure(self._token_failed).run()

    # --- signing ------------------------------------------------------------------------

    def sign_selected(self) -> None:
        guids = [r.guid for r in self.host.selected_rows() if r.state == "awaiting_signature"]
        if not guids:
            self.host.show_message(self.tr("Select the letters to sign in the “Awaiting signature” folder."))
            return
        store = self.store

        def work(_ctx: OpContext) -> tuple[list[LetterPackage], str, SignatoryRule, tuple[str, str] | None]:
            packages = packages_for(store, guids)
            rule = signatory_rule(store, [p.guid for p in packages])
            return packages, module_path(token_module(store)) if packages else "", rule, last_token_setting(store)

        Op(self.widget, work).success(self._packages_read).failure(self._token_failed).run()

    def _packages_read(self, read: tuple[list[LetterPackage], str, SignatoryRule, tuple[str, str] | None]) -> None:
        packages, path, rule, last = read
        if not packages:
            self.host.show_message(self.tr("None of the selected letters is awaiting signature any more."))
            return
        self._with_tokens(path, lambda: self._open_sign_dialog(packages, rule, last))

    def _open_sign_dialog(self, packages: list[LetterPackage], rule: SignatoryRule,
                          last: tuple[str, str] | None) -> None:
        from app.ui.sign_dialog import SignDialog  # pyHanko: loaded when someone signs, not at start-up

        dialog = SignDialog(packages, self.token_service, self.widget, rule=rule, last_token=last)
        dialog.token_used.connect(self._remember_token)
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
        store, signer, actor = self.store, dialog.signer_info, self.host.actor

        def work(_ctx: OpContext) -> ApplyReport:
            return apply_signatures(store, fresh, signer, queue=queue_letter, actor=actor)

        StoreOp(self.widget, work).success(self._signatures_stored).failure(self._failed).run()

    def _signatures_stored(self, report: ApplyReport) -> None:
        self.last_apply = report
        if report.queued:
            self.host.show_message(self.tr("%1 signed letters were queued for sending.")
                                   .replace("%1", to_persian_digits(len(report.queued))))
        if report.refused:
            subjects = "، ".join(f"«{s}»" for s, _ in report.refused)
            self.host.warn(self.tr("Signature not stored"),
                           self.tr("These letters changed after they were prepared for signing and were left "
                                   "unchanged: %1. %2").replace("%1", subjects).replace("%2", report.refused[0][1]))
        self.host.sync_now(quiet=True)

    def _remember_token(self, label: str, serial: str) -> None:
        store = self.store
        StoreOp(self.widget, lambda _ctx: remember_last_token(store, label, serial)).failure(self._failed).run()

    def _token_failed(self, exc: BaseException) -> None:
        self.host.warn(self.tr("Signing token"), getattr(exc, "message_fa", None) or str(exc))

    def _failed(self, exc: BaseException) -> None:
        self.host.warn(self.tr("Error"), getattr(exc, "message_fa", None)
                       or self.tr("An unexpected error occurred; the details were written to the log."))

    # --- print and PDF ------------------------------------------------------------------

    def _selected_view(self) -> LetterView | None:
        if not server_base(self.store):  # the QR code's verification address cannot be left out
            self.host.warn(self.tr("Print"), self.tr("The server address is not set; log in to the server first."))
            return None
        targets = self.host.action_targets()
        if len(targets) != 1:
            return None
        guid = targets[0][0]
        try:
            return printable_view(self.store, guid)
        except NotRegistered as exc:
            self.host.show_message(exc.message_fa)
            return None

    def _selected_paper(self) -> Details | None:
        """The one selected letter if it came on paper: printed as its registration sheet."""
        targets = self.host.action_targets()
        if len(targets) != 1:
            return None
        try:
            d = read_details(self.store, targets[0][0])
        except LookupError:
            return None
        return d if d.extra.get("channel") == "paper" else None

    def print_selected(self) -> None:
        from app.ui.letter_print import print_letter, print_sheet

        paper = self._selected_paper()
        if paper is not None:
            print_sheet(paper_sheet_html(paper), paper.subject, self.widget)
            return
        view = self._selected_view()
        if view is not None:
            print_letter(view, self.widget, server_base=server_base(self.store))

    def save_dialog(self, title: str, suggested: str) -> QFileDialog:
        """Where to save a PDF (Persian, in the PDF folder of the settings, else the user's Documents)."""
        return pdf_save_dialog(self.widget, title, suggested, pdf_folder(self.store))

    def _ask_save_path(self, title: str, suggested: str) -> str:
        return ask(self.save_dialog(title, suggested))

    def _pdf_name(self, view: LetterView) -> str:
        return f"{view.shams.canonical}.pdf"

    def export_selected_pdf(self) -> Op[Path] | None:
        paper = self._selected_paper()
        if paper is not None:
            return self._export_sheet(paper)
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

        self.host.show_message(self.tr("Writing the PDF…"))
        return Op(self.widget, work).success(self._pdf_written).failure(self._failed).run()

    def _export_sheet(self, d: Details) -> Op[Path] | None:
        number = str(d.extra.get("incoming_number") or self.tr("provisional")).replace("/", "-")
        path = self.ask_save_path(self.tr("Export PDF"), f"{self.tr('incoming')}-{number}.pdf")
        if not path:
            return None
        sheet = paper_sheet_html(d)

        def work(_ctx: OpContext) -> Path:
            from app.ui.letter_print import render_sheet_pdf

            return render_sheet_pdf(sheet, d.subject, path)

        self.host.show_message(self.tr("Writing the PDF…"))
        return Op(self.widget, work).success(self._pdf_written).failure(self._failed).run()

    def _pdf_written(self, path: Path) -> None:
        self.host.show_message(self.tr("The PDF was saved: %1").replace("%1", ltr_island(str(path))))

    def export_selected_signed_pdf(self) -> Op[tuple[str, tuple[str, str] | None]] | None:
        view = self._selected_view()
        if view is None:
            return None
        # its own name: the plain PDF of the same letter is not overwritten by accident
        path = self.ask_save_path(self.tr("Export signed PDF"), f"{view.shams.canonical}-{self.tr('signed')}.pdf")
        if not path:
            return None
        store, base = self.store, server_base(self.store)
        unsigned = Path(tempfile.mkdtemp(prefix="dabir-pdf-")) / "letter.pdf"

        def work(_ctx: OpContext) -> tuple[str, tuple[str, str] | None]:
            from app.ui.letter_print import render_letter_pdf

            render_letter_pdf(view, unsigned, server_base=base)
            return module_path(token_module(store)), last_token_setting(store)

        # The PDF is signed by whom the letter names as its signatories (the same token choice).
        rule = SignatoryRule.of([(view.subject, frozenset(s.national_code for s in view.signatories
                                                          if s.national_code))])

        def ready(read: tuple[str, tuple[str, str] | None]) -> None:
            module, last = read
            self._with_tokens(module, lambda: self._open_pdf_sign_dialog(unsigned, Path(path), view, rule, last))

        return Op(self.widget, work).success(ready).failure(self._token_failed).run()

    def _open_pdf_sign_dialog(self, unsigned: Path, output: Path, view: LetterView, rule: SignatoryRule,
                              last: tuple[str, str] | None) -> None:
        from app.token.pades import sign_pdf  # pyHanko: loaded when someone signs, not at start-up
        from app.ui.pdf_sign_dialog import PdfSignDialog

        reason = self.tr("Official letter signature")

        def signer(inp: Path, out: Path, token_signer: Any) -> Path:
            visible = visible_signature(view, inp.with_name("stamp.pdf"), token_signer.signing_cert.dump())
            return sign_pdf(inp, out, token_signer, reason=reason, location="", visible=visible)

        dialog = PdfSignDialog(unsigned, output, self.token_service, signer, view.subject, self.widget,
                               rule=rule, last_token=last)
        dialog.token_used.connect(self._remember_token)
        dialog.signed.connect(self._pdf_written)
        dialog.finished.connect(dialog.deleteLater)
        self.pdf_sign_dialog = dialog
        dialog.open()
