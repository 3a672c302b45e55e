"""The archive end to end on the real server: the agency's tree reaches every client; filings
made offline reach the server at the next sync in the order they were made (filed, taken out,
filed elsewhere), exactly once; another secretary's client sees the letter under its folder."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import archive as A
from app.models.folders import Folder
from app.models.letter_lists import read_page
from app.models.tables import ArchiveChange, Letter, OutboxOperation
from app.sync.engine import SyncEngine
from devkit.server_process import ServerProcess
from tests.sync.servers import api, signing_server
from tests.sync.test_referrals import desk_store, letter_from_a, unreachable

pytestmark = [pytest.mark.server]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from signing_server(tmp_path_factory, "Archive")


def _folder(server: ServerProcess, title: str, parent: str | None = None) -> str:
    with api(server, "b.secretary") as b:
        return str(b.create_folder({"id": str(uuid.uuid4()), "parent": parent, "title": title,
                                    "file_number": f"ب/{uuid.uuid4().hex[:6]}"})["id"])


def test_offline_filings_sync_later_in_order_and_reach_the_other_desks(server: ServerProcess, tmp_path: Path) -> None:
    guid = letter_from_a(server)
    case = _folder(server, "پرونده دعوی")
    subject = _folder(server, "مکاتبات حقوقی", parent=case)
    secretary = desk_store(server, tmp_path / "sec", "b.secretary", ["secretary"])
    with api(server, "b.secretary") as b:
        assert guid in SyncEngine(secretary, b).run_once().received
    nodes = {n.guid: n for n in A.tree(secretary)}
    assert nodes[subject].parent == case and nodes[case].title == "پرونده دعوی"
    # offline: file it in the case file, take it out (with the reason), file it in the subject file
    A.file_letter(secretary, guid, case, "b.secretary")
    A.unfile_letter(secretary, guid, case, "b.secretary", "پرونده اشتباه بود.")
    A.file_letter(secretary, guid, subject, "b.secretary")
    with secretary.reader() as s:
        letter = s.get(Letter, guid)
        assert letter is not None and letter.archived  # out of «واردها», into «بایگانی» at once
    assert [r.guid for r in read_page(secretary, A.FiledIn(subject), 0, 10)] == [guid]
    assert read_page(secretary, Folder.INCOMING, 0, 10) == []
    with unreachable(server) as down:
        report = SyncEngine(secretary, down).run_once()
    assert not report.online and report.pending == 3
    with api(server, "b.secretary") as b:
        report = SyncEngine(secretary, b).run_once()
        assert report.pending == 0 and report.error is None, report
        assert SyncEngine(secretary, b).run_once().pending == 0
        # the server got them in the order they were made, and once each
        filings = b.archive_filings()["items"]
        mine = [(f["folder"], f["filed"], f["reason"]) for f in filings if f["letter_guid"] == guid]
        assert sorted(mine) == sorted([(case, False, "پرونده اشتباه بود."), (subject, True, "")])
        assert [f["folder"] for f in filings if f["letter_guid"] == guid] == [case, subject]  # cursor order
    with secretary.reader() as s:
        ops = list(s.scalars(select(OutboxOperation).where(OutboxOperation.op.in_(A.OPS))
                             .order_by(OutboxOperation.id)))
        assert [o.status for o in ops] == ["done"] * 3 and [o.op for o in ops] == [A.FILE_OP, A.UNFILE_OP, A.FILE_OP]
    # a second secretary's client: the letter arrives and is already in its folder
    other = desk_store(server, tmp_path / "other", "b.secretary", ["secretary"])
    with api(server, "b.secretary") as b:
        report = SyncEngine(other, b).run_once()
    assert guid in report.received and guid in report.archived
    assert [r.guid for r in read_page(other, A.FiledIn(subject), 0, 10)] == [guid]
    assert read_page(other, A.FiledIn(case), 0, 10) == [] and read_page(other, Folder.INCOMING, 0, 10) == []
    [was, now] = sorted(A.history(other, guid), key=lambda n: n.filed)
    assert (was.folder.guid, was.by, was.reason) == (case, "b.secretary", "پرونده اشتباه بود.")
    assert now.folder.guid == subject and now.filed


def test_a_filing_the_server_refuses_is_kept_with_its_reason(server: ServerProcess, tmp_path: Path) -> None:
    guid = letter_from_a(server)
    folder = _folder(server, "پرونده آزمایشی")
    staff = desk_store(server, tmp_path / "staff", "b.staff", ["staff"])
    with api(server, "b.secretary") as b:
        b.refer({"id": str(uuid.uuid4()), "letter_guid": guid, "to": ["b.staff"], "instruction": "برای اطلاع",
                 "postscript": "", "due_date": None})
    with api(server, "b.staff") as client:
        SyncEngine(staff, client).run_once()  # the letter (by the referral) and the tree
        A.file_letter(staff, guid, folder, "b.staff")  # a staff member may not file: the server says so
        report = SyncEngine(staff, client).run_once()
    assert report.pending == 0 and report.error is None
    with staff.reader() as s:
        letter = s.get(Letter, guid)
        assert letter is not None and not letter.archived  # back where it was
        [change] = s.scalars(select(ArchiveChange).where(ArchiveChange.letter_guid == guid))
        assert change.reject_reason == "شما مجوز انجام این کار را ندارید."
    assert read_page(staff, A.FiledIn(folder), 0, 10) == []


def test_folders_are_made_renamed_and_moved_on_the_server_and_kept_here(server: ServerProcess, tmp_path: Path) -> None:
    from app.sync import archive as sync_archive
    from app.sync.api import ApiError

    secretary = desk_store(server, tmp_path / "sec", "b.secretary", ["secretary"])
    with api(server, "b.secretary") as b:
        SyncEngine(secretary, b).run_once()
        demo = {n.file_number: n for n in A.tree(secretary)}
        assert demo["۱۴۰۵/ح"].title == "امور حقوقی"  # the demo seed's tree came with the sync
        made = sync_archive.make_folder(secretary, b, "پرونده کارکنان", "۱۴۰۵/ک", demo["۱۴۰۵/ح"].guid)
        nodes = {n.guid: n for n in A.tree(secretary)}
        assert nodes[made["id"]].parent == demo["۱۴۰۵/ح"].guid  # kept here at once
        sync_archive.change_folder(secretary, b, made["id"], {"title": "پرونده‌های کارکنان", "parent": None})
        nodes = {n.guid: n for n in A.tree(secretary)}
        assert (nodes[made["id"]].title, nodes[made["id"]].parent) == ("پرونده‌های کارکنان", None)
        with pytest.raises(ApiError) as taken:
            sync_archive.make_folder(secretary, b, "تکراری", "1405/ک", None)  # the same number in Latin digits
        assert taken.value.status == 409
        assert taken.value.message_fa == "شماره پرونده «1405/ک» پیش‌تر به پرونده «پرونده‌های کارکنان» داده شده است."
        assert len(A.tree(secretary)) == len(nodes)
        SyncEngine(secretary, b).run_once()  # the feed brings the same folders again: nothing doubles
    assert {n.guid: n for n in A.tree(secretary)} == nodes
