"""Which outgoing letters go out on paper rather than through Payam: those none of whose recipients'
agencies is in the synced directory (a citizen's answer, printed and handed over or posted). One
query for a page of the letter list or for one letter (:mod:`app.models.citizen_answer`). Qt-free."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.models.tables import Agency, Recipient


def on_paper(session: Session, guids: Collection[str]) -> set[str]:
    """Those of the outgoing letters ``guids`` that no recipient agency of the directory receives;
    none while this store knows no agencies yet (the directory comes with the first sync)."""
    if not guids or session.scalar(select(exists().where(Agency.national_id.is_not(None)))) is not True:
        return set()
    reached = select(Recipient.letter_guid).where(Recipient.letter_guid.in_(guids),
                                                  exists().where(Agency.national_id == Recipient.agency))
    return set(guids) - set(session.scalars(reached))
