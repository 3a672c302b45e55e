"""The cartable in the main window: listed as a folder with its unread count and shown in place of
the letter list (staff land on it); due and overdue referrals raise one notification each, once
also across a restart; the status bar counts the overdue ones and a click shows them."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QApplication

from app.models import referrals as R
from app.models.changes import Changes
from app.models.db import Store
from app.models.folders import Folder
from app.sync.account import remember_sender
from app.sync.engine import apply_directory
from app.ui.cartable_view import OVERDUE
from app.ui.main_window import MainWindow
from app.ui.reminders import tehran_today
from app.ui.store_changes import StoreChanges
from tests.ui.conftest import OWN, add_letter
from tests.ui.editor_conftest_helpers import save_screenshot, type_text

ME = OWN["person"]
AGENCY = OWN["agency"]


def _profile(store: Store, roles: list[str]) -> None:
    with store.session() as s:
        apply_directory(s, {
            "agencies": [{"national_id": AGENCY, "name": "سازمان نمونه"}],
            "units": [{"agency": AGENCY, "code": "office", "name": "دفتر مدیرکل"}],
            "people": [{"agency": AGENCY, "username": u, "display_name": n, "title": t, "unit": "office"}
                       for u, n, t in ((ME, "سارا احمدی", "کارشناس"), ("a.rahimi", "علی رحیمی", "مدیرکل"))]})
    remember_sender(store, {"agency": AGENCY, "username": ME, "display_name": "سارا احمدی", "roles": roles})


def _referred_to_me(store: Store, subject: str, due: dt.date | None, days_ago: int = 1) -> str:
    letter = add_letter(store, subject, kind="incoming", state="received")
    guid = str(uuid.uuid4())
    created = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with store.session() as s:
        R.apply_cartable(s, {"items": [{"type": "referral", "referral": {
            "id": guid, "letter_guid": letter, "parent": None, "from": "a.rahimi", "to": [ME],
            "instruction": "برای اقدام", "postscript": "", "due_date": due.isoformat() if due else None,
            "created_at": created}}]})
    return guid


def _open(store: Store, qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.resize(1200, 600)
    win.show()
    qtbot.waitUntil(lambda: win.reminders.timer.isActive() and win.reminders._running is None, timeout=10_000)
    return win


def _close(win: MainWindow) -> None:
    win.close()
    QThreadPool.globalInstance().waitForDone(10_000)


def test_due_and_overdue_referrals_notify_once_also_after_a_restart(  # type: ignore[no-untyped-def]
        persian_app, store: Store, qtbot, artifacts_dir: Path) -> None:
    today = tehran_today()
    _profile(store, ["secretary"])
    due = _referred_to_me(store, "گزارش بودجه سال آینده", today)
    late = _referred_to_me(store, "پاسخ به استعلام دیوان محاسبات", today - dt.timedelta(days=2), days_ago=9)
    _referred_to_me(store, "دعوت به جلسه هماهنگی", today + dt.timedelta(days=5))  # not due yet
    _referred_to_me(store, "اطلاعیه اداری", None)  # no due date
    win = _open(store, qtbot)
    qtbot.waitUntil(lambda: len(win.notifier.history) == 2, timeout=5000)
    assert sorted(win.notifier.history) == sorted([
        ("ارجاع دیرکرددار", f"مهلت ارجاع «پاسخ به استعلام دیوان محاسبات» در {_jalali(today - dt.timedelta(days=2))} "
                            "به پایان رسیده است."),
        ("سررسید ارجاع امروز است", "مهلت ارجاع «گزارش بودجه سال آینده» امروز به پایان می‌رسد.")])
    assert win.overdue_button.isVisible() and win.overdue_button.text() == "۱ ارجاع دیرکرددار"
    win.statusBar().resize(1200, 30)
    save_screenshot(win, artifacts_dir / "overdue_status.png")
    # the next check (the minute's timer, a sync pass) says nothing again
    win.reminders.check()
    qtbot.waitUntil(lambda: win.reminders._running is None, timeout=5000)
    assert len(win.notifier.history) == 2
    # clicking the balloon (the tray's messageClicked) opens the cartable in the window
    win.folders.select(Folder.INCOMING)
    assert win.lists.currentIndex() == 0
    win.notifier.clicked()
    assert win.lists.currentWidget() is win.cartable and win.folders.currentItem() is win.folders.cartable_item
    _close(win)

    # a restart: the profile opened again, a new window, repeats nothing, yet still counts
    restarted = Store(store.data_dir)
    again = _open(restarted, qtbot)
    assert again.notifier.history == [] and again.reminders.overdue == 1
    assert again.overdue_button.text() == "۱ ارجاع دیرکرددار"
    # the referral due today that is still open tomorrow is overdue: that is said once more
    again.reminders.today = lambda: today + dt.timedelta(days=1)
    again.reminders.check()
    qtbot.waitUntil(lambda: len(again.notifier.history) == 1, timeout=5000)
    assert again.notifier.history[0][0] == "ارجاع دیرکرددار" and "گزارش بودجه سال آینده" in again.notifier.history[0][1]
    assert again.reminders.overdue == 2 and again.overdue_button.text() == "۲ ارجاع دیرکرددار"
    assert {due, late} == {r.guid for r in R.cartable_page(store, ME, view=R.OVERDUE, today=today + dt.timedelta(1))}
    _close(again)
    restarted.close()


def _jalali(day: dt.date) -> str:
    from app.protocol.jalali import format_date

    return format_date(day)


def test_the_overdue_count_follows_the_cartable_and_opens_it(  # type: ignore[no-untyped-def]
        persian_app, store: Store, qtbot) -> None:
    today = tehran_today()
    _profile(store, ["secretary"])
    first = _referred_to_me(store, "پاسخ به استعلام دیوان محاسبات", today - dt.timedelta(days=2))
    second = _referred_to_me(store, "گزارش عملکرد فصل پاییز", today - dt.timedelta(days=1))
    _referred_to_me(store, "دعوت به جلسه هماهنگی", today + dt.timedelta(days=5))
    win = _open(store, qtbot)
    assert win.overdue_button.text() == "۲ ارجاع دیرکرددار" and win.overdue_button.isVisible()
    assert win.lists.currentWidget() is not win.cartable  # a secretary starts on the incoming folder
    win.overdue_button.click()
    view = win.cartable
    qtbot.waitUntil(lambda: not view.model.loading and view.model.rowCount() == 2, timeout=5000)
    assert win.lists.currentWidget() is view and view.which.currentText() == "دیرکرددار"
    assert {view.model.rows[i].guid for i in range(2)} == {first, second}

    # answered: no longer overdue (the row leaves the overdue view, the count drops)
    R.add_event(store, first, ME, "answer", answer_guid=add_letter(store, "پاسخ", kind="internal"))
    win.reminders.check()
    qtbot.waitUntil(lambda: win.overdue_button.text() == "۱ ارجاع دیرکرددار", timeout=5000)
    # closed with a note from the cartable itself: the count drops to zero and hides
    view.reload()
    qtbot.waitUntil(lambda: not view.model.loading and view.model.rowCount() == 1, timeout=5000)
    view.select(second)
    view.ask_note = lambda: "انجام شد."
    view.close_button.click()
    qtbot.waitUntil(lambda: win.reminders.overdue == 0, timeout=5000)
    assert not win.overdue_button.isVisible()
    qtbot.waitUntil(lambda: not view.model.loading and view.model.rowCount() == 0, timeout=5000)
    _close(win)


def test_the_cartable_folder_shows_the_cartable_and_its_unread_count(  # type: ignore[no-untyped-def]
        persian_app, store: Store, qtbot, artifacts_dir: Path) -> None:
    today = tehran_today()
    _profile(store, ["secretary"])
    read = _referred_to_me(store, "گزارش عملکرد فصل پاییز", today + dt.timedelta(days=3), days_ago=3)
    R.add_event(store, read, ME, "read")
    unread = _referred_to_me(store, "درخواست همکاری در طرح ملی", today - dt.timedelta(days=1), days_ago=2)
    _referred_to_me(store, "دعوت به جلسه هماهنگی", None, days_ago=1)
    win = _open(store, qtbot)
    item = win.folders.cartable_item
    assert item.text(0) == "کارتابل" and item.text(1) == "۲"
    rect = win.folders.visualItemRect(item)
    qtbot.mouseClick(win.folders.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    view = win.cartable
    qtbot.waitUntil(lambda: view.isVisible() and view.model.asked and not view.model.loading, timeout=5000)
    assert win.lists.currentWidget() is view and view.model.rowCount() == 3
    assert view.model.index(0, 0).data() == "دعوت به جلسه هماهنگی"  # newest first
    # drawn by the letter list's delegate: unread bold, overdue red, read plain
    assert view.model.painted_cell(view.row_of(unread), 0) == ("درخواست همکاری در طرح ملی", OVERDUE, True)
    assert view.model.painted_cell(view.row_of(read), 0) == ("گزارش عملکرد فصل پاییز", None, False)
    assert view.model.index(0, 6).data().startswith("۱۴")  # Jalali, Persian digits
    QApplication.processEvents()
    save_screenshot(win, artifacts_dir / "cartable_folder.png")
    # opening a referral marks it read: the folder's count drops
    view.select(unread)
    view.open_button.click()
    qtbot.waitUntil(lambda: item.text(1) == "۱", timeout=5000)
    qtbot.waitUntil(lambda: win.tabs.count() == 2, timeout=5000)  # the letter opened in a tab
    # Ctrl+K, from another folder with a letter in front, brings the cartable back
    win.folders.select(Folder.INCOMING)
    assert win.lists.currentIndex() == 0
    win.tabs.setCurrentIndex(1)
    assert win.referrals.cartable.shortcut().toString() == "Ctrl+K"
    win.referrals.cartable.trigger()
    assert win.tabs.currentIndex() == 0 and win.lists.currentWidget() is view
    assert win.folders.currentItem() is item
    _close(win)


def test_staff_open_on_their_cartable(persian_app, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    _profile(store, ["staff"])
    _referred_to_me(store, "درخواست همکاری در طرح ملی", None)
    win = _open(store, qtbot)
    qtbot.waitUntil(lambda: win.cartable.model.asked and not win.cartable.model.loading, timeout=5000)
    assert win.folders.currentItem() is win.folders.cartable_item and win.lists.currentWidget() is win.cartable
    assert win.cartable.model.rowCount() == 1
    # in the window's first size the subject is read whole, not «درخواست همکاری در پرو…» beside an
    # empty status column sized for its rarest, longest value (whole in its tooltip)
    QApplication.processEvents()
    table = win.cartable.table
    widths = [table.columnWidth(c) for c in range(table.model().columnCount())]
    assert widths[0] > table.fontMetrics().horizontalAdvance("درخواست همکاری در پروژه آزمایشی") + 24, widths
    _close(win)


def test_typing_in_the_filter_narrows_the_cartable(persian_app, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    _profile(store, ["staff"])
    budget = _referred_to_me(store, "گزارش بودجه سال آینده", None, days_ago=2)
    _referred_to_me(store, "دعوت به جلسه هماهنگی", None, days_ago=1)
    win = _open(store, qtbot)
    view = win.cartable
    qtbot.waitUntil(lambda: view.model.asked and not view.model.loading and view.model.rowCount() == 2, timeout=5000)
    view.select(budget)  # a sync pass that changed something reloads the list: the choice stays
    StoreChanges.instance().announce(Changes(outbox=True), None)
    qtbot.waitUntil(lambda: not view.model.loading, timeout=5000)
    assert view.current() is not None and view.current().guid == budget and view.close_button.isEnabled()
    type_text(view.filter, "بودج")  # the last word as a prefix, while it is typed
    qtbot.waitUntil(lambda: not view.model.loading and view.model.rowCount() == 1, timeout=5000)
    assert view.model.rows[0].guid == budget
    type_text(view.filter, " ناموجود")
    qtbot.waitUntil(lambda: not view.model.loading and view.model.rowCount() == 0, timeout=5000)
    view.filter.clear()
    qtbot.waitUntil(lambda: not view.model.loading and view.model.rowCount() == 2, timeout=5000)
    _close(win)
