"""A letter's attachments through the sync engine against the real dabir-server (issue 17): signed on a
SoftHSM token, uploaded before registration with progress, resumed after a dropped connection and
after the client was killed with kill -9, received by the other agency, downloaded on demand and
checked against the signed SHA-256 (a document altered on the server fails with the Persian error)."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest

from app.models import letters as L
from app.models import referrals as R
from app.models.attachments import copy_in, read_attachments
from app.models.db import Store, open_store
from app.models.drafts import DraftValues, save_draft
from app.models.incoming import PaperLetter, register_paper, register_received
from app.models.letter_actions import submit_for_signature
from app.models.tables import Attachment, Letter, OutboxOperation, Recipient
from app.protocol.canonical import canonical_bytes, content_sha256
from app.protocol.documents import document_address
from app.protocol.persian import national_code_check_digit
from app.sync import account as acc
from app.sync import outbox
from app.sync.api import DabirApi
from app.sync.attachments import fetch
from app.sync.documents import DocumentCorrupt
from app.sync.engine import SyncEngine
from app.token.signing import open_signing_session, sign_detached
from devkit.file_keyring import FileKeyring
from devkit.letters import SoftSigner, make_signer
from devkit.pki import TestPKI, pem
from devkit.sample_documents import big_zip, write_sample
from devkit.server_process import DEMO_PASSWORD, ServerProcess
from devkit.softhsm import SoftHSM, provision_signing_key, softhsm_available
from tests.support.fault_proxy import FaultProxy

REPO = Path(__file__).resolve().parents[2]
CHUNK = 1024 * 1024
PIN = "246810"
SIGNER_CODE = "001020304" + national_code_check_digit("001020304")
pytestmark = [pytest.mark.server, pytest.mark.slow]
Events = list[tuple[str, dict[str, Any]]]


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI(name="Dabir Attachments Test")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Iterator[ServerProcess]:
    srv = ServerProcess(tmp_path_factory.mktemp("attach-server"), pki,
                        env_extra={"DABIR_SERVER_DOCUMENT_CHUNK_BYTES": str(CHUNK)})
    srv.setup()
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def soft_signer(pki: TestPKI, server: ServerProcess) -> SoftSigner:
    signer = make_signer(pki, "امضاکننده آزمون", "0012345679")
    upload_cert(server, signer.cert_pem)
    return signer


@pytest.fixture(autouse=True)
def file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "keyring.json"
    monkeypatch.setenv("DABIR_TEST_KEYRING_FILE", str(path))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    yield path
    keyring.set_keyring(previous)


def upload_cert(server: ServerProcess, cert_pem: str) -> None:
    with DabirApi(server.base_url, server.ca_bundle) as admin:
        admin.login("a.admin", DEMO_PASSWORD)
        admin.add_signatory_certificate("a.signatory", cert_pem)


def desk(server: ServerProcess, folder: Path, user: str) -> Store:
    store = open_store(folder)
    acc.login(store, acc.Account(server.base_url, user, str(server.ca_bundle)), DEMO_PASSWORD)
    return store


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def letter_with(store: Store, server: ServerProcess, files: list[Path], sign: Callable[[bytes], bytes]) -> str:
    """Draft with these files attached (copied into the blob store), sent for signature, signed, queued."""
    guid = draft_with(store, server, files)
    submit_for_signature(store, guid)
    with store.session() as s:
        letter = s.get(Letter, guid)
        assert letter is not None
        content = L.letter_content(letter)
        L.add_signature(s, letter, cms=sign(canonical_bytes(content)), content_sha256_hex=content_sha256(content))
        outbox.queue_letter(s, letter)
    return guid


def draft_with(store: Store, server: ServerProcess, files: list[Path]) -> str:
    """A draft from agency A to B with these files attached (copied into the blob store), signatory listed."""
    a, b = server.demo["agencies"][:2]
    values = DraftValues(subject="ارسال گزارش و پیوست‌ها", body="<p>با سلام؛ گزارش پیوست است.</p>",
                         attachments=[copy_in(store, f) for f in files])
    sender = {"agency": a["national_id"], "unit": "secretariat", "person": "a.secretary", "name": a["name"]}
    guid = save_draft(store, None, values, kind="outgoing", sender=sender).guid
    with store.session() as s:
        letter = s.get(Letter, guid)
        assert letter is not None
        letter.recipients.append(Recipient(position=0, role="to", agency=b["national_id"], name=b["name"]))
        letter.signatories = [{"national_code": SIGNER_CODE, "name": "امضاکننده"}]
    return guid


def run(store: Store, api: DabirApi | None = None) -> tuple[Any, Events]:
    events: Events = []
    if api is None:
        with acc.open_api(store) as own:
            return SyncEngine(store, own, on_event=lambda n, d: events.append((n, d))).run_once(), events
    return SyncEngine(store, api, on_event=lambda n, d: events.append((n, d))).run_once(), events


def stored_document(server: ServerProcess, sha: str) -> Path:
    return server.data_dir / "documents" / "documents" / sha[:2] / sha


@pytest.mark.softhsm
@pytest.mark.skipif(not softhsm_available(), reason="needs Debian softhsm2")
def test_signed_on_softhsm_uploaded_then_registered_received_and_hash_checked(
        tmp_path: Path, server: ServerProcess, pki: TestPKI) -> None:
    pdf, _ = write_sample(tmp_path, "scan.pdf")
    pdf.write_bytes(pdf.read_bytes() + os.urandom(3 * CHUNK))  # several chunks; unique to this run
    docx, _ = write_sample(tmp_path, "نامه.docx")
    sender = desk(server, tmp_path / "a", "a.secretary")
    hsm = SoftHSM(tmp_path / "hsm")
    old_conf = os.environ.get("SOFTHSM2_CONF")
    try:
        hsm.init_token("Dabir Signer", PIN)
        lib = hsm.private_module(tmp_path / "module")
        key = provision_signing_key(lib, "Dabir Signer", PIN, pki, label="signing", key_id=b"\x01",
                                    common_name="مدیرکل امضاکننده", national_code=SIGNER_CODE)
        upload_cert(server, pem(key.certificate).decode())
        with open_signing_session(lib.get_token(token_label="Dabir Signer"), PIN) as signing:
            guid = letter_with(sender, server, [pdf, docx], signing.sign)
    finally:
        if old_conf is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = old_conf

    report, events = run(sender)
    assert report.registered == [guid] and report.sent == [guid], report
    names = [n for n, _ in events]
    assert names.count("uploaded") == 2 and names.index("registered") > max(
        i for i, n in enumerate(names) if n == "uploaded")  # uploaded, then registered
    progress = [d for n, d in events if n == "upload_progress" and d["name"] == "scan.pdf"]
    assert progress[-1]["done"] == progress[-1]["total"] == pdf.stat().st_size
    assert all(d["rate"] >= 0 for d in progress) and progress[-1]["eta"] == 0
    with sender.reader() as s:
        rows = s.query(Attachment).filter_by(letter_guid=guid).order_by(Attachment.position).all()
        assert [(r.remote_address, r.uploaded) for r in rows] == [
            (document_address(server.base_url, sha256_of(f)), f.stat().st_size) for f in (pdf, docx)]
        assert all(r.uploaded_at is not None for r in rows)

    receiver = desk(server, tmp_path / "b", "b.secretary")
    report, _ = run(receiver)
    assert guid in report.received
    listed = read_attachments(receiver, guid)
    assert [(x.entry.name, x.entry.size, x.here) for x in listed] == [
        ("scan.pdf", pdf.stat().st_size, False), ("نامه.docx", docx.stat().st_size, False)]
    seen: list[tuple[int, int]] = []
    with acc.open_api(receiver) as api:
        fetch(receiver, api, listed[0].entry, lambda d, t: seen.append((d, t)))
        assert receiver.blobs.path(listed[0].entry.sha256).read_bytes() == pdf.read_bytes()
        assert seen[-1] == (pdf.stat().st_size, pdf.stat().st_size)

        # The other document altered on the server: the download fails its hash check, nothing is kept.
        stored = stored_document(server, listed[1].entry.sha256)
        data = bytearray(stored.read_bytes())
        data[-1] ^= 0xFF
        stored.write_bytes(bytes(data))
        with pytest.raises(DocumentCorrupt) as corrupt:
            fetch(receiver, api, listed[1].entry)
    assert "مطابقت ندارد" in corrupt.value.message_fa
    assert not receiver.blobs.has(listed[1].entry.sha256)
    assert not list(receiver.blobs.root.rglob("*.part"))

    # Registered at B's desk: numbered, without uploading the sender's attachments back (B lacks one).
    register_received(receiver, guid)
    report, events = run(receiver)
    assert report.numbered == [guid] and not report.rejected, report
    assert "upload_progress" not in [n for n, _ in events]


def test_a_dropped_connection_resumes_the_upload_then_registers_and_referred_staff_download(
        tmp_path: Path, server: ServerProcess, soft_signer: SoftSigner) -> None:
    path = big_zip(tmp_path / "big.zip", 4 * CHUNK + 99)
    store = desk(server, tmp_path / "a", "a.secretary")
    guid = letter_with(store, server, [path], lambda data: sign_detached(data, soft_signer.pyhanko()))
    proxy = FaultProxy(server.port, server.workdir / "tls-cert.pem", server.workdir / "tls-key.pem", server.ca_bundle)
    try:
        with DabirApi(proxy.base_url, server.ca_bundle) as api:
            api.login("a.secretary", DEMO_PASSWORD)
            proxy.modes.extend(["pass", "pass", "pass", "close"])  # create, two chunks, then the line drops
            report, _ = run(store, api)
            assert not report.online and not report.registered
            with store.reader() as s:
                att = s.query(Attachment).filter_by(letter_guid=guid).one()
                assert att.upload_id is not None and att.uploaded_at is None
                assert s.get(Letter, guid).state == "queued"  # not registered without its attachment
            with store.session() as s:  # due again now (not after the offline backoff)
                for op in s.query(OutboxOperation).filter_by(status="pending"):
                    op.next_attempt_at = op.created_at
            report, events = run(store, api)
    finally:
        proxy.close()
    assert report.registered == [guid], report
    progress = [d["done"] for n, d in events if n == "upload_progress"]
    assert 0 < progress[0] < path.stat().st_size  # resumed from what the server confirmed
    receiver = desk(server, tmp_path / "b", "b.secretary")
    run(receiver)
    [listed] = read_attachments(receiver, guid)
    with acc.open_api(receiver) as api:
        fetch(receiver, api, listed.entry)
    assert receiver.blobs.path(listed.entry.sha256).read_bytes() == path.read_bytes()

    # Referred to a staff member: the letter comes with its attachments, which they may download.
    R.refer(receiver, guid, "b.secretary", ["b.staff"], "برای اقدام")
    assert run(receiver)[0].referred == [guid]
    staff = desk(server, tmp_path / "b-staff", "b.staff")
    assert guid in run(staff)[0].received
    [referred] = read_attachments(staff, guid)
    assert referred.entry == listed.entry and not referred.here
    with acc.open_api(staff) as api:
        fetch(staff, api, referred.entry)
    assert staff.blobs.path(referred.entry.sha256).read_bytes() == path.read_bytes()


def _sync_subprocess(data_dir: Path, keyring_file: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "DABIR_TEST_KEYRING_FILE": str(keyring_file),
           "PYTHON_KEYRING_BACKEND": "devkit.file_keyring.FileKeyring"}
    return subprocess.Popen([sys.executable, "-m", "app", "--data-dir", str(data_dir), "sync", "--once"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)


def test_a_client_killed_mid_upload_resumes_from_the_kept_offset(
        tmp_path: Path, server: ServerProcess, soft_signer: SoftSigner, file_keyring: Path) -> None:
    path = big_zip(tmp_path / "big.zip", 48 * CHUNK + 7)
    store = desk(server, tmp_path / "a", "a.secretary")
    guid = letter_with(store, server, [path], lambda data: sign_detached(data, soft_signer.pyhanko()))
    store.close()
    db = tmp_path / "a" / "dabir.sqlite3"

    def uploaded() -> int:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            return int(con.execute("SELECT uploaded FROM attachments").fetchone()[0])

    proc = _sync_subprocess(tmp_path / "a", file_keyring)
    try:
        deadline = time.monotonic() + 120
        while uploaded() == 0 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proc.poll() is None, "the sync should still be uploading"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    kept = uploaded()
    assert 0 < kept < path.stat().st_size
    store = open_store(tmp_path / "a")
    with store.reader() as s:
        assert s.get(Letter, guid).state == "queued"
    report, events = run(store)
    assert report.registered == [guid], report
    first = next(d["done"] for n, d in events if n == "upload_progress")
    assert first >= kept  # not one confirmed byte sent again
    receiver = desk(server, tmp_path / "b", "b.secretary")
    run(receiver)
    [listed] = read_attachments(receiver, guid)
    with acc.open_api(receiver) as api:
        fetch(receiver, api, listed.entry)
    assert receiver.blobs.path(listed.entry.sha256).read_bytes() == path.read_bytes()


def test_a_blob_missing_here_refuses_the_letter_with_the_reason(
        tmp_path: Path, server: ServerProcess, soft_signer: SoftSigner) -> None:
    pdf, _ = write_sample(tmp_path, "scan.pdf")
    pdf.write_bytes(pdf.read_bytes() + os.urandom(64))
    store = desk(server, tmp_path / "a", "a.secretary")
    guid = letter_with(store, server, [pdf], lambda data: sign_detached(data, soft_signer.pyhanko()))
    store.blobs.path(sha256_of(pdf)).unlink()  # gone from this computer
    report, events = run(store)
    assert not report.registered and [g for g, _ in report.rejected] == [guid]
    with store.reader() as s:
        letter = s.get(Letter, guid)
        assert letter.state == "rejected" and letter.shams is None
        reason = letter.reject_reason or ""
    assert "پیوست «scan.pdf» در این رایانه یافت نشد" in reason
    assert ("rejected", {"guid": guid, "reason": reason, "code": "attachment_missing_locally"}) in events


def test_a_paper_letters_scans_are_uploaded_before_it_is_numbered(tmp_path: Path, server: ServerProcess) -> None:
    scan, _ = write_sample(tmp_path, "scan.pdf")
    scan.write_bytes(scan.read_bytes() + os.urandom(2 * CHUNK))
    store = desk(server, tmp_path / "b", "b.secretary")
    guid = register_paper(store, PaperLetter(sender_kind="person", sender_id=SIGNER_CODE, sender_name="علی رضایی",
                                             subject="درخواست مجوز", scans=(scan,)))
    report, events = run(store)
    assert report.numbered == [guid], report
    names = [n for n, _ in events]
    assert names.index("uploaded") < names.index("numbered")
    [listed] = read_attachments(store, guid)
    with store.reader() as s:
        assert s.query(Attachment).filter_by(letter_guid=guid).one().uploaded_at is not None
    colleague = desk(server, tmp_path / "b-staff", "b.staff")  # the agency's own people may read its scans
    with acc.open_api(colleague) as api:
        fetch(colleague, api, listed.entry)
    assert colleague.blobs.path(listed.entry.sha256).read_bytes() == scan.read_bytes()
