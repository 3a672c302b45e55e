"""Referrals in the local store: made offline and queued once each; the rules a user meets before
any sync (a recall once read is refused); a referral does not change what the outbox folder
says about its letter."""

from __future__ import annotations

import pytest

from app.models import referrals as R
from app.models.db import Store
from app.models.outbox_view import outbox_progress
from app.protocol.canonical import InvalidContent
from app.sync import outbox
from tests.ui.conftest import add_letter


def test_a_referral_and_its_events_are_queued_in_order(store: Store) -> None:
    guid = add_letter(store, "گزارش پیشرفت پروژه", kind="incoming", state="received")
    ref = R.refer(store, guid, "me", ["ali", "ali", "me"], "برای اقدام", "  هامش  ").value
    R.add_event(store, ref, "me", "recall")
    with pytest.raises(R.NotAllowed):
        R.add_event(store, ref, "ali", "read")  # recalled
    with store.reader() as s:
        ops = [(o.op, o.idempotency_key.split(":")[0]) for o in outbox.due(s, outbox.utcnow(), ops=R.OPS)]
        assert ops == [(R.REFER_OP, R.REFER_OP), (R.EVENT_OP, R.EVENT_OP)]
        [row] = R.cartable(store, "ali")
        assert row.to_people == ("ali",) and row.postscript == "هامش" and row.recalled
    with pytest.raises(InvalidContent):
        R.refer(store, guid, "me", ["me"], "برای اقدام")
    with pytest.raises(InvalidContent):
        R.refer(store, guid, "me", ["ali"], "دستور ناشناخته")


def test_a_manager_is_referred_a_letter_for_their_notice(store: Store) -> None:
    """«جهت استحضار» is how a letter goes up to a superior; the default list offers it."""
    guid = add_letter(store, "درخواست همکاری", kind="incoming", state="received")
    assert "جهت استحضار" in R.instructions(store)
    ref = R.refer(store, guid, "me", ["manager"], "جهت استحضار").value
    [row] = R.cartable(store, "manager")
    assert row.guid == ref and row.instruction == "جهت استحضار"


def test_a_read_referral_is_not_recalled(store: Store) -> None:
    guid = add_letter(store, "درخواست همکاری", kind="incoming", state="received")
    ref = R.refer(store, guid, "me", ["ali"], "برای اطلاع").value
    first = R.add_event(store, ref, "ali", "read").value
    assert R.add_event(store, ref, "ali", "read").value == first  # read once
    with pytest.raises(R.NotAllowed):
        R.add_event(store, ref, "me", "recall")


def test_referring_a_letter_in_the_outbox_leaves_its_progress_alone(store: Store) -> None:
    guid = add_letter(store, "نامه در صف ارسال", state="queued")
    with store.session() as s:
        outbox.enqueue(s, outbox.REGISTER, guid)
        before = outbox_progress(s)
    R.refer(store, guid, "me", ["ali"], "برای اطلاع")
    with store.session() as s:  # the server refused the referral: the letter itself is still on its way
        [op] = outbox.due(s, outbox.utcnow(), ops=R.OPS)
        R.mark_refused(s, op, "گیرنده ارجاع از کارکنان فعال این سازمان نیست.", "422 unknown_recipient")
    with store.reader() as s:
        assert outbox_progress(s) == before and before[0].step == "queued"
