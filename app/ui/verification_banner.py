"""The banner an incoming letter leads with: its signature valid (green: who signed it, when),
invalid (red: why, in plain Persian) or not checked yet (amber: why); a click opens the details
(the signers' certificate chains, validity, revocation and the server's receipt).

It only shows the verdict the sync engine stored when the letter arrived (the check itself runs on
the sync worker, never on the GUI thread).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent, QTextOption
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from app.models.db import Store
from app.models.letter_details import Details
from app.protocol.jalali import format_datetime
from app.protocol.persian import to_persian_digits
from app.protocol.receipt import parse_time
from app.sync.arrival import INVALID, UNCHECKED, VALID, certificate_chains
from app.ui.ops import Op

STYLES = {
    VALID: "background: #e8f5e9; color: #1b5e20; border: 1px solid #a5d6a7;",
    INVALID: "background: #fdecea; color: #b71c1c; border: 1px solid #ef9a9a;",
    UNCHECKED: "background: #fff8e1; color: #8d5a00; border: 1px solid #ffcc80;",
}


def _time(text: str | None) -> str:
    return format_datetime(parse_time(text)) if text else ""


def _join(items: list[str]) -> str:
    return "؛ ".join(i.rstrip(".") for i in items if i)


class VerificationBanner(QLabel):
    """One line (wrapped) about the letter's signature; ``clicked`` when the user asks for details."""

    clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verificationBanner")
        self.setWordWrap(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.status: str | None = None
        self.setToolTip(self.tr("Click for the certificate chain, validity and revocation status"))

    def show_verdict(self, d: Details) -> None:
        status = d.verify_status or UNCHECKED
        verdict = d.verification or {}
        self.status = status
        if status == VALID:
            people = [self._signer_text(s) for s in d.signers]
            text = self.tr("The signature is valid. Signed by %1").replace("%1", "؛ ".join(people))
        elif status == INVALID:
            reasons = _join(verdict.get("reasons_fa") or []) or self.tr("no reason was recorded")
            text = self.tr("The signature is NOT valid: %1").replace("%1", reasons)
            text += " " + self.tr("The letter is kept in the inbox; do not act on it before asking the sender.")
        else:
            why = _join(verdict.get("pending_fa") or []) or self.tr(
                "this letter arrived before incoming letters were verified; it is checked at the next sync")
            text = self.tr("The signature has not been checked yet: %1").replace("%1", why)
        self.setText(text)
        self.setStyleSheet(f"QLabel#verificationBanner {{ {STYLES[status]} border-radius: 4px; padding: 8px; }}")
        self.setVisible(True)

    def _signer_text(self, s: dict[str, Any]) -> str:
        parts = [s.get("name") or s.get("subject") or self.tr("Unknown signer")]
        if s.get("title"):
            parts.append(s["title"])
        if s.get("agency"):
            parts.append(s["agency"])
        if s.get("national_code"):
            parts.append(self.tr("national code %1").replace("%1", to_persian_digits(s["national_code"])))
        if s.get("signing_time"):
            parts.append(self.tr("signed on %1").replace("%1", _time(s["signing_time"])))
        return "، ".join(parts)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


class VerificationDialog(QDialog):
    """The details behind the banner: each signer's certificate chain with validity and
    revocation, the server's receipt and when the letter was checked."""

    def __init__(self, store: Store, d: Details, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verificationDialog")
        self.setWindowTitle(self.tr("Signature verification"))
        self.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        self.browser = QTextBrowser()
        option = QTextOption(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignAbsolute)
        option.setTextDirection(Qt.LayoutDirection.RightToLeft)
        self.browser.document().setDefaultTextOption(option)
        self.browser.setPlainText(self.tr("Reading the certificates…"))
        self.loaded = False
        guid = d.guid  # the store is read and the certificates parsed on a worker, not the GUI thread
        self._op = Op(self, lambda _ctx: certificate_chains(store, guid)).success(self._show(d)).failure(
            lambda _exc: self.browser.setPlainText(self.tr("The certificates could not be read."))).run()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Close"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(760, 560)

    def _show(self, d: Details) -> Callable[[list[list[dict[str, Any]]]], None]:
        def show(chains: list[list[dict[str, Any]]]) -> None:
            self.browser.setHtml(self._html(d, chains))
            self.loaded = True
        return show

    def text(self) -> str:
        return self.browser.toPlainText()

    def _html(self, d: Details, chains: list[list[dict[str, Any]]]) -> str:
        e = html.escape
        verdict = d.verification or {}
        status = d.verify_status or UNCHECKED
        heading = {VALID: self.tr("Valid"), INVALID: self.tr("Not valid"), UNCHECKED: self.tr("Not checked yet")}[status]
        out = [f"<h3>{e(heading)}</h3>"]
        for label, items in ((self.tr("Reasons"), verdict.get("reasons_fa") or []),
                             (self.tr("Still to check"), verdict.get("pending_fa") or [])):
            if items:
                out.append(f"<p><b>{e(label)}:</b></p><ul>{''.join(f'<li>{e(i)}</li>' for i in items)}</ul>")
        for i, signer in enumerate(d.signers):
            title = self.tr("Signer %1").replace("%1", to_persian_digits(str(i + 1)))
            out.append(f"<h4>{e(title)}: {e(signer.get('name') or signer.get('subject') or '')}</h4>")
            rows = [(self.tr("Title"), signer.get("title") or "—"),
                    (self.tr("National code"), to_persian_digits(signer.get("national_code") or "—")),
                    (self.tr("Signing time"), _time(signer.get("signing_time")) or "—"),
                    (self.tr("Revocation"), self._revocation(signer.get("revocation") or ""))]
            out.append("<table dir='rtl' align='right' cellspacing='4'>" + "".join(
                f"<tr><td>{e(v)}</td><td style='color:#555'>{e(k)}</td></tr>" for k, v in rows) + "</table>")
            chain = chains[i] if i < len(chains) else []
            if chain:
                chain_title = self.tr("Certificate chain")
                out.append(f"<br clear='all'/><p><b>{e(chain_title)}:</b></p><ul dir='rtl'>")
                for c in chain:
                    validity = self.tr("valid from %1 to %2").replace("%1", _time(c["not_before"])).replace(
                        "%2", _time(c["not_after"]))
                    trusted = " — " + self.tr("trust root of this agency") if c["trusted"] else ""
                    out.append(f"<li>{e(c['name'])} — {e(validity)}{e(trusted)}<br/>"
                               f"<span style='color:#777' dir='ltr'>SHA-256 {e(c['sha256'][:32])}…</span></li>")
                out.append("</ul>")
        receipt = verdict.get("receipt") or {}
        if receipt.get("status") == VALID:
            receipt_text = self.tr("valid; registered on %1").replace("%1", _time(receipt.get("registered_at")))
        else:
            receipt_text = receipt.get("problem_fa") or self.tr("not checked")
        receipt_title = self.tr("Server receipt")
        out.append(f"<p><b>{e(receipt_title)}:</b> {e(receipt_text)}</p>")
        if verdict.get("checked_at"):
            checked = self.tr("Checked on %1").replace("%1", _time(verdict["checked_at"]))
            out.append(f"<p style='color:#555'>{e(checked)}</p>")
        return f'<div dir="rtl">{"".join(out)}</div>'

    def _revocation(self, state: str) -> str:
        return {"good": self.tr("checked: not revoked"), "revoked": self.tr("REVOKED"),
                "unknown": self.tr("could not be checked")}.get(state, self.tr("not checked"))
