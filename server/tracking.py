"""The public status of a citizen's letter (article 6): its tracking id and the sender's national code/id.

Only the status (registered, under review, answered, closed), the agency's name and dates are told,
and for an answered letter the answer's SHAMS and date: never content, subject, staff or instructions.
A wrong national code/id is answered exactly like an unknown tracking id (404, the same body) after
the same database work: one look-up by tracking id and a constant-time compare against the stored
sender id or a dummy. An ill-formed tracking id or national code/id is refused with 422 and its
Persian reason: that is a check of the typed text alone and says nothing about any letter.

The status comes from what the agency did: a referral by someone of the agency or a recipient's
read puts the letter under review; a referral answered, or an outgoing letter of the agency linked
to it by «عطف» registered (:func:`record_answers`, in that registration's write), answered; every
referral finished (closed,
answered or recalled) with one closed, or the letter filed in the archive, closed. The channel
API's acting users (channel_agencies.user_id) refer its letters to the secretaries on their own:
that is not a review.
"""

from __future__ import annotations

import datetime as dt
import hmac
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, insert, select

from app.protocol.citizen import STATUS_NAMES, Status
from app.protocol.jalali import format_datetime
from app.protocol.persian import (
    InvalidIdentifier,
    to_ascii_digits,
    validate_national_code,
    validate_national_id,
)
from app.protocol.receipt import format_time
from app.protocol.shams import Shams
from app.protocol.tracking import display_tracking_id, parse_tracking_id
from server.context import ServerContext, as_utc
from server.errors import ApiError
from server.rasad_events import record
from server.tables.accounts import agencies, channel_agencies
from server.tables.letters import citizen_answers, incoming_registrations, letters
from server.tables.rasad import rasad_events
from server.tables.referrals import referral_events, referral_summary, referrals

# What an unknown id and a wrong national code both get: the same status and the same bytes.
NOT_FOUND = ApiError(404, "tracking_not_found",
                     "نامه‌ای با این شناسه پیگیری و این کد ملی یا شناسه ملی یافت نشد؛ هر دو را با رسید مقایسه کنید.",
                     "No letter with this tracking id and national code/id.")
_DUMMY_SENDER = "\0" * 11  # compared against when no letter has the id: no typed id equals it

_REGISTRATION = (select(incoming_registrations.c.agency_id, incoming_registrations.c.guid,
                        incoming_registrations.c.sender_id, incoming_registrations.c.registered_at,
                        agencies.c.name.label("agency_name"))
                 .join(agencies, agencies.c.id == incoming_registrations.c.agency_id)
                 .where(incoming_registrations.c.tracking_id == bindparam("t")))
_ACTING = select(channel_agencies.c.user_id).where(channel_agencies.c.agency_id == bindparam("a"))
_OF_LETTER = (referrals.c.agency_id == bindparam("a")) & (referrals.c.letter_guid == bindparam("g"))
_PAIRS = (select(referral_summary.c.from_user_id, referral_summary.c.created_at, referral_summary.c.read_at,
                 referral_summary.c.answered_at, referral_summary.c.closed_at, referral_summary.c.recalled_at)
          .join(referrals, referrals.c.id == referral_summary.c.referral_id).where(_OF_LETTER))
_ANSWERS = (select(referral_events.c.at, letters.c.shams, letters.c.registered_at, letters.c.kind)
            .join(referrals, referrals.c.id == referral_events.c.referral_id)
            .outerjoin(letters, (letters.c.guid == referral_events.c.answer_guid)
                       & (letters.c.agency_id == referrals.c.agency_id))
            .where(_OF_LETTER, referral_events.c.kind == "answer").order_by(referral_events.c.at, referral_events.c.id))
# the agency's registered outgoing letters answering it (recorded by record_answers)
_LETTER_ANSWERS = (select(citizen_answers.c.at, letters.c.shams, letters.c.registered_at, letters.c.kind)
                   .join(letters, letters.c.guid == citizen_answers.c.answer_guid)
                   .where(citizen_answers.c.agency_id == bindparam("a"), citizen_answers.c.letter_guid == bindparam("g"))
                   .order_by(citizen_answers.c.at, citizen_answers.c.id))
_CITIZEN_LETTERS = select(incoming_registrations.c.guid).where(
    incoming_registrations.c.agency_id == bindparam("a"), incoming_registrations.c.tracking_id.is_not(None),
    incoming_registrations.c.guid.in_(bindparam("gs", expanding=True)))
_FILINGS = (select(rasad_events.c.kind, rasad_events.c.detail, rasad_events.c.at)
            .where(rasad_events.c.agency_id == bindparam("a"), rasad_events.c.letter_guid == bindparam("g"),
                   rasad_events.c.kind.in_(("filed", "unfiled"))).order_by(rasad_events.c.cursor))


def parse_sender_id(text: str) -> str:
    """A national code (10 digits) or a company's national id (11), as typed; 422 with the reason."""
    value = "".join(c for c in to_ascii_digits(text or "") if c not in " -\u200c")
    try:
        return validate_national_id(value) if len(value) == 11 else validate_national_code(value)
    except InvalidIdentifier as exc:
        raise ApiError(422, "invalid_national_id", exc.message_fa, str(exc), "national_id") from exc


def parse_id(text: str) -> str:
    try:
        return parse_tracking_id(text)
    except InvalidIdentifier as exc:
        raise ApiError(422, "invalid_tracking_id", exc.message_fa, str(exc), "tracking_id") from exc


def _when(moment: dt.datetime) -> dict[str, str]:
    at = as_utc(moment)
    return {"at": format_time(at), "jalali": format_datetime(at, persian_digits=False)}


def lookup(ctx: ServerContext, tracking_id_text: str, national_id_text: str) -> dict[str, Any]:
    """The public answer for a tracking id and the sender's national code/id (404 :data:`NOT_FOUND`
    for an unknown id or a wrong code alike)."""
    tracking_id, sender_id = parse_id(tracking_id_text), parse_sender_id(national_id_text)
    with ctx.db.read() as conn:
        row = conn.execute(_REGISTRATION, {"t": tracking_id}).mappings().first()
        stored = (row["sender_id"] if row is not None else None) or _DUMMY_SENDER
        if not hmac.compare_digest(stored.encode(), sender_id.encode()) or row is None:
            raise NOT_FOUND
        key = {"a": row["agency_id"], "g": row["guid"]}
        acting = set(conn.execute(_ACTING, {"a": row["agency_id"]}).scalars())
        pairs = conn.execute(_PAIRS, key).mappings().all()
        answers = conn.execute(_ANSWERS, key).mappings().all() if any(p["answered_at"] for p in pairs) else []
        answers = sorted([*answers, *conn.execute(_LETTER_ANSWERS, key).mappings().all()],
                         key=lambda a: as_utc(a["at"]))
        filings = conn.execute(_FILINGS, key).mappings().all()
    registered_at = as_utc(row["registered_at"])
    status, since, answer = _status(registered_at, acting, pairs, answers, filings)
    return {
        "tracking_id": tracking_id, "tracking_id_display": display_tracking_id(tracking_id, persian=False),
        "agency_name": row["agency_name"], "status": status.value, "status_fa": STATUS_NAMES[status],
        "registered_at": _when(registered_at), "changed_at": _when(since), "answer": answer}


def record_answers(ctx: ServerContext, conn: Connection, *, agency_id: int, user_id: int, content: dict[str, Any],
                   shams: str, at: dt.datetime) -> None:
    """An outgoing letter registered with «عطف» to citizens' letters its own agency registered answers
    them: recorded (and a Rasad "answered" event each) in the registration's write. A link to any
    other letter (another agency's, not a citizen's) records nothing."""
    linked = [link["guid"] for link in content["links"] if link["type"] == "in_reply_to"]
    if content["kind"] == "internal" or not linked:  # an internal letter is never published
        return
    answer_guid = content["guid"]
    for guid in conn.execute(_CITIZEN_LETTERS, {"a": agency_id, "gs": linked}).scalars().all():
        conn.execute(insert(citizen_answers).values(agency_id=agency_id, letter_guid=guid, answer_guid=answer_guid,
                                                    at=at))
        record(ctx, conn, agency_id=agency_id, event_id=f"answer:{answer_guid}:{guid}", kind="answered",
               letter_guid=guid, user_id=user_id, at=at,
               detail={"note": "", "answer_guid": answer_guid, "shams": shams})


def _status(registered_at: dt.datetime, acting: set[int], pairs: Any, answers: Any,
            filings: Any) -> tuple[Status, dt.datetime, dict[str, Any] | None]:
    """The status, since when, and the answer's SHAMS and date (answered only)."""
    if answers:
        published = [a for a in answers if a["shams"] and a["kind"] != "internal"]  # internal: never published
        chosen = published[-1] if published else answers[0]  # a later answer supersedes: the citizen holds it
        answer = None
        if chosen["shams"] and chosen["kind"] != "internal":
            answer = {"shams": chosen["shams"], "shams_display": Shams.parse(chosen["shams"]).display,
                      "registered_at": _when(chosen["registered_at"])}
        return Status.ANSWERED, as_utc(chosen["at"]), answer
    held: dict[str, dt.datetime] = {}  # folder -> filed at (the letter is in it now)
    for f in filings:
        folder = _folder_of(f["detail"])
        if f["kind"] == "filed":
            held[folder] = as_utc(f["at"])
        else:
            held.pop(folder, None)
    if held:
        return Status.CLOSED, min(held.values()), None
    closed = [as_utc(p["closed_at"]) for p in pairs if p["closed_at"]]
    pending = [p for p in pairs if not (p["closed_at"] or p["answered_at"] or p["recalled_at"])]
    if closed and not pending:
        return Status.CLOSED, max(closed), None
    review = [as_utc(p["created_at"]) for p in pairs if p["from_user_id"] not in acting]
    review += [as_utc(p["read_at"]) for p in pairs if p["read_at"]]
    if review:
        return Status.UNDER_REVIEW, min(review), None
    return Status.REGISTERED, registered_at, None


def _folder_of(detail: str) -> str:
    return str(orjson.loads(detail).get("folder"))
