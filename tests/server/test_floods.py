"""Floods against the real dabir-server process (issue 14, items 5–7): login guesses, a slow
signature, huge headers and bodies without a valid token. A server of its own (its own limits, and
the per-IP and global login counts it fills must not touch the other tests)."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from asn1crypto import parser

from app.protocol.package import LetterPackage
from devkit.letters import SoftSigner, make_package, sign
from devkit.pki import TestPKI
from devkit.server_process import DEMO_PASSWORD
from tests.server.conftest import Env, fresh_pg_database, start_env

pytestmark = pytest.mark.server

PER_USER = 5
PER_IP = 12
GLOBAL = 40
DELAY_S = 0.3
LOGIN = "/api/v1/auth/login"


LIMITS = {"DABIR_SERVER_LOGIN_ATTEMPTS_PER_MINUTE": str(PER_USER),
          "DABIR_SERVER_LOGIN_FAILURES_PER_IP_PER_MINUTE": str(PER_IP),
          "DABIR_SERVER_LOGIN_FAILURES_PER_MINUTE": str(GLOBAL),
          "DABIR_SERVER_LOGIN_HASH_CONCURRENCY": "1", "DABIR_SERVER_LOGIN_HASH_QUEUE": "2",
          "DABIR_SERVER_LOGIN_FAILURE_DELAY_MS": str(int(DELAY_S * 1000))}


@pytest.fixture(scope="module")
def fenv(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI, signers: tuple[SoftSigner, SoftSigner]) -> Iterator[Env]:
    e = start_env(tmp_path_factory.mktemp("server-floods"), pki, signers, **LIMITS)
    try:
        yield e
    finally:
        e.server.stop()


def _http(env: Env, source_ip: str = "127.0.0.1") -> httpx.Client:
    """A client whose connections come from ``source_ip`` (any 127.x address reaches the server)."""
    verify = ssl.create_default_context(cafile=str(env.server.ca_bundle))
    return httpx.Client(base_url=env.server.base_url, timeout=60,
                        transport=httpx.HTTPTransport(verify=verify, local_address=source_ip))


def _login_status(env: Env, username: str, password: str, source_ip: str) -> int:
    with _http(env, source_ip) as c:
        return c.post(LOGIN, json={"username": username, "password": password}).status_code


def _parallel_logins(env: Env, names: list[str], password: str, source_ip: str) -> Counter[int]:
    barrier = threading.Barrier(len(names))

    def attempt(name: str) -> int:
        with _http(env, source_ip) as c:
            c.get("/healthz")  # TLS handshake first: the logins then arrive together
            barrier.wait()
            return c.post(LOGIN, json={"username": name, "password": password}).status_code
    with ThreadPoolExecutor(len(names)) as pool:
        return Counter(pool.map(attempt, names))


@pytest.fixture(scope="module")
def secretary(fenv: Env) -> Iterator[object]:
    """Logged in before any flood below fills the login limits."""
    with fenv.client("a.secretary") as c:
        yield c


@pytest.fixture(scope="module")
def staff(fenv: Env) -> Iterator[object]:
    with fenv.client("a.staff") as c:
        yield c


# -- item 6: verification off the event loop --------------------------------------------------

def _elements(data: bytes) -> list[tuple[int, int, bytes, bytes]]:
    out = []
    while data:
        cls, _method, tag, header, contents, trailer = parser.parse(data, strict=False)
        size = len(header) + len(contents) + len(trailer)
        out.append((cls, tag, contents, data[:size]))
        data = data[size:]
    return out


def _padded(cms_der: bytes, padding: int) -> bytes:
    """The same (still valid) signature with ``padding`` ASN.1 NULLs added to its certificate set:
    the signed attributes do not cover that set, and every element of it is parsed."""
    [(_, _, content_info, _)] = _elements(cms_der)
    oid, explicit = _elements(content_info)
    [(_, _, signed_data, _)] = _elements(explicit[2])
    fields = [parser.emit(2, 1, 0, contents + b"\x05\x00" * padding) if (cls, tag) == (2, 0) else der
              for cls, tag, contents, der in _elements(signed_data)]
    signed = parser.emit(0, 1, 16, b"".join(fields))
    return parser.emit(0, 1, 16, oid[3] + parser.emit(2, 1, 0, signed))


def test_a_slow_signature_does_not_stop_other_clients(fenv: Env, secretary, staff) -> None:  # type: ignore[no-untyped-def]
    pkg = sign(make_package(fenv.nid_a, [fenv.nid_b]), fenv.signer_a)
    slow = LetterPackage(content=pkg.content, signatures=[_padded(pkg.signatures[0], 400_000)])
    staff.me()
    outcome: list[object] = []

    def register() -> None:
        start = time.monotonic()
        try:
            outcome.append(secretary.register(slow))
        except Exception as exc:  # the outcome is checked below
            outcome.append(exc)
        outcome.append(time.monotonic() - start)

    poster = threading.Thread(target=register)
    poster.start()
    time.sleep(0.3)  # the package is on the server and being checked
    waits = []
    while poster.is_alive():
        start = time.monotonic()
        staff.me()
        waits.append(time.monotonic() - start)
    poster.join()
    result, took = outcome
    assert isinstance(result, dict) and result["shams"], result  # a valid signature, only slow to read
    assert isinstance(took, float) and took > 0.5, "the slow signature was not slow: the test proves nothing"
    # while it was checked, the other client was answered as usual (on the event loop it waited it out)
    assert len(waits) >= 3 and max(waits) < min(1.0, took / 4), (took, waits)


# -- item 7: memory before authentication -------------------------------------------------------

def test_a_huge_header_is_refused_at_once(fenv: Env) -> None:
    fenv.server.reset_peak_rss()
    before = fenv.server.rss_mb()
    context = ssl.create_default_context(cafile=str(fenv.server.ca_bundle))
    chunk = b"a" * 65536
    start = time.monotonic()
    answer = b""
    with socket.create_connection(("127.0.0.1", fenv.server.port), timeout=30) as raw, \
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
        try:
            for _ in range(100 * 1024 * 1024 // len(chunk)):
                tls.sendall(chunk)
            tls.sendall(b"\r\n\r\n")
        except OSError:  # the server closed the connection: what we want
            pass
        with contextlib.suppress(OSError):
            answer = tls.recv(200)
    took = time.monotonic() - start
    assert not answer.startswith(b"HTTP/1.1 200"), answer
    assert took < 10, took
    assert fenv.server.rss_mb("VmHWM") - before < 30


def test_bodies_without_a_valid_token_are_not_read(fenv: Env) -> None:
    body = b"x" * 8_000_000
    headers = {"Authorization": "Bearer not-a-token", "Idempotency-Key": str(uuid.uuid4()),
               "Content-Type": "application/json"}
    fenv.server.reset_peak_rss()
    before = fenv.server.rss_mb()

    def post(_: int) -> int:
        with _http(fenv) as c:
            return c.post("/api/v1/letters", content=body, headers=headers).status_code
    with ThreadPoolExecutor(10) as pool:
        statuses = Counter(pool.map(post, range(100)))
    assert statuses == {401: 100}
    assert fenv.server.rss_mb("VmHWM") - before < 40
    # without a token only small bodies are read at all (a login is a few hundred bytes)
    with _http(fenv) as c:
        r = c.post(LOGIN, content=b'{"username": "' + b"a" * 100_000 + b'"}', headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"


def test_too_many_headers_get_431(fenv: Env) -> None:
    with _http(fenv) as c:
        r = c.get("/healthz", headers={f"X-H{i}": "1" for i in range(150)})
    assert r.status_code == 431


# -- item 5: login floods (the last tests: they fill the login limits of this server) ----------

def _parallel_guesses_get_no_more_than_the_per_user_limit(env: Env, source: str) -> None:
    outcome = _parallel_logins(env, ["a.staff"] * 40, "wrong-password", source)
    assert outcome[401] <= PER_USER and outcome[401] + outcome[429] + outcome[503] == 40, outcome
    evaluated = outcome[401]
    while _login_status(env, "a.staff", "wrong-password", source) == 401:  # (some parallel ones met a busy server)
        evaluated += 1
    assert evaluated == PER_USER
    start = time.monotonic()
    assert _login_status(env, "a.staff", DEMO_PASSWORD, source) == 429  # even the right password waits
    assert time.monotonic() - start >= DELAY_S  # a refusal answers after a pause


def test_parallel_guesses_get_no_more_than_the_per_user_limit(fenv: Env) -> None:
    _parallel_guesses_get_no_more_than_the_per_user_limit(fenv, "127.0.0.2")


def test_parallel_guesses_on_postgresql(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI,
                                        signers: tuple[SoftSigner, SoftSigner]) -> None:
    """The per-user count is the database's: the same on PostgreSQL."""
    with fresh_pg_database("flood") as url:
        env = start_env(tmp_path_factory.mktemp("server-floods-pg"), pki, signers, database_url=url, **LIMITS)
        try:
            _parallel_guesses_get_no_more_than_the_per_user_limit(env, "127.0.0.1")
        finally:
            env.server.stop()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_parallel_guesses_across_two_workers(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI,
                                             signers: tuple[SoftSigner, SoftSigner], backend: str) -> None:
    """Each worker process reserved its own in-flight guesses: two workers evaluated up to twice the
    limit. The attempt is now reserved in the database, which every worker shares."""
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(fresh_pg_database("flood2")) if backend == "postgresql" else ""
        env = start_env(tmp_path_factory.mktemp(f"server-floods-2-{backend}"), pki, signers, database_url=url,
                        workers=2, **{**LIMITS, "DABIR_SERVER_LOGIN_HASH_QUEUE": "40"})
        stack.callback(env.server.stop)
        for source in ("127.0.0.5", "127.0.0.6", "127.0.0.7"):  # (how the workers share the guesses varies)
            _parallel_guesses_get_no_more_than_the_per_user_limit(env, source)


def test_password_hashing_is_bounded(fenv: Env) -> None:
    fenv.server.reset_peak_rss()
    before = fenv.server.rss_mb()
    outcome = _parallel_logins(fenv, [f"nobody-{i}" for i in range(12)], "wrong-password", "127.0.0.3")
    # one hash at a time and two waiting: the others are told at once that the server is busy
    assert outcome[503] >= 12 - 3 - 2 and outcome[401] >= 1, outcome  # (a few may finish before others arrive)
    assert fenv.server.rss_mb("VmHWM") - before < 150  # argon2 takes 64 MiB a hash


def test_failures_are_limited_per_ip_and_for_the_whole_server(fenv: Env) -> None:
    def fail_until_refused(source: str) -> int:
        for failures in range(PER_IP + 1):
            status = _login_status(fenv, f"nobody-{uuid.uuid4().hex[:8]}", "wrong-password", source)
            if status == 429:
                return failures
            assert status == 401
        raise AssertionError(f"no 429 after {PER_IP + 1} failures from {source}")

    assert fail_until_refused("127.0.0.4") <= PER_IP
    # other addresses, a few failures each (below their own limit), until the server as a whole refuses
    def address(n: int) -> str:
        return f"127.0.0.{5 + n // (PER_IP // 2)}"
    for n in range(GLOBAL + 1):
        if _login_status(fenv, f"nobody-{uuid.uuid4().hex[:8]}", "wrong-password", address(n)) == 429:
            break
    else:
        raise AssertionError("no global limit")
    # a fresh address is refused too for a name that does not exist: the limit is the server's ...
    assert _login_status(fenv, "nobody-else", "wrong-password", address(n + PER_IP)) == 429
    # ... but a real account still logs in from it: a flood cannot lock every user out
    assert _login_status(fenv, "a.admin", DEMO_PASSWORD, address(n + PER_IP)) == 200
