"""Incoming letters are checked again when the trust roots change, on the real dabir-server.

A letter waits amber while the server has published no roots yet and settles when its list comes;
a letter flagged red only because its CA was unknown turns green once an administrator adds that
CA to the profile's ``trust-roots`` folder, or to the agency's roots on the server (audited, the
open banner follows), while a letter changed after signing stays red, and a revoked certificate
under the same CA, now checked, is red for being revoked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.models.db import Store, open_store
from app.models.tables import AuditEvent, Letter
from app.sync import account as acc
from app.sync.api import DabirApi
from app.sync.arrival import local_roots_dir
from app.ui.letter_details import LetterDetails
from app.ui.sync_bridge import SyncBridge
from devkit.letters import make_signer
from devkit.pki import TestPKI, pem
from devkit.server_process import DEMO_PASSWORD, ServerProcess
from tests.sync.servers import InTransit, crafted, engine_through, file_keyring
from tests.ui.editor_conftest_helpers import save_screenshot
from tests.ui.workflow_helpers import sync_pass

pytestmark = [pytest.mark.server, pytest.mark.slow, pytest.mark.gui]
UNKNOWN_CA = "گواهی امضاکننده از سوی مرجع صدور گواهی مورد اعتماد صادر نشده است."


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI(name="Dabir Recheck Test")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Iterator[ServerProcess]:
    srv = ServerProcess(tmp_path_factory.mktemp("recheck-server"), pki)
    srv.setup()
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def _keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from file_keyring(tmp_path, monkeypatch)


class NoRootsYet(InTransit):
    """A server that has not published the agency's trust roots yet."""

    def agency_trust_roots(self) -> dict[str, Any]:
        return {"roots": []}


def verdicts(store: Store, *guids: str) -> list[tuple[str, str, list[str]]]:
    with store.reader() as s:
        out = []
        for g in guids:
            letter = s.get(Letter, g)
            assert letter is not None
            out.append((letter.verify_status, letter.state, letter.verification["reasons_fa"]))
        return out


class CutAfterRoots(InTransit):
    """A line that drops after the trust roots were fetched, before the inbox."""

    def inbox(self, after: int = 0, limit: int = 100) -> dict[str, Any]:
        raise httpx.ConnectError("the line dropped")


def test_letters_pending_for_no_roots_or_flagged_for_an_unknown_ca_are_checked_again_when_the_roots_change(
        tmp_path: Path, server: ServerProcess, pki: TestPKI, persian_app: QApplication, qtbot,  # type: ignore[no-untyped-def]
        artifacts_dir: Path) -> None:
    a, b = server.demo["agencies"][:2]  # type: ignore[index]
    code = next(u["national_code"] for u in a["users"] if u["username"] == "a.signatory")
    partner = TestPKI(name="Partner CA")  # a CA the server does not publish for B
    ours = crafted(server, a, b, make_signer(pki, "مهدی کریمی", code), "گزارش عملکرد سه‌ماهه سوم")
    known = crafted(server, a, b, make_signer(partner, "مهدی کریمی", code), "دعوت به جلسه هماهنگی")
    doomed = make_signer(partner, "مهدی کریمی", code)
    revoked = crafted(server, a, b, doomed, "درخواست تمدید قرارداد")
    partner.revoke(x509.load_der_x509_certificate(doomed.cert_der))
    changed = crafted(server, a, b, make_signer(partner, "مهدی کریمی", code), "نامه با متن تغییریافته",
                      changed_after_signing=True)
    sister = TestPKI(name="Sister CA")  # a CA B's administrator later adds on the server
    by_sister = crafted(server, a, b, make_signer(sister, "مهدی کریمی", code), "صورت‌جلسه کمیته مشترک")
    guids = [x["guid"] for x in (ours, known, revoked, changed, by_sister)]

    store = open_store(tmp_path / "b")
    acc.login(store, acc.Account(server.base_url, "b.secretary", str(server.ca_bundle)), DEMO_PASSWORD)
    # 1. The server has published no roots yet: every letter waits, amber, saying why.
    relay = engine_through(lambda wire: NoRootsYet(wire, None, [ours, known, revoked, changed, by_sister]))
    report = sync_pass(SyncBridge(store, engine_factory=relay), qtbot)
    assert sorted(report.received) == sorted(guids) and not report.trust_changed, report
    assert [v[:2] for v in verdicts(store, *guids)] == [("unchecked", "received")] * 5
    details = LetterDetails(store, ours["guid"])
    qtbot.addWidget(details)
    details.resize(980, 640)
    details.show()
    assert details.verification_banner.status == "unchecked"
    assert "ریشه‌های اعتماد هنوز از کارگزار دریافت نشده است" in details.verification_banner.text()
    assert "هنوز امضا نشده است" not in details.text() and "مهدی کریمی" in details.text()  # signed, not yet checked
    save_screenshot(details, artifacts_dir / "incoming_banner_no_roots.png")

    # 2. The server's published list arrives (a change): the letters are checked against it.
    report = sync_pass(SyncBridge(store), qtbot)
    assert report.trust_changed and sorted(report.verified) == sorted(guids), report
    qtbot.waitUntil(lambda: details.verification_banner.status == "valid", timeout=5_000)
    first = verdicts(store, *guids)
    assert first[0][:2] == ("valid", "received")
    assert first[1] == ("invalid", "invalid", [UNKNOWN_CA]) and first[2] == ("invalid", "invalid", [UNKNOWN_CA])
    assert first[3] == ("invalid", "invalid", ["متن نامه پس از امضا تغییر کرده است.", UNKNOWN_CA])
    assert first[4] == ("invalid", "invalid", [UNKNOWN_CA])
    assert sync_pass(SyncBridge(store), qtbot).verified == []  # roots unchanged: nothing is checked again

    # 3. The administrator adds the partner CA on this workstation: the red letter whose only fault
    # was its unknown CA turns green in the open view; the changed letter stays red; the revoked
    # certificate, now that its path is known, is red for what it is.
    details = LetterDetails(store, known["guid"])
    qtbot.addWidget(details)
    details.resize(980, 640)
    details.show()
    assert details.verification_banner.status == "invalid"
    local_roots_dir(store).mkdir()
    (local_roots_dir(store) / "partner-ca.pem").write_bytes(pem(partner.root_cert))
    report = sync_pass(SyncBridge(store, engine_factory=engine_through(lambda wire: CutAfterRoots(wire, None, []))),
                       qtbot)  # the new root is seen (and audited), then the line drops
    assert report.trust_changed and not report.online and report.verified == [], report
    report = sync_pass(SyncBridge(store), qtbot)
    assert not report.trust_changed and report.verified == [known["guid"]], report  # not lost with that pass
    qtbot.waitUntil(lambda: details.verification_banner.status == "valid", timeout=5_000)
    assert "امضای نامه معتبر است" in details.verification_banner.text()
    save_screenshot(details, artifacts_dir / "incoming_banner_valid_after_local_root.png")
    now = verdicts(store, *guids)
    assert now[0][:2] == ("valid", "received") and now[1] == ("valid", "received", [])
    assert now[2][:2] == ("invalid", "invalid") and any("باطل شده است" in r for r in now[2][2]), now[2]
    assert now[3] == first[3]  # not checked again: its content was changed
    with store.reader() as s:
        audit = [(e.letter_guid, e.detail) for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "verified"))]
    assert (known["guid"], {"status": "valid", "before": "invalid"}) in audit
    assert not [d for g, d in audit if g == changed["guid"] and d["status"] != "invalid"]
    assert now[4] == first[4]  # its CA is still unknown here

    # 4. B's administrator adds the sister CA to the agency's roots on the server: the list the
    # server publishes changes, and the letter it signed turns green at the next sync.
    with DabirApi(server.base_url, server.ca_bundle) as admin:
        admin.login("b.admin", DEMO_PASSWORD)
        admin.add_trust_root(pem(sister.root_cert).decode())
    report = sync_pass(SyncBridge(store), qtbot)
    assert report.trust_changed and report.verified == [by_sister["guid"]], report
    assert verdicts(store, by_sister["guid"]) == [("valid", "received", [])]
    assert verdicts(store, changed["guid"], revoked["guid"]) == [now[3], now[2]]  # still red
    QThreadPool.globalInstance().waitForDone(10_000)
