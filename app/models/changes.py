"""What a store write changed, so that each open view can decide whether to redraw (Anki's ``OpChanges``).

Every write the desktop app makes returns one of these; the UI announces it once and the views
read it. Qt-free.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Changes:
    letters: frozenset[str] = frozenset()  # guids of letters created or changed (content, state, signatures)
    outbox: bool = False  # operations on their way to the server (progress, retries, errors)
    directory: bool = False  # agencies, units and people
    settings: bool = False  # profile and server settings (account, pinned receipt certificate)

    @classmethod
    def of_letters(cls, guids: Iterable[str], *, outbox: bool = False) -> Changes:
        return cls(letters=frozenset(guids), outbox=outbox)

    def touches(self, guid: str | None) -> bool:
        return guid is not None and guid in self.letters

    def __bool__(self) -> bool:
        return bool(self.letters) or self.outbox or self.directory or self.settings

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            letters=self.letters | other.letters,
            outbox=self.outbox or other.outbox,
            directory=self.directory or other.directory,
            settings=self.settings or other.settings,
        )


@dataclass(frozen=True)
class Changed(Generic[T]):
    """A write's own answer together with what it changed."""

    value: T
    changes: Changes
