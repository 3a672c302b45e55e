"""Rasad (رصد) on the real server: every action on a letter is one event, appended once and in
order (a retry or a duplicate push adds nothing); the incoming tree shows who referred what to whom
and how far each got; who may see a tree or the event feed is decided by the access rules, and
everyone else gets 404; observers see only the agencies the operator granted them, until revoked."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from app.sync.api import ApiError, DabirApi
from devkit.letters import BulkSigner, make_package
from devkit.server_process import DEMO_PASSWORD
from server.rasad_routes import EventsPage, Tree
from tests.server.conftest import Env, events_after, refusal

FOR_ACTION, FOR_INFO = "برای اقدام", "برای اطلاع"
OBSERVER = "rasad.observer"
LEGAL_PASSWORD = "Passw0rd-Legal!"


def last_cursor(api: DabirApi, agency: str | None = None) -> int:
    events = events_after(api, 0, agency)
    return events[-1]["cursor"] if events else 0


def _referral(letter: str, to: list[str], instruction: str = FOR_ACTION, **extra: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "letter_guid": letter, "to": to, "instruction": instruction,
            "postscript": "لطفاً بررسی و نتیجه را گزارش کنید.", "due_date": "2099-12-20", "parent": None, **extra}


@dataclass
class Story:
    letter: str
    first: dict[str, Any]
    on: dict[str, Any]
    answer: str


def tell_story(env: Env) -> Story:
    """B receives A's letter and registers it; the secretary refers it to the staff member and the
    signatory; the staff member reads, refers it on to the unit manager, answers with a letter of B
    and closes; B files it."""
    pkg = env.received_letter()
    [answer] = BulkSigner(env.signer_b).sign_packages([make_package(env.nid_b, [env.nid_a])])
    with env.client("b.secretary") as sec, env.client("b.staff") as staff:
        sec.register_incoming(pkg.guid)
        answer.receipts = [sec.register(answer)["receipt"]]
        first = sec.refer(_referral(pkg.guid, ["b.staff", "b.signatory"]))
        staff.referral_event(first["id"], "read", event_id=str(uuid.uuid4()), idempotency_key=str(uuid.uuid4()))
        on = staff.refer(_referral(pkg.guid, ["b.manager"], FOR_INFO, parent=first["id"]))
        staff.referral_event(first["id"], "answer", answer_guid=answer.guid, event_id=str(uuid.uuid4()),
                             idempotency_key=str(uuid.uuid4()))
        staff.referral_event(first["id"], "close", note="اقدام شد.", event_id=str(uuid.uuid4()),
                             idempotency_key=str(uuid.uuid4()))
        folder = sec.archive_folders()["items"][0]["id"]
        sec.file_letter(folder, pkg.guid, idempotency_key=str(uuid.uuid4()))
    return Story(pkg.guid, first, on, answer.guid)


# -- (1) events: recorded once, in order -----------------------------------------------------------
def _events_once_in_order(env: Env) -> None:
    with env.client("b.admin") as admin:
        start = last_cursor(admin)
        story = tell_story(env)
        events = events_after(admin, start)
        kinds = [(e["kind"], e["actor"]["username"]) for e in events if e["letter_guid"] == story.letter]
        assert kinds == [("registered", "b.secretary"), ("referred", "b.secretary"), ("read", "b.staff"),
                         ("referred", "b.staff"), ("answered", "b.staff"), ("closed", "b.staff"),
                         ("filed", "b.secretary")]
        cursors = [e["cursor"] for e in events]
        assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)
        by_kind: dict[str, dict[str, Any]] = {}
        for e in events:
            if e["letter_guid"] == story.letter:
                by_kind.setdefault(e["kind"], e)  # the first of each kind
        assert by_kind["referred"]["id"] == story.first["id"] and by_kind["referred"]["referral_guid"] == story.first["id"]
        assert by_kind["referred"]["detail"]["to"] == ["b.signatory", "b.staff"]
        assert by_kind["answered"]["detail"]["answer_guid"] == story.answer
        assert by_kind["registered"]["detail"]["incoming_number"]
        assert by_kind["read"]["actor"] == {"username": "b.staff", "name": "کارشناس", "unit": "it",
                                            "unit_name": "فناوری اطلاعات"}
        end = events[-1]["cursor"]
        tree_before = {**admin.rasad_tree(story.letter), "as_of": None}
        # duplicate pushes (a client's outbox sending again under new keys) and a late, out-of-order
        # push of an earlier event change nothing
        with env.client("b.secretary") as sec, env.client("b.staff") as staff:
            sec.refer({**_referral(story.letter, ["b.staff", "b.signatory"]), **{
                k: story.first[k] for k in ("id", "instruction", "postscript", "due_date")}},
                idempotency_key=str(uuid.uuid4()))
            read_id = by_kind["read"]["id"]
            staff.referral_event(story.first["id"], "read", event_id=read_id, idempotency_key=str(uuid.uuid4()))
            close_id = by_kind["closed"]["id"]
            staff.referral_event(story.first["id"], "close", note="اقدام شد.", event_id=close_id,
                                 idempotency_key=str(uuid.uuid4()))
            sec.register_incoming(story.letter, idempotency_key=str(uuid.uuid4()))
            folder = sec.archive_folders()["items"][0]["id"]
            sec.file_letter(folder, story.letter, idempotency_key=str(uuid.uuid4()))
        assert events_after(admin, end) == []
        assert {**admin.rasad_tree(story.letter), "as_of": None} == tree_before
        # a recall and an unfiling are events too
        with env.client("b.secretary") as sec:
            unread = sec.refer(_referral(story.letter, ["b.staff"]))
            sec.referral_event(unread["id"], "recall", event_id=str(uuid.uuid4()), idempotency_key=str(uuid.uuid4()))
            sec.unfile_letter(folder, story.letter, "نیاز به بررسی دوباره", idempotency_key=str(uuid.uuid4()))
        assert [e["kind"] for e in events_after(admin, end)] == ["referred", "recalled", "unfiled"]


@pytest.mark.server
def test_every_action_is_one_event_in_order_sqlite(env: Env) -> None:
    _events_once_in_order(env)


@pytest.mark.server
@pytest.mark.postgres
def test_every_action_is_one_event_in_order_postgres(pg_env: Env) -> None:
    _events_once_in_order(pg_env)


# -- (2) the tree and who may see it ---------------------------------------------------------------
def check_tree(tree: dict[str, Any], story: Story, nid_b: str) -> None:
    """The tree of tell_story as everyone allowed must see it."""
    assert tree["agency"] == nid_b
    letter = tree["letter"]
    assert letter["guid"] == story.letter and letter["shams"] and letter["incoming_number"]
    assert letter["registered_by"]["username"] == "b.secretary" and letter["sender_name"]
    refs = tree["referrals"]
    assert [(r["created_at"], r["guid"]) for r in refs] == sorted((r["created_at"], r["guid"]) for r in refs)
    by_guid = {r["guid"]: r for r in refs}
    first, on = by_guid[story.first["id"]], by_guid[story.on["id"]]
    assert len(refs) == 2 and (first["parent_guid"], on["parent_guid"]) == (None, story.first["id"])
    assert first["from"]["username"] == "b.secretary" and first["instruction"] == FOR_ACTION
    assert {t["person"]["username"]: t["status"] for t in first["to"]} == {"b.staff": "closed", "b.signatory": "open"}
    staff = next(t for t in first["to"] if t["person"]["username"] == "b.staff")
    assert staff["read_at"] and staff["answered_at"] and staff["closed_at"]
    assert first["status"] == "answered" and first["close_note"] == "اقدام شد."
    [answer] = first["answers"]
    assert answer["guid"] == story.answer and answer["shams"] and answer["by"]["username"] == "b.staff"
    assert on["from"]["username"] == "b.staff" and [t["person"]["username"] for t in on["to"]] == ["b.manager"]
    assert on["status"] == "open" and on["instruction"] == FOR_INFO and on["due_date"] == "2099-12-20"


@contextmanager
def granted(env: Env, agency: str) -> Iterator[None]:
    env.server.cli("rasad-grant", "--observer", OBSERVER, "--agency", agency)
    try:
        yield
    finally:
        env.server.cli("rasad-revoke", "--observer", OBSERVER, "--agency", agency)


def _ensure_user(env: Env, username: str, roles: list[str], unit: str) -> None:
    """A user of B in the unit «legal», which took no part in the story (kept for the session)."""
    with env.client("b.admin") as admin:
        with contextlib.suppress(ApiError):  # already there from an earlier test of this session
            admin.add_unit("legal", "امور حقوقی")
        with contextlib.suppress(ApiError):
            admin.add_user(username, "کاربر آزمون", LEGAL_PASSWORD, roles, unit=unit)


def _tree_access(env: Env) -> None:
    story = tell_story(env)
    _ensure_user(env, "b.legal", ["staff"], "legal")
    _ensure_user(env, "b.legalmgr", ["staff", "unit_manager"], "legal")
    seen = {}
    for user in ("b.secretary", "b.staff", "b.signatory", "b.manager", "b.admin"):
        with env.client(user) as api:
            seen[user] = api.rasad_tree(story.letter)
            check_tree(seen[user], story, env.nid_b)
    assert len({repr({**t, "as_of": None}) for t in seen.values()}) == 1  # identical for everyone
    Tree.model_validate(seen["b.admin"])  # the answer is what the OpenAPI document says
    # the unit manager of the unit sees a tree only a colleague of the unit took part in
    with env.client("b.secretary") as sec:
        other = env.received_letter()
        sec.register_incoming(other.guid)
        sec.refer(_referral(other.guid, ["b.signatory"]))
    with env.client("b.manager") as mgr:
        assert refusal(lambda: mgr.rasad_tree(other.guid))[0] == 404  # nobody of unit it took part
    with env.client("b.secretary") as sec:
        sec.refer(_referral(other.guid, ["b.staff"]))
    with env.client("b.manager") as mgr:
        assert mgr.rasad_tree(other.guid)["letter"]["guid"] == other.guid
    # everyone else: 404, with and without naming the agency
    for user in ("b.legal", "b.legalmgr", "a.staff", "a.admin", "a.manager", OBSERVER):
        with env.client(user, LEGAL_PASSWORD if user.startswith("b.legal") else DEMO_PASSWORD) as api:
            if user != "a.admin":  # A's administrator sees A's own tree of the letter A sent (below)
                assert refusal(lambda: api.rasad_tree(story.letter))[0] == 404, user
            assert refusal(lambda: api.rasad_tree(story.letter, env.nid_b))[0] == 404, user
    with env.client(OBSERVER) as obs:
        with granted(env, env.nid_b):
            check_tree(obs.rasad_tree(story.letter, env.nid_b), story, env.nid_b)
            assert refusal(lambda: obs.rasad_tree(story.letter, env.nid_a))[0] == 404  # not granted A
            assert [a["national_id"] for a in obs.rasad_agencies()] == [env.nid_b]
        # revoked: stops at once, same token
        assert refusal(lambda: obs.rasad_tree(story.letter, env.nid_b))[0] == 404
        assert obs.rasad_agencies() == []
    # B's staff (and B's administrator) see none of A's trees: not A's view of this letter, not a
    # letter only A has
    [only_a] = BulkSigner(env.signer_a).sign_packages([make_package(env.nid_a, [env.nid_b])])
    with env.client("a.secretary") as a_sec:
        a_sec.register(only_a)
    for user in ("b.staff", "b.admin"):
        with env.client(user) as api:
            assert refusal(lambda: api.rasad_tree(story.letter, env.nid_a))[0] == 404, user
            assert refusal(lambda: api.rasad_tree(only_a.guid))[0] == 404, user
            assert refusal(lambda: api.rasad_tree(only_a.guid, env.nid_a))[0] == 404, user
    with env.client("a.admin") as a_admin:  # A's own letter, as A sees it: no referrals in A
        tree = a_admin.rasad_tree(story.letter)
        assert tree["agency"] == env.nid_a and tree["referrals"] == [] and tree["letter"]["incoming_number"] is None


@pytest.mark.server
def test_tree_and_access_matrix_sqlite(env: Env) -> None:
    _tree_access(env)


@pytest.mark.server
@pytest.mark.postgres
def test_tree_and_access_matrix_postgres(pg_env: Env) -> None:
    _tree_access(pg_env)


# -- (3) the web service: the event feed by grant ------------------------------------------------
@pytest.mark.server
def test_event_feed_by_role_and_grant(env: Env) -> None:
    tell_story(env)
    with env.client("b.admin") as admin:
        EventsPage.model_validate(admin.rasad_events(limit=50))  # the answer is what the OpenAPI document says
        own = events_after(admin, 0)
        assert own and events_after(admin, 0, env.nid_b) == own
        assert refusal(lambda: admin.rasad_events(env.nid_a))[0] == 404  # another agency's
        assert [a["national_id"] for a in admin.rasad_agencies()] == [env.nid_b]
    for user in ("b.staff", "b.secretary", "b.manager", "a.staff"):  # unit managers get reports, not the feed
        with env.client(user) as api:
            assert refusal(lambda: api.rasad_events(env.nid_b))[0] == 404, user
    with env.client(OBSERVER) as obs:
        assert refusal(lambda: obs.rasad_events(env.nid_b))[0] == 404
        assert refusal(lambda: obs.rasad_events())[0] == 404
        with granted(env, env.nid_b):
            assert events_after(obs, 0, env.nid_b)[:len(own)] == own
            assert refusal(lambda: obs.rasad_events(env.nid_a))[0] == 404
        assert refusal(lambda: obs.rasad_events(env.nid_b))[0] == 404
    with env.client("b.admin") as admin:  # the grant and the revocation are in B's audit log
        codes = [e["code"] for e in admin.audit_events(limit=20)["items"]]
        assert "rasad_granted" in codes and "rasad_revoked" in codes
    assert OBSERVER in env.server.cli("rasad-grants")


@pytest.mark.server
def test_grant_cli_refuses_what_cannot_be(env: Env) -> None:
    with pytest.raises(RuntimeError, match="rasad_observer role"):
        env.server.cli("rasad-grant", "--observer", "b.staff", "--agency", env.nid_a)
    with pytest.raises(RuntimeError, match="no agency"):
        env.server.cli("rasad-grant", "--observer", OBSERVER, "--agency", "00000000000")
    assert "nothing to do" in env.server.cli("rasad-revoke", "--observer", OBSERVER, "--agency", env.nid_a)
