"""Referrals in the window: «ارجاع» on a letter (colleagues from the directory by name, unit or
title, an instruction, a postscript, a due date on the Jalali picker) and the «کارتابل» (unread
in bold, overdue in red, sortable; close with a note, recall an unread referral, answer with a
new letter linked by «عطف»)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.models import referrals as R
from app.models.db import Store
from app.models.directory import DirectoryEntry
from app.models.tables import OutboxOperation, Referral, ReferralEvent, Setting
from app.sync.account import remember_sender
from app.sync.engine import apply_directory
from app.ui.cartable_view import CartableView
from app.ui.referral_dialog import ReferralDialog
from tests.ui.conftest import OWN, add_letter
from tests.ui.editor_conftest_helpers import assert_writes_right_to_left, save_screenshot, type_text

ME = OWN["person"]
AGENCY = OWN["agency"]
TODAY = dt.date(2026, 12, 5)


def _directory(store: Store) -> None:
    people = [("s.ahmadi", "سارا احمدی", "دبیر", "secretariat"), ("r.karimi", "رضا کریمی", "کارشناس فناوری", "it"),
              ("m.hosseini", "مریم حسینی", "کارشناس حقوقی", "legal"), ("a.rahimi", "علی رحیمی", "مدیرکل", "office")]
    units = [("secretariat", "دبیرخانه مرکزی"), ("it", "دفتر فناوری اطلاعات"), ("legal", "دفتر حقوقی"),
             ("office", "دفتر مدیرکل")]
    with store.session() as s:
        apply_directory(s, {
            "agencies": [{"national_id": AGENCY, "name": "سازمان نمونه"}],
            "units": [{"agency": AGENCY, "code": c, "name": n} for c, n in units],
            "people": [{"agency": AGENCY, "username": u, "display_name": n, "title": t, "unit": c}
                       for u, n, t, c in people]})
    remember_sender(store, {"agency": AGENCY, "username": ME, "display_name": "سارا احمدی", "roles": ["secretary"]})


def _select(window, row: int) -> None:  # type: ignore[no-untyped-def]
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    window.table.selectionModel().select(window.model.index(row, 0), flags)


def test_a_letter_is_referred_to_colleagues_picked_by_unit_and_title(  # type: ignore[no-untyped-def]
        window, store: Store, qtbot, artifacts_dir: Path) -> None:
    _directory(store)
    guid = add_letter(store, "درخواست همکاری در طرح ملی", kind="incoming", state="received")
    window.refresh()
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() == 1, timeout=5000)
    _select(window, 0)
    assert window.referrals.refer.isEnabled() and window.referrals.refer.text() == "ارجاع"
    dialog = window.referrals.refer_selected()
    assert isinstance(dialog, ReferralDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    assert dialog.people.count() == 3  # the colleagues, not me
    type_text(dialog.filter, "کارشناس")  # by title
    visible = [dialog.people.item(i) for i in range(3) if not dialog.people.item(i).isHidden()]
    assert sorted(i.text() for i in visible) == ["رضا کریمی، کارشناس فناوری، دفتر فناوری اطلاعات",
                                                  "مریم حسینی، کارشناس حقوقی، دفتر حقوقی"]
    for item in visible:
        item.setCheckState(Qt.CheckState.Checked)
    dialog.filter.clear()
    assert [dialog.instruction.itemText(i) for i in range(4)] == ["برای اقدام", "برای اطلاع", "جهت استحضار",
                                                                  "جهت بررسی و اظهارنظر"]
    dialog.instruction.setCurrentIndex(3)
    assert_writes_right_to_left(dialog.postscript)  # the هامش starts on the right, as Persian does
    dialog.postscript.setPlainText("لطفاً تا پایان هفته نظر کارشناسی اعلام شود.")
    dialog.has_due.setChecked(True)
    dialog.due.setDate(dt.date(2026, 12, 12))
    save_screenshot(dialog, artifacts_dir / "referral_dialog.png")
    dialog.ok.click()
    qtbot.waitUntil(lambda: len(R.cartable(store, ME, sent=True)) == 1, timeout=5000)
    with store.reader() as s:
        [ref] = s.scalars(select(Referral)).all()
        assert (ref.letter_guid, sorted(ref.to_people), ref.instruction, ref.due_date, ref.from_person) == (
            guid, ["m.hosseini", "r.karimi"], "جهت بررسی و اظهارنظر", dt.date(2026, 12, 12), ME)
        assert ref.synced_at is None  # waits for the next sync
        assert s.scalars(select(OutboxOperation.op).where(OutboxOperation.letter_guid == guid)).all() == [R.REFER_OP]


def test_no_colleague_chosen_says_so(window, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    _directory(store)
    guid = add_letter(store, "گزارش پیشرفت پروژه", kind="incoming", state="received")
    dialog = window.referrals.open_dialog(guid)
    dialog.ok.click()
    qtbot.waitUntil(dialog.error.isVisible, timeout=5000)
    assert dialog.error.text() == "دست‌کم یک همکار را برای ارجاع برگزینید."


def test_the_letter_referred_to_me_shows_who_referred_it_the_instruction_and_the_whole_margin_note(  # type: ignore[no-untyped-def]
        window, store: Store, qtbot) -> None:
    from app.ui.letter_details import LetterDetails

    _directory(store)
    guid = add_letter(store, "درخواست همکاری در طرح ملی", kind="incoming", state="received")
    _referred_to_me(store, guid, "a.rahimi", dt.date(2026, 12, 20), "2026-12-01T08:00:00Z")
    details = LetterDetails(store, guid)
    qtbot.addWidget(details)
    text = details.text()
    assert "ارجاع:" in text and "«برای اقدام» از علی رحیمی، ۱۴۰۵/۰۹/۱۰ ۱۱:۳۰" in text, text
    assert "هامش:" in text and "پیگیری و نتیجه گزارش شود." in text  # whole: the cartable's column cuts it
    assert "مهلت اقدام:" in text and "۱۴۰۵/۰۹/۲۹" in text


def test_closing_a_referral_syncs_at_once_as_referring_does(  # type: ignore[no-untyped-def]
        window, store: Store, qtbot) -> None:
    """A manager who closes a referral and shuts the computer down expects the close to be on the
    server (it waited for the next pass, up to half a minute)."""
    _directory(store)
    guid = add_letter(store, "درخواست همکاری در طرح ملی", kind="incoming", state="received")
    mine = _referred_to_me(store, guid, "a.rahimi", None, "2026-12-01T08:00:00Z")
    asked: list[bool] = []
    window.sync_now = lambda *, quiet=False: asked.append(quiet)
    view = window.referrals.open_cartable()
    view.reload()
    _loaded(qtbot, view)
    view.select(mine)
    view.ask_note = lambda: "ملاحظه شد."
    view.close_button.click()
    qtbot.waitUntil(lambda: asked == [True], timeout=5000)
    assert any(r.closed for r in R.cartable(store, ME) if r.guid == mine)


def _referred_to_me(store: Store, letter: str, sender: str, due: dt.date | None, created: str) -> str:
    guid = str(uuid.uuid4())
    with store.session() as s:
        R.apply_cartable(s, {"items": [{"type": "referral", "referral": {
            "id": guid, "letter_guid": letter, "parent": None, "from": sender, "to": [ME], "instruction": "برای اقدام",
            "postscript": "پیگیری و نتیجه گزارش شود.", "due_date": due.isoformat() if due else None,
            "created_at": created}}]})
    return guid


def test_the_cartable_shows_unread_bold_overdue_red_and_its_steps(  # type: ignore[no-untyped-def]
        window, store: Store, qtbot, artifacts_dir: Path) -> None:
    _directory(store)
    first = add_letter(store, "درخواست همکاری در طرح ملی", kind="incoming", state="received")
    second = add_letter(store, "گزارش پیشرفت پروژه", kind="incoming", state="received")
    overdue = _referred_to_me(store, first, "a.rahimi", TODAY - dt.timedelta(days=3), "2026-11-25T08:00:00Z")
    later = _referred_to_me(store, second, "r.karimi", TODAY + dt.timedelta(days=7), "2026-12-01T08:00:00Z")
    R.add_event(store, later, ME, "read")
    mine = R.refer(store, second, ME, ["m.hosseini"], "برای اطلاع").value
    view = window.referrals.open_cartable()
    view.today = lambda: TODAY
    view.reload()
    _loaded(qtbot, view)
    assert isinstance(view, CartableView) and view.windowTitle() == "کارتابل"
    assert window.lists.currentWidget() is view and view.isVisible()  # in the window, its folder chosen
    assert view.model.rowCount() == 2

    def cell(guid: str, column: int, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole) -> object:
        row = view.row_of(guid)
        assert row is not None
        return view.model.index(row, column).data(role)

    assert cell(overdue, 0, Qt.ItemDataRole.FontRole).bold() and cell(later, 0, Qt.ItemDataRole.FontRole) is None
    assert cell(overdue, 0, Qt.ItemDataRole.ForegroundRole).name() == "#c62828"
    assert cell(later, 0, Qt.ItemDataRole.ForegroundRole) is None
    assert cell(overdue, 7) == "خوانده‌نشده" and cell(later, 7) == "خوانده‌شده"
    view.table.sortByColumn(4, Qt.SortOrder.AscendingOrder)  # by due date, in SQL
    _loaded(qtbot, view)
    assert view.row_of(overdue) == 0
    view.table.sortByColumn(4, Qt.SortOrder.DescendingOrder)
    _loaded(qtbot, view)
    assert view.row_of(overdue) == 1
    window.resize(1100, 420)
    save_screenshot(view, artifacts_dir / "cartable.png")

    # close with a note
    view.select(later)
    view.ask_note = lambda: "اقدام شد و نتیجه گزارش شد."
    assert view.close_button.isEnabled() and not view.recall_button.isEnabled()
    view.close_button.click()
    qtbot.waitUntil(lambda: any(r.closed for r in R.cartable(store, ME) if r.guid == later), timeout=5000)
    # recall: one I sent, while it is unread
    view.which.setCurrentIndex(1)
    _loaded(qtbot, view)
    view.select(mine)
    assert [view.model.index(0, c).data() for c in (7, 1)] == ["در انتظار همگام‌سازی", "مریم حسینی"]
    assert view.recall_button.isEnabled()
    view.recall_button.click()
    qtbot.waitUntil(lambda: any(r.recalled for r in R.cartable(store, ME, sent=True)), timeout=5000)
    # answer: a new internal letter «عطف» to the referred one, its subject pre-filled
    view.which.setCurrentIndex(0)
    _loaded(qtbot, view)
    view.select(overdue)
    view.answer_button.click()
    QApplication.processEvents()
    editor = window.tabs.currentWidget()
    assert editor.in_reply_to.link() is not None and editor.in_reply_to.link().guid == first
    assert editor.subject.text() == "پاسخ: درخواست همکاری در طرح ملی"
    assert [e.person for e in editor.to_picker.entries()] == ["a.rahimi"]  # to the one who referred it
    editor.save()
    qtbot.waitUntil(lambda: _pending_answer(store, editor.guid), timeout=5000)
    assert _answered(store, overdue) is None  # a saved draft answers nothing yet: it may still be thrown away
    editor.signatories.addEntry(DirectoryEntry("person", AGENCY, person="a.rahimi", name="علی رحیمی",
                                               national_code="0012345679"))
    answer = editor.guid
    assert editor.submit_for_signature()  # the answer goes for signature: now the referral is answered
    qtbot.waitUntil(lambda: _answered(store, overdue) is not None, timeout=5000)
    assert _answered(store, overdue) == answer
    # opening the letter marks the referral read
    window.referrals.open_cartable()
    _loaded(qtbot, view)
    view.select(overdue)
    assert not view.answer_button.isEnabled()  # answered once: a second «پاسخ» would leave an empty draft
    view.open_button.click()
    qtbot.waitUntil(lambda: next(r for r in R.cartable(store, ME) if r.guid == overdue).read, timeout=5000)


def _loaded(qtbot, view: CartableView) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: view.model.asked and not view.model.loading, timeout=5000)


def _pending_answer(store: Store, answer: str | None) -> bool:
    with store.reader() as s:
        return answer is not None and s.get(Setting, R.ANSWER_PREFIX + answer) is not None


def _answered(store: Store, referral: str) -> str | None:
    with store.reader() as s:
        return s.scalars(select(ReferralEvent.answer_guid).where(
            ReferralEvent.referral_guid == referral, ReferralEvent.kind == "answer")).first()
