"""Issue 14 items 9–11 against the real dabir-server process: private public verification (the QR's
code, a rate limit, a page for phones), the audit log of refusals and trust changes, and hardening
(security headers, API docs behind a setting, a non-CA TLS certificate, owner-only data files)."""

from __future__ import annotations

import json
import shutil
import ssl
import stat
import subprocess
import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from app.protocol.package import LetterPackage
from app.sync.api import ApiError, DabirApi
from devkit.letters import make_package, sign
from devkit.pki import TestPKI, pem
from devkit.server_process import SERVER_CMD, ServerProcess
from tests.server.conftest import Env, start_env

pytestmark = pytest.mark.server


@pytest.fixture(params=["env", pytest.param("pg_env", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> Env:
    """The shared server on SQLite, then on PostgreSQL."""
    e: Env = request.getfixturevalue(request.param)
    return e


@pytest.fixture
def sec_a(backend: Env) -> Iterator[DabirApi]:
    with backend.client("a.secretary") as c:
        yield c


def _https(server: ServerProcess) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, verify=ssl.create_default_context(cafile=str(server.ca_bundle)))


def _outgoing(env: Env, sec: DabirApi) -> tuple[LetterPackage, dict[str, Any]]:
    pkg = sign(make_package(env.nid_a, [env.nid_b]), env.signer_a)
    reg = sec.register(pkg)
    pkg.receipts = [reg["receipt"]]
    return pkg, reg


# -- 9. public verification -----------------------------------------------------------------------
def test_public_verification_tells_strangers_only_that_a_letter_exists(backend: Env, sec_a: DabirApi) -> None:
    pkg, reg = _outgoing(backend, sec_a)
    code = reg["verify_code"]
    assert len(code) == 12 and set(code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert reg["verify_url"].endswith(f"/api/v1/verify/{reg['shams']}?c={code}")
    assert sec_a.letter(pkg.guid)["verify_code"] == code  # the registering agency reads it again
    _, other = _outgoing(backend, sec_a)
    assert other["verify_code"] != code  # drawn at random, not derived from the SHAMS

    with backend.client() as anon:
        for guess in (None, "AAAAAAAAAAAA", other["verify_code"]):
            bare = anon.verify_shams(reg["shams"], guess)
            wrong = {"code_wrong": True} if guess else {}  # a mistyped code is said to be wrong, nothing more
            assert bare == {"shams": reg["shams"], "shams_display": bare["shams_display"], "exists": True,
                            "verified": False, **wrong}
        full = anon.verify_shams(reg["shams"], code.lower())  # as a person might type it
        assert full["verified"] is True and full["exists"] is True
        assert full["agency"] == backend.nid_a and full["agency_name"].startswith("سازمان نمونه الف")
        assert full["registered_at"] == reg["registered_at"]
        assert full["signers"] == [{"name": "Signatory A", "title": "مدیرکل دفتر حقوقی"}]  # the certificate's name, the directory's title
        text = json.dumps(full, ensure_ascii=False)
        for secret in (pkg.guid, pkg.content_sha256(), "0010203044", "receipt", "body"):
            assert secret not in text
        missing = anon.verify_shams(f"{backend.nid_a}-O-1400-99999", code)
        assert (missing["exists"], missing["verified"]) == (False, False)

    # The recipient agency receives the letter, not the code that publishes it.
    sec_a.send(pkg)
    with backend.client("b.secretary") as sec_b:
        view = sec_b.letter(pkg.guid)
        assert view["verify_code"] is None and "?c=" not in view["verify_url"]


def test_internal_letters_are_never_published(backend: Env, sec_a: DabirApi) -> None:
    pkg = sign(make_package(backend.nid_a, [{"agency": backend.nid_a, "unit": "it"}], kind="internal"),
               backend.signer_a)
    reg = sec_a.register(pkg)
    assert reg["verify_code"] is None  # nothing to print: the server would not publish it anyway
    with backend.client() as anon:
        answer = anon.verify_shams(reg["shams"], "AAAAAAAAAAAA")
    assert (answer["exists"], answer["verified"]) == (False, False) and set(answer) == {
        "shams", "shams_display", "exists", "verified"}


@pytest.fixture(scope="module")
def strict_env(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI, signers: Any) -> Iterator[Env]:
    """A server as installed: API docs left at their default (off), and a small verification limit."""
    workdir = tmp_path_factory.mktemp("server-strict")
    e = start_env(workdir, pki, signers, DABIR_SERVER_API_DOCS=None, DABIR_SERVER_VERIFY_REQUESTS_PER_MINUTE="4",
                  DABIR_SERVER_ACCESS_LOG=str(workdir / "access.log"))
    try:
        yield e
    finally:
        e.server.stop()


def test_public_verification_is_rate_limited_per_address(strict_env: Env) -> None:
    with _https(strict_env.server) as http:
        shams = f"{strict_env.nid_a}-O-1405-1"
        assert [http.get(f"/api/v1/verify/{shams}").status_code for _ in range(4)] == [200] * 4
        refused = http.get(f"/api/v1/verify/{shams}")
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_requests"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        page = http.get(f"/api/v1/verify/{shams}", headers={"Accept": "text/html"})  # a phone is told in Persian
        assert page.status_code == 429 and "text/html" in page.headers["content-type"]
        assert "تعداد استعلام‌ها بیش از حد مجاز است" in page.text


def test_the_rate_limiter_slides_and_remembers_a_bounded_number_of_addresses() -> None:
    from server.verification import SlidingWindow

    limit = SlidingWindow(2, window=60, max_keys=3)
    assert [limit.retry_after("a", t) for t in (0, 1, 2)] == [0, 0, 58]  # the third waits for the first to age
    assert limit.retry_after("a", 60) == 0  # the first hit left the window
    for n, ip in enumerate(("b", "c", "d", "e")):
        assert limit.retry_after(ip, 61 + n) == 0
    assert len(limit._hits) <= 3  # the oldest address was forgotten, not the memory grown


class _Page(HTMLParser):
    """What a page asks a browser to fetch (it must ask for nothing) and its root attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.fetches: list[str] = []
        self.root: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.root = dict(attrs)
        for name, value in attrs:
            if name in ("src", "href", "action") and value:
                self.fetches.append(value)
        if tag in ("script", "link", "img", "iframe", "object", "embed"):
            self.fetches.append(tag)


def _chromium_dom(url: str) -> str:
    browser = shutil.which("chromium")
    if browser is None:
        pytest.skip("chromium is not installed (scripts/setup installs it)")
    out = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--ignore-certificate-errors",
                          "--lang=fa", "--dump-dom", url], capture_output=True, timeout=120, check=True)
    return out.stdout.decode()


def test_a_phone_that_scans_the_qr_gets_a_persian_page(env: Env) -> None:
    with env.client("a.secretary") as sec:
        _, reg = _outgoing(env, sec)
    with _https(env.server) as http:
        page = http.get(reg["verify_url"].replace(env.server.base_url, ""), headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    parsed = _Page()
    parsed.feed(page.text)
    assert parsed.root == {"lang": "fa", "dir": "rtl"} and parsed.fetches == []  # self-contained

    dom = _chromium_dom(reg["verify_url"])  # the page as a browser builds it
    assert 'dir="rtl"' in dom and "این نامه در سامانه ثبت شده و کد استعلام آن درست است" in dom
    assert "سازمان نمونه الف" in dom and "Signatory A" in dom
    bare = _chromium_dom(reg["verify_url"].split("?")[0])
    assert "نامه‌ای با این شماره در سامانه ثبت شده است" in bare and "سازمان نمونه الف" not in bare
    assert '<input name="c"' in bare  # where to type the printed code
    path = reg["verify_url"].replace(env.server.base_url, "")
    other = "R" if path[-1].upper() == "Q" else "Q"  # a different last character (the code may end in Q)
    with _https(env.server) as http:
        mistyped = http.get(path[:-1] + other, headers={"Accept": "text/html"}).text
    assert "کد استعلام واردشده با این نامه مطابقت ندارد" in mistyped and "سازمان نمونه الف" not in mistyped


# -- 10. audit ------------------------------------------------------------------------------------
def test_refusals_and_trust_changes_are_audited_for_the_agency_admin(backend: Env, sec_a: DabirApi) -> None:
    unsigned = make_package(backend.nid_a, [backend.nid_b])
    with pytest.raises(ApiError) as e:
        sec_a.register(unsigned)
    assert e.value.code == "unsigned"
    # Payam: a registered letter stripped of its signatures is refused as unsigned, not «نامشخص».
    pkg, _ = _outgoing(backend, sec_a)
    stripped = LetterPackage(content=pkg.content, signatures=[], receipts=pkg.receipts)
    with pytest.raises(ApiError) as e:
        sec_a.send(stripped)
    assert e.value.code == "unsigned" and "امضا نشده" in e.value.message_fa and "نامشخص" not in e.value.message_fa
    ghost = str(uuid.uuid4())
    with pytest.raises(ApiError) as e:
        sec_a.ack(ghost, "delivered")
    assert e.value.status == 404
    with backend.client("a.admin") as admin:
        with pytest.raises(ApiError) as e:
            admin.add_unit("bad code!", "واحد")  # refused by validation: audited too
        assert e.value.code == "invalid_request"
        other = TestPKI(name=f"Audit CA {uuid.uuid4().hex[:6]}")
        admin.add_trust_root(pem(other.root_cert).decode())

        events = admin.audit_events(limit=50)["items"]
        mine: dict[tuple[str, str, str | None], dict] = {}  # the newest of each (the server is shared by the session)
        for ev in events:
            mine.setdefault((ev["action"], ev["code"], ev["guid"]), ev)
        register = mine["register", "unsigned", unsigned.guid]
        assert (register["outcome"], register["username"], register["ip"]) == ("refused", "a.secretary", "127.0.0.1")
        assert register["detail"].startswith("422 ")
        assert mine["payam_send", "unsigned", pkg.guid]["outcome"] == "refused"
        assert mine["ack", "not_found", ghost]["username"] == "a.secretary"
        assert mine["unit_add", "invalid_request", None]["username"] == "a.admin"
        root = mine["trust_root_added", "trust_root_added", None]
        assert root["outcome"] == "done" and "Audit CA" in root["detail"]
        bound = admin.audit_events(code="certificate_added")["items"]  # start_env registered the signatory's
        assert bound and bound[-1]["detail"].startswith("a.signatory: ") and bound[-1]["outcome"] == "done"
        assert [ev["id"] for ev in events] == sorted((ev["id"] for ev in events), reverse=True)  # newest first

        only = admin.audit_events(code="unsigned")["items"]
        assert only and {ev["code"] for ev in only} == {"unsigned"}
        first = admin.audit_events(limit=1)
        assert first["more"] is True and len(first["items"]) == 1
        second = admin.audit_events(before=first["cursor"], limit=1)
        assert second["items"][0]["id"] < first["items"][0]["id"]
    with backend.client("b.admin") as admin_b:  # another agency sees none of it
        assert not [ev for ev in admin_b.audit_events(limit=500)["items"] if ev["username"] == "a.secretary"]
    with pytest.raises(ApiError) as e:
        sec_a.audit_events()
    assert e.value.status == 403


# -- 11. hardening --------------------------------------------------------------------------------
def test_security_headers(env: Env) -> None:
    with env.client("a.staff") as staff, _https(env.server) as http:
        for response in (http.get("/api/v1/me", headers={"Authorization": f"Bearer {staff.token}"}),
                         http.get("/api/v1/nope"), http.get("/healthz")):
            h = response.headers
            assert h["strict-transport-security"].startswith("max-age=") and "includeSubDomains" in h[
                "strict-transport-security"]
            assert h["x-content-type-options"] == "nosniff" and h["referrer-policy"] == "no-referrer"
            assert h["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in h["content-security-policy"]
        assert http.get("/api/v1/me", headers={"Authorization": f"Bearer {staff.token}"}).headers[
            "cache-control"] == "no-store"
        assert http.get("/openapi.json").status_code == 200  # the test and demo servers serve their docs


def test_logout_needs_no_idempotency_key_and_a_retry_finds_the_token_revoked(env: Env) -> None:
    """docs/server.md's rule for POST /auth/logout (the one write without an Idempotency-Key)."""
    with env.client("a.staff") as staff, _https(env.server) as http:
        bearer = {"Authorization": f"Bearer {staff.token}"}
        assert http.post("/api/v1/auth/logout", headers=bearer).json() == {"logged_out": True}
        retry = http.post("/api/v1/auth/logout", headers=bearer)  # after a lost answer
        assert retry.status_code == 401 and retry.json()["error"]["code"] == "unauthenticated"
        assert http.get("/api/v1/me", headers=bearer).status_code == 401


def test_api_docs_are_off_unless_asked_for(strict_env: Env) -> None:
    with _https(strict_env.server) as http:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert http.get(path).status_code == 404, path
        assert http.get("/healthz").status_code == 200


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_server_data_is_owner_only(strict_env: Env) -> None:
    data = strict_env.server.data_dir
    assert _mode(data) == 0o700
    for name in ("dabir.sqlite3", "dabir.sqlite3-wal", "dabir.sqlite3-shm", "dabir.sqlite3.writelock",
                 "receipt/key.pem"):
        assert _mode(data / name) == 0o600, name
    access = data.parent / "access.log"  # client addresses and paths: it was created 0644
    assert _mode(access) == 0o600 and '"path":"/api/v1/auth/login"' in access.read_text()


def test_init_makes_a_server_certificate_not_a_ca_and_tightens_an_old_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "dabir.sqlite3").touch(mode=0o644)  # as an older release left it
    data.chmod(0o755)
    (data / "dabir.sqlite3").chmod(0o644)
    env = {"DABIR_SERVER_DATA_DIR": str(data), "PATH": "/usr/bin:/bin"}
    subprocess.run([*SERVER_CMD, "init"], env=env, cwd=Path(__file__).resolve().parents[2], check=True,
                   capture_output=True, timeout=120)
    assert _mode(data) == 0o700 and _mode(data / "dabir.sqlite3") == 0o600
    assert _mode(data / "tls") == 0o700 and _mode(data / "tls" / "key.pem") == 0o600
    cert = x509.load_pem_x509_certificate((data / "tls" / "cert.pem").read_bytes())
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca is False
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign is False
