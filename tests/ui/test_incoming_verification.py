"""Incoming letters verified on arrival in the shipped app, against the real dabir-server over HTTPS.

Agency A sends signed letters through the server; B's window syncs with the sync bridge's own
engine (``account.open_engine``, what the app and ``dabir sync`` run: nothing injected), which
fetches the agency's published trust roots, verifies each letter with its receipt and stores the
verdict. Packages the server would never deliver (an unknown CA, an expired certificate, content
changed on the way) are handed to that same engine by its transport, as a faulty relay would.
Each letter is kept in B's inbox with its banner: green, red with the Persian reason, or amber
until its revocation can be checked.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.models import letters as L
from app.models.db import Store, open_store
from app.models.folders import Folder, fetch_letters
from app.models.tables import AuditEvent, Letter
from app.protocol.canonical import canonical_bytes, content_sha256
from app.protocol.persian import to_persian_digits
from app.sync import account as acc
from app.sync import outbox
from app.sync.api import DabirApi
from app.sync.arrival import IncomingVerifier, local_roots_dir
from app.token.signing import sign_detached
from app.ui.letter_details import LetterDetails
from app.ui.sync_bridge import SyncBridge
from devkit.letters import SoftSigner, make_signer
from devkit.pki import TestPKI, pem
from devkit.server_process import DEMO_PASSWORD, ServerProcess
from tests.sync.servers import InTransit, crafted, engine_through, file_keyring
from tests.ui.editor_conftest_helpers import save_screenshot
from tests.ui.workflow_helpers import sync_pass

pytestmark = [pytest.mark.server, pytest.mark.slow, pytest.mark.gui]
TITLE = "مدیرکل دفتر حقوقی"


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI(name="Dabir Arrival Test")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Iterator[ServerProcess]:
    srv = ServerProcess(tmp_path_factory.mktemp("arrival-server"), pki)
    srv.setup()
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def _keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from file_keyring(tmp_path, monkeypatch)


def send_from_a(store: Store, a: dict, b: dict, letters: list[tuple[str, SoftSigner]]) -> list[str]:
    """A's secretary drafts, the signatory signs, and A's own engine registers and sends."""
    guids = []
    with store.session() as s:
        for subject, signer in letters:
            letter = L.create_letter(
                s, kind="outgoing", subject=subject, body="<p>با سلام؛ احتراماً گزارش پیوست ارسال می‌شود.</p>",
                sender={"agency": a["national_id"], "unit": "secretariat", "person": "a.secretary", "name": "دبیر دبیرخانه"},
                recipients=[{"role": "to", "agency": b["national_id"], "name": b["name"]}])
            s.flush()
            content = L.letter_content(letter)
            L.add_signature(s, letter, cms=sign_detached(canonical_bytes(content), signer.pyhanko()),
                            content_sha256_hex=content_sha256(content))
            outbox.queue_letter(s, letter)
            guids.append(letter.guid)
    engine = acc.open_engine(store)
    try:
        report = engine.run_once()
    finally:
        engine.api.close()  # type: ignore[attr-defined]
    assert sorted(report.sent) == sorted(guids), report
    return guids


def shot(store: Store, guid: str, qtbot, path: Path) -> LetterDetails:  # type: ignore[no-untyped-def]
    details = LetterDetails(store, guid)
    qtbot.addWidget(details)
    details.resize(980, 640)
    details.show()
    save_screenshot(details, path)
    return details


def test_letters_arrive_verified_flagged_or_pending_and_stay_in_the_inbox(
        tmp_path: Path, server: ServerProcess, pki: TestPKI, persian_app: QApplication, qtbot,  # type: ignore[no-untyped-def]
        artifacts_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[threading.Thread] = []  # where letters are verified: never the GUI thread
    verify = IncomingVerifier.verify
    monkeypatch.setattr(IncomingVerifier, "verify", lambda self, *a, **k: (
        threads.append(threading.current_thread()), verify(self, *a, **k))[1])
    a, b = server.demo["agencies"][:2]  # type: ignore[index]
    code = next(u["national_code"] for u in a["users"] if u["username"] == "a.signatory")
    good = make_signer(pki, "مهدی کریمی", code)
    doomed = make_signer(pki, "مهدی کریمی", code)  # revoked after its letter was delivered
    with DabirApi(server.base_url, server.ca_bundle) as admin:
        admin.login("a.admin", DEMO_PASSWORD)
        for signer in (good, doomed):
            admin.add_signatory_certificate("a.signatory", signer.cert_pem)
        admin.update_user("a.signatory", title=TITLE)

    a_store = open_store(tmp_path / "a")
    acc.login(a_store, acc.Account(server.base_url, "a.secretary", str(server.ca_bundle)), DEMO_PASSWORD)
    valid, revoked = send_from_a(a_store, a, b, [("گزارش عملکرد سه‌ماهه سوم", good),
                                                  ("درخواست تمدید قرارداد پشتیبانی", doomed)])
    pki.revoke(x509.load_der_x509_certificate(doomed.cert_der))

    # B's window, as the app opens it: the bridge's own engine (nothing injected)
    b_store = open_store(tmp_path / "b")
    acc.login(b_store, acc.Account(server.base_url, "b.secretary", str(server.ca_bundle)), DEMO_PASSWORD)
    bridge = SyncBridge(b_store)
    report = sync_pass(bridge, qtbot)
    assert sorted(report.received) == sorted([valid, revoked]) and report.trust_changed, report
    assert threads and threading.main_thread() not in threads
    with b_store.reader() as s:
        ok = s.get(Letter, valid)
        assert ok.verify_status == "valid" and ok.state == "received", ok.verification
        assert ok.verification["receipt"]["status"] == "valid"
        bad = s.get(Letter, revoked)
        assert bad.verify_status == "invalid" and bad.state == "invalid"
        assert any("باطل شده است" in r for r in bad.verification["reasons_fa"]), bad.verification
        audit = [e for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "trust_root_added"))]
        assert audit and audit[0].detail["source"] == "server"  # the published roots, recorded locally

    details = shot(b_store, valid, qtbot, artifacts_dir / "incoming_banner_valid.png")
    banner = details.verification_banner
    assert banner.status == "valid" and not banner.isHidden()
    assert "امضای نامه معتبر است" in banner.text() and "مهدی کریمی" in banner.text() and TITLE in banner.text()
    assert f"{TITLE}، {a['name']}" in banner.text()  # the agency the signatory signed for, after the title
    assert to_persian_digits(code) in banner.text()
    assert a["name"] in details.text() and "دبیرخانه" in details.text()  # who sent it: agency, unit, person
    assert "هنوز امضا نشده است" not in details.text() and "مهدی کریمی" in details.info.toPlainText()
    dialog = details.show_verification()
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.loaded, timeout=10_000)  # the certificates are read on a worker
    assert "Dabir Arrival Test Licensed Intermediate CA" in dialog.text() and "باطل نشده" in dialog.text()
    assert "ریشه مورد اعتماد این دستگاه" in dialog.text()
    save_screenshot(dialog, artifacts_dir / "incoming_verification_details.png")
    dialog.close()
    details = shot(b_store, revoked, qtbot, artifacts_dir / "incoming_banner_revoked.png")
    assert details.verification_banner.status == "invalid" and "باطل شده است" in details.verification_banner.text()

    # Content changed on the way, an unknown CA, an expired certificate, and a CA this workstation's
    # administrator trusts locally whose revocation list cannot be fetched yet.
    [tampered] = send_from_a(a_store, a, b, [("دعوت به جلسه هماهنگی", good)])
    now = dt.datetime.now(dt.UTC)
    stranger = make_signer(TestPKI(name="Unknown CA"), "ناشناس", code)
    expired = make_signer(pki, "مهدی کریمی", code, not_before=now - dt.timedelta(days=400),
                          not_after=now - dt.timedelta(days=2))
    offline_pki = TestPKI(name="Offline CA")
    assert offline_pki.revocation is not None
    del offline_pki.revocation.publishers[offline_pki.pki_id]  # its CRL cannot be fetched for now
    roots = local_roots_dir(b_store)  # roots this workstation's administrator adds
    roots.mkdir()
    (roots / "offline-ca.pem").write_bytes(pem(offline_pki.root_cert))
    pending = make_signer(offline_pki, "مهدی کریمی", code)
    extra = [crafted(server, a, b, stranger, "نامه با گواهی ناشناس"),
             crafted(server, a, b, expired, "نامه با گواهی منقضی"),
             crafted(server, a, b, pending, "نامه با وضعیت ابطال نامعلوم")]
    unknown_ca, expired_guid, pending_guid = (x["guid"] for x in extra)

    # the production engine; only its wire differs
    bridge = SyncBridge(b_store, engine_factory=engine_through(lambda wire: InTransit(wire, tampered, extra)))
    report = sync_pass(bridge, qtbot)
    assert {tampered, unknown_ca, expired_guid, pending_guid} <= set(report.received), report
    assert report.trust_changed  # the folder's new root, recorded in B's audit log
    reasons = {
        tampered: "متن نامه پس از امضا تغییر کرده است.",
        unknown_ca: "گواهی امضاکننده از سوی مرجع صدور گواهی مورد اعتماد صادر نشده است.",
        expired_guid: "منقضی شده",
    }
    with b_store.reader() as s:
        for guid, reason in reasons.items():
            letter = s.get(Letter, guid)
            assert letter.verify_status == "invalid" and letter.state == "invalid", letter.verification
            assert any(reason in r for r in letter.verification["reasons_fa"]), letter.verification
        local = [e.detail for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "trust_root_added"))
                 if e.detail.get("source") == "local"]
        assert [d["subject"] for d in local] == ["Offline CA Root CA"]
        waiting = s.get(Letter, pending_guid)
        assert waiting.verify_status == "unchecked" and waiting.state == "received"
        assert any("وضعیت ابطال" in r for r in waiting.verification["pending_fa"]), waiting.verification
        inbox = {row.guid: row for row in fetch_letters(s, Folder.INCOMING, 0, 50)}
        assert {valid, revoked, tampered, unknown_ca, expired_guid, pending_guid} <= inbox.keys()  # none dropped
        assert inbox[valid].counterpart == a["name"]  # «طرف مکاتبه»: the other agency
        found = {row.guid for row in fetch_letters(s, Folder.INCOMING, 0, 50, a["name"])}
        assert valid in found  # found by the sending agency's name
        assert valid in {row.guid for row in fetch_letters(s, Folder.INCOMING, 0, 50, "کریمی")}  # and by its signatory
    for guid, name in ((tampered, "tampered"), (unknown_ca, "unknown_ca"), (expired_guid, "expired")):
        details = shot(b_store, guid, qtbot, artifacts_dir / f"incoming_banner_{name}.png")
        assert details.verification_banner.status == "invalid" and reasons[guid].rstrip(".") in details.verification_banner.text()
    details = shot(b_store, pending_guid, qtbot, artifacts_dir / "incoming_banner_unchecked.png")
    assert details.verification_banner.status == "unchecked"
    assert "هنوز بررسی نشده است" in details.verification_banner.text()

    # The list can be fetched again: the next pass settles the amber letter, and the open view follows.
    offline_pki.revocation.publish(offline_pki.pki_id, offline_pki)
    report = sync_pass(SyncBridge(b_store), qtbot)
    assert report.verified == [pending_guid], report
    qtbot.waitUntil(lambda: details.verification_banner.status == "valid", timeout=5_000)
    QThreadPool.globalInstance().waitForDone(10_000)
