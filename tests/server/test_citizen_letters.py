"""Citizens' letters at the desk, on the real server: a person's or company's letter gets a random
tracking id with its incoming number (the same on a retry), its channel must be one the server
lists, and the sender's contact details are checked; an agency's letter gets none."""

from __future__ import annotations

import uuid

import pytest

from app.protocol.citizen import DEFAULT_CHANNELS
from app.protocol.tracking import is_valid
from app.sync.api import ApiError
from tests.server.conftest import Env

CITIZEN = "0010203044"


def citizen_letter(channel: str | None = "counter", **sender: str) -> dict[str, object]:
    return {"guid": str(uuid.uuid4()), "channel": channel,
            "sender": {"kind": "person", "id": CITIZEN, "name": "علی رضایی", "mobile": "۰۹۱۲۳۴۵۶۷۸۹",
                       "postal_code": "1458965847", "address": "تهران، خیابان آزادی، پلاک ۱۲", **sender},
            "subject": "درخواست پروانه", "summary": "درخواست تمدید پروانه کسب"}


@pytest.mark.server
def test_each_channel_gets_a_tracking_id_once(env: Env) -> None:
    with env.client("b.secretary") as b:
        seen = set()
        for channel in DEFAULT_CHANNELS:
            body = citizen_letter(channel)
            first = b.register_paper(body)
            assert is_valid(first["tracking_id"]) and first["citizen_channel"] == channel
            again = b.register_paper(body, idempotency_key=f"retry-{channel}")  # the same letter, another key
            assert again["tracking_id"] == first["tracking_id"]
            seen.add(first["tracking_id"])
        assert len(seen) == len(DEFAULT_CHANNELS)
        agency_letter = b.register_paper({"guid": str(uuid.uuid4()), "subject": "نامه اداری",
                                          "sender": {"kind": "agency", "id": env.nid_a, "name": "دستگاه الف"}})
        assert "tracking_id" not in agency_letter


@pytest.mark.server
def test_bad_channel_or_contact_is_refused_with_its_reason(env: Env) -> None:
    with env.client("b.secretary") as b:
        for body, code, field in ((citizen_letter("fax"), "unknown_channel", "channel"),
                                  (citizen_letter(mobile="12345"), "invalid_sender_contact", "sender.mobile"),
                                  (citizen_letter(postal_code="0000000000"), "invalid_sender_contact",
                                   "sender.postal_code")):
            with pytest.raises(ApiError) as exc:
                b.register_paper(body)
            assert (exc.value.status, exc.value.code, exc.value.field) == (422, code, field)
            assert exc.value.message_fa
