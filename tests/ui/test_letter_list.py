"""The letter list as a secretary uses it all day: background reloads keep their place, a search
looks everywhere and finds a number as it is printed, columns fit their content and stay as set."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint
from PySide6.QtWidgets import QApplication

from app.models.changes import Changes
from app.models.db import Store
from app.models.folders import Folder
from app.models.tables import Letter
from app.ui.letter_details import LetterDetails
from app.ui.letter_table_model import Column
from app.ui.main_window import MainWindow
from app.ui.store_changes import StoreChanges
from tests.ui.conftest import add_letter

pytestmark = pytest.mark.gui


def _sent(store: Store, subject: str, shams: str) -> str:
    guid = add_letter(store, subject, state="sent")
    with store.session() as s:
        letter = s.get(Letter, guid)
        assert letter is not None
        letter.shams, letter.registered_at = shams, dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    return guid


def _show(win: MainWindow, qtbot, folder: Folder) -> None:  # type: ignore[no-untyped-def]
    win.folders.select(folder)
    qtbot.waitUntil(lambda: win.model.folder is folder and not win.model.loading, timeout=10_000)


def _search(win: MainWindow, text: str) -> list[str]:
    win.search.setText(text)
    win.search.commit()
    win.model.wait()
    return [win.model.letter_at(r).subject for r in range(win.model.rowCount())]


def test_a_background_reload_keeps_selection_scroll_and_open_letter(window: MainWindow, store: Store,
                                                                    qtbot) -> None:  # type: ignore[no-untyped-def]
    guids = [_sent(store, f"نامهٔ {i}", f"14000123453-O-1405-{i + 1}") for i in range(120)]
    _show(window, qtbot, Folder.SENT)
    while window.model.canFetchMore():  # the user has scrolled far down
        window.model.fetchMore()
        window.model.wait()
    model, table = window.model, window.table
    rows = {model.letter_at(r).guid: r for r in range(model.rowCount())}
    picked = [guids[10], guids[11]]  # far below the first page
    for guid in picked:
        table.selectionModel().select(model.index(rows[guid], 0), QItemSelectionModel.SelectionFlag.Select
                                      | QItemSelectionModel.SelectionFlag.Rows)
    table.selectionModel().setCurrentIndex(model.index(rows[guids[10]], 0), QItemSelectionModel.SelectionFlag.NoUpdate)
    # far down, but not so far that the view is clamped at the end of the list
    table.scrollTo(model.index(rows[guids[40]], 0), table.ScrollHint.PositionAtTop)
    top = model.letter_at(table.rowAt(0)).guid
    details = window.open_letter(guids[50])
    window.tabs.setCurrentIndex(0)
    window.open_letter(guids[50])  # back in its tab
    window.tabs.setCurrentIndex(0)
    assert window.actions_.print.isEnabled() is False  # two rows selected: nothing to print
    table.selectionModel().select(model.index(rows[guids[11]], 0), QItemSelectionModel.SelectionFlag.Deselect
                                  | QItemSelectionModel.SelectionFlag.Rows)
    assert window.actions_.print.isEnabled()

    # A sync pass brings a new letter (it sorts first) and announces it, as the sync bridge does.
    new = _sent(store, "نامهٔ تازه", "14000123453-O-1405-999")
    with qtbot.waitSignal(model.reloaded, timeout=10_000):
        StoreChanges.instance().announce(Changes.of_letters([new]))
    model.wait()
    assert model.letter_at(0).guid == new
    assert window.table.selected_guids() == [guids[10]]
    assert model.letter_at(table.currentIndex().row()).guid == guids[10]
    assert model.letter_at(table.rowAt(0)).guid == top  # the same letters in view
    assert window.actions_.print.isEnabled()  # «چاپ / PDF» stay under the user's mouse
    assert window._open[guids[50]] is details and isinstance(details, LetterDetails)


def test_search_covers_every_folder_by_default_and_finds_the_displayed_shams(
    window: MainWindow, store: Store, qtbot, artifacts_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    _sent(store, "درخواست تمدید قرارداد پشتیبانی", "14000123453-O-1405-1")
    _sent(store, "گزارش عملکرد سه‌ماهه", "14000123453-O-1405-12")
    add_letter(store, "پیش‌نویس دربارهٔ قرارداد")
    _show(window, qtbot, Folder.INCOMING)  # the secretary is in another folder
    assert window.search_scope.currentText() == "همهٔ پوشه‌ها"
    assert _search(window, "۱۴۰۰۰۱۲۳۴۵۳-ص-۱۴۰۵-۱") == ["درخواست تمدید قرارداد پشتیبانی"]
    assert _search(window, "ص-1405-12") == ["گزارش عملکرد سه‌ماهه"]
    assert _search(window, "14000123453-O-1405-1") == ["درخواست تمدید قرارداد پشتیبانی"]
    assert _search(window, "قرارداد") == ["پیش‌نویس دربارهٔ قرارداد", "درخواست تمدید قرارداد پشتیبانی"]
    assert "همهٔ پوشه‌ها" in window.status_label.text()

    window.search_scope.setCurrentIndex(1)  # «فقط همین پوشه»: the Incoming folder has none
    window.model.wait()
    assert window.model.rowCount() == 0
    assert window.status_label.text() == "نتیجه‌ای یافت نشد"
    assert window.table.empty_text == "نتیجه‌ای یافت نشد"

    window.search_scope.setCurrentIndex(0)
    _search(window, "ص-۱۴۰۵-۱")
    window.resize(1100, 500)
    QApplication.processEvents()
    window.grab().save(str(artifacts_dir / "search_by_displayed_shams.png"))
    _search(window, "نامهٔ ناموجود")
    window.grab().save(str(artifacts_dir / "search_no_result.png"))


def test_columns_fit_content_and_are_remembered_per_user(persian_app, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    subject = "درخواست تمدید قرارداد پشتیبانی سامانهٔ مکاتبات اداری"
    add_letter(store, subject)
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.resize(1100, 600)
    win.show()
    _show(win, qtbot, Folder.DRAFTS)
    table, hh = win.table, win.table.horizontalHeader()
    # A draft has no number: its empty «شماره» column is as wide as its title, the subject gets the room.
    assert hh.sectionSize(Column.SHAMS) < table.viewport().width() / 8
    assert hh.sectionSize(Column.SUBJECT) > table.fontMetrics().horizontalAdvance(subject) + 20  # not truncated

    # The user widens the counterpart column by dragging its edge; the width is saved for them.
    before = hh.sectionSize(Column.COUNTERPART)
    with qtbot.waitSignal(table.columns_changed, timeout=5000):
        hh.resizeSection(Column.COUNTERPART, before + 120)
    qtbot.waitUntil(lambda: _saved(store), timeout=5000)
    win.close()

    again = MainWindow(store)
    qtbot.addWidget(again)
    again.show()
    _show(again, qtbot, Folder.DRAFTS)
    assert again.table.horizontalHeader().sectionSize(Column.COUNTERPART) == before + 120
    again.close()


def _saved(store: Store) -> bool:
    from app.models.profile import letter_columns_setting

    return letter_columns_setting(store, "") is not None  # no account in this test: the user is ""


def test_column_widths_are_per_user(store: Store) -> None:
    from app.models.profile import letter_columns_setting, remember_letter_columns

    remember_letter_columns(store, "s.ahmadi", "AAA=")
    remember_letter_columns(store, "m.karimi", "BBB=")
    assert letter_columns_setting(store, "s.ahmadi") == "AAA="
    assert letter_columns_setting(store, "m.karimi") == "BBB="
    assert letter_columns_setting(store, "someone") is None


def test_the_empty_list_says_no_result(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    _search(window, "چیزی که نیست")
    qtbot.waitUntil(lambda: window.table.empty_text == "نتیجه‌ای یافت نشد", timeout=5000)
    image = window.table.viewport().grab().toImage()
    centre = QPoint(image.width() // 2, window.table.fontMetrics().height() * 3)
    row = [image.pixelColor(x, centre.y()) for x in range(image.width())]
    assert len({c.name() for c in row}) > 1  # something is written across the middle of the empty list
