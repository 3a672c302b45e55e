"""End-to-end tests against the real dabir-server subprocess over HTTPS (SQLite)."""

from __future__ import annotations

import base64
import copy
import json
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization

from app.protocol.package import LetterPackage
from app.protocol.receipt import InvalidReceipt, cert_fingerprint, verify_receipt
from app.protocol.shams import Shams
from app.sync.api import ApiError
from devkit.letters import make_package, make_signer, sign
from devkit.pki import TestPKI, pem
from devkit.server_process import SERVER_CMD
from tests.server.conftest import Env

pytestmark = pytest.mark.server


def _registered(env: Env, sec_a, **kw) -> tuple[LetterPackage, dict]:  # type: ignore[no-untyped-def]
    pkg = sign(make_package(env.nid_a, [env.nid_b], **kw), env.signer_a)
    reg = sec_a.register(pkg)
    pkg.receipts = [reg["receipt"]]
    return pkg, reg


@pytest.fixture(scope="module")
def sec_a(env: Env):  # type: ignore[no-untyped-def]
    with env.client("a.secretary") as c:
        yield c


@pytest.fixture(scope="module")
def sec_b(env: Env):  # type: ignore[no-untyped-def]
    with env.client("b.secretary") as c:
        yield c


def test_health_openapi_and_tls(env: Env) -> None:
    import httpx

    with env.client() as c:
        assert c.healthz()
    import ssl

    verify = ssl.create_default_context(cafile=str(env.server.ca_bundle))
    spec = httpx.get(env.server.base_url + "/openapi.json", verify=verify).json()
    assert "/api/v1/letters" in spec["paths"] and "/api/v1/verify/{shams_text}" in spec["paths"]
    with pytest.raises(httpx.ConnectError):  # HTTPS only, and our TLS cert does not verify without the CA
        httpx.get(env.server.base_url + "/healthz", verify=True)


def test_healthcheck_asks_the_server_and_pins_its_certificate(env: Env, tmp_path: Path) -> None:
    """The container's HEALTHCHECK: exit 0 while this machine's server answers with its configured certificate."""
    def healthcheck(**settings: str) -> subprocess.CompletedProcess[str]:
        environ = {**env.server.env(), "DABIR_SERVER_PORT": str(env.server.port), **settings}
        return subprocess.run([*SERVER_CMD, "healthcheck"], env=environ, cwd=env.server.source_dir,
                              capture_output=True, text=True, timeout=60)

    assert healthcheck().returncode == 0
    _, other = env.pki.issue_tls_cert()
    (tmp_path / "other.pem").write_bytes(pem(other))
    refused = healthcheck(DABIR_SERVER_TLS_CERT=str(tmp_path / "other.pem"))
    assert refused.returncode == 1 and "presents another certificate" in refused.stderr, refused.stderr


def test_login_logout_and_revoked_token(env: Env) -> None:
    c = env.client("a.staff")
    me = c.me()
    assert me["agency"] == env.nid_a and me["roles"] == ["staff"]
    token = c.token
    c.logout()
    c.token = token
    with pytest.raises(ApiError) as e:
        c.me()
    assert e.value.status == 401 and e.value.code == "unauthenticated"
    c.close()


def test_failed_login_rate_limit(env: Env) -> None:
    with env.client("b.admin") as admin:
        admin.add_user("b.limited", "کاربر آزمون", "demo-password-1", ["staff"])
    with env.client() as c:
        codes = []
        for _ in range(7):
            try:
                c.login("b.limited", "wrong-password")
            except ApiError as exc:
                codes.append(exc.status)
        assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
        with pytest.raises(ApiError) as e:  # even the right password waits out the minute
            c.login("b.limited", "demo-password-1")
        assert e.value.status == 429 and e.value.message_fa.endswith(".")
        c.login("b.secretary", "demo-password-1")  # per user: others are unaffected


def test_staff_cannot_register(env: Env) -> None:
    pkg = sign(make_package(env.nid_a, [env.nid_b]), env.signer_a)
    with env.client("a.staff") as staff, pytest.raises(ApiError) as e:
        staff.register(pkg)
    assert e.value.status == 403 and e.value.code == "forbidden"


def test_register_idempotent_and_receipt(env: Env, sec_a) -> None:  # type: ignore[no-untyped-def]
    pkg = sign(make_package(env.nid_a, [env.nid_b]), env.signer_a)
    first = sec_a.register(pkg)
    again = sec_a.register(pkg, idempotency_key=str(uuid.uuid4()))  # a fresh key still returns the same SHAMS
    assert again["shams"] == first["shams"] and again["receipt"] == first["receipt"]
    assert first["shams"].startswith(f"{env.nid_a}-O-")
    cert_pem = sec_a.receipt_certificate()
    assert verify_receipt(first["receipt"], cert_pem)
    assert first["receipt"]["payload"]["server_cert_sha256"] == cert_fingerprint(cert_pem)
    assert first["receipt"]["payload"]["content_sha256"] == pkg.content_sha256()
    forged = copy.deepcopy(first["receipt"])
    shams = forged["payload"]["shams"]
    forged["payload"]["shams"] = shams[:-1] + ("8" if shams.endswith("9") else "9")  # another number
    with pytest.raises(InvalidReceipt):
        verify_receipt(forged, cert_pem)
    # Public verification: with the printed code, facts; never content (tests/server/test_privacy.py).
    with env.client() as anon:
        v = anon.verify_shams(first["shams"], first["verify_code"])
        assert v["verified"] and v["agency"] == env.nid_a and v["registered_at"] == first["registered_at"]
        assert "body" not in json.dumps(v) and "subject" not in json.dumps(v)
        assert anon.verify_shams(f"{env.nid_a}-O-1400-99999")["exists"] is False
    # Same GUID with different content is refused.
    changed = make_package(env.nid_a, [env.nid_b], guid=pkg.guid, body="متن دیگر")
    with pytest.raises(ApiError) as e:
        sec_a.register(sign(changed, env.signer_a), idempotency_key=str(uuid.uuid4()))
    assert e.value.status == 409 and e.value.code == "guid_conflict"


def test_register_refusals(env: Env, sec_a) -> None:  # type: ignore[no-untyped-def]
    foreign = sign(make_package(env.nid_b, [env.nid_a]), env.signer_b)
    with pytest.raises(ApiError) as e:
        sec_a.register(foreign)
    assert (e.value.status, e.value.code, e.value.field) == (403, "foreign_sender", "content.sender.agency")
    other_ca = TestPKI(name="Unknown CA")
    rogue = sign(make_package(env.nid_a, [env.nid_b]), make_signer(other_ca, "Rogue", "0012345679"))
    with pytest.raises(ApiError) as e:
        sec_a.register(rogue)
    assert e.value.code == "untrusted_root" and e.value.field == "signatures"
    unregistered = sign(make_package(env.nid_a, [env.nid_b]), make_signer(env.pki, "Not registered", "0012345679"))
    with pytest.raises(ApiError) as e:
        sec_a.register(unregistered)
    assert e.value.code == "signer_not_registered"
    with pytest.raises(ApiError) as e:
        sec_a.register(make_package(env.nid_a, [env.nid_b]))
    assert e.value.code == "unsigned"


def test_payam_delivery_and_acks(env: Env, sec_a, sec_b) -> None:  # type: ignore[no-untyped-def]
    start_inbox = sec_b.inbox()["cursor"]
    while (page := sec_b.inbox(after=start_inbox))["items"]:
        start_inbox = page["cursor"]
    acks_cursor = sec_a.acks()["cursor"]
    pkg, reg = _registered(env, sec_a)
    sent = sec_a.send(pkg)
    assert sent["status"] == "sent" and sent["recipients"] == [{"agency": env.nid_b, "status": "queued"}]
    assert sec_a.send(pkg, idempotency_key=str(uuid.uuid4()))["status"] == "sent"  # resend: no duplicate
    items = sec_b.inbox(after=start_inbox)["items"]
    assert [i["guid"] for i in items] == [pkg.guid]
    got = LetterPackage.from_dict(items[0]["package"])
    assert got.content == pkg.content and got.receipts[0] == reg["receipt"] and items[0]["from_agency"] == env.nid_a
    sec_b.ack(pkg.guid, "delivered")
    sec_b.ack(pkg.guid, "registered", "۱۴۰۵/و/۱۲")
    sec_b.ack(pkg.guid, "registered", "۱۴۰۵/و/۱۲")  # idempotent
    with pytest.raises(ApiError) as e:
        sec_b.ack(pkg.guid, "registered", "other", idempotency_key=str(uuid.uuid4()))
    assert e.value.code == "ack_conflict"
    feed = sec_a.acks(after=acks_cursor)["items"]
    assert [(a["guid"], a["status"]) for a in feed] == [(pkg.guid, "delivered"), (pkg.guid, "registered")]
    assert feed[1]["incoming_number"] == "۱۴۰۵/و/۱۲" and feed[1]["recipient_agency"] == env.nid_b
    assert len(sec_a.acks(guid=pkg.guid)["items"]) == 2
    assert sec_a.letter(pkg.guid)["acks"][1]["status"] == "registered"
    assert sec_b.letter(pkg.guid)["shams"] == reg["shams"]  # addressed to B: readable there


def test_authorization_matrix(env: Env, sec_a, sec_b) -> None:  # type: ignore[no-untyped-def]
    pkg, _reg = _registered(env, sec_a)  # registered, not sent: B must not see it
    with pytest.raises(ApiError) as e:
        sec_b.letter(pkg.guid)
    assert e.value.status == 404
    assert sec_b.acks(guid=pkg.guid)["items"] == []
    assert pkg.guid not in json.dumps(sec_b.acks())
    assert pkg.guid not in [i["guid"] for i in sec_b.inbox()["items"]]
    with pytest.raises(ApiError) as e:
        sec_b.ack(pkg.guid, "delivered")
    assert e.value.status == 404
    with pytest.raises(ApiError) as e:  # B cannot send A's letter either
        sec_b.send(pkg)
    assert e.value.code == "foreign_sender"
    with env.client("b.staff") as staff:
        with pytest.raises(ApiError) as e:
            staff.inbox()
        assert e.value.status == 403
        with pytest.raises(ApiError) as e:
            staff.add_user("x.user", "X", "password-123", ["staff"])
        assert e.value.status == 403
    with env.client("b.admin") as admin_b, pytest.raises(ApiError) as e:
        admin_b.update_user("a.staff", active=False)  # another agency's user: not found
    assert e.value.status == 404


def test_payam_refusals(env: Env, sec_a) -> None:  # type: ignore[no-untyped-def]
    # Tampered content after registration: the receipt no longer matches.
    pkg, _ = _registered(env, sec_a)
    tampered = LetterPackage.from_dict(json.loads(pkg.to_json_bytes()))
    tampered.content = {**tampered.content, "subject": "موضوع دست‌کاری‌شده"}
    with pytest.raises(ApiError) as e:
        sec_a.send(tampered)
    assert e.value.code == "receipt_mismatch"
    # Mismatched SHAMS: another letter's valid receipt.
    pkg2, _ = _registered(env, sec_a)
    swapped = LetterPackage(content=pkg.content, signatures=pkg.signatures, receipts=pkg2.receipts)
    with pytest.raises(ApiError) as e:
        sec_a.send(swapped)
    assert e.value.code == "receipt_mismatch"
    # Valid receipt, but the signature bytes were swapped for another letter's.
    bad_sig = LetterPackage(content=pkg.content, signatures=pkg2.signatures, receipts=pkg.receipts)
    with pytest.raises(ApiError) as e:
        sec_a.send(bad_sig)
    assert e.value.code == "invalid_signature"
    # No receipt at all.
    with pytest.raises(ApiError) as e:
        sec_a.send(LetterPackage(content=pkg.content, signatures=pkg.signatures))
    assert e.value.code == "missing_receipt"
    # Unknown recipient agency (a valid national id that no agency on this exchange has).
    from app.protocol.persian import national_id_check_digit

    stranger = "1099912345" + national_id_check_digit("1099912345")
    unknown_rec = sign(make_package(env.nid_a, [env.nid_b, stranger]), env.signer_a)
    unknown_rec.receipts = [sec_a.register(unknown_rec)["receipt"]]
    with pytest.raises(ApiError) as e:
        sec_a.send(unknown_rec)
    assert (e.value.code, e.value.field) == ("unknown_recipient", "content.recipients[1].agency")


def test_unknown_ca_refused_for_recipient(env: Env) -> None:
    """Agency A trusts an extra CA of its own; B does not, so Payam refuses the letter for B."""
    other = TestPKI(name="Agency A private CA")
    signer = make_signer(other, "A's other signatory", "0012345679")
    with env.client("a.admin") as admin:
        admin.add_trust_root(pem(other.root_cert).decode())
        admin.add_signatory_certificate("a.signatory", signer.cert_pem)
        assert any(r["subject"].endswith("Agency A private CA Root CA") or "private CA" in r["subject"]
                   for r in admin.trust_roots()["agency"])
    with env.client("a.secretary") as sec:
        pkg = sign(make_package(env.nid_a, [env.nid_b]), signer)
        pkg.receipts = [sec.register(pkg)["receipt"]]  # A's own trust accepts it
        with pytest.raises(ApiError) as e:
            sec.send(pkg)
        assert e.value.code == "untrusted_root" and e.value.status == 422  # B does not trust A's CA
        assert e.value.message_fa and e.value.message_en
    # Each agency's clients verify incoming letters against what the server publishes for that
    # agency: the server-wide roots and the agency's own uploads, to every user, not only admins.
    fingerprint = other.root_cert.fingerprint(hashes.SHA256()).hex()
    server_root = env.pki.root_cert.fingerprint(hashes.SHA256()).hex()
    with env.client("a.staff") as staff:
        mine = {r["sha256"]: r for r in staff.agency_trust_roots()["roots"]}
    with env.client("b.secretary") as sec_b:
        theirs = {r["sha256"] for r in sec_b.agency_trust_roots()["roots"]}
    assert {fingerprint, server_root} <= mine.keys() and server_root in theirs and fingerprint not in theirs
    assert base64.b64decode(mine[fingerprint]["der"]) == other.root_cert.public_bytes(serialization.Encoding.DER)
    with env.client() as anonymous, pytest.raises(ApiError) as e:
        anonymous.agency_trust_roots()
    assert e.value.status == 401


def test_internal_letter(env: Env, sec_a) -> None:  # type: ignore[no-untyped-def]
    pkg = sign(make_package(env.nid_a, [{"agency": env.nid_a, "unit": "it", "person": "a.staff"}], kind="internal"),
               env.signer_a)
    reg = sec_a.register(pkg)
    assert f"{env.nid_a}-I-" in reg["shams"]
    pkg.receipts = [reg["receipt"]]
    with pytest.raises(ApiError) as e:  # internal letters never go through Payam
        sec_a._json("POST", "/payam/messages", content=pkg.to_json_bytes())
    assert e.value.code == "not_outgoing"
    assert sec_a.send(pkg)["recipients"] == [{"agency": env.nid_a, "status": "queued"}]
    items = [i for i in sec_a.inbox()["items"] if i["guid"] == pkg.guid]
    assert len(items) == 1 and items[0]["channel"] == "internal"
    out = sign(make_package(env.nid_a, [env.nid_b], kind="internal"), env.signer_a)
    with pytest.raises(ApiError) as e:
        sec_a.register(out)
    assert e.value.code == "internal_recipient_outside_agency"
    # a unit or person the agency does not have is refused at registration, not only at delivery:
    # the letter takes no SHAMS number it could not be sent with
    for recipient, field in (({"agency": env.nid_a, "unit": "no-such-unit"}, "unit"),
                             ({"agency": env.nid_a, "unit": "it", "person": "no.such.user"}, "person")):
        nowhere = sign(make_package(env.nid_a, [recipient], kind="internal"), env.signer_a)
        with pytest.raises(ApiError) as e:
            sec_a.register(nowhere)
        assert (e.value.status, e.value.code, e.value.field) == (422, "unknown_recipient",
                                                                 f"content.recipients[0].{field}")
    again = sign(make_package(env.nid_a, [{"agency": env.nid_a, "unit": "it"}], kind="internal"), env.signer_a)
    assert Shams.parse(sec_a.register(again)["shams"]).sequence == Shams.parse(reg["shams"]).sequence + 1


def test_idempotency_key_replay_and_conflict(env: Env, sec_a) -> None:  # type: ignore[no-untyped-def]
    pkg = sign(make_package(env.nid_a, [env.nid_b]), env.signer_a)
    raw = pkg.to_json_bytes()
    key = str(uuid.uuid4())
    r1 = sec_a.raw_post("/letters", raw, idempotency_key=key)
    r2 = sec_a.raw_post("/letters", raw, idempotency_key=key)
    assert r1.status_code == r2.status_code == 200 and r1.json() == r2.json()
    assert r2.headers.get("idempotent-replayed") == "true"
    other = sign(make_package(env.nid_a, [env.nid_b]), env.signer_a).to_json_bytes()
    r3 = sec_a.raw_post("/letters", other, idempotency_key=key)
    assert r3.status_code == 409 and r3.json()["error"]["code"] == "idempotency_key_reused"
    r4 = sec_a.raw_post("/letters", other, idempotency_key=None)
    assert r4.status_code == 428 and r4.json()["error"]["field"] == "Idempotency-Key"


def test_structured_errors_and_limits(env: Env, sec_a) -> None:  # type: ignore[no-untyped-def]
    r = sec_a.raw_post("/letters", b"{not json", idempotency_key="k-broken")
    err = r.json()["error"]
    assert r.status_code == 422 and err["code"] == "invalid_package" and set(err) == {"code", "message_fa", "message_en", "field"}
    r = sec_a.raw_post("/letters", b"x" * (9 * 1024 * 1024), idempotency_key="k-big")
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"
    r = sec_a.raw_post("/auth/login", b'{"username": "a", "password": "b", "extra": 1}', idempotency_key=None)
    assert r.status_code == 422 and r.json()["error"]["field"] == "extra"
    r = sec_a.raw_post("/nope", b"{}", idempotency_key="k")
    assert r.status_code == 404 and "Traceback" not in r.text


def test_directory_incremental(env: Env) -> None:
    with env.client("a.admin") as admin:
        full = admin.directory()
        assert {a["national_id"] for a in full["agencies"]} >= {env.nid_a, env.nid_b}
        assert any(p["username"] == "b.signatory" and p["signatory"] for p in full["people"])
        cursor = full["cursor"]
        while full["more"]:
            full = admin.directory(after=cursor)
            cursor = full["cursor"]
        assert admin.directory(after=cursor)["people"] == []
        admin.add_unit("legal", "امور حقوقی")
        admin.add_user("a.newcomer", "کارمند تازه", "password-123", ["staff"], unit="legal")
        delta = admin.directory(after=cursor)
        assert [u["code"] for u in delta["units"]] == ["legal"]
        assert [p["username"] for p in delta["people"]] == ["a.newcomer"]
        assert delta["cursor"] > cursor
        admin.update_user("a.newcomer", active=False)
        assert admin.directory(after=delta["cursor"])["people"][0]["active"] is False


def _me_entries(env: Env) -> list[dict[str, Any]]:
    log = env.server.access_log()
    complete = log.splitlines()[: None if log.endswith("\n") else -1]  # the last line may be half written
    return [e for e in map(json.loads, (line for line in complete if line.startswith("{")))
            if e.get("path") == "/api/v1/me"]


def test_access_log_has_no_secrets(env: Env) -> None:
    before = len(_me_entries(env))
    c = env.client("a.signatory")
    token = c.token
    assert token
    c.me()
    c.close()
    deadline = time.monotonic() + 5
    while len(_me_entries(env)) == before and time.monotonic() < deadline:
        time.sleep(0.05)  # the entry is written once the response has gone out
    me = _me_entries(env)[before:]
    assert [(e["method"], e["status"], e["user"]) for e in me] == [("GET", 200, "a.signatory")]
    log = env.server.access_log()
    assert token not in log and "demo-password-1" not in log and "Bearer" not in log


def test_a_stop_does_not_wait_for_idle_keep_alive_connections(tmp_path: Path, pki: TestPKI) -> None:
    """SIGTERM stops the server within its grace period although a browser or a client still holds
    an idle TLS keep-alive connection (it waited for the peer's TLS close until it was killed)."""
    import http.client
    import socket
    import ssl

    from devkit.server_process import ServerProcess

    server = ServerProcess(tmp_path / "server", pki, env_extra={"DABIR_SERVER_SHUTDOWN_GRACE_SECONDS": "1"})
    server.setup()
    server.start()
    host, port = server.base_url.removeprefix("https://").split(":")
    tls = ssl.create_default_context(cafile=str(server.ca_bundle))
    browser = http.client.HTTPSConnection(host, int(port), context=tls)  # a page was loaded, the connection kept
    browser.request("GET", "/track")
    assert browser.getresponse().read()
    preconnected = tls.wrap_socket(socket.create_connection((host, int(port))), server_hostname=host)  # no request yet
    proc = server.proc
    assert proc is not None
    started = time.monotonic()
    server.stop()
    took = time.monotonic() - started
    browser.close()
    preconnected.close()
    assert proc.returncode in (0, -15), proc.returncode  # it stopped on SIGTERM (uvicorn re-raises it), not killed (-9)
    assert took < 5, f"the stop took {took:.1f} s"
