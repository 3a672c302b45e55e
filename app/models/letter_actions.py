"""The secretary's and signatory's steps on letters: send for signature, take back for correction,
store signatures. Each is one short transaction and says what it changed. Qt-free.

The packages handed to the signing dialog are snapshots; a letter edited while its package was
being signed must not receive that signature, so each one is checked again when it is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.attachments import AttachmentRefused, require_within, seal_addresses
from app.models.changes import Changes
from app.models.db import Store
from app.models.document_limits import read_limits
from app.models.letters import ContentChanged, add_signature, letter_content, transition
from app.models.lifecycle import IllegalTransition, State
from app.models.referrals import record_answer
from app.models.tables import Letter
from app.protocol.canonical import InvalidContent
from app.protocol.certificates import CertificateInfo
from app.protocol.package import LetterPackage

#: Hands a freshly signed letter on in the same transaction: ``queue(session, letter, actor=...)``
#: (the desktop app passes :func:`app.sync.outbox.queue_letter`).
QueueLetter = Callable[..., None]


def _move(store: Store, guid: str, source: State, target: State, *, actor: str, **detail: str) -> Changes:
    """``source`` → ``target`` if the letter is still in ``source`` (else nothing happens)."""
    with store.session() as s:
        letter = s.get(Letter, guid)
        if letter is None or letter.state != source:
            return Changes()
        transition(s, letter, target, actor=actor, **detail)
    return Changes.of_letters([guid])


NO_SIGNATORY_FA = "امضاکنندهٔ نامه تعیین نشده است؛ دست‌کم یک امضاکننده برای نامه برگزینید."
NOT_A_SIGNATORY_FA = ("این گواهی از آنِ هیچ‌یک از امضاکنندگان تعیین‌شده برای نامه نیست؛ "
                      "توکن امضاکنندهٔ نامه را برگزینید.")


def signatory_codes(letter: Letter) -> frozenset[str]:
    """The national codes of the signatories listed on a letter (whom its certificate must name)."""
    return frozenset(str(s["national_code"]) for s in letter.signatories or [] if s.get("national_code"))


def require_signatory(letter: Letter) -> None:
    """A letter goes for signature only with a signatory listed (one the signing can be checked against)."""
    if not signatory_codes(letter):
        raise InvalidContent("signatories", "no signatory with a national code is listed", NO_SIGNATORY_FA)


def require_attachments_within_limits(s: Session, letter: Letter) -> None:
    """InvalidContent naming the first attachment the server would refuse (its limits as the last
    sync brought them): replaced before anyone signs, not after."""
    try:
        require_within(letter.attachments, read_limits(s))
    except AttachmentRefused as exc:
        raise InvalidContent("attachments", str(exc), exc.message_fa) from exc


def submit_for_signature(store: Store, guid: str, *, actor: str = "") -> Changes:
    """A finished draft goes to the signatory's «awaiting signature» folder (InvalidContent
    when it lists no signatory or an attachment the server would refuse), its attachments
    addressed on the profile's server."""
    with store.session() as s:
        letter = s.get(Letter, guid)
        if letter is None or letter.state != State.DRAFT:
            return Changes()
        require_signatory(letter)
        require_attachments_within_limits(s, letter)
        seal_addresses(s, letter)  # the attachments' addresses: from here on the signature covers them
        transition(s, letter, State.AWAITING_SIGNATURE, actor=actor)
        answered = record_answer(s, guid)  # an answer to a referral: the referral is answered now
    return Changes.of_letters([guid], outbox=answered)


@dataclass(frozen=True)
class SignatoryRule:
    """Who may sign a set of letters: a certificate naming a signatory listed on every one."""

    codes: frozenset[str]
    unlisted: tuple[str, ...] = ()  # subjects of the letters that list no signatory

    @classmethod
    def of(cls, letters: Sequence[tuple[str, frozenset[str]]]) -> SignatoryRule:
        """From (subject, listed national codes) of each letter."""
        sets = [codes for _, codes in letters if codes]
        codes = frozenset.intersection(*sets) if sets else frozenset()
        return cls(codes, tuple(subject for subject, c in letters if not c))

    def allows(self, national_code: str | None) -> bool:
        return not self.unlisted and national_code is not None and national_code in self.codes

    def refusal_fa(self, national_code: str | None) -> str | None:
        """Why a certificate with this national code may not sign these letters (None: it may)."""
        if self.unlisted:
            return f"{NO_SIGNATORY_FA} («{self.unlisted[0]}»)"
        return None if self.allows(national_code) else NOT_A_SIGNATORY_FA


def signatory_rule(store: Store, guids: Sequence[str]) -> SignatoryRule:
    """The rule for signing these letters, from the signatories listed on them."""
    with store.reader() as s:
        letters = list(s.scalars(select(Letter).where(Letter.guid.in_(list(guids)))))
        return SignatoryRule.of([(letter.subject, signatory_codes(letter)) for letter in letters])


def return_to_draft(store: Store, guid: str, *, actor: str = "") -> Changes:
    """A letter the server returned becomes a draft again, to be corrected and resubmitted."""
    return _move(store, guid, State.REJECTED, State.DRAFT, actor=actor, reason="correction")


def packages_for(store: Store, guids: Sequence[str]) -> list[LetterPackage]:
    """Packages of the given letters that are still awaiting signature, in the given order."""
    with store.reader() as s:
        rows = {
            letter.guid: letter
            for letter in s.scalars(select(Letter).where(Letter.guid.in_(list(guids))))
            if letter.state == State.AWAITING_SIGNATURE
        }
        return [LetterPackage(content=letter_content(rows[g])) for g in guids if g in rows]


@dataclass
class ApplyReport:
    queued: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (subject, Persian reason)

    @property
    def changes(self) -> Changes:
        return Changes.of_letters(self.queued, outbox=bool(self.queued))


def apply_signatures(
    store: Store,
    packages: Sequence[LetterPackage],
    signer: CertificateInfo | None,
    *,
    queue: QueueLetter,
    actor: str = "",
) -> ApplyReport:
    """Store each package's new signature and queue its letter, one transaction per letter."""
    report = ApplyReport()
    for package in packages:
        if not package.signatures:
            continue  # not reached before a cancel or a pulled token: left as it was
        try:
            with store.session() as s:
                letter = s.get(Letter, package.guid)
                if letter is None or letter.state != State.AWAITING_SIGNATURE:
                    raise ContentChanged(f"letter {package.guid} is no longer awaiting signature")
                add_signature(
                    s,
                    letter,
                    cms=package.signatures[-1],
                    content_sha256_hex=package.content_sha256(),
                    signer_subject=signer.subject if signer else "",
                    signer_national_code=signer.national_code if signer else None,
                    actor=actor,
                )
                queue(s, letter, actor=actor)
            report.queued.append(package.guid)
        except (ContentChanged, IllegalTransition) as exc:
            report.refused.append((package.content.get("subject", ""), exc.message_fa))
    return report
