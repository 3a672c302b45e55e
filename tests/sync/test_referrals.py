"""Referrals end to end on the real server: made offline, they reach the server at the next sync
in the order they were made (a recall after its referral), exactly once; a staff member who is
not a secretary syncs their own cartable and gets the letter referred to them; a Rasad observer
syncs without a refusal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import referrals as R
from app.models.db import Store
from app.models.incoming import register_received
from app.models.tables import Letter, OutboxOperation, Referral
from app.sync.account import remember_sender
from app.sync.engine import SyncEngine
from devkit.letters import BulkSigner, make_package
from devkit.server_process import ServerProcess
from tests.sync.servers import api, signing_server, unreachable

pytestmark = [pytest.mark.server]
FOR_ACTION, FOR_INFO = "برای اقدام", "برای اطلاع"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from signing_server(tmp_path_factory, "Referral")


def desk_store(server: ServerProcess, path: Path, username: str, roles: list[str]) -> Store:
    """A profile logged in as ``username`` (its roles as the login answer gives them)."""
    b = server.demo["agencies"][1]  # type: ignore[index]
    store = Store(path)
    remember_sender(store, {"agency": b["national_id"], "username": username, "display_name": username,
                            "roles": roles})
    return store


def letter_from_a(server: ServerProcess) -> str:
    a, b = server.demo["agencies"][:2]  # type: ignore[index]
    [pkg] = BulkSigner(server.signer).sign_packages(  # type: ignore[attr-defined]
        [make_package(a["national_id"], [b["national_id"]])])
    with api(server, "a.secretary") as client:
        pkg.receipts = [client.register(pkg)["receipt"]]
        client.send(pkg)
    return pkg.guid


def test_offline_referrals_sync_later_in_order_and_staff_sync_their_cartable(
        server: ServerProcess, tmp_path: Path) -> None:
    guid = letter_from_a(server)
    secretary = desk_store(server, tmp_path / "sec", "b.secretary", ["secretary"])
    with api(server, "b.secretary") as b:
        assert guid in SyncEngine(secretary, b).run_once().received
    # offline: refer to the staff member, recall it, refer to the signatory for information
    first = R.refer(secretary, guid, "b.secretary", ["b.staff"], FOR_ACTION, "پیگیری شود.", dt.date(2026, 12, 20)).value
    R.add_event(secretary, first, "b.secretary", "recall")
    second = R.refer(secretary, guid, "b.secretary", ["b.staff", "b.signatory"], FOR_INFO).value
    with unreachable(server) as down:
        report = SyncEngine(secretary, down).run_once()
    assert not report.online and report.referred == [] and report.pending == 3
    with api(server, "b.secretary") as b:
        report = SyncEngine(secretary, b).run_once()
        assert report.referred == [guid, guid, guid] and report.pending == 0, report
        assert SyncEngine(secretary, b).run_once().referred == []  # exactly once
    with secretary.reader() as s:
        assert [o.status for o in s.scalars(select(OutboxOperation).where(OutboxOperation.op.in_(R.OPS)))] == [
            "done"] * 3
    # the staff member (no secretary role) syncs without the agency inbox and gets both referrals
    staff = desk_store(server, tmp_path / "staff", "b.staff", ["staff"])
    with api(server, "b.staff") as client:
        report = SyncEngine(staff, client).run_once()
    assert report.error is None and report.online and report.received == [guid]  # from the cartable, no inbox
    assert sorted(report.cartable) == sorted([first, second])
    with staff.reader() as s:
        held = s.get(Letter, guid)
        assert held is not None and held.verify_status == "valid"
    rows = {r.guid: r for r in R.cartable(staff, "b.staff")}
    assert rows[first].recalled and not rows[second].recalled and not rows[second].read
    assert rows[first].due_date == dt.date(2026, 12, 20) and rows[first].postscript == "پیگیری شود."
    # the staff member reads and closes offline; the secretary sees it after both have synced
    R.add_event(staff, second, "b.staff", "read")
    R.add_event(staff, second, "b.staff", "close", note="ملاحظه شد.")
    with api(server, "b.staff") as client:
        assert SyncEngine(staff, client).run_once().referred == [guid, guid]
    with api(server, "b.secretary") as b:
        SyncEngine(secretary, b).run_once()
    [sent] = [r for r in R.cartable(secretary, "b.secretary", sent=True) if r.guid == second]
    assert sent.read and sent.closed
    with pytest.raises(R.NotAllowed):  # read: no recall
        R.add_event(secretary, second, "b.secretary", "recall")


def test_a_referral_the_server_refuses_is_kept_with_its_reason(server: ServerProcess, tmp_path: Path) -> None:
    guid = letter_from_a(server)
    secretary = desk_store(server, tmp_path / "sec", "b.secretary", ["secretary"])
    with api(server, "b.secretary") as b:
        SyncEngine(secretary, b).run_once()
        bad = R.refer(secretary, guid, "b.secretary", ["a.staff"], FOR_ACTION).value  # another agency's user
        good = R.refer(secretary, guid, "b.secretary", ["b.staff"], FOR_ACTION).value
        report = SyncEngine(secretary, b).run_once()
    assert report.referred == [guid] and report.pending == 0
    with secretary.reader() as s:
        refused, sent = s.get(Referral, bad), s.get(Referral, good)
        assert refused is not None and refused.reject_reason == "گیرنده ارجاع از کارکنان فعال این سازمان نیست."
        assert sent is not None and sent.synced_at is not None


def test_a_colleague_sees_the_incoming_number_the_desk_gave(server: ServerProcess, tmp_path: Path) -> None:
    """The desk registers a letter, then refers it: the staff member's copy shows the same incoming
    number and is registered there too, not «دریافت‌شده» without a number."""
    guid = letter_from_a(server)
    secretary = desk_store(server, tmp_path / "sec", "b.secretary", ["secretary"])
    with api(server, "b.secretary") as b:
        assert guid in SyncEngine(secretary, b).run_once().received
        register_received(secretary, guid, actor="b.secretary")
        assert SyncEngine(secretary, b).run_once().numbered == [guid]
        R.refer(secretary, guid, "b.secretary", ["b.staff"], FOR_ACTION)
        assert SyncEngine(secretary, b).run_once().referred == [guid]
    with secretary.reader() as s:
        number = s.get(Letter, guid).incoming_number  # type: ignore[union-attr]
    staff = desk_store(server, tmp_path / "staff", "b.staff", ["staff"])
    with api(server, "b.staff") as client:
        report = SyncEngine(staff, client).run_once()
    assert guid in report.received and guid in report.numbered, report  # (earlier tests referred others)
    with staff.reader() as s:
        held = s.get(Letter, guid)
        assert held is not None and number and held.incoming_number == number
        assert held.state == "registered_incoming" and held.incoming_at is not None


def test_a_rasad_observer_syncs_without_a_refusal(server: ServerProcess, tmp_path: Path) -> None:
    """The observer has no letters of its own: its sync asks nothing it is refused (the window would
    show it offline every pass) and still reaches the server."""
    observer = server.demo["observer"]  # type: ignore[index]
    store = Store(tmp_path / "rasad")
    remember_sender(store, {"agency": observer["national_id"], "username": observer["username"],
                            "display_name": "ناظر رصد", "roles": ["rasad_observer"]})
    with api(server, observer["username"]) as client:
        report = SyncEngine(store, client).run_once()
    assert report.online and report.error is None
