"""The real server behind a misbehaving network: 500s, dropped connections, hangs and lost
answers are retried later; nothing is lost and nothing is registered twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.models.db import open_store
from app.models.tables import Letter, OutboxOperation
from app.protocol.shams import Shams
from app.sync.api import DabirApi
from app.sync.engine import SyncEngine
from app.token.signing import sign_detached
from devkit.letters import make_signer
from devkit.pki import TestPKI
from devkit.server_process import DEMO_PASSWORD, ServerProcess
from tests.support.fault_proxy import FaultProxy
from tests.sync.test_end_to_end import agencies, draft, sign_in_store, upload_signatory_cert

pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, FaultProxy, TestPKI]]:
    pki = TestPKI(name="Dabir Fault Test")
    server = ServerProcess(tmp_path_factory.mktemp("fault-server"), pki)
    server.setup()
    server.start()
    proxy = FaultProxy(server.port, server.workdir / "tls-cert.pem", server.workdir / "tls-key.pem", server.ca_bundle)
    yield server, proxy, pki
    proxy.close()
    server.stop()


def test_500_close_hang_and_lost_answers_are_retried_without_duplicates(setup, tmp_path: Path):
    server, proxy, pki = setup
    a, b = agencies(server)
    signer = make_signer(pki, "امضاکننده", "0012345679")
    upload_signatory_cert(server, "a", signer.cert_pem)
    store = open_store(tmp_path / "sender")
    guid = draft(store, a, b, "نامه در شبکه ناپایدار")
    sign_in_store(store, guid, lambda data: sign_detached(data, signer.pyhanko()))
    with DabirApi(server.base_url, server.ca_bundle) as direct:
        token = direct.login("a.secretary", DEMO_PASSWORD)["token"]

    now = dt.datetime.now(dt.UTC)
    api = DabirApi(proxy.base_url, server.ca_bundle, token, timeout=httpx.Timeout(2.0))
    for i, mode in enumerate(("500", "close", "hang", "lost")):
        proxy.modes.append(mode)
        when = now + dt.timedelta(hours=i + 1)  # past the previous backoff
        report = SyncEngine(store, api, clock=lambda w=when: w).run_once()
        assert not report.online and report.pending == 1, (mode, report)
        with store.reader() as s:
            op = s.query(OutboxOperation).one()
            assert op.status == "pending" and op.attempts == i + 1
            assert s.get(Letter, guid).state == "queued"  # not rejected: these are not refusals
    report = SyncEngine(store, api, clock=lambda: now + dt.timedelta(hours=9)).run_once()
    assert report.online and report.registered == [guid] and report.sent == [guid], report
    assert [m for m in proxy.seen if m != "pass"] == ["500", "close", "hang", "lost"]
    api.close()

    # the lost answer had registered the letter: the retry got the same SHAMS, not a second one
    with store.reader() as s:
        shams = Shams.parse(s.get(Letter, guid).shams)
    with DabirApi(server.base_url, server.ca_bundle, token) as direct:
        assert direct.letter(guid)["shams"] == shams.canonical
        assert direct.verify_shams(f"{shams.origin}-O-{shams.year}-{shams.sequence + 1}")["exists"] is False
