"""The secretary's and signatory's steps on letters: send for signature, take back for correction,
store signatures. Each is one short transaction and says what it changed. Qt-free.

The packages handed to the signing dialog are snapshots; a letter edited while its package was
being signed must not receive that signature, so each one is checked again when it is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from app.models.changes import Changes
from app.models.db import Store
from app.models.letters import ContentChanged, add_signature, letter_content, transition
from app.models.lifecycle import IllegalTransition, State
from app.models.tables import Letter
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


def submit_for_signature(store: Store, guid: str, *, actor: str = "") -> Changes:
    """A finished draft goes to the signatory's «awaiting signature» folder."""
    return _move(store, guid, State.DRAFT, State.AWAITING_SIGNATURE, actor=actor)


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
