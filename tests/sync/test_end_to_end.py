"""Outgoing letters end to end against the real dabir-server process over HTTPS.

The sender drafts and signs on a SoftHSM token while the server is down, queues, the server
comes up, sync registers (SHAMS + receipt) and sends via Payam; the recipient agency's client
pulls its inbox with the engine the app runs (``account.open_engine``), verifies the signature
against the trust roots the server publishes for it and acknowledges delivery.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from sqlalchemy import func, select

from app.models import letters as L
from app.models import qr_payload as Q
from app.models.db import Store, open_store
from app.models.letter_view import LetterView
from app.models.tables import Letter, OutboxOperation, Setting
from app.protocol.canonical import content_sha256
from app.protocol.persian import national_code_check_digit
from app.protocol.shams import Shams
from app.sync import account as acc
from app.sync import outbox
from app.sync.api import ApiError, DabirApi
from app.sync.engine import SyncEngine
from app.token.signing import sign_detached
from devkit.letters import SoftSigner, make_signer
from devkit.pki import TestPKI, pem
from devkit.server_process import DEMO_PASSWORD, ServerProcess
from devkit.softhsm import softhsm_available
from tests.sync.servers import file_keyring, token_signer, unreachable

REPO = Path(__file__).resolve().parents[2]
PIN = "246810"
SIGNER_CODE = "001020304" + national_code_check_digit("001020304")
pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI(name="Dabir Sync Test")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Iterator[ServerProcess]:
    srv = ServerProcess(tmp_path_factory.mktemp("sync-server"), pki)
    srv.setup()  # init + demo agencies; not started yet: the client works offline first
    yield srv
    srv.stop()


@pytest.fixture(autouse=True, name="file_keyring")
def _file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from file_keyring(tmp_path, monkeypatch)


def agencies(server: ServerProcess) -> tuple[dict, dict]:
    a, b = server.demo["agencies"][:2]
    return a, b


def draft(store: Store, sender: dict, recipient: dict, subject: str) -> str:
    with store.session() as s:
        letter = L.create_letter(
            s, kind="outgoing", subject=subject, body="<p>با سلام؛ احتراماً به پیوست گزارش ارسال می‌شود.</p>",
            sender={"agency": sender["national_id"], "unit": "secretariat", "person": "a.secretary", "name": sender["name"]},
            recipients=[{"role": "to", "agency": recipient["national_id"], "name": recipient["name"]}],
        )
        return letter.guid


def sign_in_store(store: Store, guid: str, sign: callable) -> None:
    with store.session() as s:
        letter = s.get(Letter, guid)
        content = L.letter_content(letter)
        from app.protocol.canonical import canonical_bytes

        cms = sign(canonical_bytes(content))
        L.add_signature(s, letter, cms=cms, content_sha256_hex=content_sha256(content))
        outbox.queue_letter(s, letter)


def upload_signatory_cert(server: ServerProcess, prefix: str, cert_pem: str) -> None:
    with DabirApi(server.base_url, server.ca_bundle) as admin:
        admin.login(f"{prefix}.admin", DEMO_PASSWORD)
        admin.add_signatory_certificate(f"{prefix}.signatory", cert_pem)


@pytest.mark.softhsm
@pytest.mark.skipif(not softhsm_available(), reason="needs Debian softhsm2")
def test_offline_draft_signed_on_token_is_delivered_once_server_is_up(tmp_path: Path, server: ServerProcess, pki: TestPKI):
    a, b = agencies(server)
    sender_store = open_store(tmp_path / "sender")
    guid = draft(sender_store, a, b, "گزارش عملکرد سه‌ماهه سوم")

    # Sign on a SoftHSM token: the key was generated on the token and never leaves it.
    with token_signer(tmp_path, pki, "مدیرکل امضاکننده", SIGNER_CODE, PIN) as (sign, certificate):
        sign_in_store(sender_store, guid, sign)

    # Server down: the sync engine reports offline and keeps the letter queued.
    down = DabirApi("https://127.0.0.1:9", server.ca_bundle, token="x")
    report = SyncEngine(sender_store, down).run_once()
    assert not report.online and report.pending == 1
    with sender_store.reader() as s:
        assert s.get(Letter, guid).state == "queued"

    server.start()
    upload_signatory_cert(server, "a", pem(certificate).decode())
    acc.login(sender_store, acc.Account(server.base_url, "a.secretary", str(server.ca_bundle)), DEMO_PASSWORD)
    with sender_store.reader() as s:  # the token went to the keyring, not the database
        assert DEMO_PASSWORD not in str(s.execute(select(func.group_concat(Letter.guid))).all())
    assert keyring.get_password(acc.KEYRING_SERVICE, f"a.secretary@{server.base_url}")
    with sender_store.reader() as s:  # new letters are written as the logged-in secretary's agency
        assert s.get(Setting, acc.SENDER_SETTING).value["agency"] == a["national_id"]

    # Server back: the next due run registers and sends.
    far = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)  # noqa: E731  (past the offline backoff)
    with acc.open_api(sender_store) as api:
        report = SyncEngine(sender_store, api, clock=far).run_once()
    assert report.online and report.registered == [guid] and report.sent == [guid], report
    with sender_store.reader() as s:
        letter = s.get(Letter, guid)
        shams = Shams.parse(letter.shams)
        assert shams.origin == a["national_id"] and shams.domain.value == "O" and shams.sequence >= 1
        assert letter.state == "sent" and letter.receipts and letter.registered_at is not None
        sender_shams = letter.shams
        # The server's verification code is kept and printed in the QR; with it the server shows the facts.
        qr_text = LetterView.from_letter(letter, agency_name="الف").qr_payload(server.base_url).encode()
    printed = Q.parse(qr_text)
    assert printed.verify_code and printed.verification_url.endswith(f"/verify/{sender_shams}?c={printed.verify_code}")
    with DabirApi(server.base_url, server.ca_bundle) as anon:
        assert anon.verify_shams(sender_shams, printed.verify_code)["verified"] is True

    # The recipient agency pulls its inbox, verifies, acknowledges delivery.
    recipient_store = open_store(tmp_path / "recipient")
    acc.login(recipient_store, acc.Account(server.base_url, "b.secretary", str(server.ca_bundle)), DEMO_PASSWORD)
    engine = acc.open_engine(recipient_store)  # what the app and `dabir sync` run: nothing injected
    try:
        report = engine.run_once()
    finally:
        engine.api.close()  # type: ignore[attr-defined]
    assert report.received == [guid]
    with recipient_store.reader() as s:
        incoming = s.get(Letter, guid)
        assert incoming.kind == "incoming" and incoming.state == "received" and incoming.shams == sender_shams
        assert incoming.verify_status == "valid" and incoming.subject == "گزارش عملکرد سه‌ماهه سوم"
        signer = incoming.verification["signers"][0]
        assert signer["name"] == "مدیرکل امضاکننده" and signer["national_code"] == SIGNER_CODE  # the token's key
        assert incoming.source_package and incoming.sender_agency == a["national_id"]

    # The delivery acknowledgement flows back to the sender.
    with acc.open_api(sender_store) as api:
        report = SyncEngine(sender_store, api).run_once()
    assert report.acknowledged == [guid]
    with sender_store.reader() as s:
        letter = s.get(Letter, guid)
        assert letter.state == "delivered" and letter.recipients[0].ack_state == "delivered"


@pytest.fixture(scope="module")
def soft_signer(pki: TestPKI) -> SoftSigner:
    return make_signer(pki, "امضاکننده آزمون", "0012345679")


def test_server_refusal_moves_letter_to_rejected_with_persian_reason(tmp_path: Path, server: ServerProcess,
                                                                     pki: TestPKI):
    a, b = agencies(server)
    if server.proc is None:
        server.start()
    stranger = make_signer(TestPKI(name="Unknown CA"), "ناشناس", "0012345679")  # not under the trust roots
    store = open_store(tmp_path / "sender")
    guid = draft(store, a, b, "نامه با امضای نامعتبر")
    sign_in_store(store, guid, lambda data: sign_detached(data, stranger.pyhanko()))
    acc.login(store, acc.Account(server.base_url, "a.secretary", str(server.ca_bundle)), DEMO_PASSWORD)
    with acc.open_api(store) as api:
        report = SyncEngine(store, api).run_once()
    assert [g for g, _ in report.rejected] == [guid]
    with store.reader() as s:
        letter = s.get(Letter, guid)
        assert letter.state == "rejected" and letter.shams is None
        assert letter.reject_reason and any("\u0600" <= ch <= "\u06ff" for ch in letter.reject_reason)


def test_a_profile_refuses_a_login_to_another_agency(tmp_path: Path, server: ServerProcess) -> None:
    """Agency A's desk logging in as B would mix two agencies' letters and send A's letters as B."""
    if server.proc is None:
        server.start()
    store = open_store(tmp_path / "desk-a")
    account_a = acc.Account(server.base_url, "a.secretary", str(server.ca_bundle))
    acc.login(store, account_a, DEMO_PASSWORD)
    with pytest.raises(acc.AccountError) as refused:
        acc.login(store, acc.Account(server.base_url, "b.secretary", str(server.ca_bundle)), DEMO_PASSWORD)
    assert "سازمان دیگری" in refused.value.message_fa
    assert acc.load_account(store) == account_a  # the profile still works as A
    with acc.open_api(store) as api:
        assert api.me()["agency"] == acc.profile_agency(store)
    acc.login(store, account_a, DEMO_PASSWORD)  # its own agency again: fine


def _sync_subprocess(data_dir: Path, keyring_file: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "DABIR_TEST_KEYRING_FILE": str(keyring_file),
           "PYTHON_KEYRING_BACKEND": "devkit.file_keyring.FileKeyring"}
    return subprocess.Popen([sys.executable, "-m", "app", "--data-dir", str(data_dir), "sync", "--once"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)


def test_kill_9_at_any_moment_neither_loses_nor_duplicates(tmp_path: Path, server: ServerProcess, pki: TestPKI,
                                                          soft_signer: SoftSigner, file_keyring: Path):
    a, b = agencies(server)
    if server.proc is None:
        server.start()
    upload_signatory_cert(server, "a", soft_signer.cert_pem)
    store = open_store(tmp_path / "sender")
    acc.login(store, acc.Account(server.base_url, "a.secretary", str(server.ca_bundle)), DEMO_PASSWORD)
    store.close()
    signer = soft_signer.pyhanko()
    db = tmp_path / "sender" / "dabir.sqlite3"

    def done_ops() -> int:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            return con.execute("SELECT count(*) FROM outbox WHERE status = 'done'").fetchone()[0]

    rng = random.Random(20261125)
    guids: list[str] = []
    kills = in_work = 0
    # Runs go on until 12 of them were killed (a run that finished before its moment came is not
    # one): how long a drain takes depends on the machine, the number of kills does not.
    for run in range(60):
        if kills >= 12 and in_work >= 5:
            break
        st = open_store(tmp_path / "sender")  # more letters arrive between runs: there is always work
        for i in range(5):
            guid = draft(st, a, b, f"نامه آزمون بازیابی {run}-{i}")
            sign_in_store(st, guid, lambda data: sign_detached(data, signer))
            guids.append(guid)
        with st.session() as s:  # make retries due at once: killed runs may have recorded a backoff
            for op in s.scalars(select(OutboxOperation).where(OutboxOperation.status == "pending")):
                op.next_attempt_at = op.created_at
        st.close()
        before = done_ops()
        proc = _sync_subprocess(tmp_path / "sender", file_keyring)
        if run % 2:  # at a random moment: start-up, a request in flight, a commit…
            time.sleep(rng.uniform(0.2, 1.6))
        else:  # just after the first result was committed: inside the drain
            deadline = time.monotonic() + 20
            while done_ops() == before and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.003)
            time.sleep(rng.uniform(0, 0.05))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
            in_work += done_ops() > before
        proc.wait()
    assert kills >= 12 and in_work >= 5, (kills, in_work)
    for _ in range(5):  # finish without interruption
        proc = _sync_subprocess(tmp_path / "sender", file_keyring)
        _, err = proc.communicate(timeout=120)
        st = open_store(tmp_path / "sender")
        with st.reader() as s:
            pending = outbox.pending_count(s)
        st.close()
        if pending == 0:
            break
    assert pending == 0, err.decode()

    store = open_store(tmp_path / "sender")
    with store.reader() as s:
        letters = [s.get(Letter, g) for g in guids]
        states = {(letter.state, letter.reject_reason) for letter in letters}
        assert states == {("sent", None)}, states
        shams = [Shams.parse(letter.shams) for letter in letters]
        assert len({x.canonical for x in shams}) == len(guids)  # exactly one SHAMS each
        assert all(len(letter.receipts) == 1 for letter in letters)
    seqs = sorted(x.sequence for x in shams)
    assert seqs == list(range(seqs[0], seqs[0] + len(guids)))  # gap-free, never reused
    # The server holds exactly one copy of each, and the recipient's inbox has each once.
    with DabirApi(server.base_url, server.ca_bundle) as api:
        api.login("b.secretary", DEMO_PASSWORD)
        seen: list[str] = []
        after = 0
        while True:
            page = api.inbox(after=after, limit=100)
            seen += [i["guid"] for i in page["items"]]
            after = page["cursor"]
            if not page["more"]:
                break
    crashed = [g for g in seen if g in set(guids)]
    assert sorted(crashed) == sorted(guids)


def test_the_command_line_login_says_who_and_with_which_roles(tmp_path: Path, server: ServerProcess,
                                                              file_keyring: Path) -> None:
    if server.proc is None:
        server.start()
    env = {**os.environ, "PYTHONPATH": str(REPO), "DABIR_TEST_KEYRING_FILE": str(file_keyring),
           "PYTHON_KEYRING_BACKEND": "devkit.file_keyring.FileKeyring", "DABIR_PW": DEMO_PASSWORD}
    proc = subprocess.run([sys.executable, "-m", "app", "--data-dir", str(tmp_path / "p"), "login", "--server",
                           server.base_url, "--username", "a.secretary", "--ca-bundle", str(server.ca_bundle),
                           "--password-env", "DABIR_PW"], env=env, capture_output=True, text=True, timeout=60, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "logged in as a.secretary (secretary)", proc.stdout


def test_an_untrusted_server_certificate_is_named_not_called_unreachable(server: ServerProcess) -> None:
    """A workstation without the agency's CA bundle: the user is told to check the certificate,
    not to wait for a server that is in fact answering."""
    if server.proc is None:
        server.start()
    with DabirApi(server.base_url, None) as untrusting, pytest.raises(ApiError) as refused:
        untrusting.login("a.secretary", DEMO_PASSWORD)
    assert (refused.value.status, refused.value.code) == (0, "tls_untrusted"), refused.value
    assert "گواهی" in refused.value.message_fa
    with unreachable(server) as nobody, pytest.raises(ApiError) as down:
        nobody.login("a.secretary", DEMO_PASSWORD)
    assert down.value.code == "transport_error"


def test_a_login_whose_token_cannot_be_kept_closes_its_session(tmp_path: Path, server: ServerProcess,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """No usable keyring (locked, absent): the user reads why, and the session the server opened is
    closed again rather than left valid for hours with nobody holding it."""
    from keyring.backends import fail

    if server.proc is None:
        server.start()
    closed: list[str | None] = []
    real_logout = DabirApi.logout

    def logout(api: DabirApi) -> None:
        closed.append(api.token)
        real_logout(api)

    monkeypatch.setattr(DabirApi, "logout", logout)
    keyring.set_keyring(fail.Keyring())
    store = open_store(tmp_path / "p")
    try:
        with pytest.raises(acc.AccountError) as refused:
            acc.login(store, acc.Account(server.base_url, "a.secretary", str(server.ca_bundle)), DEMO_PASSWORD)
        assert "گاوصندوق" in refused.value.message_fa
        assert len(closed) == 1 and closed[0]
        with DabirApi(server.base_url, server.ca_bundle, token=closed[0]) as stale, pytest.raises(ApiError) as gone:
            stale.me()
        assert gone.value.status == 401
        assert acc.load_account(store) is None
    finally:
        store.close()
