"""A read-only view of one letter: parties, state, SHAMS, signatures, receipt, acknowledgements.

Everything it shows is read in one short snapshot (:func:`app.models.letter_details.read_details`)
and rendered as right-to-left rich text; a rejected letter leads with the server's reason. It
re-reads itself when a store change touches its letter.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from app.models.changes import Changes
from app.models.db import Store
from app.models.letter_details import Details, Party, Reference, read_details
from app.models.letter_lookup import own_desk
from app.models.profile import read_setting
from app.protocol.jalali import format_datetime
from app.protocol.persian import to_persian_digits
from app.protocol.shams import display_text
from app.sync.account import SENDER_SETTING
from app.ui.archive_tree import archive_rows
from app.ui.attachments_panel import AttachmentsViewer, fetch_attachment
from app.ui.incoming_details import incoming_rows
from app.ui.labels import classification_name, priority_name, state_name
from app.ui.referral_rows import referral_rows
from app.ui.store_changes import StoreChanges
from app.ui.verification_banner import VerificationBanner, VerificationDialog

BANNER_STYLE = "background: #fdecea; color: #b71c1c; border: 1px solid #ef9a9a; border-radius: 4px; padding: 8px;"


def _cn(subject: str) -> str:
    for part in subject.replace("/", ",").split(","):
        key, _, value = part.strip().partition("=")
        if key.strip().upper() == "CN" and value:
            return value.strip()
    return subject


class LetterDetails(QWidget):
    """Shows one letter; ``correctRequested`` asks to reopen a rejected letter as a draft."""

    correctRequested = Signal(str)
    openLetterRequested = Signal(str)  # a referenced letter (عطف/پیرو) was clicked: its GUID

    def __init__(self, store: Store, guid: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("letterDetails")
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.store = store
        self.guid = guid
        self.details: Details | None = None

        self.heading = QLabel()
        self.heading.setObjectName("detailsHeading")
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.heading.setFont(font)
        self.state_label = QLabel()
        self.state_label.setObjectName("detailsState")
        self.state_label.setStyleSheet("padding: 2px 10px; border-radius: 9px; background: #e3f2fd; color: #0d47a1;")
        self.banner = QLabel()
        self.banner.setObjectName("rejectBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.verification_banner = VerificationBanner()  # incoming letters: the signature verdict
        self.verification_banner.clicked.connect(self.show_verification)
        self.correct_button = QPushButton(self.tr("Correct and resubmit"))
        self.correct_button.clicked.connect(lambda: self.correctRequested.emit(self.guid))
        self.info = QTextBrowser()
        self.info.setObjectName("detailsInfo")
        self.info.setOpenLinks(False)
        self.info.anchorClicked.connect(self._anchor_clicked)
        self.body = QTextBrowser()
        self.body.setObjectName("detailsBody")
        option = QTextOption(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignAbsolute)
        option.setTextDirection(Qt.LayoutDirection.RightToLeft)  # Qt's rich text ignores the widget's direction
        for browser in (self.info, self.body):
            browser.document().setDefaultTextOption(option)
            browser.setLayoutDirection(Qt.LayoutDirection.RightToLeft)

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.state_label, 0, Qt.AlignmentFlag.AlignTop)
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.correct_button, 0, Qt.AlignmentFlag.AlignVCenter)
        # The letter's attachments (a paper letter's scans too): opened or saved, downloaded on demand.
        self.attachments = AttachmentsViewer(store, guid, fetch_attachment, self)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.info)
        splitter.addWidget(self.body)
        splitter.setSizes([440, 160])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(banner_row)
        layout.addWidget(self.verification_banner)
        layout.addWidget(self.attachments)
        layout.addWidget(splitter, 1)
        self.reload()
        StoreChanges.instance().changed.connect(self._on_store_changed)

    # --- public -------------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read the letter (one small snapshot read) and show it."""
        self.details = read_details(self.store, self.guid)
        self._render(self.details)
        self.attachments.refresh()

    def _on_store_changed(self, changes: Changes, _handler: object) -> None:
        if changes.touches(self.guid):
            self.reload()

    def text(self) -> str:
        """Everything shown, as plain text (tests and accessibility)."""
        parts = [self.heading.text(), self.state_label.text()]
        if not self.banner.isHidden():
            parts.append(self.banner.text())
        if not self.verification_banner.isHidden():
            parts.append(self.verification_banner.text())
        return "\n".join([*parts, self.info.toPlainText(), self.body.toPlainText()])

    def _anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() == "letter" and url.path():
            self.openLetterRequested.emit(url.path())

    def show_verification(self) -> VerificationDialog | None:
        """The verdict's details (certificate chains, validity, revocation, receipt) in a dialog."""
        if self.details is None or self.details.kind != "incoming":
            return None
        dialog = VerificationDialog(self.store, self.details, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def title(self) -> str:
        return self.details.subject if self.details else ""

    # --- rendering ----------------------------------------------------------------------

    def _render(self, d: Details) -> None:
        self.heading.setText(d.subject)
        self.state_label.setText(state_name(d.state, on_paper=d.on_paper))
        rejected = d.state == "rejected"
        self.banner.setVisible(rejected)
        self.correct_button.setVisible(rejected)
        if d.kind == "incoming" and d.extra.get("channel") != "paper":  # paper: no electronic signature
            self.verification_banner.show_verdict(d)
        else:
            self.verification_banner.setVisible(False)
        if rejected:
            reason = d.reject_reason or self.tr("The server did not give a reason.")
            self.banner.setText(self.tr("Returned by the server: %1").replace("%1", reason))
        self.info.setHtml(self._info_html(d))
        if "<" in d.body:
            self.body.setHtml(d.body)
        else:
            self.body.setPlainText(d.body)

    def _row(self, label: str, value: str) -> str:
        # Qt's rich-text tables do not mirror columns in right-to-left text: the value cell comes
        # first in the source so that the label ends up on the right.
        return f"<tr><td>{value}</td>" \
               f'<td style="color:#555; padding-right:16px; white-space:nowrap;">{html.escape(label)}</td></tr>'

    def _info_html(self, d: Details) -> str:
        e = html.escape
        rows = [self._row(self.tr("Sender:"), e(d.sender))]
        paper = d.extra.get("channel") == "paper"  # no SHAMS, receipt or signatures: its facts are below
        # a paper letter is written to the agency's secretariat: the desk that reads it, or (for a
        # colleague it is referred to, whose own unit is not it) the agency
        me = self._me()
        roles = me.get("roles")
        desk = me if isinstance(roles, list) and "secretary" in roles else {"agency": me.get("agency")}
        to = [p.name for p in d.parties if p.role == "to"] or ([own_desk(self.store, desk)] if paper else [])
        cc = [p.name for p in d.parties if p.role == "cc"]
        rows.append(self._row(self.tr("Recipients:"), e("، ".join(to)) or "—"))
        if cc:
            rows.append(self._row(self.tr("Copies:"), e("، ".join(cc))))
        rows.append(self._row(self.tr("Priority:"), e(priority_name(d.priority))))
        rows.append(self._row(self.tr("Classification:"), e(classification_name(d.classification))))
        if paper:  # a person's or company's letter names its channel (a portal's is not on paper)
            unsigned = (self.tr("It has no electronic signature") if d.extra.get("citizen_channel")
                        else self.tr("A paper letter; it has no electronic signature"))
            rows.append(self._row(self.tr("Signature:"), e(unsigned)))
        else:
            rows.append(self._row(self.tr("Number (SHAMS):"), e(display_text(d.shams)) or self.tr("Not numbered yet")))
            if d.registered_at is not None:
                rows.append(self._row(self.tr("Registered on:"), e(format_datetime(d.registered_at))))
            rows.append(self._row(self.tr("Server receipt:"), self._receipt_text(d)))
        for ref in d.references:
            label = self.tr("In reply to:") if ref.kind == "in_reply_to" else self.tr("Follow-up of:")
            rows.append(self._row(label, self._reference_html(ref)))
        rows += incoming_rows(self._row, d.extra)
        rows += archive_rows(self._row, self.store, d.guid)  # «پرونده: …، شماره …»
        rows += referral_rows(self._row, self.store, d.guid)  # «ارجاع: «برای اقدام» از …»، هامش، مهلت
        out = [f'<table dir="rtl" align="right" cellspacing="4">{"".join(rows)}</table>']
        if paper:
            return f'<div dir="rtl">{"".join(out)}</div>'

        signatures_title = self.tr("Signatures")
        out.append(f"<h4>{e(signatures_title)}</h4>")
        if d.signatures:
            items = []
            for subject, code, at in d.signatures:
                line = e(_cn(subject) or self.tr("Unknown signer"))
                if code:
                    line += " — " + e(self.tr("national code %1").replace("%1", to_persian_digits(code)))
                if at is not None:
                    line += " — " + e(format_datetime(at))
                items.append(f"<li>{line}</li>")
            out.append(f'<ul dir="rtl">{"".join(items)}</ul>')
        else:
            not_signed = self.tr("Not signed yet.")
            out.append(f"<p>{e(not_signed)}</p>")

        # a letter handed over or posted (a citizen's answer) gets no acknowledgement to wait for
        if d.kind != "incoming" and d.state in ("sent", "delivered", "acknowledged") and not d.on_paper:
            acks_title = self.tr("Acknowledgements")
            out.append(f"<h4>{e(acks_title)}</h4>")
            items = [f"<li>{e(p.name)}: {e(self._ack_text(p))}</li>" for p in d.parties]
            out.append(f'<ul dir="rtl">{"".join(items)}</ul>')
        return f'<div dir="rtl">{"".join(out)}</div>'

    def _me(self) -> dict[str, object]:
        value = read_setting(self.store, SENDER_SETTING)
        return value if isinstance(value, dict) else {}

    def _reference_html(self, ref: Reference) -> str:
        """The referenced letter's number (and subject and date when held), a link when it can be opened."""
        text = display_text(ref.shams) or self.tr("Not numbered yet")
        if ref.registered_at is not None:
            text += " — " + format_datetime(ref.registered_at)
        if ref.subject:
            text += " — " + ref.subject
        if not ref.held:
            return html.escape(text)
        return f'<a href="letter:{html.escape(ref.guid)}">{html.escape(text)}</a>'

    def _receipt_text(self, d: Details) -> str:
        if d.receipt == "verified":
            verified = self.tr("Received and verified")
            return f'<span style="color:#1b5e20;">{html.escape(verified)}</span>'
        if d.receipt == "invalid":
            text = self.tr("Received but NOT valid")
            if d.receipt_problem:
                text += "؛ " + d.receipt_problem
            return f'<span style="color:#b71c1c;">{html.escape(text)}</span>'
        if d.receipt == "unverified":
            return html.escape(self.tr("Received; not verified (no server certificate)"))
        return html.escape(self.tr("None yet"))

    def _ack_text(self, p: Party) -> str:
        when = format_datetime(p.ack_at) if p.ack_at is not None else ""
        if p.ack_state == "registered":
            number = display_text(p.ack_number) if p.ack_number else "—"
            return self.tr("Registered as incoming no. %1 on %2").replace("%1", number).replace("%2", when)
        if p.ack_state == "delivered":
            return self.tr("Delivered on %1").replace("%1", when)
        return self.tr("Awaiting acknowledgement")
