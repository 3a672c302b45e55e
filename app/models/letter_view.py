"""What a printed letter shows, detached from the store: built once from a ``Letter`` row.

Rendering (``app/ui/letter_print.py``) takes a :class:`LetterView`, never a live ORM object, so a
print job can run after its session is closed and tests can build one by hand. Qt-free.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.models.qr_payload import QrPayload
from app.models.tables import Letter
from app.protocol.canonical import Classification, Priority
from app.protocol.jalali import format_date
from app.protocol.persian import to_persian_digits
from app.protocol.shams import Shams

# The printed letter is always Persian, whatever the UI language: official labels, not translations.
PRIORITY_FA: dict[str, str] = {Priority.NORMAL: "عادی", Priority.URGENT: "فوری", Priority.IMMEDIATE: "آنی"}
CLASSIFICATION_FA: dict[str, str] = {
    Classification.NORMAL: "عادی",
    Classification.CONFIDENTIAL: "محرمانه",
    Classification.SECRET: "خیلی محرمانه",
    Classification.TOP_SECRET: "سری",
}
_CN = re.compile(r"(?:^|[,/])\s*CN\s*=\s*([^,/]+)", re.IGNORECASE)


class NotRegistered(ValueError):
    """Only a numbered (registered) letter has a SHAMS, a date and a QR code to print."""

    message_fa = "این نامه هنوز شماره‌گذاری نشده است و چاپ رسمی آن ممکن نیست."


@dataclass(frozen=True)
class Signatory:
    name: str
    title: str = ""
    national_code: str | None = None


@dataclass(frozen=True)
class LetterView:
    guid: str
    kind: str  # outgoing | internal
    subject: str
    body_html: str  # Qt rich text as stored
    agency_id: str  # 11-digit national id, ASCII
    agency_name: str
    sender_unit: str
    shams: Shams
    registered_at: dt.datetime  # aware UTC
    recipients: tuple[str, ...] = ()  # display names, role "to"
    recipient_address: str = ""  # a citizen's answer goes by post: their address and postal code
    copies: tuple[str, ...] = ()  # display names, role "cc"
    priority: str = Priority.NORMAL
    classification: str = Classification.NORMAL
    attachment_count: int = 0
    attachment_names: tuple[str, ...] = ()  # listed at the end of the printed letter
    signatories: tuple[Signatory, ...] = ()
    signer_national_codes: tuple[str, ...] = ()  # for the QR: who actually signed
    in_reply_to_shams: str = ""
    follow_up_of_shams: str = ""
    in_reply_to_date: dt.datetime | None = None  # the referenced letter's registration, when we hold it
    follow_up_of_date: dt.datetime | None = None
    letterhead: str = "main"
    verify_code: str = ""  # the server's code for public verification, carried by the QR
    extra: dict[str, str] = field(default_factory=dict)  # free placeholders for letterhead templates

    # --- what people read ---------------------------------------------------------------

    @property
    def number_display(self) -> str:
        return self.shams.display

    @property
    def date_display(self) -> str:
        return format_date(self.registered_at)

    @staticmethod
    def reference_date_display(when: dt.datetime | None) -> str:
        """« مورخ ۱۴۰۵/۰۹/۰۲» after a referenced letter's number, or nothing when its date is unknown."""
        return f" مورخ {format_date(when)}" if when is not None else ""

    @property
    def attachment_display(self) -> str:
        """«ندارد», or how many files are attached: «۲ فایل»."""
        if not self.attachment_count:
            return "ندارد"
        return f"{to_persian_digits(self.attachment_count)} فایل"

    @property
    def priority_mark(self) -> str:
        """«فوری» / «آنی», or empty when normal."""
        return "" if self.priority == Priority.NORMAL else PRIORITY_FA.get(self.priority, self.priority)

    @property
    def classification_mark(self) -> str:
        return (
            ""
            if self.classification == Classification.NORMAL
            else CLASSIFICATION_FA.get(self.classification, self.classification)
        )

    def qr_payload(self, server_base: str) -> QrPayload:
        return QrPayload(
            shams=self.shams,
            registered_at=self.registered_at,
            guid=self.guid,
            signatories=self.signer_national_codes,
            agency=self.agency_id,
            server_base=server_base,
            verify_code=self.verify_code,
        )

    # --- from the store ---------------------------------------------------------------

    @classmethod
    def from_letter(
        cls,
        letter: Letter,
        *,
        agency_name: str,
        signatories: Sequence[Signatory] | None = None,
        letterhead: str = "main",
    ) -> LetterView:
        """Copy what printing needs out of a registered ``Letter`` (its relationships must be loadable).

        ``signatories`` gives names and titles as the agency wants them printed (the people
        directory knows titles; certificates do not). Without it, names come from the
        certificates' CN. National codes for the QR come from the stored signatures, which are
        what was cryptographically signed, falling back to ``signatories``.
        """
        if not letter.shams or letter.registered_at is None:
            raise NotRegistered(f"letter {letter.guid} has no SHAMS yet (state {letter.state})")
        signed_codes = [s.signer_national_code for s in letter.signatures if s.signer_national_code]
        if signatories is None:
            signatories = [
                Signatory(name=common_name(s.signer_subject), national_code=s.signer_national_code)
                for s in letter.signatures
            ]
        codes = signed_codes or [s.national_code for s in signatories if s.national_code]
        return cls(
            guid=letter.guid,
            kind=letter.kind,
            subject=letter.subject,
            body_html=letter.body,
            agency_id=letter.sender_agency,
            agency_name=agency_name,
            sender_unit=letter.sender_unit,
            shams=Shams.parse(letter.shams),
            registered_at=letter.registered_at,
            recipients=tuple(_party_name(r) for r in letter.recipients if r.role == "to"),
            copies=tuple(_party_name(r) for r in letter.recipients if r.role == "cc"),
            priority=letter.priority,
            classification=letter.classification,
            attachment_count=len(letter.attachments),
            attachment_names=tuple(a.file_name or to_persian_digits(a.sha256[:12]) for a in letter.attachments),
            signatories=tuple(signatories),
            signer_national_codes=tuple(dict.fromkeys(codes)),  # unique, order kept
            in_reply_to_shams=letter.in_reply_to_shams,
            follow_up_of_shams=letter.follow_up_of_shams,
            letterhead=letterhead,
            verify_code=letter.verify_code or "",
        )


def common_name(subject: str) -> str:
    """The CN of a certificate subject string (the whole string when it names none)."""
    match = _CN.search(subject or "")
    return match.group(1).strip() if match else (subject or "").strip()


def _party_name(recipient: object) -> str:
    name = getattr(recipient, "name", "") or getattr(recipient, "unit", "")
    return name or to_persian_digits(getattr(recipient, "agency", ""))
