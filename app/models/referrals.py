"""Referrals (ارجاع) in the local store: made offline, sent by the sync engine, the cartable. Qt-free.

A referral or an event on it is stored at once and an outbox operation queued for it (keyed by
its GUID, so the server stores it once); the engine sends them one at a time in the order they
were made (an event never reaches the server before its referral). The cartable pulled from the
server fills the same tables: the referral made here and the one that comes back are one row.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import letters as L
from app.models.changes import Changed, Changes
from app.models.db import Store
from app.models.directory import DirectoryEntry
from app.models.letter_links import LetterLink
from app.models.profile import SENDER_SETTING, read_setting
from app.models.search import fts_query
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
ANSWER_PREFIX = "referral:answer:"  # + an answer letter's GUID: the referral it answers, until it is submitted


def signed_in(store: Store) -> str:
    """The username this profile works as (stored at login; "" before)."""
    value = read_setting(store, SENDER_SETTING)
    return str(value.get("person") or "") if isinstance(value, dict) else ""


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
        ref = Referral(guid=guid, letter_guid=letter_guid, parent_guid=parent, from_person=me, to_people=people,
                       instruction=instruction, postscript=postscript.strip(), due_date=due_date)
        s.add(ref)
        _index(s, ref)
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
        guid, letter, new = _add_event(s, referral_guid, me, kind, note, answer_guid)
    return Changed(guid, Changes.of_letters([letter], outbox=True) if new else Changes())


def answer_with(store: Store, referral_guid: str, me: str, answer_guid: str) -> None:
    """The answer letter is a draft: the referral counts as answered once the letter goes for
    signature (record_answer), not while it may still be thrown away."""
    with store.session() as s:
        if s.get(Setting, ANSWER_PREFIX + answer_guid) is None:
            s.add(Setting(key=ANSWER_PREFIX + answer_guid, value={"referral": referral_guid, "person": me}))


def record_answer(s: Session, answer_guid: str) -> bool:
    """The answer letter leaves its draft: its referral's «answer» step is taken (none when the
    letter answers no referral, or the referral was recalled meanwhile)."""
    pending = s.get(Setting, ANSWER_PREFIX + answer_guid)
    if pending is None or not isinstance(pending.value, dict):
        return False
    s.delete(pending)
    try:
        _add_event(s, str(pending.value["referral"]), str(pending.value["person"]), "answer", "", answer_guid)
    except NotAllowed:
        return False
    return True


def _add_event(s: Session, referral_guid: str, me: str, kind: str, note: str,
               answer_guid: str | None) -> tuple[str, str, bool]:
    """The step stored and queued in the caller's transaction: (its GUID, the referral's letter,
    whether it is new — reading twice is one step)."""
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
        return mine.guid, ref.letter_guid, False
    guid = new_guid()
    s.add(ReferralEvent(guid=guid, referral_guid=referral_guid, kind=kind, by_person=me, note=note.strip(),
                        answer_guid=answer_guid))
    s.add(OutboxOperation(letter_guid=ref.letter_guid, op=EVENT_OP, idempotency_key=operation_key(EVENT_OP, guid)))
    L.audit(s, f"referral_{kind}", ref.letter_guid, me, referral=referral_guid)
    return guid, ref.letter_guid, True


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
                _index(s, ref)
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
    number: str | None = None  # the letter's number here: this desk's incoming number, else its SHAMS

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

    @property
    def open(self) -> bool:
        """Still asks something of its recipient: not answered, closed or recalled."""
        return not (self.closed or self.answered or self.recalled)

    @property
    def unread(self) -> bool:
        """Shown in bold and counted on the cartable folder: received, open and not opened yet."""
        return not self.sent_by_me and not self.read and self.open

    def overdue(self, today: dt.date) -> bool:
        """Past its due date and still open (what the status bar counts)."""
        return self.due_date is not None and self.due_date < today and self.open


# Which referrals a cartable lists: referred to me, sent by me, or referred to me and overdue.
TO_ME, SENT, OVERDUE = "to_me", "sent", "overdue"
VIEWS = (TO_ME, SENT, OVERDUE)
# Sortable columns: the SQL each orders by (the search key is the list order: newest first).
SORTS = {
    "created": "r.search_key",
    "due": "r.due_date",
    "subject": "coalesce(l.subject, '')",
    "from": "coalesce((SELECT p.name FROM people p WHERE p.username = r.from_person LIMIT 1), r.from_person)",
    "instruction": "r.instruction",
    "postscript": "r.postscript",
    # the number the letter list shows (app.models.folders.LetterRow.number)
    "number": "coalesce(CASE WHEN l.kind = 'incoming' THEN l.incoming_number ELSE l.shams END, '')",
}

# An event by me (any event for one I sent: ``:sent``) of this kind on the referral; a step the
# server refused never happened.
_DID = ("EXISTS (SELECT 1 FROM referral_events e WHERE e.referral_guid = r.guid AND e.kind = '{kind}' "
        "AND (:sent OR e.by_person = :me) AND e.reject_reason IS NULL)")
_RECALLED = ("EXISTS (SELECT 1 FROM referral_events e WHERE e.referral_guid = r.guid AND e.kind = 'recall' "
             "AND e.reject_reason IS NULL)")
# Open for me: not recalled, and not closed or answered by me.
_OPEN = (f"NOT {_RECALLED} AND NOT EXISTS (SELECT 1 FROM referral_events e WHERE e.referral_guid = r.guid "
         "AND e.kind IN ('close', 'answer') AND e.by_person = :me AND e.reject_reason IS NULL)")
# Why the server refused my latest step on the referral, if it did.
_STEP_REFUSED = ("(SELECT e.reject_reason FROM referral_events e WHERE e.referral_guid = r.guid "
                 "AND e.by_person = :me AND e.reject_reason IS NOT NULL ORDER BY e.at DESC LIMIT 1)")
_TO_ME = "CROSS JOIN referral_recipients rr ON rr.referral_guid = r.guid AND rr.person = :me"
_COLUMNS = (
    "r.guid, r.letter_guid, coalesce(l.subject, ''), r.from_person, r.to_people, r.instruction, r.postscript, "
    "r.due_date, r.created_at, r.synced_at IS NOT NULL, r.reject_reason, "
    + ", ".join(_DID.format(kind=k) for k in ("read", "close", "answer")) + f", {_RECALLED}, {_STEP_REFUSED}, "
    + SORTS["number"]
)


def _where(view: str) -> tuple[str, list[str]]:
    """(join, conditions) selecting the referrals of one cartable view."""
    if view == SENT:
        return "", ["r.from_person = :me"]
    if view == OVERDUE:
        return _TO_ME, ["r.due_date < :today", _OPEN]
    return _TO_ME, []


def cartable_page(store: Store, me: str, *, view: str = TO_ME, query: str | None = None, sort: str = "created",
                  descending: bool = True, offset: int = 0, limit: int | None = None,
                  today: dt.date | None = None, letter_guid: str | None = None) -> list[CartableRow]:
    """One page of a cartable view, filtered by what the user typed (every word, the last as a
    prefix: :func:`app.models.search.fts_query`), in SQL: the list order is an index, and a filter
    streams its matches from ``referrals_search`` in that order, so a page stops early."""
    if view not in VIEWS or sort not in SORTS:
        raise ValueError(f"unknown cartable view or sort: {view!r}, {sort!r}")
    join, where = _where(view)
    if letter_guid is not None:  # one letter's referrals only
        where.append("r.letter_guid = :letter")
    match = fts_query(query) if query else None
    direction = "DESC" if descending else "ASC"
    # CROSS JOIN keeps SQLite's loops in this order: the list order (or the filter's matches, which
    # FTS5 streams in rowid order, the same key) outside, so a page stops after its rows.
    source = "referrals r"
    if match:
        source = "referrals_search f CROSS JOIN referrals r ON r.search_key = f.rowid"
        where.append("referrals_search MATCH :match")
    if sort == "created":
        order = f"{'f.rowid' if match else 'r.search_key'} {direction}"
    else:  # ties in list order
        order = f"{SORTS[sort]} {direction}, r.search_key {direction}"
    sql = (f"SELECT {_COLUMNS} FROM {source} {join} LEFT JOIN letters l ON l.guid = r.letter_guid "
           f"{'WHERE ' + ' AND '.join(where) if where else ''} "
           f"ORDER BY {order} LIMIT :limit OFFSET :offset")
    params = {"me": me, "sent": view == SENT, "today": (today or dt.date.today()).isoformat(), "match": match,
              "limit": -1 if limit is None else limit, "offset": offset, "letter": letter_guid}
    with store.reader() as s:
        found = s.execute(text(sql), params).all()
        wanted = {p for row in found for p in (row[3], *_people(row[4]))}
        names = dict(s.execute(select(Person.username, Person.name).where(Person.username.in_(wanted))).all()) \
            if wanted else {}
    rows = []
    for (guid, letter, subject, sender, to_people, instruction, postscript, due, created, synced, reject,
         read, closed, answered, recalled, step_refused, number) in found:
        people = tuple(_people(to_people))
        rows.append(CartableRow(
            guid, letter, subject, sender, people, instruction, postscript,
            dt.date.fromisoformat(due) if due else None, _utc(created), bool(read), bool(closed), bool(answered),
            bool(recalled), sender == me, names.get(sender, sender), tuple(names.get(p, p) for p in people),
            bool(synced), reject, step_refused, number or None))
    return rows


def _people(value: Any) -> list[str]:
    return list(json.loads(value) if isinstance(value, str) else value or [])


def _utc(value: Any) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def cartable(store: Store, me: str, *, sent: bool = False) -> list[CartableRow]:
    """The whole cartable: the referrals to me (or, ``sent``, from me), newest first."""
    return cartable_page(store, me, view=SENT if sent else TO_ME)


def open_referral_to(store: Store, me: str, letter_guid: str) -> str | None:
    """My latest referral of the letter still waiting for my step (not answered, closed or recalled):
    the one an answer to the letter answers."""
    return next((r.guid for r in cartable_page(store, me, letter_guid=letter_guid)
                 if not (r.answered or r.closed or r.recalled)), None)


def unread_count(store: Store, me: str) -> int:
    """How many referrals to me are unread (the cartable folder's count)."""
    sql = (f"SELECT count(*) FROM referrals r {_TO_ME} WHERE "
           f"NOT {_DID.format(kind='read')} AND {_OPEN}")
    with store.reader() as s:
        return int(s.execute(text(sql), {"me": me, "sent": False}).scalar_one())


def overdue_count(store: Store, me: str, today: dt.date) -> int:
    """How many referrals to me are past their due date and still open (the status bar's count)."""
    _, where = _where(OVERDUE)
    sql = f"SELECT count(*) FROM referrals r {_TO_ME} WHERE {' AND '.join(where)}"
    with store.reader() as s:
        return int(s.execute(text(sql), {"me": me, "today": today.isoformat()}).scalar_one())


@dataclass(frozen=True)
class Reminder:
    """A referral to remind its recipient of: due today (``due``) or past its date (``overdue``)."""

    referral_guid: str
    state: str
    subject: str
    due_date: dt.date


def take_reminders(store: Store, me: str, today: dt.date) -> list[Reminder]:
    """The open referrals to me due today or overdue that I have not been reminded of in that
    state yet; remembered as given in the same transaction, so each is given once."""
    sql = (f"SELECT r.guid, coalesce(l.subject, ''), r.due_date FROM referrals r {_TO_ME} "
           "LEFT JOIN letters l ON l.guid = r.letter_guid "
           f"WHERE r.due_date <= :today AND {_OPEN} AND NOT EXISTS (SELECT 1 FROM referral_reminders m "
           "WHERE m.referral_guid = r.guid AND m.person = :me "
           "AND m.due_state = CASE WHEN r.due_date < :today THEN 'overdue' ELSE 'due' END) "
           "ORDER BY r.due_date, r.search_key")
    params = {"me": me, "today": today.isoformat()}
    with store.reader() as s:
        found = [(g, subj, dt.date.fromisoformat(d)) for g, subj, d in s.execute(text(sql), params)]
    if not found:  # the usual answer, every minute: no write
        return []
    reminders = [Reminder(g, "overdue" if due < today else "due", subj, due) for g, subj, due in found]
    with store.session() as s:
        s.execute(text("INSERT OR IGNORE INTO referral_reminders(referral_guid, person, due_state, at) "
                       "VALUES (:g, :me, :state, :at)"),
                  [{"g": r.referral_guid, "me": me, "state": r.state, "at": utcnow().replace(tzinfo=None)}
                   for r in reminders])
    return reminders


def _index(s: Session, ref: Referral) -> None:
    """Who it is addressed to, as rows, and its row in the cartable's search index (the letter's
    subject and number are copied there by triggers when the letter's own index row is written)."""
    s.flush()
    s.execute(text("INSERT OR IGNORE INTO referral_recipients(person, referral_guid) VALUES (:p, :g)"),
              [{"p": p, "g": ref.guid} for p in ref.to_people])
    who = [ref.from_person, *ref.to_people]
    names = dict(s.execute(select(Person.username, Person.name).where(Person.username.in_(who))).all())
    letter = s.execute(text("SELECT f.subject, f.shams FROM letters l JOIN letters_fts f ON f.rowid = l.rowid "
                            "WHERE l.guid = :g"), {"g": ref.letter_guid}).first()
    s.execute(text("INSERT INTO referrals_search(rowid, subject, shams, people, words) "
                   "SELECT search_key, :subject, :shams, :people, :words FROM referrals WHERE guid = :g"),
              {"g": ref.guid, "subject": letter[0] if letter else "", "shams": letter[1] if letter else "",
               "people": normalize(" ".join(f"{p} {names.get(p, '')}" for p in who)),
               "words": normalize(f"{ref.instruction} {ref.postscript}")})


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
    """The active people of my agency (from the directory) a letter can be referred to, by name."""
    with store.reader() as s:
        units = {code: name for code, name in s.execute(select(Unit.code, Unit.name).where(Unit.agency == agency))}
        people = s.execute(select(Person.username, Person.name, Person.title, Person.unit_code)
                           .where(Person.agency == agency, Person.username != me, Person.active.is_(True))
                           .order_by(Person.name_norm)).all()
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
