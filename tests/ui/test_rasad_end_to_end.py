"""Rasad end to end: the real server, the real client code (stores, outbox, sync engine, DabirApi,
the tree window), users of two agencies and an observer. The tree after a registration, two
referrals, a refer-on, an answer and a close is the same on every workstation of B and through the
web service; offline steps arrive in order; A's staff and an observer without a grant see nothing,
with a grant the observer sees B only, and a revocation stops it at once."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QTreeWidgetItem

from app.models import referrals as R
from app.models.db import Store
from app.models.incoming import register_received
from app.sync.api import ApiError
from app.sync.engine import SyncEngine
from app.ui.referral_tree import ReferralTree
from devkit.server_process import ServerProcess
from tests.server.conftest import events_after
from tests.sync.servers import api, signing_server, unreachable
from tests.sync.test_referrals import desk_store, letter_from_a
from tests.ui.editor_conftest_helpers import save_screenshot

pytestmark = [pytest.mark.server]
FOR_ACTION, FOR_INFO = "برای اقدام", "برای اطلاع"
OBSERVER = "rasad.observer"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from signing_server(tmp_path_factory, "RasadE2E")


def painted(item: QTreeWidgetItem) -> list[Any]:
    """What a tree window shows: every row's texts, depth first."""
    return [[item.text(c) for c in range(item.columnCount())], [painted(item.child(i)) for i in range(item.childCount())]]


def window_tree(store: Store, server: ServerProcess, user: str, guid: str, qtbot: Any,
                agency: str | None = None) -> tuple[ReferralTree, list[Any]]:
    window = ReferralTree(store, guid, agency=agency, open_api=lambda _s: api(server, user))
    qtbot.addWidget(window)
    window.show()
    window.load()
    qtbot.waitUntil(lambda: window.tree_data is not None, timeout=15_000)
    return window, painted(window.tree.topLevelItem(0))


def events(server: ServerProcess, user: str, agency: str) -> list[dict[str, Any]]:
    with api(server, user) as client:
        return events_after(client, 0, agency)


def test_the_tree_is_the_same_everywhere_and_only_for_those_allowed(  # type: ignore[no-untyped-def]
        persian_app: QApplication, server: ServerProcess, tmp_path: Path, qtbot, artifacts_dir: Path) -> None:
    nid_a, nid_b = (a["national_id"] for a in server.demo["agencies"][:2])  # type: ignore[index]
    guid = letter_from_a(server)
    secretary = desk_store(server, tmp_path / "sec", "b.secretary", ["secretary"])
    staff = desk_store(server, tmp_path / "staff", "b.staff", ["staff"])
    with api(server, "b.secretary") as b:
        assert guid in SyncEngine(secretary, b).run_once().received
        register_received(secretary, guid, actor="b.secretary")
        SyncEngine(secretary, b).run_once()
    # offline at the desk: two referrals, pushed later in the order made
    first = R.refer(secretary, guid, "b.secretary", ["b.staff"], FOR_ACTION, "پیگیری شود.", dt.date(2099, 12, 20)).value
    second = R.refer(secretary, guid, "b.secretary", ["b.signatory"], FOR_INFO).value
    with unreachable(server) as down:
        assert SyncEngine(secretary, down).run_once().pending == 2
    with api(server, "b.secretary") as b:
        assert SyncEngine(secretary, b).run_once().referred == [guid, guid]
    # the staff member: offline read and refer-on, then answer (a letter of B) and close
    with api(server, "b.staff") as client:
        SyncEngine(staff, client).run_once()
    R.add_event(staff, first, "b.staff", "read")
    on = R.refer(staff, guid, "b.staff", ["b.manager"], FOR_INFO, parent=first).value
    with unreachable(server) as down:
        SyncEngine(staff, down).run_once()
    with api(server, "b.staff") as client:
        assert SyncEngine(staff, client).run_once().referred == [guid, guid]
        answer = str(uuid.uuid4())
        client.referral_event(first, "answer", answer_guid=answer, event_id=str(uuid.uuid4()),
                              idempotency_key=str(uuid.uuid4()))
    R.add_event(staff, first, "b.staff", "close", note="اقدام شد.")
    with api(server, "b.staff") as client:
        SyncEngine(staff, client).run_once()
    # the same tree on every workstation of B that may see it
    views = {}
    for user in ("b.secretary", "b.staff", "b.signatory", "b.manager", "b.admin"):
        window, views[user] = window_tree(secretary, server, user, guid, qtbot)
        tree = window.tree_data
        assert tree is not None and {r["guid"] for r in tree["referrals"]} == {first, second, on}
        if user == "b.secretary":
            save_screenshot(window, artifacts_dir / "referral_tree_end_to_end.png")
        window.close()
    assert all(v == views["b.secretary"] for v in views.values())
    statuses = {r["guid"]: r["status"] for r in tree["referrals"]}
    assert statuses == {first: "closed", second: "open", on: "open"}
    # the web service: B's administrator and (granted) the observer pull the same events, in order
    mine = [e for e in events(server, "b.admin", nid_b) if e["letter_guid"] == guid]
    assert [e["kind"] for e in mine] == ["registered", "referred", "referred", "read", "referred", "answered",
                                         "closed"]
    with api(server, OBSERVER) as obs:
        with pytest.raises(ApiError) as refused:
            obs.rasad_events(nid_b)
        assert refused.value.status == 404
    server.cli("rasad-grant", "--observer", OBSERVER, "--agency", nid_b)
    try:
        assert [e for e in events(server, OBSERVER, nid_b) if e["letter_guid"] == guid] == mine
        _, seen = window_tree(secretary, server, OBSERVER, guid, qtbot, agency=nid_b)
        assert seen == views["b.secretary"]  # through the web service: the same tree
        with api(server, OBSERVER) as obs, pytest.raises(ApiError) as refused:
            obs.rasad_events(nid_a)
        assert refused.value.status == 404
    finally:
        server.cli("rasad-revoke", "--observer", OBSERVER, "--agency", nid_b)
    for user, agency in ((OBSERVER, nid_b), ("a.staff", nid_b), ("a.staff", None)):
        window = ReferralTree(secretary, guid, agency=agency, open_api=lambda _s, u=user: api(server, u))
        qtbot.addWidget(window)
        window.load()
        qtbot.waitUntil(lambda w=window: "در دسترس نیست" in w.status.text(), timeout=15_000)
        assert window.tree.topLevelItemCount() == 0
