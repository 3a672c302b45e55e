"""Small reads the store tests share (Qt-free)."""

from __future__ import annotations

from app.models.db import Store
from app.models.tables import Letter


def state_of(store: Store, guid: str) -> str:
    with store.reader() as s:
        letter = s.get(Letter, guid)
        assert letter is not None
        return letter.state
