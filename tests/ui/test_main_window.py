"""The main window over a real local store: RTL Persian UI, folders, lazy list, search."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QApplication

from app.models.db import Store
from app.models.folders import Folder
from app.models.tables import Letter
from app.ui import fonts
from app.ui.letter_table_model import Column, LetterTableModel
from app.ui.main_window import MainWindow
from app.ui.resources import fonts_dir
from devkit.sample_letters import fill_sample_letters
from tests.ui.conftest import add_letter

pytestmark = pytest.mark.gui

FOLDER_NAMES_FA = {
    Folder.DRAFTS: "پیش‌نویس‌ها",
    Folder.AWAITING_SIGNATURE: "در انتظار امضا",
    Folder.OUTBOX: "صندوق ارسال",
    Folder.SENT: "ارسال‌شده‌ها",
    Folder.INCOMING: "وارده‌ها",
    Folder.ARCHIVE: "بایگانی",
}


def _search(win: MainWindow, text: str) -> list[str]:
    win.search.setText(text)
    win.search.commit()  # skip the typing pause
    win.model.wait()
    return [win.model.letter_at(r).subject for r in range(win.model.rowCount())]


def _show(win: MainWindow, qtbot, folder: Folder) -> None:  # type: ignore[no-untyped-def]
    rect = win.folders.visualItemRect(win.folders.item_for(folder))
    qtbot.mouseClick(win.folders.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    win.model.wait()
    assert win.model.folder is folder


def test_window_is_rtl_with_persian_title_and_folders(window: MainWindow) -> None:
    assert window.windowTitle() == "دبیر"
    assert window.isRightToLeft()
    assert QApplication.layoutDirection() == Qt.LayoutDirection.RightToLeft
    names = [window.folders.topLevelItem(i).text(0) for i in range(window.folders.topLevelItemCount())]
    assert names == ["کارتابل", *FOLDER_NAMES_FA.values()]  # the cartable is listed first, like a folder
    headers = [window.model.headerData(c, Qt.Orientation.Horizontal) for c in Column]
    assert headers == ["موضوع", "طرف مکاتبه", "شماره", "تاریخ", "وضعیت", "فوریت"]
    # The folder list is on the right edge of the window.
    folders_x = window.folders.mapTo(window, window.folders.rect().center()).x()
    table_x = window.table.mapTo(window, window.table.rect().center()).x()
    assert folders_x > table_x


def test_folder_counts_in_persian_digits(persian_app, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        add_letter(store, f"پیش‌نویس {i}")
    for i in range(12):
        add_letter(store, f"وارده {i}", kind="incoming")
    add_letter(store, "منتظر امضا", state="awaiting_signature")
    win = MainWindow(store)
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.folders.count_text(Folder.INCOMING) != "", timeout=5000)
    assert win.folders.count_text(Folder.DRAFTS) == "۳"
    assert win.folders.count_text(Folder.INCOMING) == "۱۲"
    assert win.folders.count_text(Folder.AWAITING_SIGNATURE) == "۱"
    assert win.folders.count_text(Folder.ARCHIVE) == "۰"
    win.model.wait()


def test_clicking_a_folder_shows_its_letters(persian_app, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    add_letter(store, "درخواست تمدید قرارداد پشتیبانی سامانه")
    add_letter(store, "گزارش عملکرد سه‌ماهه", kind="incoming")
    guid = add_letter(store, "ابلاغ بخشنامه", state="awaiting_signature")
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.show()
    win.model.wait()
    assert win.model.folder is Folder.INCOMING  # where a secretary starts
    assert [win.model.letter_at(r).subject for r in range(win.model.rowCount())] == ["گزارش عملکرد سه‌ماهه"]
    assert "۱ نامه" in win.status_label.text()

    _show(win, qtbot, Folder.DRAFTS)
    assert [win.model.letter_at(r).subject for r in range(win.model.rowCount())] == [
        "درخواست تمدید قرارداد پشتیبانی سامانه"
    ]
    row = win.model.index(0, Column.COUNTERPART)
    assert win.model.data(row) == "وزارت راه و شهرسازی"
    assert win.model.data(win.model.index(0, Column.STATE)) == "پیش‌نویس"
    assert win.model.data(win.model.index(0, Column.PRIORITY)) == "عادی"

    _show(win, qtbot, Folder.AWAITING_SIGNATURE)
    assert win.model.rowCount() == 1
    assert win.model.letter_at(0).guid == guid
    assert win.model.data(win.model.index(0, Column.STATE)) == "در انتظار امضا"


def test_shams_date_and_priority_are_shown_in_persian(persian_app, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    guid = add_letter(store, "نامه شماره‌گذاری‌شده", priority="immediate", classification="confidential")
    with store.session() as s:
        letter = s.get(Letter, guid)
        assert letter is not None
        letter.state = "sent"
        letter.shams = "14000123453-O-1405-187"
        letter.registered_at = dt.datetime(2026, 11, 23, 11, 0, tzinfo=dt.UTC)  # 14:30 in Tehran
    win = MainWindow(store)
    qtbot.addWidget(win)
    _show(win, qtbot, Folder.SENT)
    cell = lambda c: win.model.data(win.model.index(0, c))  # noqa: E731
    assert cell(Column.SHAMS) == "\u2066\u202d۱۴۰۰۰۱۲۳۴۵۳-ص-۱۴۰۵-۱۸۷\u202c\u2069"  # held LTR
    assert cell(Column.DATE) == "۱۴۰۵/۰۹/۰۲ ۱۴:۳۰"
    assert cell(Column.PRIORITY) == "آنی"
    tooltip = win.model.data(win.model.index(0, Column.SUBJECT), Qt.ItemDataRole.ToolTipRole)
    assert "محرمانه" in tooltip


def test_search_with_arabic_kaf_finds_persian_kaf(window: MainWindow, store: Store) -> None:
    add_letter(store, "درخواست خرید کتاب‌های تخصصی", kind="incoming")
    add_letter(store, "گزارش عملکرد سه‌ماهه", kind="incoming")
    window.model.refresh()
    window.model.wait()
    assert window.model.rowCount() == 2
    assert _search(window, "كتاب") == ["درخواست خرید کتاب‌های تخصصی"]  # Arabic ك
    assert "«كتاب»" in window.status_label.text() or "«کتاب»" in window.status_label.text()
    assert _search(window, "") == ["گزارش عملکرد سه‌ماهه", "درخواست خرید کتاب‌های تخصصی"]


def test_search_matches_ascii_and_persian_digits(window: MainWindow, store: Store) -> None:
    add_letter(store, "پیگیری قرارداد شماره ۱۴۰۳/۲۵۶", kind="incoming")
    add_letter(store, "پیگیری قرارداد شماره 1402/118", kind="incoming")
    window.model.refresh()
    window.model.wait()
    assert _search(window, "1403") == ["پیگیری قرارداد شماره ۱۴۰۳/۲۵۶"]
    assert _search(window, "۱۴۰۲") == ["پیگیری قرارداد شماره 1402/118"]
    assert _search(window, "٢٥٦") == ["پیگیری قرارداد شماره ۱۴۰۳/۲۵۶"]  # Arabic-Indic digits too


def test_search_is_debounced_and_scoped_to_the_folder(window: MainWindow, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.search_scope.setCurrentIndex(1)  # «فقط همین پوشه»
    add_letter(store, "کتاب وارده", kind="incoming")
    add_letter(store, "کتاب پیش‌نویس")
    window.model.refresh()
    window.model.wait()
    with qtbot.waitSignal(window.model.reloaded, timeout=5000):
        for ch in "کتا":  # typed one by one (QTest cannot type Persian keys), never committed:
            window.search.insert(ch)  # the pause after the last one triggers the search
        assert window.model.rowCount() == 1 and not window.model.loading  # nothing asked yet
    assert [window.model.letter_at(r).subject for r in range(window.model.rowCount())] == ["کتاب وارده"]


def test_lazy_model_fetches_pages_not_everything(persian_app, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    fill_sample_letters(store, 1500, seed=7)
    model = LetterTableModel(store, page_size=100, first_page_size=40)
    model.load(Folder.SENT)
    model.wait()
    total = model.total
    assert total > 300
    assert model.rowCount() == 40 and model.pages_fetched == 1  # a short first page: shown sooner
    assert model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 40  # asked, not read on the GUI thread: the page arrives later
    model.fetchMore()  # the view asks again while it is on its way: still one page
    model.wait()
    assert model.rowCount() == 140 and model.pages_fetched == 2
    while model.canFetchMore():
        model.fetchMore()
        model.wait()
    assert model.rowCount() == total and model.pages_fetched == 1 + -(-(total - 40) // 100)
    guids = [model.letter_at(r).guid for r in range(total)]
    assert len(set(guids)) == total  # pages neither overlap nor skip


def test_count_starts_after_the_new_rows_are_painted(
    persian_app, store: Store, qtbot, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    # On two cores a count running beside the repaint slowed it by a third: it waits its turn.
    import app.ui.letter_table_model as table_model

    fill_sample_letters(store, 300, seed=9)
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.show()
    win.model.wait()
    events: list[str] = []
    counting = table_model.read_count

    def read_count(*args, **kwargs):  # type: ignore[no-untyped-def]
        events.append("count")  # on the worker
        return counting(*args, **kwargs)

    monkeypatch.setattr(table_model, "read_count", read_count)
    win.model.reloaded.connect(lambda: events.append("rows"))
    win.table.painted.connect(lambda _n: events.append("painted"))
    win.search.setText("گزارش")
    with qtbot.waitSignal(win.model.counted, timeout=5000) as counted:
        win.search.commit()
    rows = events.index("rows")
    assert events.index("count") > events.index("painted", rows)
    assert counted.args == [win.model.total] and win.model.total > win.model.rowCount()


def test_count_arrives_without_a_view(persian_app, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    fill_sample_letters(store, 300, seed=9)
    model = LetterTableModel(store, first_page_size=40)
    with qtbot.waitSignal(model.counted, timeout=5000) as counted:
        model.load(Folder.SENT)  # nothing paints: the count starts after a short wait
    assert model.rowCount() == 40 and counted.args[0] > 40 and not model.loading


def test_view_fetches_more_when_scrolled(persian_app, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    fill_sample_letters(store, 3000, seed=8)
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.show()
    win.model.wait()
    first = win.model.rowCount()
    total = win.model.total
    assert total is not None and 0 < first < total
    win.table.scrollToBottom()
    qtbot.waitUntil(lambda: win.model.rowCount() > first, timeout=5000)
    assert win.model.rowCount() < total  # one more page, not the whole folder


def test_screenshot_shows_persian_in_the_bundled_font(persian_app, store: Store, qtbot, artifacts_dir: Path) -> None:  # type: ignore[no-untyped-def]
    fill_sample_letters(store, 400, seed=2)
    app = persian_app
    assert app.font().family() == "Vazirmatn"
    assert QFontInfo(app.font()).family() == "Vazirmatn"  # resolved, not substituted
    loaded = {p.resolve() for p in fonts.loaded_files}
    assert fonts_dir().resolve() / "Vazirmatn-Regular.ttf" in loaded
    assert all(p.parent == fonts_dir().resolve() for p in loaded)

    win = MainWindow(store)
    qtbot.addWidget(win)
    win.resize(1280, 760)
    win.show()
    win.model.wait()
    qtbot.waitUntil(lambda: win.folders.count_text(Folder.INCOMING) != "", timeout=5000)
    win.table.selectRow(1)
    assert QFontInfo(win.table.font()).family() == "Vazirmatn"
    qtbot.wait(50)
    path = artifacts_dir / "main_window.png"
    assert win.grab().save(str(path))
    assert path.stat().st_size > 20_000


def test_the_status_bar_shows_the_agency_and_a_long_message_whole_when_there_is_room(  # type: ignore[no-untyped-def]
        window: MainWindow, store: Store, qtbot) -> None:
    from app.models.tables import Agency, Setting
    from app.sync.account import SENDER_SETTING

    with store.session() as s:
        s.add(Agency(national_id="14000123453", name="سازمان نمونه ب (اداره کل پایلوت)", name_norm="سازمان نمونه ب"))
        s.add(Setting(key=SENDER_SETTING, value={"agency": "14000123453", "name": "دبیر دبیرخانه",
                                                 "roles": ["secretary"]}))
    window.show_identity()
    window.resize(1200, 700)
    window.show_message("ارتباط با کارگزار برقرار نشد؛ نامه‌ها در صندوق خروجی می‌مانند و پس از برقراری "
                        "ارتباط خودکار فرستاده می‌شوند.")
    qtbot.wait(50)
    assert window.user_label.text() == window.user_label.fullText()  # no «…» beside free space
    assert "اداره کل پایلوت" in window.user_label.text()
    assert window.message_label.text() == window.message_label.fullText()


@pytest.mark.parametrize(("roles", "named"), [(["staff", "unit_manager"], "کارشناس، مدیر واحد"),
                                              (["rasad_observer"], "ناظر رصد")])
def test_every_role_is_named_in_persian_in_the_title_and_status_bar(  # type: ignore[no-untyped-def]
        window: MainWindow, store: Store, roles: list[str], named: str) -> None:
    from app.models.tables import Setting
    from app.sync.account import SENDER_SETTING

    with store.session() as s:
        s.add(Setting(key=SENDER_SETTING, value={"agency": "14000123453", "name": "مدیر واحد فناوری اطلاعات",
                                                 "roles": roles}))
    window.show_identity()
    assert f"({named})" in window.windowTitle() and f"({named})" in window.user_label.fullText()
    assert not any(r in window.windowTitle() for r in roles), window.windowTitle()
