"""Signatures that must not pass (issue 14, items 1–4), against the real dabir-server process:
revoked or unverifiable certificates, back-dated signing times, signers who left, and
certificates not meant for signing documents."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from app.protocol.crl import FETCH_TIMEOUT_S
from app.protocol.package import LetterPackage
from app.sync.api import ApiError, DabirApi
from devkit.letters import SoftSigner, make_package, make_signer, sign
from devkit.pki import TestPKI, pem
from tests.protocol.cases import build_cms
from tests.server.conftest import Env, start_env

pytestmark = pytest.mark.server

UTC = dt.UTC
CODE = "0012345679"


def _now() -> dt.datetime:
    return dt.datetime.now(UTC).replace(microsecond=0)


def _own_ca(env: Env, **pki_options: Any) -> TestPKI:
    """A CA that agency A trusts besides the server-wide one (its CRL/OCSP on devkit's server)."""
    pki = TestPKI(name=f"Trust {uuid.uuid4().hex[:6]}", **pki_options)
    with env.client("a.admin") as admin:
        admin.add_trust_root(pem(pki.root_cert).decode())
    return pki


def _signatory(env: Env, pki: TestPKI, username: str = "a.signatory", **cert_options: Any) -> SoftSigner:
    signer = make_signer(pki, f"Signer {uuid.uuid4().hex[:6]}", CODE, **cert_options)
    with env.client("a.admin") as admin:
        admin.add_signatory_certificate(username, signer.cert_pem)
    return signer


def _letter(env: Env, signer: SoftSigner) -> LetterPackage:
    return sign(make_package(env.nid_a, [env.nid_b]), signer)


def _refused(api: DabirApi, package: LetterPackage, *, send: bool = False) -> ApiError:
    with pytest.raises(ApiError) as e:
        (api.send if send else api.register)(package)
    assert e.value.status == 422 and e.value.message_fa and e.value.message_en
    return e.value


@pytest.fixture(scope="module")
def sec_a(env: Env) -> Iterator[DabirApi]:
    with env.client("a.secretary") as c:
        yield c


# -- 1. revocation -----------------------------------------------------------------------------

def test_revoked_certificate_is_refused_after_fetching_the_crl(env: Env, sec_a: DabirApi) -> None:
    pki = _own_ca(env)
    good, revoked = _signatory(env, pki), _signatory(env, pki)
    pki.revoke(x509.load_der_x509_certificate(revoked.cert_der))
    error = _refused(sec_a, _letter(env, revoked))
    assert error.code == "certificate_revoked" and "revoked" in error.message_en and "باطل" in error.message_fa
    assert pki.fetches("crl") >= 1  # the server asked the distribution point
    assert sec_a.register(_letter(env, good))["shams"]
    assert pki.fetches("crl") == 1  # and kept the CRL until its nextUpdate


def test_revoked_certificate_is_refused_by_ocsp(env: Env, sec_a: DabirApi) -> None:
    pki = _own_ca(env, ocsp=True, ocsp_delegated=True)
    good, revoked = _signatory(env, pki), _signatory(env, pki)
    pki.revoke(x509.load_der_x509_certificate(revoked.cert_der))
    assert _refused(sec_a, _letter(env, revoked)).code == "certificate_revoked"
    assert sec_a.register(_letter(env, good))["shams"]
    assert pki.fetches("ocsp") >= 2 and pki.fetches("crl") == 0  # OCSP answered: no CRL needed


def test_ocsp_responder_down_falls_back_to_the_crl(env: Env, sec_a: DabirApi) -> None:
    pki = _own_ca(env, ocsp=True, ocsp_url="http://127.0.0.1:1/ocsp")  # nothing listens on port 1
    revoked = _signatory(env, pki)
    pki.revoke(x509.load_der_x509_certificate(revoked.cert_der))
    assert _refused(sec_a, _letter(env, revoked)).code == "certificate_revoked"
    assert pki.fetches("crl") == 1


@pytest.mark.parametrize("pki_options", [
    pytest.param({"crl_url": "http://127.0.0.1:1/unreachable.crl"}, id="CRL unreachable"),
    pytest.param({"crl_next_update": -dt.timedelta(days=1)}, id="CRL past its nextUpdate"),
    pytest.param({"publish": False}, id="no CRL distribution point, no OCSP"),
])
def test_unknown_revocation_is_refused(env: Env, sec_a: DabirApi, pki_options: dict[str, Any]) -> None:
    signer = _signatory(env, _own_ca(env, **pki_options))
    error = _refused(sec_a, _letter(env, signer))
    assert error.code == "revocation_unavailable" and "ابطال" in error.message_fa


@pytest.fixture(scope="module")
def soft_fail_env(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI,
                  signers: tuple[SoftSigner, SoftSigner]) -> Iterator[Env]:
    e = start_env(tmp_path_factory.mktemp("server-soft-fail"), pki, signers, DABIR_SERVER_REVOCATION_SOFT_FAIL="1")
    try:
        yield e
    finally:
        e.server.stop()


def test_soft_fail_setting_lets_unknown_revocation_pass_but_not_revoked(soft_fail_env: Env) -> None:
    env = soft_fail_env
    unreachable = _signatory(env, _own_ca(env, crl_url="http://127.0.0.1:1/unreachable.crl"))
    pki = _own_ca(env)
    revoked = _signatory(env, pki)
    pki.revoke(x509.load_der_x509_certificate(revoked.cert_der))
    with env.client("a.secretary") as sec:
        assert sec.register(_letter(env, unreachable))["shams"]
        assert _refused(sec, _letter(env, revoked)).code == "certificate_revoked"


def test_payam_send_checks_revocation_again(env: Env, sec_a: DabirApi) -> None:
    """Registered while good, revoked before sending: Payam refuses it once the CRL is renewed."""
    pki = _own_ca(env, crl_next_update=dt.timedelta(seconds=2))
    signer = _signatory(env, pki)
    with env.client("b.admin") as admin_b:  # the recipient agency trusts the same CA
        admin_b.add_trust_root(pem(pki.root_cert).decode())
    package = _letter(env, signer)
    package.receipts = [sec_a.register(package)["receipt"]]
    pki.revoke(x509.load_der_x509_certificate(signer.cert_der))
    time.sleep(2.5)  # past the cached CRL's nextUpdate
    error = _refused(sec_a, package, send=True)
    assert error.code == "certificate_revoked"


@contextlib.contextmanager
def _dripping_crl_server() -> Iterator[str]:
    """A CRL distribution point on a slow or hostile network: it answers every request with its
    headers, then one byte a second, for ever. Its URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    stopped = threading.Event()

    def drip(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.recv(65536)
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: 10000000\r\n\r\n")
            while not stopped.wait(1):
                conn.sendall(b"0")

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                threading.Thread(target=drip, args=(listener.accept()[0],), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/slow.crl"
    finally:
        stopped.set()
        listener.close()


def test_a_dripping_crl_server_holds_neither_its_letters_nor_other_cas(env: Env) -> None:
    """Its letters are refused within a bounded time (the download was read for as long as the
    server dripped), and a letter of another CA whose CRL must be downloaded too does not wait
    for it (one lock served every download)."""
    with _dripping_crl_server() as url:
        slow = _signatory(env, _own_ca(env, crl_url=url))
        healthy = _signatory(env, _own_ca(env))  # its CRL is not downloaded yet either

        def refusal_code(signer: SoftSigner) -> str:
            with env.client("a.secretary") as sec:
                return _refused(sec, _letter(env, signer)).code

        with ThreadPoolExecutor(2) as pool:
            refusals = [pool.submit(refusal_code, slow) for _ in range(2)]
            time.sleep(1)  # the slow download is under way
            with env.client("a.secretary") as sec:
                start = time.monotonic()
                assert sec.register(_letter(env, healthy))["shams"]
                healthy_took = time.monotonic() - start
            assert [f.result(timeout=60) for f in refusals] == ["revocation_unavailable"] * 2
    assert healthy_took < FETCH_TIMEOUT_S, healthy_took


# -- 2. trusted time ---------------------------------------------------------------------------

def _signed_at(env: Env, signer: SoftSigner, when: dt.datetime) -> LetterPackage:
    """A letter whose CMS signing time (the signer's own claim) is ``when``."""
    package = make_package(env.nid_a, [env.nid_b])
    key = serialization.load_der_private_key(signer.key_der, None)
    cert = x509.load_der_x509_certificate(signer.cert_der)
    chain = [x509.load_der_x509_certificate(c) for c in signer.chain_der]
    package.signatures = [build_cms(key, cert, package.content_bytes(), chain, signing_time=when)]  # type: ignore[arg-type]
    return package


def test_expired_certificate_with_back_dated_signing_time_is_refused(env: Env, sec_a: DabirApi) -> None:
    expired = _signatory(env, env.pki, not_before=_now() - dt.timedelta(days=400),
                         not_after=_now() - dt.timedelta(days=30))
    error = _refused(sec_a, _signed_at(env, expired, _now() - dt.timedelta(days=60)))
    assert error.code == "signing_time_skew"
    assert "expired" in error.message_en and "منقضی" in error.message_fa  # checked at the server's time


@pytest.mark.parametrize("offset", [dt.timedelta(minutes=-10), dt.timedelta(minutes=10)], ids=["past", "future"])
def test_signing_time_far_from_the_server_clock_is_refused(env: Env, sec_a: DabirApi, offset: dt.timedelta) -> None:
    error = _refused(sec_a, _signed_at(env, env.signer_a, _now() + offset))
    assert error.code == "signing_time_skew" and "اختلاف" in error.message_fa


def test_signing_time_within_minutes_of_the_server_clock_passes(env: Env, sec_a: DabirApi) -> None:
    assert sec_a.register(_signed_at(env, env.signer_a, _now() - dt.timedelta(minutes=3)))["shams"]


def test_payam_send_checks_validity_at_registration_time(env: Env, sec_a: DabirApi) -> None:
    """A letter registered while its certificate was valid can be sent after the certificate expires."""
    short = _signatory(env, env.pki, not_after=_now() + dt.timedelta(seconds=4))
    package = _letter(env, short)
    package.receipts = [sec_a.register(package)["receipt"]]
    time.sleep(max(0.0, (x509.load_der_x509_certificate(short.cert_der).not_valid_after_utc
                         - dt.datetime.now(UTC)).total_seconds()) + 1)
    assert sec_a.send(package)["status"] == "sent"


# -- 3. signer lifecycle (SQLite and PostgreSQL) -----------------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def any_env(request: pytest.FixtureRequest) -> Env:
    return request.getfixturevalue("env" if request.param == "sqlite" else "pg_env")  # type: ignore[no-any-return]


def _database(env: Env) -> sa.Engine:
    return sa.create_engine(env.server.database_url or f"sqlite:///{env.server.data_dir / 'dabir.sqlite3'}")


def test_signer_who_lost_the_role_or_was_deactivated_no_longer_signs(any_env: Env) -> None:
    env = any_env
    username = f"a.sig-{uuid.uuid4().hex[:6]}"
    with env.client("a.admin") as admin, env.client("a.secretary") as sec:
        admin.add_user(username, "امضاکننده موقت", "demo-password-1", ["signatory", "staff"])
        signer = _signatory(env, env.pki, username)
        assert sec.register(_letter(env, signer))["shams"]

        admin.update_user(username, roles=["staff"])  # the signatory role is taken away
        error = _refused(sec, _letter(env, signer))
        assert error.code == "signer_not_authorized" and "مجاز" in error.message_fa
        admin.update_user(username, roles=["signatory", "staff"])  # the role alone does not bind it again
        assert _refused(sec, _letter(env, signer)).code == "signer_not_authorized"
        admin.add_signatory_certificate(username, signer.cert_pem)  # registering it again does
        assert sec.register(_letter(env, signer))["shams"]

        admin.update_user(username, active=False)
        assert _refused(sec, _letter(env, signer)).code == "signer_not_authorized"

    sha = hashlib.sha256(signer.cert_der).hexdigest()
    with _database(env).connect() as conn:
        unbound = conn.execute(sa.text("SELECT unbound_at, unbound_reason FROM certificates WHERE sha256 = :s"),
                               {"s": sha}).one()
        events = conn.execute(sa.text("SELECT action, outcome, code, detail, username FROM audit_events "
                                      "WHERE detail LIKE :d ORDER BY id"), {"d": f"%{sha}%"}).all()
    assert unbound.unbound_at is not None and unbound.unbound_reason == "user_deactivated"
    assert [(e.action, e.outcome, e.code) for e in events] == [
        ("user_update", "done", "certificate_unbound"), ("certificate_added", "done", "certificate_bound"),
        ("user_update", "done", "certificate_unbound")]
    assert "signatory role removed" in events[0].detail and events[0].username == "a.admin"


# -- 4. key usage ------------------------------------------------------------------------------

@pytest.mark.parametrize("cert_options", [
    pytest.param({"extended_key_usage": [ExtendedKeyUsageOID.SERVER_AUTH]}, id="serverAuth"),
    pytest.param({"extended_key_usage": [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]},
                 id="serverAuth+clientAuth"),
    pytest.param({"key_usage": False}, id="no key usage"),
])
def test_certificate_not_for_signing_is_refused_at_upload_and_registration(
        env: Env, sec_a: DabirApi, cert_options: dict[str, Any]) -> None:
    signer = make_signer(env.pki, "Not A Signing Certificate", CODE, **cert_options)
    with env.client("a.admin") as admin, pytest.raises(ApiError) as e:
        admin.add_signatory_certificate("a.signatory", signer.cert_pem)
    assert (e.value.status, e.value.code, e.value.field) == (422, "certificate_not_for_signing", "certificate_pem")
    assert _refused(sec_a, _letter(env, signer)).code == "certificate_not_for_signing"


def test_tls_server_certificate_is_refused_at_upload(env: Env) -> None:
    _key, tls = env.pki.issue_tls_cert()
    with env.client("a.admin") as admin, pytest.raises(ApiError) as e:
        admin.add_signatory_certificate("a.signatory", pem(tls).decode())
    assert e.value.code == "certificate_not_for_signing"


def test_document_signing_extended_key_usage_is_accepted(env: Env, sec_a: DabirApi) -> None:
    signer = _signatory(env, env.pki, extended_key_usage=[x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36"),
                                                          ExtendedKeyUsageOID.EMAIL_PROTECTION])
    assert sec_a.register(_letter(env, signer))["shams"]
