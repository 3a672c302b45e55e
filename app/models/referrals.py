"""Referrals (ارجاع) in the local store: made offline, sent by the sync engine, the cartable. Qt-free.

A referral or an event on it is stored at once and an outbox operation queued for it (keyed by
its GUID, so the server stores it once); the engine sends them one at a time in the order they
were made (an event never reaches the server before its referral). The cartable pulled from the
server fills the same tables: the referral made here and the one that comes back are one row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import letters as L
from app.models.changes import Changed, Changes
from app.models.db import Store
from app.models.directory import DirectoryEntry
from app.models.letter_links import LetterLink
from app.models.tables import (
    Agency,
    Letter,
    OutboxOperation,
    Person,
    Referral,
    ReferralEvent,
    Setting,
    Unit,
    new_guid,
    utcnow,
)
from app.protocol.canonical import InvalidContent
from app.protocol.persian import normalize
from app.protocol.receipt import parse_time
from app.protocol.referral import DEFAULT_INSTRUCTIONS, EVENT_KINDS, MAX_POSTSCRIPT, MAX_RECIPIENTS

REFER_OP, EVENT_OP = "refer", "referral_event"
OPS = (REFER_OP, EVENT_OP)
INSTRUCTIONS_SETTING = "referral:instructions"  # the server's list, from the last cartable page


def operation_key(op: str, guid: str) -> str:
    """The server's idempotency key for the referral or event: the same on every retry."""
    return f"{op}:{guid}"


def instructions(store: Store) -> tuple[str, ...]:
    """The instructions the server accepts (its list once synced, the default list before)."""
    with store.reader() as s:
        row = s.get(Setting, INSTRUCTIONS_SETTING)
        return tuple(row.value) if row is not None and row.value else DEFAULT_INSTRUCTIONS


def refer(store: Store, letter_guid: str, me: str, to: list[str], instruction: str, postscript: str = "",
          due_date: dt.date | None = None, parent: str | None = None) -> Changed[str]:
    """Refer a letter held here to colleagues (usernames); sent at the next sync. InvalidContent
    (with the Persian reason) when something is missing or wrong."""
    people = list(dict.fromkeys(p for p in to if p and p != me))
    if not people:
        raise InvalidContent("to", "at least one colleague", "دست‌کم یک همکار را برای ارجاع برگزینید.")
    if len(people) > MAX_RECIPIENTS:
        raise InvalidContent("to", "too many recipients", f"ارجاع به بیش از {MAX_RECIPIENTS} نفر ممکن نیست.")
    if instruction not in instructions(store):
        raise InvalidContent("instruction", "not in the list", "دستور ارجاع را از فهرست برگزینید.")
    if len(postscript) > MAX_POSTSCRIPT:
        raise InvalidContent("postscript", "too long", "هامش بیش از اندازه بلند است.")
    guid = new_guid()
    with store.session() as s:
        if s.get(Letter, letter_guid) is None:
            raise InvalidContent("letter", "not in the store", "نامه در این رایانه یافت نشد.")
        s.add(Referral(guid=guid, letter_guid=letter_guid, parent_guid=parent, from_person=me, to_people=people,
                       instruction=instruction, postscript=postscript.strip(), due_date=due_date))
        s.add(OutboxOperation(letter_guid=letter_guid, op=REFER_OP, idempotency_key=operation_key(REFER_OP, guid)))
        L.audit(s, "referred", letter_guid, me, referral=guid, to=people, instruction=instruction)
    return Changed(guid, Changes.of_letters([letter_guid], outbox=True))


class NotAllowed(ValueError):
    def __init__(self, message: str, message_fa: str) -> None:
        super().__init__(message)
        self.message_fa = message_fa


def add_event(store: Store, referral_guid: str, me: str, kind: str, note: str = "",
              answer_guid: str | None = None) -> Changed[str]:
    """Read, answer or close a referral received, recall one sent; sent at the next sync.
    NotAllowed when the step does not fit (a recall once read, an event on a recalled referral)."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown referral event {kind!r}")
    with store.session() as s:
        ref = s.get(Referral, referral_guid)
        if ref is None:
            raise NotAllowed("no such referral", "ارجاع یافت نشد.")
        events = list(s.scalars(select(ReferralEvent).where(  # a step the server refused never happened
            ReferralEvent.referral_guid == referral_guid, ReferralEvent.reject_reason.is_(None))))
        if any(e.kind == "recall" for e in events):
            raise NotAllowed("recalled", "این ارجاع را ارجاع‌دهنده بازپس گرفته است.")
        if kind == "recall" and (ref.from_person != me or any(e.kind == "read" for e in events)):
            raise NotAllowed("read already", "ارجاعی که خوانده شده است بازپس گرفته نمی‌شود.")
        if kind != "recall" and me not in ref.to_people:
            raise NotAllowed("not a recipient", "این ارجاع به شما نیست.")
        mine = next((e for e in events if e.kind == "read" and e.by_person == me), None)
        if kind == "read" and mine is not None:
            return Changed(mine.guid, Changes())
        guid = new_guid()
        s.add(ReferralEvent(guid=guid, referral_guid=referral_guid, kind=kind, by_person=me, note=note.strip(),
                            answer_guid=answer_guid))
        s.add(OutboxOperation(letter_guid=ref.letter_guid, op=EVENT_OP, idempotency_key=operation_key(EVENT_OP, guid)))
        L.audit(s, f"referral_{kind}", ref.letter_guid, me, referral=referral_guid)
        letter = ref.letter_guid
    return Changed(guid, Changes.of_letters([letter], outbox=True))


def request_of(s: Session, item: OutboxOperation) -> tuple[str, dict[str, Any]]:
    """What an outbox operation asks the server: ("refer", body) or ("referral_event", body with the referral)."""
    guid = item.idempotency_key.split(":", 1)[1]
    if item.op == REFER_OP:
        ref = s.get(Referral, guid)
        assert ref is not None
        return REFER_OP, {"id": ref.guid, "letter_guid": ref.letter_guid, "parent": ref.parent_guid,
                          "to": list(ref.to_people), "instruction": ref.instruction, "postscript": ref.postscript,
                          "due_date": ref.due_date.isoformat() if ref.due_date else None}
    event = s.get(ReferralEvent, guid)
    assert event is not None
    return EVENT_OP, {"referral": event.referral_guid, "id": event.guid, "kind": event.kind, "note": event.note,
                      "answer_guid": event.answer_guid}


def mark_synced(s: Session, item: OutboxOperation, result: dict[str, Any]) -> None:
    """The server stored it: the operation is done (a read the server already had from another
    computer is kept under the server's GUID)."""
    item.status = "done"
    guid = item.idempotency_key.split(":", 1)[1]
    row: Referral | ReferralEvent | None = (
        s.get(Referral, guid) if item.op == REFER_OP else s.get(ReferralEvent, guid))
    if row is None:
        return
    row.synced_at = utcnow()
    if isinstance(row, ReferralEvent) and result.get("id") and result["id"] != row.guid:
        if s.get(ReferralEvent, result["id"]) is None:
            s.add(ReferralEvent(guid=result["id"], referral_guid=row.referral_guid, kind=row.kind,
                                by_person=row.by_person, note=row.note, answer_guid=row.answer_guid, at=row.at,
                                synced_at=row.synced_at))
        s.delete(row)


def mark_refused(s: Session, item: OutboxOperation, reason: str, error: str) -> None:
    """The server refused it: kept, with the reason, and not sent again."""
    item.status, item.last_error = "failed", error[:2000]
    guid = item.idempotency_key.split(":", 1)[1]
    row: Referral | ReferralEvent | None = (
        s.get(Referral, guid) if item.op == REFER_OP else s.get(ReferralEvent, guid))
    if row is not None:
        row.reject_reason = reason


def apply_cartable(s: Session, page: dict[str, Any]) -> list[str]:
    """Store a page of the cartable (referrals and events, new or already here); returns the
    GUIDs of referrals new to this store."""
    new: list[str] = []
    for item in page.get("items", []):
        if item.get("type") == "referral":
            r = item["referral"]
            ref = s.get(Referral, r["id"])
            if ref is None:
                ref = Referral(guid=r["id"], letter_guid=r["letter_guid"], parent_guid=r.get("parent"),
                               from_person=r["from"], to_people=list(r["to"]), instruction=r["instruction"],
                               postscript=r.get("postscript") or "", created_at=parse_time(r["created_at"]),
                               due_date=dt.date.fromisoformat(r["due_date"]) if r.get("due_date") else None)
                s.add(ref)
                new.append(ref.guid)
            ref.synced_at = ref.synced_at or utcnow()
        elif item.get("type") == "event":
            e = item["event"]
            if s.get(ReferralEvent, e["id"]) is None and s.get(Referral, e["referral"]) is not None:
                s.add(ReferralEvent(guid=e["id"], referral_guid=e["referral"], kind=e["kind"], by_person=e["by"],
                                    note=e.get("note") or "", answer_guid=e.get("answer_guid"),
                                    at=parse_time(e["at"]), synced_at=utcnow()))
        s.flush()
    if page.get("instructions"):
        listed: Any = list(page["instructions"])
        setting = s.get(Setting, INSTRUCTIONS_SETTING)
        if setting is None:
            s.add(Setting(key=INSTRUCTIONS_SETTING, value=listed))
        elif setting.value != listed:
            setting.value = listed
    return new


@dataclass(frozen=True)
class CartableRow:
    """One referral as the cartable lists it."""

    guid: str
    letter_guid: str
    subject: str
    from_person: str
    to_people: tuple[str, ...]
    instruction: str
    postscript: str
    due_date: dt.date | None
    created_at: dt.datetime
    read: bool  # by me (for one I sent: by anyone)
    closed: bool
    answered: bool
    recalled: bool
    sent_by_me: bool
    from_name: str = ""  # from the directory (the username when not there)
    to_names: tuple[str, ...] = ()
    synced: bool = True  # False: made here, waiting for the next sync
    reject_reason: str | None = None  # the server refused it
    step_refused: str | None = None  # the server refused my latest step on it (e.g. a recall once read): why

    @property
    def status(self) -> str:
        """refused | recalled | closed | answered | pending (not synced) | read | unread."""
        if self.reject_reason:
            return "refused"
        for flag, name in ((self.recalled, "recalled"), (self.closed, "closed"), (self.answered, "answered")):
            if flag:
                return name
        if not self.synced:
            return "pending"
        return "read" if self.read else "unread"

    def overdue(self, today: dt.date) -> bool:
        return self.due_date is not None and self.due_date < today and not (self.closed or self.recalled)


def cartable(store: Store, me: str, *, sent: bool = False) -> list[CartableRow]:
    """The referrals to me (or, ``sent``, from me), newest first."""
    with store.reader() as s:
        refs = list(s.scalars(select(Referral).order_by(Referral.created_at.desc())))
        refs = [r for r in refs if (r.from_person == me if sent else me in r.to_people)]
        guids = [r.guid for r in refs]
        events: dict[str, list[ReferralEvent]] = {}
        refused: dict[str, str] = {}  # my latest step on a referral the server refused (it never happened)
        for e in s.scalars(select(ReferralEvent).where(ReferralEvent.referral_guid.in_(guids))
                           .order_by(ReferralEvent.at)) if guids else []:
            if e.reject_reason is None:
                events.setdefault(e.referral_guid, []).append(e)
            elif e.by_person == me:
                refused[e.referral_guid] = e.reject_reason
        subjects = {g: subj for g, subj in s.execute(select(Letter.guid, Letter.subject).where(
            Letter.guid.in_([r.letter_guid for r in refs])))} if refs else {}
        names = {u: n for u, n in s.execute(select(Person.username, Person.name))}
        rows = []
        for r in refs:
            ev = events.get(r.guid, [])
            def did(kind: str, ev: list[ReferralEvent] = ev) -> bool:
                return any(e.kind == kind and (sent or e.by_person == me) for e in ev)
            rows.append(CartableRow(
                r.guid, r.letter_guid, subjects.get(r.letter_guid, ""), r.from_person, tuple(r.to_people),
                r.instruction, r.postscript, r.due_date, r.created_at, did("read"), did("close"), did("answer"),
                any(e.kind == "recall" for e in ev), r.from_person == me, names.get(r.from_person, r.from_person),
                tuple(names.get(p, p) for p in r.to_people), r.synced_at is not None, r.reject_reason,
                refused.get(r.guid)))
    return rows



@dataclass(frozen=True)
class Colleague:
    username: str
    name: str
    title: str
    unit: str  # the unit's name

    def matches(self, text: str) -> bool:
        """Whether the typed text is in the name, title or unit (Persian letters normalized)."""
        query = normalize(text)
        return not query or any(query in normalize(part) for part in (self.name, self.title, self.unit))


def colleagues(store: Store, agency: str, me: str) -> list[Colleague]:
    """The people of my agency (from the directory) a letter can be referred to, by name."""
    with store.reader() as s:
        units = {code: name for code, name in s.execute(select(Unit.code, Unit.name).where(Unit.agency == agency))}
        people = s.execute(select(Person.username, Person.name, Person.title, Person.unit_code)
                           .where(Person.agency == agency, Person.username != me).order_by(Person.name_norm)).all()
    return [Colleague(u, n, t or "", units.get(c or "", "")) for u, n, t, c in people]


def answer_link(store: Store, letter_guid: str) -> LetterLink | None:
    """The «عطف» link an answer to the referred letter carries (None if the letter is not here)."""
    with store.reader() as s:
        row = s.execute(select(Letter.subject, Letter.shams).where(Letter.guid == letter_guid)).first()
    return LetterLink(letter_guid, row.shams or "", row.subject) if row is not None else None


def referrer_entry(store: Store, referral_guid: str) -> DirectoryEntry | None:
    """Who sent the referral, as a recipient of the answer (from the directory; None if unknown)."""
    with store.reader() as s:
        sender = s.scalar(select(Referral.from_person).where(Referral.guid == referral_guid))
        row = s.execute(select(Person.agency, Person.unit_code, Person.username, Person.name, Person.title)
                        .where(Person.username == sender)).first() if sender else None
        agency = s.scalar(select(Agency.name).where(Agency.national_id == row.agency)) if row else None
    if row is None:
        return None
    return DirectoryEntry("person", row.agency, unit=row.unit_code or "", person=row.username,
                          name="، ".join(p for p in (row.name, row.title, agency) if p))
