"""The public status of a citizen's letter on the real server: each status reached through the real
API, a wrong national code answered exactly like an unknown tracking id (status, bytes, timing
class), look-ups rate-limited per address, and nothing private in the answer."""

from __future__ import annotations

import ssl
import statistics
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.protocol.canonical import build_content
from app.protocol.citizen import STATUS_NAMES, Status
from app.protocol.package import LetterPackage
from app.protocol.persian import to_persian_digits
from app.protocol.referral import DEFAULT_INSTRUCTIONS
from app.protocol.shams import Shams
from app.protocol.tracking import display_tracking_id, new_tracking_id
from app.sync.api import DabirApi
from devkit.letters import BulkSigner, make_package
from devkit.pki import TestPKI
from server.demo_seed import DEMO_USERS
from tests.server.conftest import Env, fresh_pg_database, start_env
from tests.server.test_channel_api import add_account
from tests.server.test_channel_api import http as channel_http
from tests.server.test_citizen_letters import CITIZEN, citizen_letter

WRONG_CODE = "0084575948"  # a valid national code, not the sender's
INSTRUCTION = DEFAULT_INSTRUCTIONS[0]
POSTSCRIPT = "پس از بررسی کارشناسی به متقاضی پاسخ دهید."


@pytest.fixture(scope="module")
def track_env(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI, signers: Any) -> Iterator[Env]:
    """A server whose look-up limit is out of the way (the limit itself: the session server)."""
    e = start_env(tmp_path_factory.mktemp("server-tracking"), pki, signers,
                  DABIR_SERVER_TRACKING_LOOKUPS_PER_MINUTE="100000")
    try:
        yield e
    finally:
        e.server.stop()


@pytest.fixture(scope="module")
def track_pg_env(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI, signers: Any) -> Iterator[Env]:
    """The same on PostgreSQL (its own database)."""
    with fresh_pg_database("tracking") as url:
        e = start_env(tmp_path_factory.mktemp("server-tracking-pg"), pki, signers, database_url=url,
                      DABIR_SERVER_TRACKING_LOOKUPS_PER_MINUTE="100000")
        try:
            yield e
        finally:
            e.server.stop()


def https(env: Env) -> httpx.Client:
    return httpx.Client(base_url=env.server.base_url, verify=ssl.create_default_context(
        cafile=str(env.server.ca_bundle)))


def look_up(http: httpx.Client, tracking_id: str, national_id: str = CITIZEN) -> httpx.Response:
    return http.post("/api/v1/track", json={"tracking_id": tracking_id, "national_id": national_id})


def status_of(http: httpx.Client, tracking_id: str) -> dict[str, Any]:
    r = look_up(http, tracking_id)
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def refer(api: DabirApi, letter: str, to: list[str]) -> str:
    return str(api.refer({"id": str(uuid.uuid4()), "letter_guid": letter, "to": to, "instruction": INSTRUCTION,
                          "postscript": POSTSCRIPT, "due_date": None, "parent": None})["id"])


def event(api: DabirApi, referral: str, kind: str, **extra: Any) -> None:
    api.referral_event(referral, kind, idempotency_key=str(uuid.uuid4()), **extra)


@pytest.mark.server
def test_each_status_is_reached_through_the_agencys_work(track_env: Env) -> None:
    each_status(track_env)


@pytest.mark.server
def test_each_status_is_reached_through_the_agencys_work_postgres(track_pg_env: Env) -> None:
    each_status(track_pg_env)


def each_status(env: Env) -> None:
    with env.client("b.secretary") as sec, env.client("b.staff") as staff, https(env) as http:
        body = citizen_letter()
        letter = sec.register_paper(body)
        tid = letter["tracking_id"]
        first = status_of(http, tid)
        assert (first["status"], first["status_fa"], first["answer"]) == ("registered", STATUS_NAMES[Status.REGISTERED],
                                                                          None)
        assert first["registered_at"]["at"] == letter["registered_at"] == first["changed_at"]["at"]
        assert first["registered_at"]["jalali"] == letter["registered_at_jalali"]
        assert first["agency_name"] and first["tracking_id"] == tid

        referral = refer(sec, body["guid"], ["b.staff"])
        assert status_of(http, tid)["status"] == "under_review"
        event(staff, referral, "read")
        assert status_of(http, tid)["status"] == "under_review"

        [reply] = BulkSigner(env.signer_b).sign_packages([make_package(env.nid_b, [env.nid_a])])
        registered = sec.register(reply)
        event(staff, referral, "answer", answer_guid=reply.guid)
        answered = status_of(http, tid)
        assert (answered["status"], answered["status_fa"]) == ("answered", STATUS_NAMES[Status.ANSWERED])
        assert answered["answer"] == {"shams": registered["shams"], "shams_display": Shams.parse(registered["shams"]).display,
                                      "registered_at": {"at": registered["registered_at"],
                                                        "jalali": answered["answer"]["registered_at"]["jalali"]}}
        # answered with a letter this server never numbered: answered, without a SHAMS
        other = citizen_letter()
        tid2 = sec.register_paper(other)["tracking_id"]
        event(staff, refer(sec, other["guid"], ["b.staff"]), "answer", answer_guid=str(uuid.uuid4()))
        assert (status_of(http, tid2)["status"], status_of(http, tid2)["answer"]) == ("answered", None)

        # every referral closed without an answer: closed; one still pending: under review
        third = citizen_letter()
        tid3 = sec.register_paper(third)["tracking_id"]
        closing, pending = refer(sec, third["guid"], ["b.staff"]), refer(sec, third["guid"], ["b.manager"])
        event(staff, closing, "close", note="اقدام شد.")
        assert status_of(http, tid3)["status"] == "under_review"
        with env.client("b.manager") as manager:
            event(manager, pending, "close", note="نیاز به اقدام ندارد.")
        closed = status_of(http, tid3)
        assert (closed["status"], closed["status_fa"]) == ("closed", STATUS_NAMES[Status.CLOSED])

        # filed in the archive without an answer: closed
        fourth = citizen_letter()
        tid4 = sec.register_paper(fourth)["tracking_id"]
        folder = sec.create_folder({"id": str(uuid.uuid4()), "parent": None, "title": "درخواست‌های مردمی",
                                    "file_number": f"م/{uuid.uuid4().hex[:8]}"})
        sec.file_letter(folder["id"], fourth["guid"], idempotency_key=str(uuid.uuid4()))
        assert status_of(http, tid4)["status"] == "closed"

        # answered by the agency's outgoing letter «عطف» to it (its answer to the sender, on paper)
        fifth = citizen_letter()
        tid5 = sec.register_paper(fifth)["tracking_id"]
        content = build_content(guid=str(uuid.uuid4()), kind="outgoing", subject="پاسخ: درخواست پروانه",
                                body="پروانه شما تمدید شد.", sender={"agency": env.nid_b, "unit": "secretariat"},
                                recipients=[{"agency": CITIZEN, "name": "علی رضایی"}],
                                links=[{"type": "in_reply_to", "guid": fifth["guid"], "shams": ""}])
        [to_citizen] = BulkSigner(env.signer_b).sign_packages([LetterPackage(content=content)])
        numbered = sec.register(to_citizen)
        by_letter = status_of(http, tid5)
        assert by_letter["status"] == "answered" and by_letter["answer"]["shams"] == numbered["shams"]
        assert by_letter["changed_at"]["at"] == numbered["registered_at"]


@pytest.mark.server
def test_the_channel_acting_users_own_referral_is_not_a_review(track_env: Env) -> None:
    """A letter from the channel API is referred to the secretaries by the channel's acting user at
    once: still "registered" until someone of the agency reads it."""
    env = track_env
    _name, key = add_account(env, "portal")
    with channel_http(env) as portal:
        sent = portal.post("/letters", json={"agency": env.nid_b, "subject": "درخواست از درگاه", "body": "متن نامه",
                                             "sender": {"kind": "person", "id": CITIZEN, "name": "علی رضایی"}},
                           headers={"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())})
    assert sent.status_code == 201, sent.text
    tid = sent.json()["tracking_id"]
    with env.client("b.secretary") as sec, https(env) as http:
        assert status_of(http, tid)["status"] == "registered"
        [referral] = [i["referral"]["id"] for i in sec.cartable(limit=500)["items"]
                      if i["type"] == "referral" and i["referral"]["letter_guid"] == sent.json()["guid"]]
        event(sec, referral, "read")
        assert status_of(http, tid)["status"] == "under_review"


@pytest.mark.server
def test_a_wrong_code_answers_exactly_like_an_unknown_id(track_env: Env) -> None:
    with track_env.client("b.secretary") as sec, https(track_env) as http:
        tid = sec.register_paper(citizen_letter())["tracking_id"]
        unknown = new_tracking_id()
        wrong, missing = look_up(http, tid, WRONG_CODE), look_up(http, unknown, WRONG_CODE)
        assert wrong.status_code == missing.status_code == 404
        assert wrong.content == missing.content and wrong.json()["error"]["code"] == "tracking_not_found"
        pages = [http.post("/track", data={"t": t, "n": WRONG_CODE}) for t in (tid, unknown)]
        assert pages[0].status_code == pages[1].status_code == 404 and pages[0].content == pages[1].content
        # the same timing class: medians of interleaved tries agree within a factor
        times: dict[str, list[float]] = {"wrong": [], "unknown": []}
        for _ in range(40):
            for name, t in (("wrong", tid), ("unknown", new_tracking_id())):
                start = time.perf_counter()
                assert look_up(http, t, WRONG_CODE).status_code == 404
                times[name].append(time.perf_counter() - start)
        wrong_ms, unknown_ms = (statistics.median(times[k]) * 1000 for k in ("wrong", "unknown"))
        assert max(wrong_ms, unknown_ms) <= 2 * min(wrong_ms, unknown_ms), (wrong_ms, unknown_ms)


@pytest.mark.server
def test_typed_forms_are_accepted_and_ill_formed_ids_are_told_in_persian(track_env: Env) -> None:
    with track_env.client("b.secretary") as sec, https(track_env) as http:
        tid = sec.register_paper(citizen_letter())["tracking_id"]
        typed = f" {display_tracking_id(tid)} "  # Persian digits, dashes, spaces
        assert look_up(http, typed, to_persian_digits(CITIZEN)).status_code == 200
        assert look_up(http, " ".join(tid[i:i + 4] for i in (0, 4, 8))).status_code == 200
        bad_check = tid[:-1] + str((int(tid[-1]) + 1) % 10)
        refused = look_up(http, bad_check)
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_tracking_id"
        assert "شناسه پیگیری نادرست است" in refused.json()["error"]["message_fa"]
        assert look_up(http, tid, "123").json()["error"]["code"] == "invalid_national_id"
        assert look_up(http, tid, "x" * 65).status_code == 422  # longer than any typed id: refused before parsing


@pytest.mark.server
def test_an_ill_formed_id_stays_in_the_form_to_compare_with_the_receipt(track_env: Env) -> None:
    with track_env.client("b.secretary") as sec, https(track_env) as http:
        tid = sec.register_paper(citizen_letter())["tracking_id"]
        typed = display_tracking_id(tid[:-1] + str((int(tid[-1]) + 1) % 10))  # one digit mistyped, as printed
        refused = http.post("/track", data={"t": typed, "n": CITIZEN})
        assert refused.status_code == 422 and "رقم‌ها را دوباره با رسید مقایسه کنید" in refused.text
        assert f'name="t" value="{typed}"' in refused.text  # what was typed, to compare digit by digit
        assert CITIZEN not in refused.text  # the national code is never echoed
        wrong = http.post("/track", data={"t": tid, "n": WRONG_CODE})  # not found: one body for every id
        assert wrong.status_code == 404 and tid not in wrong.text and WRONG_CODE not in wrong.text


@pytest.mark.server
def test_the_page_form_and_answer_work_through_the_anonymous_body_limit(track_env: Env) -> None:
    with track_env.client("b.secretary") as sec, https(track_env) as http:
        tid = sec.register_paper(citizen_letter())["tracking_id"]
        form = http.get("/track", params={"t": tid})
        assert form.status_code == 200 and "text/html" in form.headers["content-type"]
        assert f'value="{display_tracking_id(tid)}"' in form.text and 'method="post" action="/track"' in form.text
        assert "form-action 'self'" in form.headers["content-security-policy"]
        assert '<html lang="fa" dir="rtl">' in form.text and "src=" not in form.text and "<script" not in form.text
        answer = http.post("/track", data={"t": display_tracking_id(tid), "n": CITIZEN})  # a urlencoded form post
        assert answer.status_code == 200 and STATUS_NAMES[Status.REGISTERED] in answer.text
        assert answer.headers["cache-control"] == "no-store"
        assert http.post("/track", content=b"t=" + b"1" * 20_000,
                         headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 413


@pytest.mark.server
def test_nothing_private_is_in_the_answer(track_env: Env) -> None:
    env = track_env
    with env.client("b.secretary") as sec, env.client("b.staff") as staff, https(env) as http:
        body = citizen_letter()
        letter = sec.register_paper(body)
        referral = refer(sec, body["guid"], ["b.staff"])
        [reply] = BulkSigner(env.signer_b).sign_packages([make_package(env.nid_b, [env.nid_a])])
        sec.register(reply)
        event(staff, referral, "answer", answer_guid=reply.guid, note="پاسخ داده شد.")
        json_answer = look_up(http, letter["tracking_id"])
        page = http.post("/track", data={"t": letter["tracking_id"], "n": CITIZEN})
        assert json_answer.json()["status"] == "answered"
        sender = body["sender"]
        assert isinstance(sender, dict)
        private = [body["subject"], body["summary"], sender["name"], sender["address"], sender["postal_code"],
                   "09123456789", CITIZEN, body["guid"], reply.guid, letter["incoming_number"], INSTRUCTION,
                   POSTSCRIPT, "پاسخ داده شد.", "b.staff", "b.secretary", *(display for _, display, *_ in DEMO_USERS),
                   "مریم کریمی"]
        for text in (json_answer.text, page.text):
            assert [p for p in private if str(p) in text] == []
        assert set(json_answer.json()) == {"tracking_id", "tracking_id_display", "agency_name", "status",
                                           "status_fa", "registered_at", "changed_at", "answer"}


@pytest.mark.server
def test_look_ups_are_rate_limited_per_address(env: Env) -> None:
    """The default limit (10 a minute): the 11th look-up from one address is refused, in JSON and on the page."""
    with https(env) as http:
        codes = [look_up(http, new_tracking_id()).status_code for _ in range(10)]
        assert codes == [404] * 10
        refused = look_up(http, new_tracking_id())
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_requests"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        page = http.post("/track", data={"t": new_tracking_id(), "n": CITIZEN})
        assert page.status_code == 429 and "text/html" in page.headers["content-type"]
        assert "بیش از حد مجاز است" in page.text and page.headers["retry-after"]
        # the page says how long to wait, as the header does, in Persian digits
        assert f"{to_persian_digits(page.headers['retry-after'])} ثانیهٔ دیگر" in page.text
