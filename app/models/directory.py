"""The synced directory (agencies, units, people) as recipients and signatories are picked from it,
and the server's list of the channels citizens' letters come through (kept with every page).

The query is normalized like the stored ``name_norm`` columns, so «علي» (Arabic ي) finds
«علی»; LIKE wildcards typed by the user are literal. The directory is small and every query
is limited, so a search is quick enough to answer a keystroke.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from app.models.db import Store
from app.models.profile import put_setting, read_setting, write_setting
from app.models.tables import Agency, Person, Recipient, Setting, Unit
from app.protocol.citizen import CHANNEL_CODE, DEFAULT_CHANNELS
from app.protocol.persian import normalize

KINDS = ("agency", "unit", "person")
SEARCH_LIMIT = 20
# [{"code", "name"}, ...]: the server's list, from the last page (app/ui/citizen_receipt.py reads it too)
CHANNELS_SETTING = "citizen:channels"
LAST_CHANNEL_SETTING = "desk:last_channel"  # the channel last chosen at this desk: the next letter's default


@dataclass(frozen=True)
class DirectoryEntry:
    """One addressable party; ``name`` is the label stored on a recipient (and printed)."""

    kind: str  # agency | unit | person
    agency: str  # the agency's national id
    unit: str = ""  # unit code
    person: str = ""  # username
    name: str = ""
    national_code: str | None = None

    def as_recipient(self, role: str) -> dict[str, str]:
        return {
            "role": role,
            "agency": self.agency,
            "unit": self.unit,
            "person": self.person,
            "name": self.name,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "agency": self.agency,
            "unit": self.unit,
            "person": self.person,
            "name": self.name,
            "national_code": self.national_code,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DirectoryEntry:
        return cls(
            kind=data.get("kind") or "person",
            agency=data.get("agency") or "",
            unit=data.get("unit") or "",
            person=data.get("person") or "",
            name=data.get("name") or "",
            national_code=data.get("national_code") or None,
        )

    @classmethod
    def from_recipient(cls, r: Recipient) -> DirectoryEntry:
        kind = "person" if r.person else "unit" if r.unit else "agency"
        return cls(kind=kind, agency=r.agency, unit=r.unit or "", person=r.person or "", name=r.name or "")


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _label(*parts: str | None) -> str:
    return "، ".join(p for p in parts if p)


def search_directory(
    store: Store, text: str, *, kinds: Iterable[str] = KINDS, limit: int = SEARCH_LIMIT,
    signatories_of: str | None = None, within: str | None = None,
) -> list[DirectoryEntry]:
    """Entries whose normalized name contains the normalized ``text``; prefix matches first.

    ``signatories_of`` (an agency's national id): only that agency's people with the signatory
    role, as a letter's signatories are picked; ``within``: only that agency, its units and its
    people, as an internal letter's recipients are picked."""
    query = normalize(text)
    if not query:
        return []
    if signatories_of is not None:
        kinds = ("person",)
    with store.reader() as session:
        return _search(session, query, tuple(kinds), limit, signatories_of, within)


def _search(session: Session, query: str, kinds: tuple[str, ...], limit: int,
            signatories_of: str | None = None, within: str | None = None) -> list[DirectoryEntry]:
    pattern, prefix = _like(query), _like(query)[1:]
    ranked: list[tuple[int, int, str, DirectoryEntry]] = []

    def rank(column: Any) -> Any:
        return case((column.like(prefix, escape="\\"), 0), else_=1)

    agency_names: dict[str, str] = {}
    if "agency" in kinds:
        stmt = (
            select(Agency.national_id, Agency.name, Agency.name_norm, rank(Agency.name_norm))
            .where(Agency.name_norm.like(pattern, escape="\\"), *((Agency.national_id == within,) if within else ()))
            .order_by(rank(Agency.name_norm), Agency.name_norm)
            .limit(limit)
        )
        for nid, name, norm, r in session.execute(stmt):
            agency_names[nid] = name
            ranked.append((r, 0, norm, DirectoryEntry("agency", nid, name=name)))
    units: list[tuple[Any, ...]] = []
    people: list[tuple[Any, ...]] = []
    if "unit" in kinds:
        units = list(
            session.execute(
                select(Unit.agency, Unit.code, Unit.name, Unit.name_norm, rank(Unit.name_norm))
                .where(Unit.name_norm.like(pattern, escape="\\"), *((Unit.agency == within,) if within else ()))
                .order_by(rank(Unit.name_norm), Unit.name_norm)
                .limit(limit)
            )
        )
    if "person" in kinds:
        people = list(
            session.execute(
                select(
                    Person.agency,
                    Person.unit_code,
                    Person.username,
                    Person.name,
                    Person.title,
                    Person.national_code,
                    Person.name_norm,
                    rank(Person.name_norm),
                )
                .where(Person.name_norm.like(pattern, escape="\\"), Person.active.is_(True),
                       *((Person.agency == within,) if within else ()),
                       *((Person.agency == signatories_of, Person.signatory.is_(True)) if signatories_of is not None else ()))
                .order_by(rank(Person.name_norm), Person.name_norm)
                .limit(limit)
            )
        )
    missing = {row[0] for row in (*units, *people)} - agency_names.keys()
    if missing:
        rows = session.execute(select(Agency.national_id, Agency.name).where(Agency.national_id.in_(missing)))
        agency_names.update({nid: name for nid, name in rows})
    for agency, code, name, norm, r in units:
        entry = DirectoryEntry("unit", agency, unit=code, name=_label(name, agency_names.get(agency)))
        ranked.append((r, 1, norm, entry))
    for agency, unit, username, name, title, ncode, norm, r in people:
        entry = DirectoryEntry(
            "person",
            agency,
            unit=unit or "",
            person=username,
            name=_label(name, title, agency_names.get(agency)),
            national_code=ncode,
        )
        ranked.append((r, 2, norm, entry))
    ranked.sort(key=lambda t: (t[0], t[1], t[2]))
    return [t[3] for t in ranked[:limit]]


def agency_name(store: Store, national_id: str) -> str:
    """An agency's name from the synced directory ("" before the directory has it)."""
    if not national_id:
        return ""
    with store.reader() as session:
        agency = session.get(Agency, national_id)
        return agency.name if agency is not None else ""


def all_agencies(store: Store) -> list[tuple[str, str]]:
    """(national id, name) of every agency in the local directory, by name (a sender to pick)."""
    with store.reader() as session:
        return [(a.national_id, a.name) for a in session.scalars(select(Agency).order_by(Agency.name_norm))]


def keep_channels(s: Session, page: dict[str, Any]) -> None:
    """Keep the citizen channels a directory page lists (a page without a list keeps the last one)."""
    listed: Any = [{"code": str(c["code"]), "name": str(c["name"])} for c in page.get("citizen_channels") or []
                   if isinstance(c, dict) and CHANNEL_CODE.fullmatch(str(c.get("code") or "")) and c.get("name")]
    if listed:
        put_setting(s, CHANNELS_SETTING, listed)


def _channels(s: Session) -> dict[str, str]:
    row = s.get(Setting, CHANNELS_SETTING)
    if row is None or not isinstance(row.value, list) or not row.value:
        return dict(DEFAULT_CHANNELS)
    return {str(c["code"]): str(c["name"]) for c in row.value}


def citizen_channels(store: Store) -> dict[str, str]:
    """The channels a citizen's letter may come through, code -> Persian name, in the server's order
    (its list once synced, app.protocol.citizen's defaults before)."""
    with store.reader() as s:
        return _channels(s)


def channel_name(s: Session, code: str | None) -> str:
    """A channel's Persian name; a code the list no longer has is shown as it is."""
    return _channels(s).get(code, code) if code else ""


def last_channel(store: Store) -> str | None:
    """The channel chosen for the last letter registered at this desk, if any."""
    value = read_setting(store, LAST_CHANNEL_SETTING)
    return str(value) if value else None


def remember_channel(store: Store, code: str) -> None:
    """The desk's default channel for its next letter."""
    write_setting(store, LAST_CHANNEL_SETTING, code)
