"""The archive in the window: «بایگانی» in the folder list with the agency's tree below it; a
secretary files a received letter through «بایگانی…» (the folder found by its file number), finds
it under that folder (out of «واردها»), the letter view says «پرونده: …، شماره …», and
«خروج از بایگانی…» takes it out again with the reason, which the local audit log keeps."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel
from sqlalchemy import select

from app.models import archive as A
from app.models.db import Store
from app.models.folders import Folder
from app.models.tables import AuditEvent, Letter, OutboxOperation
from app.sync import account
from app.sync.account import remember_sender
from app.sync.engine import SyncEngine
from app.ui.archive_dialogs import FileDialog, UnfileDialog
from app.ui.archive_folder_dialog import FolderDialog
from app.ui.letter_details import LetterDetails
from devkit.server_process import ServerProcess
from tests.support.catalogs import checked_translations
from tests.sync.servers import api, signing_server
from tests.ui.conftest import OWN, add_letter
from tests.ui.editor_conftest_helpers import assert_writes_right_to_left, save_screenshot, type_text

ME = OWN["person"]
LEGAL, CASE, BUDGET = (str(uuid.uuid4()) for _ in range(3))


def _tree(store: Store, roles: list[str]) -> None:
    """The agency's tree as a sync brings it, and who is working."""
    remember_sender(store, {"agency": OWN["agency"], "username": ME, "display_name": "سارا احمدی", "roles": roles})
    folders = [(LEGAL, None, "امور حقوقی", "1405/ح"), (CASE, LEGAL, "دعوی شرکت نمونه", "1405/ح/12"),
               (BUDGET, None, "مکاتبات بودجه", "1405/ب/3")]
    with store.session() as s:
        A.apply_folders(s, {"items": [{"id": g, "parent": p, "title": t, "file_number": n, "cursor": i}
                                      for i, (g, p, t, n) in enumerate(folders, 1)]})


def _select_row(window, row: int) -> None:  # type: ignore[no-untyped-def]
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    window.table.selectionModel().select(window.model.index(row, 0), flags)


def _rows(window, qtbot, n: int) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() == n, timeout=5000)


def test_a_letter_is_filed_found_under_its_folder_and_taken_out(  # type: ignore[no-untyped-def]
        window, store: Store, qtbot, artifacts_dir: Path) -> None:
    _tree(store, ["secretary"])
    guid = add_letter(store, "اعتراض شرکت نمونه به نتیجه مناقصه", kind="incoming", state="received")
    add_letter(store, "دعوت به جلسه هماهنگی بودجه", kind="incoming", state="received")
    window.refresh()
    # «بایگانی» with the tree below the working folders, nested by parent
    archive = window.folders.item_for(Folder.ARCHIVE)
    qtbot.waitUntil(lambda: archive.childCount() == 2, timeout=5000)
    assert window.folders.indexOfTopLevelItem(archive) == window.folders.topLevelItemCount() - 1
    legal = window.folders.archive.items[LEGAL]
    assert [archive.child(i).text(0) for i in range(2)] == ["مکاتبات بودجه", "امور حقوقی"]  # by file number
    assert legal.child(0).text(0) == "دعوی شرکت نمونه" and legal.isExpanded()
    assert legal.child(0).toolTip(0) == "شماره پرونده ۱۴۰۵/ح/۱۲"
    _rows(window, qtbot, 2)
    row = next(r for r in range(2) if window.model.letter_at(r).guid == guid)
    _select_row(window, row)
    assert window.archive.file.isEnabled() and window.archive.file.text() == "بایگانی…"
    assert not window.archive.unfile.isEnabled()  # not filed anywhere yet
    dialog = window.archive.file_selected()
    assert isinstance(dialog, FileDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    assert not dialog.ok.isEnabled()
    type_text(dialog.filter, "۱۲")  # the file number as the secretary types it: the one folder is chosen
    visible = [g for g, item in dialog.items.items() if not item.isHidden()]
    assert sorted(visible) == sorted([LEGAL, CASE]) and dialog.chosen() == CASE  # its parent shows the way
    assert dialog.ok.isEnabled() and dialog.ok.text() == "بایگانی"
    save_screenshot(dialog, artifacts_dir / "archive_file_dialog.png")
    dialog.ok.click()
    qtbot.waitUntil(lambda: [n.guid for n in A.places(store, guid)] == [CASE], timeout=5000)
    with store.reader() as s:
        letter = s.get(Letter, guid)
        assert letter is not None and letter.archived
        assert [o.op for o in s.scalars(select(OutboxOperation).where(OutboxOperation.letter_guid == guid))] == [
            A.FILE_OP]  # sent at the next sync
    _rows(window, qtbot, 1)  # it left «واردها»
    assert window.model.letter_at(0).guid != guid
    # under its folder in the tree, in the normal letter table
    window.folders.select(A.FiledIn(CASE))
    _rows(window, qtbot, 1)
    assert window.model.letter_at(0).guid == guid and window.model.folder == A.FiledIn(CASE)
    window.folders.select(Folder.ARCHIVE)  # «بایگانی» itself: every filed letter
    _rows(window, qtbot, 1)
    window.folders.select(A.FiledIn(BUDGET))
    _rows(window, qtbot, 0)
    window.folders.select(A.FiledIn(CASE))
    _rows(window, qtbot, 1)
    _select_row(window, 0)
    window.resize(1200, 560)
    save_screenshot(window, artifacts_dir / "archive_tree.png")
    # the letter view says where it is filed
    details = window.open_letter(guid)
    assert isinstance(details, LetterDetails)
    assert "پرونده:" in details.text() and "دعوی شرکت نمونه، شماره ۱۴۰۵/ح/۱۲" in details.text()
    window.tabs.setCurrentIndex(0)
    window.tabs.removeTab(window.tabs.indexOf(details))
    window._open.pop(guid, None)
    # «خروج از بایگانی…»: from the folder shown, with the reason
    _select_row(window, 0)
    assert window.archive.unfile.isEnabled()
    out = window.archive.unfile_selected()
    assert isinstance(out, UnfileDialog)
    qtbot.waitUntil(out.isVisible, timeout=5000)
    assert out.folder.currentData() == CASE and out.folder.currentText() == "دعوی شرکت نمونه، شماره ۱۴۰۵/ح/۱۲"
    assert not out.ok.isEnabled()  # no reason, no way out
    assert_writes_right_to_left(out.reason)
    out.reason.setPlainText("نامه به پرونده دیگری مربوط است.")
    out.ok.click()
    qtbot.waitUntil(lambda: A.places(store, guid) == [], timeout=5000)
    _rows(window, qtbot, 0)
    window.folders.select(Folder.INCOMING)
    _rows(window, qtbot, 2)  # back at work
    with store.reader() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "unarchived")).one()
        assert (event.letter_guid, event.actor, event.detail["reason"]) == (guid, ME, "نامه به پرونده دیگری مربوط است.")
        ops = [o.op for o in s.scalars(select(OutboxOperation).where(OutboxOperation.letter_guid == guid)
                                       .order_by(OutboxOperation.id))]
        assert ops == [A.FILE_OP, A.UNFILE_OP]


def test_only_a_secretary_files(window, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    _tree(store, ["staff"])
    add_letter(store, "گزارش پیشرفت طرح", kind="incoming", state="received")
    window.refresh()
    _rows(window, qtbot, 1)
    _select_row(window, 0)
    assert not window.archive.file.isEnabled() and not window.archive.unfile.isEnabled()
    archive = window.folders.item_for(Folder.ARCHIVE)
    qtbot.waitUntil(lambda: archive.childCount() == 2, timeout=5000)  # every role sees the tree


def test_archive_catalog_is_complete_and_in_sync_with_the_code(tmp_path: Path) -> None:
    import re

    sources = ["app/ui/archive_tree.py", "app/ui/archive_dialogs.py", "app/ui/archive_actions.py",
               "app/ui/archive_folder_dialog.py"]
    for t in checked_translations("archive_fa.ts", sources, tmp_path):
        assert not re.search(r"[,;?0-9]", t.replace("%1", "").replace("%2", "")), t


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from signing_server(tmp_path_factory, "ArchiveWindow")


@pytest.mark.server
def test_a_secretary_makes_renames_and_moves_folders_from_the_folder_list(  # type: ignore[no-untyped-def]
        window, store: Store, qtbot, server: ServerProcess, monkeypatch: pytest.MonkeyPatch,
        artifacts_dir: Path) -> None:
    b = server.demo["agencies"][1]  # type: ignore[index]
    remember_sender(store, {"agency": b["national_id"], "username": "b.secretary", "display_name": "دبیر",
                            "roles": ["secretary"]})
    monkeypatch.setattr(account, "open_api", lambda _store: api(server, "b.secretary"))
    with api(server, "b.secretary") as client:
        SyncEngine(store, client).run_once()  # the demo agency's tree
    window.refresh()
    branch = window.folders.archive
    qtbot.waitUntil(lambda: len(branch.items) == 6, timeout=5000)
    legal = next(g for g, item in branch.items.items() if item.text(0) == "امور حقوقی")
    dialog = branch.new_folder(legal)
    assert isinstance(dialog, FolderDialog) and dialog.parent_folder.currentData() == legal
    dialog.title.setText("پرونده دعوی شرکت نمونه")
    dialog.file_number.setText("۱۴۰۵/ح/۱")  # the demo's «دعاوی و شکایات» has it
    dialog.ok.click()
    qtbot.waitUntil(lambda: not dialog.error.isHidden(), timeout=10_000)
    assert dialog.error.text() == "شماره پرونده «۱۴۰۵/ح/۱» پیش‌تر به پرونده «دعاوی و شکایات» داده شده است."
    dialog.file_number.setText("۱۴۰۵/ح/۲")
    save_screenshot(dialog, artifacts_dir / "archive_folder_dialog.png")
    dialog.ok.click()
    qtbot.waitUntil(lambda: len(branch.items) == 7, timeout=10_000)
    made = next(g for g, item in branch.items.items() if item.text(0) == "پرونده دعوی شرکت نمونه")
    assert branch.items[made].parent() is branch.items[legal]
    # rename and move it to the top of the archive
    edit = branch.edit_folder(made)
    assert isinstance(edit, FolderDialog) and edit.file_number.text() == "۱۴۰۵/ح/۲"
    edit.title.setText("دعوی شرکت نمونه")
    edit.parent_folder.setCurrentIndex(0)
    assert edit.changes() == {"title": "دعوی شرکت نمونه", "parent": None}
    edit.ok.click()
    qtbot.waitUntil(lambda: branch.items[made].text(0) == "دعوی شرکت نمونه"
                    and branch.items[made].parent() is window.folders.item_for(Folder.ARCHIVE), timeout=10_000)
    with api(server, "b.secretary") as client:
        [mine] = [f for f in client.archive_folders()["items"] if f["id"] == made]
    assert (mine["title"], mine["parent"], mine["file_number"]) == ("دعوی شرکت نمونه", None, "۱۴۰۵/ح/۲")
