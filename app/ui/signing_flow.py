"""From letters awaiting signature to signed, queued letters (Qt-free; run it through an Op).

The packages handed to the sign dialog are snapshots; a letter edited while its package was
being signed must not receive that signature, so each one is checked again when it is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from app.models.db import Store
from app.models.letters import ContentChanged, add_signature
from app.models.lifecycle import IllegalTransition, State
from app.models.tables import Letter, Setting
from app.protocol.certificates import CertificateInfo
from app.protocol.package import LetterPackage
from app.sync.outbox import letter_package, queue_letter
from app.token.errors import ModuleLoadError
from app.token.modules import detect_modules

MODULE_SETTING = "token:module"


@dataclass
class ApplyReport:
    queued: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (subject, Persian reason)


def packages_for(store: Store, guids: Sequence[str]) -> list[LetterPackage]:
    """Packages of the given letters that are still awaiting signature, in the given order."""
    with store.reader() as s:
        rows = {
            letter.guid: letter
            for letter in s.scalars(select(Letter).where(Letter.guid.in_(list(guids))))
            if letter.state == State.AWAITING_SIGNATURE
        }
        return [LetterPackage(content=letter_package(rows[g]).content) for g in guids if g in rows]


def apply_signatures(
    store: Store, packages: Sequence[LetterPackage], signer: CertificateInfo | None, *, actor: str = ""
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
                queue_letter(s, letter, actor=actor)
            report.queued.append(package.guid)
        except (ContentChanged, IllegalTransition) as exc:
            report.refused.append((package.content.get("subject", ""), exc.message_fa))
    return report


def module_path(store: Store) -> str:
    """The PKCS#11 module: the ``token:module`` setting, else the first one found here."""
    with store.reader() as s:
        row = s.get(Setting, MODULE_SETTING)
        value = row.value if row is not None else None
    if value is not None:
        path = value.get("path") if isinstance(value, dict) else value
        if path:
            return str(path)
    found = next((m.path for m in detect_modules() if m.path), None)
    if found is None:
        raise ModuleLoadError("no PKCS#11 module found on this computer",
                              "نرم‌افزار توکن امضا روی این رایانه یافت نشد؛ لطفاً آن را نصب کنید.")
    return found
