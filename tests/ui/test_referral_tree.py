"""The referral tree window (درخت ارجاع): the server's tree painted right to left with Persian
names, Jalali times and a colour per status, each referral under the one it refers on; fetched on
a worker, opened from the letter in hand (menu «نامه») and from the cartable."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt, QThreadPool
from PySide6.QtWidgets import QApplication

from app.models import referrals as R
from app.models.db import Store
from app.protocol.shams import display_text
from app.sync import account
from app.sync.account import remember_sender
from app.ui.referral_tree import STATUS_COLOURS, ReferralTree
from tests.ui.conftest import OWN, add_letter
from tests.ui.editor_conftest_helpers import save_screenshot


def person(username: str, name: str, unit_name: str) -> dict[str, str]:
    return {"username": username, "name": name, "unit": "u", "unit_name": unit_name}


SEC = person("b.secretary", "زهرا محمدی", "دبیرخانه")
STAFF = person("b.staff", "علی حسینی", "فناوری اطلاعات")
BOSS = person("b.signatory", "مریم کریمی", "دفتر مدیرکل")
MGR = person("b.manager", "رضا احمدی", "فناوری اطلاعات")


def recipient(p: dict[str, str], status: str, **times: str) -> dict[str, Any]:
    return {"person": p, "status": status, "read_at": times.get("read_at"), "answered_at": times.get("answered_at"),
            "closed_at": times.get("closed_at")}


def sample_tree(letter: str) -> dict[str, Any]:
    first, on, late = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", \
        "33333333-3333-4333-8333-333333333333"
    return {
        "agency": "14000678907",
        "letter": {"guid": letter, "subject": "درخواست همکاری در طرح سامانه", "shams": "SHAMS-14000123458-O-1405-42",
                   "incoming_number": "1405/17", "sender_name": "سازمان نمونه الف", "registered_at": "2026-12-05T06:00:00Z",
                   "registered_by": SEC},
        "referrals": [
            {"guid": first, "parent_guid": None, "from": SEC,
             "to": [recipient(STAFF, "closed", read_at="2026-12-05T06:30:00Z", answered_at="2026-12-05T07:00:00Z",
                              closed_at="2026-12-05T07:10:00Z"), recipient(BOSS, "open")],
             "instruction": "برای اقدام", "postscript": "لطفاً بررسی و نتیجه را گزارش کنید.", "due_date": "2026-12-20",
             "created_at": "2026-12-05T06:10:00Z", "status": "answered", "recalled_at": None,
             "close_note": "اقدام شد.",
             "answers": [{"guid": "44444444-4444-4444-8444-444444444444", "shams": "SHAMS-14000678907-I-1405-9",
                          "subject": "پاسخ درخواست همکاری", "at": "2026-12-05T07:00:00Z", "by": STAFF}]},
            {"guid": on, "parent_guid": first, "from": STAFF, "to": [recipient(MGR, "overdue")],
             "instruction": "برای اطلاع", "postscript": "", "due_date": "2026-12-01",
             "created_at": "2026-12-05T06:40:00Z", "status": "overdue", "recalled_at": None, "close_note": None,
             "answers": []},
            {"guid": late, "parent_guid": None, "from": SEC, "to": [recipient(MGR, "recalled")],
             "instruction": "برای اقدام", "postscript": "", "due_date": None, "created_at": "2026-12-05T08:00:00Z",
             "status": "recalled", "recalled_at": "2026-12-05T08:05:00Z", "close_note": None, "answers": []},
        ],
        "as_of": "2026-12-05T09:00:00Z",
    }


class FakeApi:
    """What ReferralTree needs of DabirApi, recording the thread it is called on."""

    def __init__(self, tree: dict[str, Any]) -> None:
        self.tree, self.threads, self.asked = tree, [], []  # type: ignore[var-annotated]

    def __enter__(self) -> FakeApi:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def rasad_tree(self, guid: str, agency: str | None = None) -> dict[str, Any]:
        self.threads.append(threading.current_thread())
        self.asked.append((guid, agency))
        return self.tree


def test_the_tree_is_painted_right_to_left_in_persian(  # type: ignore[no-untyped-def]
        persian_app: QApplication, store: Store, qtbot, artifacts_dir: Path) -> None:
    letter = "55555555-5555-4555-8555-555555555555"
    fake = FakeApi(sample_tree(letter))
    window = ReferralTree(store, letter, open_api=lambda _s: fake)  # type: ignore[arg-type,return-value]
    qtbot.addWidget(window)
    window.show()
    window.load()
    qtbot.waitUntil(lambda: window.tree_data is not None, timeout=5000)
    assert fake.threads and fake.threads[0] is not threading.main_thread()  # fetched on a worker
    assert window.layoutDirection() == Qt.LayoutDirection.RightToLeft and window.tree.isRightToLeft()
    view = window.tree
    root = view.topLevelItem(0)
    assert "درخواست همکاری در طرح سامانه" in root.text(2) and "۱۴۰۵/۱۷" in root.text(2)
    assert display_text("SHAMS-14000123458-O-1405-42") in root.text(2)  # as the letter list shows it, Persian digits
    assert root.text(5) == "۱۴۰۵/۰۹/۱۴ ۰۹:۳۰"  # Jalali, Tehran time, Persian digits
    assert root.childCount() == 2  # the two referrals of the desk
    first, late = root.child(0), root.child(1)
    assert first.text(0) == "زهرا محمدی (دبیرخانه)" and "علی حسینی (فناوری اطلاعات): مختومه" in first.text(1)
    assert first.text(3) == "۱۴۰۵/۰۹/۲۹" and first.text(4) == "پاسخ‌داده‌شده"
    kids = {first.child(i).data(0, Qt.ItemDataRole.UserRole): first.child(i) for i in range(first.childCount())}
    on, answer = kids["22222222-2222-4222-8222-222222222222"], kids["44444444-4444-4444-8444-444444444444"]
    assert answer.text(2).startswith("پاسخ:") and "پاسخ درخواست همکاری" in answer.text(2)
    assert display_text("SHAMS-14000678907-I-1405-9") in answer.text(2)
    assert on.text(4) == "گذشته از مهلت" and on.foreground(4).color().name() == STATUS_COLOURS["overdue"][0]
    assert on.font(4).bold()
    assert late.text(4) == "بازپس‌گرفته" and late.foreground(4).color().name() == STATUS_COLOURS["recalled"][0]
    assert "یادداشت مختومه: اقدام شد." in first.toolTip(1)
    # the referral on hangs one level deeper: indented further from the right edge
    assert view.visualItemRect(on).right() < view.visualItemRect(first).right()
    assert "۳ ارجاع" in window.status.text()
    save_screenshot(window, artifacts_dir / "referral_tree.png")
    window.close()


def test_an_answer_still_a_draft_says_so_not_its_guid(  # type: ignore[no-untyped-def]
        persian_app: QApplication, store: Store, qtbot) -> None:
    letter, draft = "55555555-5555-4555-8555-555555555555", "66666666-6666-4666-8666-666666666666"
    tree = sample_tree(letter)
    tree["referrals"][0]["answers"] = [{"guid": draft, "shams": None, "subject": None,
                                        "at": "2026-12-05T07:00:00Z", "by": STAFF}]
    window = ReferralTree(store, letter, open_api=lambda _s: FakeApi(tree))  # type: ignore[arg-type,return-value]
    qtbot.addWidget(window)
    window.load()
    qtbot.waitUntil(lambda: window.tree_data is not None, timeout=5000)
    first = window.tree.topLevelItem(0).child(0)
    [answer] = [first.child(i) for i in range(first.childCount())
                if first.child(i).data(0, Qt.ItemDataRole.UserRole) == draft]
    assert answer.text(2) == "پاسخ (پیش‌نویس، هنوز ثبت نشده)", answer.text(2)  # it read «پاسخ: 66666666»
    window.close()


def test_a_tree_the_user_may_not_see_says_so(  # type: ignore[no-untyped-def]
        persian_app: QApplication, store: Store, qtbot) -> None:
    from app.sync.api import ApiError

    class Refusing(FakeApi):
        def rasad_tree(self, guid: str, agency: str | None = None) -> dict[str, Any]:
            raise ApiError(404, "not_found", "یافت نشد.", "Not found.")

    window = ReferralTree(store, "55555555-5555-4555-8555-555555555555",
                          open_api=lambda _s: Refusing({}))  # type: ignore[arg-type,return-value]
    qtbot.addWidget(window)
    window.load()
    qtbot.waitUntil(lambda: "در دسترس نیست" in window.status.text(), timeout=5000)
    assert window.tree.topLevelItemCount() == 0


def test_opened_from_the_letter_in_hand(  # type: ignore[no-untyped-def]
        window, store: Store, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    remember_sender(store, {"agency": OWN["agency"], "username": OWN["person"], "display_name": "سارا احمدی",
                            "roles": ["secretary"]})
    guid = add_letter(store, "نامه با درخت ارجاع", kind="incoming", state="received")
    fake = FakeApi(sample_tree(guid))
    monkeypatch.setattr(account, "open_api", lambda _s: fake)
    window.refresh()
    qtbot.waitUntil(lambda: not window.model.loading and window.model.rowCount() == 1, timeout=10_000)
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    window.table.selectionModel().select(window.model.index(0, 0), flags)
    action = window.referrals.tree
    assert action in window.menuBar().actions()[0].menu().actions()
    qtbot.waitUntil(action.isEnabled, timeout=5000)
    action.trigger()
    tree = window.referrals.tree_window
    assert tree is not None
    qtbot.waitUntil(lambda: tree.tree_data is not None, timeout=5000)
    assert fake.asked == [(guid, None)] and tree.tree.topLevelItem(0).childCount() == 2
    tree.close()
    # from the letter view: the letter opened in its tab is the one the action shows
    window.table.selectionModel().clearSelection()
    window.open_letter(guid)
    qtbot.waitUntil(action.isEnabled, timeout=5000)
    action.trigger()
    qtbot.waitUntil(lambda: len(fake.asked) == 2, timeout=5000)
    assert fake.asked[-1] == (guid, None)
    window.referrals.tree_window.close()
    # from the cartable: its «درخت ارجاع» button asks for the chosen referral's letter
    R.refer(store, guid, OWN["person"], ["r.karimi"], "برای اقدام")
    cartable = window.referrals.open_cartable(R.SENT)
    assert cartable.tree_button.text() == "درخت ارجاع"
    qtbot.waitUntil(lambda: not cartable.model.loading and cartable.model.rowCount() == 1, timeout=5000)
    cartable.select(cartable.model.rows[0].guid)
    qtbot.waitUntil(cartable.tree_button.isEnabled, timeout=5000)
    cartable.tree_button.click()
    qtbot.waitUntil(lambda: len(fake.asked) == 3, timeout=5000)
    assert fake.asked[-1] == (guid, None)
    window.referrals.tree_window.close()
    QThreadPool.globalInstance().waitForDone(5000)
