"""Bad input answers 4xx, never 500, on the real server over HTTPS (SQLite and PostgreSQL):
malformed packages, cursors past 64 bits, bad path GUIDs, too many or copied signatures; the
keep-alive connection survives each refusal; refusals stay small whatever the input."""

from __future__ import annotations

import copy
import json
import ssl
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from app.protocol.package import LetterPackage
from devkit.letters import SoftSigner, make_package, make_signer, sign
from devkit.pki import TestPKI
from devkit.server_process import DEMO_PASSWORD
from tests.server.conftest import Env, fresh_pg_database, start_env

pytestmark = pytest.mark.server


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> Env:
    env: Env = request.getfixturevalue("env" if request.param == "sqlite" else "pg_env")
    return env


@pytest.fixture(scope="module")
def http(backend: Env) -> Iterator[httpx.Client]:
    """One keep-alive connection for a whole test: a refusal must not break it."""
    verify = ssl.create_default_context(cafile=str(backend.server.ca_bundle))
    with httpx.Client(base_url=backend.server.base_url + "/api/v1", verify=verify, timeout=30) as client:
        yield client


def _token(http: httpx.Client, username: str) -> dict[str, str]:
    r = http.post("/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


@pytest.fixture(scope="module")
def secretary(http: httpx.Client) -> dict[str, str]:
    return _token(http, "a.secretary")


def _post(http: httpx.Client, path: str, body: Any, auth: dict[str, str]) -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return http.post(path, content=raw, headers={**auth, "Idempotency-Key": str(uuid.uuid4()),
                                                 "Content-Type": "application/json"})


def _content(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["content"].__setitem__(field, value)


# The shapes that gave 500 (issue 14, item 8), and their neighbours: the field each refusal names.
MALFORMED: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "recipient is a string": (_content("recipients", ["x"]), "content.recipients[0]"),
    "recipients is a string": (_content("recipients", "x"), "content.recipients"),
    "sender is null": (_content("sender", None), "content.sender"),
    "sender is a list": (_content("sender", []), "content.sender"),
    "link GUID is not a GUID": (_content("links", [{"type": "in_reply_to", "guid": "zz", "shams": ""}]),
                                "content.links[0].guid"),
    "link GUID is a number": (_content("links", [{"type": "in_reply_to", "guid": 7, "shams": ""}]),
                              "content.links[0].guid"),
    "link is a string": (_content("links", ["x"]), "content.links[0]"),
    "attachment is a number": (_content("attachments", [1]), "content.attachments[0]"),
    "attachment hash is a number": (_content("attachments", [
        {"address": "", "sha256": 5, "size": 1, "media_type": "x", "name": ""}]), "content.attachments[0].sha256"),
    "attachment size past 2^53": (_content("attachments", [
        {"address": "", "sha256": "a" * 64, "size": 2**64, "media_type": "x", "name": ""}]),
        "content.attachments[0].size"),
    "kind is a list": (_content("kind", []), "content.kind"),
    "GUID is an object": (_content("guid", {}), "content.guid"),
    "content is a list": (lambda d: d.__setitem__("content", []), "content"),
    "signature is a string": (lambda d: d.__setitem__("signatures", ["x"]), "signatures[0]"),
    "signature is not base64": (lambda d: d.__setitem__("signatures", [{"cms": "***"}]), "signatures[0]"),
    "version is huge": (lambda d: d.__setitem__("version", "9" * 100_000), "version"),
    "too many recipients": (_content("recipients", [{"agency": "1", "unit": "", "person": "", "name": "",
                                                     "role": "to"}] * 201), "content.recipients"),
}


@pytest.mark.parametrize("shape", list(MALFORMED))
def test_malformed_packages_are_refused_with_the_field(backend: Env, http: httpx.Client, secretary: dict[str, str],
                                                       shape: str) -> None:
    mutate, field = MALFORMED[shape]
    body = make_package(backend.nid_a, [backend.nid_b]).to_dict()
    mutate(body)
    for path in ("/letters", "/payam/messages", "/internal/messages"):
        r = _post(http, path, body, {"Authorization": "Bearer bogus"})
        assert r.status_code == 401, (path, r.text)
        r = _post(http, path, body, secretary)
        assert r.status_code == 422, (path, r.text)
        error = r.json()["error"]
        assert error["code"] == "invalid_package" and error["field"] == field, error
        assert error["message_fa"] and len(r.content) < 2000, r.content[:300]


def test_cursors_past_64_bits_are_refused_and_the_connection_lives(http: httpx.Client,
                                                                   secretary: dict[str, str]) -> None:
    guid = str(uuid.uuid4())
    for path in ("/inbox", "/acks", "/directory", f"/letters/{guid}/acks"):
        r = http.get(path, params={"after": 2**63}, headers=secretary)
        assert r.status_code == 422 and r.json()["error"]["field"] == "after", (path, r.text)
        r = http.get(path, params={"after": 2**63 - 1}, headers=secretary)  # the same connection still answers
        assert r.status_code == 200 and r.json()["more"] is False, (path, r.text)


def test_path_guids_are_validated(http: httpx.Client, secretary: dict[str, str]) -> None:
    for bad in ("not-a-guid", "' OR 1=1 --", "A" * 300, str(uuid.uuid4()).upper()):
        for method, path in (("GET", f"/letters/{bad}"), ("GET", f"/letters/{bad}/acks")):
            r = http.request(method, path, headers=secretary)
            assert r.status_code == 422 and r.json()["error"]["field"] == "guid", (path, r.text)
        r = http.post(f"/inbox/{bad}/ack", json={"status": "delivered"},
                      headers={**secretary, "Idempotency-Key": str(uuid.uuid4())})
        assert r.status_code == 422 and r.json()["error"]["field"] == "guid", r.text
    assert http.get(f"/letters/{uuid.uuid4()}", headers=secretary).status_code == 404


@pytest.fixture(scope="module")
def many_signed(backend: Env) -> LetterPackage:
    """One letter of agency A signed by 20 different signatories (only the first one registered)."""
    pkg = sign(make_package(backend.nid_a, [backend.nid_b]), backend.signer_a)
    for i in range(19):
        pkg.signatures += sign(copy.deepcopy(pkg), make_signer(backend.pki, f"Signer {i}", f"00{i:08d}")).signatures
    return pkg


def test_twenty_signers_are_refused_before_decoding(http: httpx.Client, secretary: dict[str, str],
                                                    many_signed: LetterPackage) -> None:
    r = _post(http, "/letters", many_signed.to_json_bytes(), secretary)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "too_many_signatures" and error["field"] == "signatures" and "10" in error["message_en"]
    assert "۱۰" in error["message_fa"]


@pytest.mark.postgres
def test_twenty_signers_register_on_postgresql_where_the_cap_allows_them(
        tmp_path_factory: pytest.TempPathFactory, pki: TestPKI, signers: tuple[SoftSigner, SoftSigner]) -> None:
    """The signers' national codes once overflowed a varchar(200) on PostgreSQL only (500, retried
    forever by the client): a server whose cap allows 20 signatures registers and sends such a letter."""
    with fresh_pg_database("signers") as url:
        env = start_env(tmp_path_factory.mktemp("server-pg-signers"), pki, signers, database_url=url,
                        DABIR_SERVER_MAX_SIGNATURES="20", DABIR_SERVER_REQUIRE_REGISTERED_SIGNERS="0")
        try:
            pkg = sign(make_package(env.nid_a, [env.nid_b]), env.signer_a)
            for i in range(19):
                pkg.signatures += sign(copy.deepcopy(pkg), make_signer(pki, f"Signer {i}", f"00{i:08d}")).signatures
            with env.client("a.secretary") as sec:
                registered = sec.register(pkg)
                pkg.receipts = [registered["receipt"]]
                assert sec.send(pkg)["status"] == "sent"
                assert sec.letter(pkg.guid)["shams"] == registered["shams"]
        finally:
            env.server.stop()


def test_a_copied_signature_is_refused(backend: Env, http: httpx.Client, secretary: dict[str, str]) -> None:
    pkg = sign(make_package(backend.nid_a, [backend.nid_b]), backend.signer_a)
    pkg.signatures *= 2
    r = _post(http, "/letters", pkg.to_json_bytes(), secretary)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "duplicate_signature" and r.json()["error"]["field"] == "signatures[1]"
    pkg.signatures = pkg.signatures[:1]  # the same letter signed once registers
    assert _post(http, "/letters", pkg.to_json_bytes(), secretary).status_code == 200


def test_one_signatory_signing_twice_is_refused(backend: Env, http: httpx.Client, secretary: dict[str, str]) -> None:
    """Two signings by one certificate (different bytes: another signing time) count one signatory twice."""
    pkg = sign(make_package(backend.nid_a, [backend.nid_b]), backend.signer_a)
    time.sleep(1.1)  # another signing time (whole seconds): other bytes from the same key
    again = sign(LetterPackage(content=pkg.content), backend.signer_a)
    assert again.signatures[0] != pkg.signatures[0]
    pkg.signatures.append(again.signatures[0])
    r = _post(http, "/letters", pkg.to_json_bytes(), secretary)
    assert r.status_code == 422 and r.json()["error"]["code"] == "duplicate_signature", r.text


def test_invalid_signatures_give_a_small_error(http: httpx.Client, secretary: dict[str, str],
                                               many_signed: LetterPackage) -> None:
    """Ten signatures failing for the same reasons: each reason named once, the answer stays small."""
    pkg = copy.deepcopy(many_signed)
    pkg.signatures = pkg.signatures[1:11]  # valid CMS, but by signatories not registered for the agency
    other = make_package(pkg.content["sender"]["agency"], [pkg.content["recipients"][0]["agency"]])
    pkg.content = other.content  # ... and over another letter's content: each fails the digest check too
    r = _post(http, "/letters", pkg.to_json_bytes(), secretary)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_signature", error
    reasons = error["message_en"].split(": ", 1)[1].split("; ")
    assert len(reasons) == len(set(reasons)) <= 3, reasons
    # the Persian reasons are joined with «؛» and the message ends in one full stop (not «..»)
    assert not error["message_fa"].endswith("..") and ".؛" not in error["message_fa"], error["message_fa"]
    assert len(r.content) < 2000


def test_nul_characters_are_refused_in_every_field(http: httpx.Client, secretary: dict[str, str]) -> None:
    """PostgreSQL text cannot hold NUL (it answered 500); every backend now refuses it by name."""
    admin = _token(http, "a.admin")
    user = {"username": "nul.user", "display_name": "کاربر", "password": "password-123", "roles": ["staff"]}
    calls: list[tuple[str, str, dict[str, str], dict[str, Any], str]] = [
        ("POST", "/auth/login", {}, {"username": "a.\x00secretary", "password": "x"}, "username"),
        ("POST", "/admin/units", admin, {"code": "nul", "name": "واحد\x00"}, "name"),
        ("POST", "/admin/users", admin, {**user, "display_name": "\x00"}, "display_name"),
        ("POST", "/admin/users", admin, {**user, "unit": "x\x00"}, "unit"),
        ("POST", "/admin/users", admin, {**user, "roles": ["staff\x00"]}, "roles"),
        ("PATCH", "/admin/users/a.staff", admin, {"title": "\x00"}, "title"),
        ("PATCH", "/admin/users/a.%00staff", admin, {"title": "x"}, "username"),
        ("POST", f"/inbox/{uuid.uuid4()}/ack", secretary, {"status": "registered", "incoming_number": "1\x00"},
         "incoming_number"),
    ]
    for method, path, auth, body, field in calls:
        r = http.request(method, path, json=body, headers={**auth, "Idempotency-Key": str(uuid.uuid4())})
        assert r.status_code == 422 and r.json()["error"]["field"] == field, (path, r.text)


def test_query_strings_with_nul_are_refused(http: httpx.Client) -> None:
    """The audit list's code filter reached PostgreSQL with a NUL (500 there); codes are snake_case."""
    admin = _token(http, "a.admin")
    for code in ("a\x00b", "certificate unbound", "ثبت"):
        r = http.get("/admin/audit", params={"code": code}, headers=admin)
        assert r.status_code == 422 and r.json()["error"]["field"] == "code", r.text
    assert http.get("/admin/audit", params={"code": "certificate_unbound"}, headers=admin).status_code == 200


def test_a_forged_receipt_gets_a_small_refusal(backend: Env, http: httpx.Client, secretary: dict[str, str]) -> None:
    """A refusal quotes nothing of the receipt it refuses: 100,000 characters in one field give
    the same short answer as one."""
    pkg = sign(make_package(backend.nid_a, [backend.nid_b]), backend.signer_a)
    r = _post(http, "/letters", pkg.to_json_bytes(), secretary)
    assert r.status_code == 200, r.text
    receipt = r.json()["receipt"]
    long = "x" * 100_000
    for forged in ({**receipt, "alg": long}, {**receipt, "signature": long + "!"},
                   {**receipt, "payload": {**receipt["payload"], "registered_at": long}}):
        pkg.receipts = [forged]
        r = _post(http, "/payam/messages", pkg.to_json_bytes(), secretary)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_receipt", r.text[:300]
        assert len(r.content) < 2000, r.content[:300]
