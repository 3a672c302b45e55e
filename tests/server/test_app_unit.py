"""In-process tests (FastAPI TestClient) with an injected clock: year rollover and token expiry."""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.protocol.jalali import TEHRAN
from app.protocol.package import LetterPackage
from devkit.letters import make_package
from devkit.pki import TestPKI
from server.app import create_app
from server.cli import cmd_init
from server.config import Settings, load_settings
from server.demo_seed import seed_demo
from tests.protocol.cases import build_cms

PASSWORD = "unit-password-1"


class FakeClock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


class ClockSigner:
    """Signs at the server's (injected) time: the server refuses a signing time minutes away from its clock."""

    def __init__(self, pki: TestPKI, clock: FakeClock) -> None:
        self.clock = clock
        self.key, self.cert = pki.software_signer("A", "0012345679", not_before=clock.now - dt.timedelta(days=1))
        self.chain = [pki.intermediate_cert]

    def sign_packages(self, packages: list[LetterPackage]) -> list[LetterPackage]:
        for p in packages:
            p.signatures = [build_cms(self.key, self.cert, p.content_bytes(), self.chain, signing_time=self.clock.now)]
        return packages


def _settings(where: Path) -> Settings:
    return load_settings(overrides={"data_dir": where / "data", "trust_dir": where / "trust",
                                    "require_registered_signers": False, "token_ttl_seconds": 600,
                                    "sqlite_synchronous": "NORMAL", "access_log": "off"}, environ={})


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """A data folder after ``init`` and the demo's agencies, made once (migrations, keys and password
    hashes are slow) for each test to copy: (its folder, the agencies)."""
    where = tmp_path_factory.mktemp("seeded")
    cmd_init(argparse.Namespace(config=None, data_dir=str(where / "data"), database_url=None, tls_cert=None,
                                tls_key=None, trust_dir=str(where / "trust"), receipt_ca_cert=None))
    return where / "data", seed_demo(_settings(where), PASSWORD)


@pytest.fixture
def app_env(tmp_path: Path, seeded: tuple[Path, list[dict[str, Any]]]):  # type: ignore[no-untyped-def]
    pki = TestPKI()
    pki.write_trust_dir(tmp_path / "trust")
    data, agencies = seeded
    shutil.copytree(data, tmp_path / "data")
    settings = _settings(tmp_path)
    clock = FakeClock(dt.datetime(2026, 3, 20, 20, 29, 58, tzinfo=dt.UTC))
    app = create_app(settings, clock=clock)
    client = TestClient(app)
    nid_a, nid_b = agencies[0]["national_id"], agencies[1]["national_id"]
    signer = ClockSigner(pki, clock)
    yield client, clock, nid_a, nid_b, signer
    app.state.ctx.db.dispose()


def _login(client: TestClient, user: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": user, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_year_rolls_over_at_farvardin_first_tehran_time(app_env) -> None:  # type: ignore[no-untyped-def]
    client, clock, nid_a, nid_b, signer = app_env
    headers = _login(client, "a.secretary")

    def register() -> str:
        pkg = signer.sign_packages([make_package(nid_a, [nid_b])])[0]
        r = client.post("/api/v1/letters", content=pkg.to_json_bytes(),
                        headers={**headers, "Idempotency-Key": pkg.guid})
        assert r.status_code == 200, r.text
        return r.json()["shams"]

    # 1404/12/29 23:59:58 Tehran (UTC+3:30) = 2026-03-20 20:29:58 UTC; Nowruz 1405 is 2026-03-21 Tehran.
    assert clock.now.astimezone(TEHRAN).strftime("%H:%M") == "23:59"
    assert register() == f"{nid_a}-O-1404-1"
    assert register() == f"{nid_a}-O-1404-2"
    clock.now += dt.timedelta(seconds=2)  # 00:00:00 on 1 Farvardin 1405 in Tehran (still 20 March in UTC)
    assert clock.now.date() == dt.date(2026, 3, 20)
    assert register() == f"{nid_a}-O-1405-1"
    assert register() == f"{nid_a}-O-1405-2"


def test_token_expires(app_env) -> None:  # type: ignore[no-untyped-def]
    client, clock, *_ = app_env
    headers = _login(client, "a.staff")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.now += dt.timedelta(seconds=601)
    r = client.get("/api/v1/me", headers=headers)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"


def test_internal_errors_are_structured(app_env) -> None:  # type: ignore[no-untyped-def]
    client, *_ = app_env
    app = client.app

    @app.get("/boom")  # type: ignore[attr-defined]
    def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    r = TestClient(app).get("/boom")  # the error does not escape the application (uvicorn would close
    assert r.status_code == 500      # the keep-alive connection): TestClient would raise it here
    assert r.json()["error"]["code"] == "internal_error" and "secret" not in r.text


def _package_exchanges(client: TestClient, raw: bytes) -> list[tuple[int, object]]:
    """The same requests to the package endpoints: status and body (times and ids aside)."""
    headers = _login(client, "a.secretary")
    key = {"Idempotency-Key": "register:1"}
    calls = [
        ("/api/v1/letters", {}, raw),                                        # no token: 401
        ("/api/v1/letters", headers, raw),                                   # no key: 428
        ("/api/v1/letters", {**headers, **key}, b"{not json"),               # 422 invalid_package
        ("/api/v1/letters", {**headers, **key}, raw),                        # 200, SHAMS
        ("/api/v1/letters", {**headers, **key}, raw),                        # replay: same answer
        ("/api/v1/letters", {**headers, **key}, raw.replace("آزمایشی".encode(), "دیگر".encode(), 1)),  # 409
        ("/api/v1/payam/messages", {**headers, "Idempotency-Key": "send:1"}, raw),  # no receipt: 422
        ("/api/v1/internal/messages", {**headers, "Idempotency-Key": "send:2"}, raw),  # not internal: 422
    ]
    out: list[tuple[int, object]] = []
    for path, h, body in calls:
        r = client.post(path, headers=h, content=body)
        data = r.json()
        if r.status_code == 200:
            data = {k: data[k] for k in ("guid", "shams", "content_sha256")}
        out.append((r.status_code, data))
    return out


def test_package_endpoints_answer_in_order(app_env) -> None:  # type: ignore[no-untyped-def]
    """Who asks is answered first (401), then the missing key (428), then the package (422); a
    replay gets the same registration and a changed body under the same key a 409."""
    client, _clock, nid_a, nid_b, signer = app_env
    raw = signer.sign_packages([make_package(nid_a, [nid_b])])[0].to_json_bytes()
    exchanges = _package_exchanges(client, raw)
    assert [s for s, _ in exchanges] == [401, 428, 422, 200, 200, 409, 422, 422]
    assert exchanges[3] == exchanges[4]
    assert [body["error"]["code"] for s, body in exchanges if s != 200] == [  # type: ignore[index]
        "unauthenticated", "idempotency_key_required", "invalid_package", "idempotency_key_reused",
        "missing_receipt", "not_internal"]


def test_registration_refusals_spend_no_shams(app_env) -> None:  # type: ignore[no-untyped-def]
    """A bad, expired or logged-out token is refused with 401 before anything else is said (428,
    422, 403), and a role or agency that may not register gets 403 without a SHAMS being spent."""
    client, clock, nid_a, nid_b, signer = app_env
    raw = signer.sign_packages([make_package(nid_a, [nid_b])])[0].to_json_bytes()
    secretary = _login(client, "a.secretary")

    def post(headers: dict[str, str], body: bytes = raw, key: str | None = "k-first-read") -> tuple[int, str]:
        h = {**headers, **({"Idempotency-Key": key} if key else {})}
        r = client.post("/api/v1/letters", headers=h, content=body)
        return r.status_code, r.json()["error"]["code"] if r.status_code != 200 else r.json()["shams"]

    bad = {"Authorization": "Bearer not-a-token"}
    assert post(bad) == (401, "unauthenticated")
    assert post(bad, key=None) == (401, "unauthenticated")
    assert post(bad, body=b"{not json") == (401, "unauthenticated")
    assert post(secretary, key=None) == (428, "idempotency_key_required")
    assert post(_login(client, "a.staff")) == (403, "forbidden")
    assert post(_login(client, "b.secretary"), key="k-foreign") == (403, "foreign_sender")
    logged_out = _login(client, "a.secretary")
    assert client.post("/api/v1/auth/logout", headers=logged_out).status_code in (200, 204)
    assert post(logged_out) == (401, "unauthenticated")
    expiring = _login(client, "a.secretary")
    clock.now += dt.timedelta(seconds=601)
    assert post(expiring) == (401, "unauthenticated")
    secretary = _login(client, "a.secretary")
    raw = signer.sign_packages([make_package(nid_a, [nid_b])])[0].to_json_bytes()  # signed at the server's time
    assert post(secretary, raw, "k-second") == (200, f"{nid_a}-O-1405-1"), "the refusals spent no SHAMS"


def test_package_endpoints_hide_internal_errors(app_env, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import server.shams

    client, _clock, nid_a, nid_b, signer = app_env

    async def broken(*_args: object) -> object:
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(server.shams, "register", broken)
    headers = {**_login(client, "a.secretary"), "Idempotency-Key": "k1"}
    raw = signer.sign_packages([make_package(nid_a, [nid_b])])[0].to_json_bytes()
    r = TestClient(client.app, raise_server_exceptions=False).post("/api/v1/letters", headers=headers, content=raw)
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error" and "secret" not in r.text


def test_settings_from_toml_and_env(tmp_path: Path) -> None:
    cfg = tmp_path / "server.toml"
    cfg.write_text('[server]\nport = 9443\ntoken_ttl_seconds = 60\ndata_dir = "/srv/dabir"\n')
    s = load_settings(cfg, environ={"DABIR_SERVER_PORT": "10443", "DABIR_SERVER_REQUIRE_REGISTERED_SIGNERS": "no"})
    assert (s.port, s.token_ttl_seconds, str(s.data_dir), s.require_registered_signers) == (10443, 60, "/srv/dabir", False)
    cfg.write_text("bogus = 1\n")
    with pytest.raises(ValueError):
        load_settings(cfg, environ={})


def test_a_retry_gets_its_first_answer_even_if_the_signature_no_longer_passes(  # type: ignore[no-untyped-def]
        app_env, monkeypatch: pytest.MonkeyPatch) -> None:
    """A registered letter's retry (same key, or a new key after a lost answer) gets the stored SHAMS
    and receipt even when its signature would be refused today (a certificate expired since):
    the client must never mark a registered letter as refused."""
    import server.shams
    from server.errors import ApiError

    client, _clock, nid_a, nid_b, signer = app_env
    headers = _login(client, "a.secretary")
    raw = signer.sign_packages([make_package(nid_a, [nid_b])])[0].to_json_bytes()
    first = client.post("/api/v1/letters", content=raw, headers={**headers, "Idempotency-Key": "k1"})
    assert first.status_code == 200

    def refused(*_args: object) -> str:
        raise ApiError(422, "invalid_signature", "امضا معتبر نیست.", "Signature not valid.", "signatures")

    monkeypatch.setattr(server.shams, "verified_signers", refused)
    for key in ("k1", "k2"):
        again = client.post("/api/v1/letters", content=raw, headers={**headers, "Idempotency-Key": key})
        assert again.status_code == 200, again.text
        assert again.json()["shams"] == first.json()["shams"] and again.json()["receipt"] == first.json()["receipt"]
    other = signer.sign_packages([make_package(nid_a, [nid_b])])[0].to_json_bytes()
    r = client.post("/api/v1/letters", content=other, headers={**headers, "Idempotency-Key": "k3"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_signature"


def test_the_signature_cap_is_a_setting_and_documented(app_env) -> None:  # type: ignore[no-untyped-def]
    """``max_signatures`` refuses a letter with more signatures (before decoding them), and the
    OpenAPI document's package schema says the same limit."""
    import dataclasses

    from server.app import create_app

    client, _clock, nid_a, nid_b, signer = app_env
    ctx = client.app.state.ctx
    ctx.settings = dataclasses.replace(ctx.settings, max_signatures=1, api_docs=True)
    capped = TestClient(create_app(ctx.settings, ctx=ctx))
    pkg = signer.sign_packages([make_package(nid_a, [nid_b])])[0]
    pkg.signatures.append(b"a second signature, never decoded")
    r = capped.post("/api/v1/letters", content=pkg.to_json_bytes(),
                    headers={**_login(capped, "a.secretary"), "Idempotency-Key": pkg.guid})
    assert r.status_code == 422 and r.json()["error"]["code"] == "too_many_signatures", r.text
    body = capped.get("/openapi.json").json()["paths"]["/api/v1/letters"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["properties"]["signatures"]["maxItems"] == 1
