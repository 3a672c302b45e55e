"""Referrals (ارجاع) and cartables on the real server: carried between users of one agency only,
each user pulls their own cartable whatever their role, a recall works until the referral is
read, and a retried referral is stored once."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest

from app.sync.api import DabirApi
from devkit.letters import BulkSigner, make_package
from tests.server.conftest import Env, all_pages, refusal

FOR_ACTION, FOR_INFO = "برای اقدام", "برای اطلاع"



def _referral(letter: str, to: list[str], instruction: str = FOR_ACTION, **extra: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "letter_guid": letter, "to": to, "instruction": instruction,
            "postscript": "لطفاً بررسی و نتیجه را گزارش کنید.", "due_date": "2026-12-20", **extra}


def _cartable(api: DabirApi, after: int = 0) -> list[dict[str, Any]]:
    return all_pages(lambda cursor, n: api.cartable(cursor, limit=n), after)


def _refer_read_answer_close(env: Env) -> None:
    pkg = env.received_letter()
    with env.client("b.secretary") as sec, env.client("b.staff") as staff, env.client("b.signatory") as boss:
        staff_start, boss_start = staff.cartable()["cursor"], boss.cartable()["cursor"]
        sent = sec.refer(_referral(pkg.guid, ["b.staff", "b.signatory"]))
        assert sent["from"] == "b.secretary" and sorted(sent["to"]) == ["b.signatory", "b.staff"]
        # the staff member (not a secretary) pulls their own cartable, with the letter to read
        [entry] = _cartable(staff, staff_start)
        assert entry["type"] == "referral" and entry["referral"]["id"] == sent["id"]
        assert entry["referral"]["instruction"] == FOR_ACTION and entry["referral"]["due_date"] == "2026-12-20"
        assert entry["package"]["content"]["guid"] == pkg.guid and entry["package"]["receipts"]
        assert FOR_ACTION in staff.cartable()["instructions"]
        assert refusal(staff.inbox) == (403, "forbidden")  # the agency inbox stays the secretary's
        # read, refer on, answer, close: the sender and every recipient see each event
        staff.referral_event(sent["id"], "read", idempotency_key="r1")
        on = staff.refer(_referral(pkg.guid, ["b.signatory"], FOR_INFO, parent=sent["id"]))
        answer = str(uuid.uuid4())
        staff.referral_event(sent["id"], "answer", answer_guid=answer, idempotency_key="a1")
        staff.referral_event(sent["id"], "close", note="اقدام شد.", idempotency_key="c1")
        assert refusal(lambda: sec.referral_event(sent["id"], "recall", idempotency_key="x1")) == (409, "referral_read")
        events = [(e["event"]["kind"], e["event"]["by"]) for e in _cartable(sec) if e["type"] == "event"
                  and e["event"]["referral"] == sent["id"]]
        assert events == [("read", "b.staff"), ("answer", "b.staff"), ("close", "b.staff")]
        boss_items = _cartable(boss, boss_start)
        assert [i["referral"]["id"] for i in boss_items if i["type"] == "referral"] == [sent["id"], on["id"]]
        assert [i["event"]["answer_guid"] for i in boss_items if i["type"] == "event"
                and i["event"]["kind"] == "answer"] == [answer]
        # an unread referral is recalled; afterwards its recipient can act on it no more
        unread = sec.refer(_referral(pkg.guid, ["b.staff"]))
        recalled = sec.referral_event(unread["id"], "recall", idempotency_key=f"recall:{unread['id']}")
        assert recalled["kind"] == "recall"
        assert refusal(lambda: staff.referral_event(unread["id"], "read", idempotency_key="r2")) == (
            409, "referral_recalled")
        # only the sender recalls; only a recipient reads
        assert refusal(lambda: staff.referral_event(on["id"], "read", idempotency_key="r3"))[0] == 404
        assert refusal(lambda: boss.referral_event(on["id"], "recall", idempotency_key="x2"))[0] == 404


@pytest.mark.server
def test_refer_read_answer_close_and_recall_sqlite(env: Env) -> None:
    _refer_read_answer_close(env)


@pytest.mark.server
@pytest.mark.postgres
def test_refer_read_answer_close_and_recall_postgres(pg_env: Env) -> None:
    _refer_read_answer_close(pg_env)


@pytest.mark.server
def test_referrals_stay_inside_the_agency(env: Env) -> None:
    pkg = env.received_letter()
    with env.client("b.secretary") as b_sec, env.client("a.secretary") as a_sec, env.client("a.staff") as a_staff:
        # to a user of another agency
        assert refusal(lambda: b_sec.refer(_referral(pkg.guid, ["a.staff"]))) == (422, "unknown_recipient")
        # a letter B has neither written nor received (A's outgoing letter is B's; a letter of A's not sent to B)
        [own] = BulkSigner(env.signer_a).sign_packages([make_package(env.nid_a, [env.nid_b])])
        own.receipts = [a_sec.register(own)["receipt"]]
        assert refusal(lambda: b_sec.refer(_referral(own.guid, ["b.staff"])))[0] == 404
        # an event on another agency's referral: not found
        sent = b_sec.refer(_referral(pkg.guid, ["b.staff"]))
        assert refusal(lambda: a_staff.referral_event(sent["id"], "read", idempotency_key="r"))[0] == 404
        assert not [i for i in _cartable(a_staff) if i["type"] == "referral" and i["referral"]["id"] == sent["id"]]
    with env.client("b.staff") as staff:  # staff refer only what was referred to them
        assert refusal(lambda: staff.refer(_referral(str(uuid.uuid4()), ["b.signatory"])))[0] == 404
        other = env.received_letter()
        assert refusal(lambda: staff.refer(_referral(other.guid, ["b.signatory"]))) == (403, "forbidden")


@pytest.mark.server
def test_a_retried_referral_is_stored_once(env: Env) -> None:
    pkg = env.received_letter()
    with env.client("b.secretary") as sec, env.client("b.staff") as staff:
        start = staff.cartable()["cursor"]
        body = _referral(pkg.guid, ["b.staff"])
        raw = orjson.dumps(body)
        first = sec.raw_post("/referrals", raw, idempotency_key="same-key")
        again = sec.raw_post("/referrals", raw, idempotency_key="same-key")
        assert first.status_code == again.status_code == 201
        assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first.json()
        assert sec.refer(body, idempotency_key="another-key")["id"] == body["id"]  # same referral, new key
        assert refusal(lambda: sec.refer({**body, "postscript": "دیگر"}, idempotency_key="third")) == (
            409, "referral_id_conflict")
        assert [i["referral"]["id"] for i in _cartable(staff, start)] == [body["id"]]
        staff.referral_event(body["id"], "read", idempotency_key="read-1")
        staff.referral_event(body["id"], "read", idempotency_key="read-2")  # read once, whatever the key
        closing = str(uuid.uuid4())  # an event made offline, sent again under another key: stored once
        for key in ("close-1", "close-2"):
            assert staff.referral_event(body["id"], "close", note="انجام شد.", event_id=closing,
                                        idempotency_key=key)["id"] == closing
        assert [i["event"]["kind"] for i in _cartable(staff, start) if i["type"] == "event"] == ["read", "close"]


@pytest.mark.server
def test_bad_referral_input_is_refused_with_4xx(env: Env) -> None:
    pkg = env.received_letter()
    with env.client("b.secretary") as sec:
        bad: list[dict[str, Any]] = [
            _referral(pkg.guid, ["b.staff"], "دستوری ناشناخته"),
            _referral(pkg.guid, []),
            _referral(pkg.guid, ["b.secretary"]),
            {**_referral(pkg.guid, ["b.staff"]), "id": "not-a-guid"},
            {**_referral(pkg.guid, ["b.staff"]), "due_date": "1405-13-01"},
            {**_referral(pkg.guid, ["b.staff"]), "postscript": "\x00"},
        ]
        for body in bad:
            status, _code = refusal(lambda b=body: sec.refer(b))
            assert 400 <= status < 500
        for path in ("/referrals/not-a-guid/events", f"/referrals/{uuid.uuid4()}/events"):
            resp = sec.raw_post(path, b'{"kind": "read"}', idempotency_key="k")
            assert resp.status_code in (404, 422)
        resp = sec.raw_post(f"/referrals/{uuid.uuid4()}/events", b'{"kind": "burn"}', idempotency_key="k2")
        assert resp.status_code == 422
        for after, limit in ((2**63, 10), (-1, 10), (0, 0), (0, 501)):
            assert refusal(lambda a=after, n=limit: sec.cartable(a, n))[0] == 422
