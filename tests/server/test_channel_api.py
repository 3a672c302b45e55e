"""The channel API on the real server: a portal or pishkhan office registers a citizen's letter with
its own key, for the agencies the operator let it serve, and gets the tracking id back (the same
key again: the same id); the letter enters the agency's flow — numbered, in its secretaries'
cartables (the real client's sync), in Rasad — and the account's user can never log in."""

from __future__ import annotations

import json
import ssl
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.models import referrals as R
from app.models.db import Store
from app.models.tables import Letter
from app.protocol.citizen import DEFAULT_CHANNELS
from app.protocol.tracking import is_valid
from app.sync.account import remember_sender
from app.sync.engine import SyncEngine
from tests.server.conftest import Env, all_pages, events_after, refusal

pytestmark = [pytest.mark.server]
CITIZEN = "0010203044"
COMPANY = "10203040508"


def add_account(env: Env, channel: str = "pishkhan", *agencies: str) -> tuple[str, str]:
    """A new channel account (unique name) serving ``agencies`` (default B): (name, key)."""
    name = f"{channel.replace('_', '-')}-{uuid.uuid4().hex[:8]}"
    out = env.server.cli("channel-add", name, "--channel", channel, "--display-name", "دفتر پیشخوان ۱۲۳",
                         *[a for nid in (agencies or (env.nid_b,)) for a in ("--agency", nid)])
    [key] = [line.rsplit(" ", 1)[1] for line in out.splitlines() if line.startswith("key ")]
    return name, key


@contextmanager
def http(env: Env) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=env.server.base_url + "/api/v1/channel",
                      verify=ssl.create_default_context(cafile=str(env.server.ca_bundle)), timeout=30) as client:
        yield client


def letter(agency: str, **changes: Any) -> dict[str, Any]:
    sender = {"kind": "person", "id": CITIZEN, "name": "علی رضایی", "mobile": "۰۹۱۲۳۴۵۶۷۸۹",
              "postal_code": "1458965847", "address": "تهران، خیابان آزادی، پلاک ۱۲", **changes.pop("sender", {})}
    return {"agency": agency, "sender": sender, "subject": "درخواست تمدید پروانه کسب",
            "body": "با سلام، خواهشمند است پروانه کسب اینجانب تمدید شود.", **changes}


def post(client: httpx.Client, key: str | None, body: dict[str, Any] | bytes,
         idem: str | None = "auto") -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if idem:
        headers["Idempotency-Key"] = str(uuid.uuid4()) if idem == "auto" else idem
    if isinstance(body, bytes):
        return client.post("/letters", content=body, headers={**headers, "Content-Type": "application/json"})
    return client.post("/letters", json=body, headers=headers)


def error(resp: httpx.Response) -> tuple[int, str]:
    return resp.status_code, resp.json()["error"]["code"]


def test_each_channel_registers_and_the_same_key_gets_the_same_id(env: Env) -> None:
    seen = set()
    with http(env) as client:
        for channel in DEFAULT_CHANNELS:
            _name, key = add_account(env, channel)
            body = letter(env.nid_b, sender={"kind": "company", "id": COMPANY} if channel == "portal" else {})
            first = post(client, key, body, idem=f"letter-{channel}")
            assert first.status_code == 201, first.text
            answer = first.json()
            assert is_valid(answer["tracking_id"]) and answer["channel"] == channel and answer["agency"] == env.nid_b
            assert answer["incoming_number"] and answer["registered_at"]
            tid = answer["tracking_id"]  # what the portal shows the citizen
            assert answer["tracking_id_display"] == f"{tid[:4]}-{tid[4:8]}-{tid[8:]}"
            assert answer["status_url"] == f"{env.server.base_url}/track?t={tid}"
            again = post(client, key, body, idem=f"letter-{channel}")  # a retry after a lost answer
            assert again.status_code == 201 and again.json() == answer
            assert again.headers.get("Idempotent-Replayed") == "true"
            seen.add(answer["tracking_id"])
    assert len(seen) == len(DEFAULT_CHANNELS)


def test_no_wrong_or_revoked_key_is_401_before_the_body_is_read(env: Env) -> None:
    name, key = add_account(env)
    with http(env) as client, env.client("b.secretary") as user:
        huge = b"{" + b" " * (2 * 1024 * 1024)  # larger than any body limit: refused for the key, not its size
        assert error(post(client, None, huge)) == (401, "invalid_channel_key")
        assert error(post(client, "dabir_ch_" + "x" * 43, huge)) == (401, "invalid_channel_key")
        assert error(post(client, user.token, letter(env.nid_b))) == (401, "invalid_channel_key")  # a user's token
        assert post(client, key, letter(env.nid_b)).status_code == 201
        new_key = env.server.cli("channel-rekey", name).splitlines()[-1].rsplit(" ", 1)[1]
        assert error(post(client, key, letter(env.nid_b))) == (401, "invalid_channel_key")  # the old key stopped
        assert post(client, new_key, letter(env.nid_b)).status_code == 201
        env.server.cli("channel-revoke", name)
        assert error(post(client, new_key, letter(env.nid_b))) == (401, "invalid_channel_key")
        assert error(post(client, new_key, huge)) == (401, "invalid_channel_key")
    listed = [line.split("\t") for line in env.server.cli("channel-list").splitlines()]
    assert [row[3] for row in listed if row[0] == name] == ["revoked"]
    log = env.server.access_log()  # the server's log and its access log: the account, never a key
    assert f'"user":"channel:{name}"' in log and key not in log and new_key not in log and "dabir_ch_" not in log


def test_an_agency_the_account_does_not_serve_is_403_and_nothing_is_numbered(env: Env) -> None:
    name, key = add_account(env)  # serves B only
    with env.client("a.secretary") as a:
        before = a.register_paper({"guid": str(uuid.uuid4()), "subject": "نامه مرجع",
                                   "sender": {"kind": "person", "id": CITIZEN, "name": "علی رضایی"}})
    with http(env) as client:
        assert error(post(client, key, letter(env.nid_a))) == (403, "agency_not_served")
        assert error(post(client, key, letter("14000000000"))) == (403, "agency_not_served")  # no such agency
        env.server.cli("channel-serve", name, "--agency", env.nid_a)
        served = post(client, key, letter(env.nid_a))
    assert served.status_code == 201, served.text
    year, seq = before["incoming_number"].split("/")
    assert served.json()["incoming_number"] == f"{year}/{int(seq) + 1}"  # the refused one took no number
    with env.client("a.admin") as admin:
        codes = [e["code"] for e in admin.audit_events(limit=20)["items"] if name in e["detail"]]
    assert codes == ["channel_account_added", "channel_agency_not_served"]  # newest first
    with env.client("b.admin") as admin:  # the agency it serves sees it try an agency that does not exist
        details = [e["detail"] for e in admin.audit_events(limit=20)["items"]
                   if name in e["detail"] and e["code"] == "channel_agency_not_served"]
    assert len(details) == 1 and "14000000000" in details[0]
    assert f"channel account {name}" in env.server.access_log()  # and the server's operator in its log


def test_bad_letters_are_refused_with_their_reason(env: Env) -> None:
    _name, key = add_account(env)
    with http(env) as client:
        for body, code, field in (
                (letter(env.nid_b, sender={"id": "0010203045"}), "invalid_sender_id", "sender.id"),
                (letter(env.nid_b, sender={"kind": "company", "id": "10203040509"}), "invalid_sender_id", "sender.id"),
                (letter(env.nid_b, sender={"mobile": "12345"}), "invalid_sender_contact", "sender.mobile"),
                (letter(env.nid_b, sender={"kind": "agency", "id": env.nid_a}), "invalid_request", "sender.kind"),
                (letter(env.nid_b, body=""), "invalid_request", "body"),
                (letter(env.nid_b, body="  \n "), "invalid_request", "body"),  # these were registered blank
                (letter(env.nid_b, subject=" "), "invalid_request", "subject"),
                (letter(env.nid_b, sender={"name": " "}), "invalid_request", "sender.name"),
                ({**letter(env.nid_b), "sender": {"kind": "person", "id": CITIZEN}}, "invalid_request", "sender.name"),
                (letter(env.nid_b, guid=str(uuid.uuid4())), "invalid_request", "guid")):  # the server picks it
            resp = post(client, key, body)
            assert error(resp) == (422, code) and resp.json()["error"]["field"] == field, resp.text
            assert resp.json()["error"]["message_fa"]
        assert error(post(client, key, letter(env.nid_b), idem=None)) == (428, "idempotency_key_required")
        too_big = letter(env.nid_b, body="ن" * 600_000)  # 1.2 MB of text: beyond any letter
        assert error(post(client, key, too_big)) == (413, "request_too_large")


def test_keys_are_scoped_to_the_account(env: Env) -> None:
    (_one, key1), (_two, key2) = add_account(env), add_account(env, "pishkhan", env.nid_b, env.nid_a)
    with http(env) as client:
        first = post(client, key1, letter(env.nid_b), idem="shared-key")
        other = post(client, key2, letter(env.nid_b), idem="shared-key")  # another account, the same key
        assert first.status_code == other.status_code == 201
        assert first.json()["tracking_id"] != other.json()["tracking_id"]
        changed = letter(env.nid_b, subject="موضوعی دیگر")
        assert error(post(client, key1, changed, idem="shared-key")) == (409, "idempotency_key_reused")
        assert error(post(client, key2, letter(env.nid_a), idem="shared-key")) == (409, "idempotency_key_reused")


def test_the_acting_user_cannot_log_in_and_is_inactive_in_the_directory(env: Env) -> None:
    name, _key = add_account(env)
    username = f"channel.{name}.{env.nid_b}"
    with env.client() as anonymous:
        assert refusal(lambda: anonymous.login(username, "!channel-account")) == (401, "invalid_credentials")
    with env.client("b.staff") as staff:
        people = [p for page in iter_directory(staff) for p in page["people"] if p["username"] == username]
    assert people and people[-1]["active"] is False and people[-1]["display_name"] == "دفتر پیشخوان ۱۲۳"


def iter_directory(api: Any) -> Iterator[dict[str, Any]]:
    after = 0
    while True:
        page = api.directory(after=after)
        yield page
        after = page["cursor"]
        if not page["more"]:
            return


def desk(env: Env, path: Path, username: str, roles: list[str]) -> Store:
    store = Store(path)
    remember_sender(store, {"agency": env.nid_b, "username": username, "display_name": username, "roles": roles})
    return store


def test_the_letter_reaches_the_secretary_s_cartable_and_goes_on_to_staff(env: Env, tmp_path: Path) -> None:
    name, key = add_account(env)
    with env.client("b.admin") as admin:
        start = (events_after(admin, 0) or [{"cursor": 0}])[-1]["cursor"]
    with http(env) as client:
        answer = post(client, key, letter(env.nid_b)).json()
    secretary = desk(env, tmp_path / "sec", "b.secretary", ["secretary"])
    with env.client("b.secretary") as b:
        report = SyncEngine(secretary, b).run_once()
        assert report.error is None and answer["guid"] in report.received
        [row] = [r for r in R.cartable(secretary, "b.secretary") if r.letter_guid == answer["guid"]]
        assert row.from_name == "دفتر پیشخوان ۱۲۳" and row.instruction == "برای اقدام"
        with secretary.reader() as s:
            held = s.get(Letter, answer["guid"])
            assert held is not None and held.tracking_id == answer["tracking_id"]
            assert held.subject == "درخواست تمدید پروانه کسب" and held.sender_name == "علی رضایی"
            assert held.incoming_number == answer["incoming_number"] and held.citizen_channel == "pishkhan"
            assert held.body.startswith("با سلام")
        assert not [c for c in R.colleagues(secretary, env.nid_b, "b.secretary") if c.username.startswith("channel.")]
        R.refer(secretary, answer["guid"], "b.secretary", ["b.staff"], "برای اقدام", parent=row.guid)
        assert SyncEngine(secretary, b).run_once().referred == [answer["guid"]]
    staff = desk(env, tmp_path / "staff", "b.staff", ["staff"])
    with env.client("b.staff") as client:
        assert answer["guid"] in SyncEngine(staff, client).run_once().received
    with staff.reader() as s:
        copy = s.get(Letter, answer["guid"])
        assert copy is not None and copy.tracking_id == answer["tracking_id"]
    with env.client("b.admin") as admin:
        kinds = [(e["kind"], e["actor"]["username"]) for e in events_after(admin, start)
                 if e["letter_guid"] == answer["guid"]]
    acting = f"channel.{name}.{env.nid_b}"
    assert kinds == [("registered", acting), ("referred", acting), ("referred", "b.secretary")]


def test_postgresql_path(pg_env: Env) -> None:
    _name, key = add_account(pg_env)
    with http(pg_env) as client:
        first = post(client, key, letter(pg_env.nid_b), idem="pg-once")
        again = post(client, key, letter(pg_env.nid_b), idem="pg-once")
        assert first.status_code == 201 and again.json() == first.json()
        assert error(post(client, key, letter(pg_env.nid_a))) == (403, "agency_not_served")
    with pg_env.client("b.secretary") as b:
        items = all_pages(lambda after, limit: b.cartable(after=after, limit=limit))
    [paper] = [i["paper"] for i in items if i.get("paper", {}).get("guid") == first.json()["guid"]]
    assert paper["tracking_id"] == first.json()["tracking_id"] and paper["sender"]["id"] == CITIZEN


def test_the_operator_s_mistakes_are_refused_in_one_line(env: Env) -> None:
    name, _key = add_account(env)
    for args, reason in ((("channel-add", "fax-1", "--channel", "fax", "--display-name", "دورنگار", "--agency",
                           env.nid_b), "channel 'fax' is not one of this server's channels"),
                         (("channel-add", "x-1", "--channel", "post", "--display-name", "پست", "--agency",
                           "14000000000"), "no agency with national id '14000000000'"),
                         (("channel-add", name, "--channel", "post", "--display-name", "پست", "--agency", env.nid_b),
                          f"a channel account {name!r} exists already"),
                         (("channel-add", "Bad Name", "--channel", "post", "--display-name", "پست", "--agency",
                           env.nid_b), "account name 'Bad Name'"),
                         (("channel-serve", "nobody", "--agency", env.nid_b), "no channel account 'nobody'")):
        with pytest.raises(RuntimeError, match=reason):
            env.server.cli(*args)
    assert "nothing to do" in env.server.cli("channel-serve", name, "--agency", env.nid_b)
    env.server.cli("channel-revoke", name)
    assert "nothing to do" in env.server.cli("channel-revoke", name)
    with pytest.raises(RuntimeError, match="is revoked"):
        env.server.cli("channel-rekey", name)
    assert "fax-1" not in env.server.cli("channel-list")


def test_a_body_that_is_not_a_json_object_says_what_to_send(env: Env) -> None:
    """curl's -d sends a form's content type, and pydantic's words ("a valid dictionary", field "0")
    did not tell a portal's developer what to change."""
    _name, key = add_account(env)
    sent = json.dumps(letter(env.nid_b)).encode()
    with http(env) as client:
        for content, media, says in ((sent, "application/x-www-form-urlencoded", "Content-Type: application/json"),
                                     (sent, "text/plain", "Content-Type: application/json"),
                                     (b"hello", "application/json", "the body is not valid JSON"),
                                     (b"", "application/json", "the body is empty"),
                                     (b"[]", "application/json", "the body must be a JSON object")):
            resp = client.post("/letters", content=content, headers={
                "Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4()), "Content-Type": media})
            assert error(resp) == (422, "invalid_request"), resp.text
            assert says in resp.json()["error"]["message_en"] and resp.json()["error"]["field"] is None, resp.text
            assert "JSON" in resp.json()["error"]["message_fa"]
        assert post(client, key, sent).status_code == 201  # the same bytes as JSON


def test_the_agency_may_be_written_in_persian_digits_as_the_sender_s_id_may(env: Env) -> None:
    """Copied from a Persian page, «۱۴۰۰۰۶۷۸۹۰۶» was refused as an agency the account does not serve."""
    _name, key = add_account(env)
    persian = env.nid_b.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    with http(env) as client:
        resp = post(client, key, letter(f" {persian} ", sender={"id": "۰۰۱۰۲۰۳۰۴۴"}))
    assert resp.status_code == 201 and resp.json()["agency"] == env.nid_b, resp.text
