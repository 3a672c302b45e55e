"""An answer to a citizen drafted before their letter was numbered names it by its incoming number
once the number comes (its «عطف» line was left empty for good)."""

from __future__ import annotations

from app.models.citizen_answer import citizen_reply
from app.models.db import Store
from app.models.drafts import DraftValues, save_draft
from app.models.incoming import PaperLetter, register_paper, store_number
from app.models.tables import Letter

CITIZEN = "0010203044"
SENDER = {"agency": "14000123453", "unit": "secretariat", "person": "b.secretary", "name": "وزارت نمونه"}


def test_a_draft_answer_takes_the_incoming_number_when_it_comes(store: Store) -> None:
    asked = register_paper(store, PaperLetter(sender_kind="person", sender_id=CITIZEN, sender_name="علی رضایی",
                                              subject="درخواست مجوز", channel="counter"))
    reply = citizen_reply(store, asked)
    assert reply is not None and reply.link.shams == ""  # offline: no number yet
    draft = save_draft(store, None, DraftValues(subject=reply.subject, body="<p>پاسخ</p>", to=[reply.recipient],
                                                in_reply_to=reply.link), kind="outgoing", sender=SENDER).guid
    other = register_paper(store, PaperLetter(sender_kind="person", sender_id=CITIZEN, sender_name="علی رضایی",
                                              subject="درخواست دیگر", channel="counter"))
    with store.session() as s:  # the sync stores the number the server gave
        letter = s.get(Letter, asked)
        assert letter is not None
        store_number(letter, {"incoming_number": "1405/21", "registered_at": "2026-12-05T10:00:00Z"})
    with store.reader() as s:
        answer = s.get(Letter, draft)
        assert answer is not None and (answer.in_reply_to, answer.in_reply_to_shams) == (asked, "1405/21")
        untouched = s.get(Letter, other)
        assert untouched is not None and untouched.incoming_number is None
