"""Issue 16's «Tests» walked in order, as people use the app: the real dabir-server over HTTPS,
a SoftHSM token for agency A's signatory, and one main window per user of agency B, each syncing
with the production engine (``account.open_engine``, the sync bridge's default: nothing injected).

A sends a signed letter; B's secretary sees it valid, with its signer and A's name, registers it
(A then sees it «ثبت‌شده نزد گیرنده» with B's incoming number) and refers it to two staff members
with instructions, postscripts and due dates from the Jalali picker. Staff 1, in their own
profile, refers it on and answers with an internal letter linked by «عطف»; staff 2 closes it.
A recall before the referral is read works, after it is refused; referrals made offline reach
the server in order at the next sync. Letters changed on the way, from an unknown CA, with a
revoked or an expired certificate stay in the inbox, flagged with their reason; a citizen's paper
letter is registered with its scanned pages and referred.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.models import letters as L
from app.models import referrals as R
from app.models.db import Store, open_store
from app.models.directory import DirectoryEntry
from app.models.folders import Folder, fetch_letters
from app.models.letter_actions import apply_signatures, packages_for
from app.models.lifecycle import State
from app.models.tables import Letter, OutboxOperation, Referral, ReferralEvent
from app.protocol import jalali
from app.protocol.certificates import describe_certificate
from app.protocol.jalali import format_date
from app.protocol.persian import to_persian_digits
from app.protocol.shams import display_text
from app.sync import account as acc
from app.sync.api import DabirApi
from app.sync.engine import SyncReport
from app.sync.outbox import queue_letter
from app.ui.cartable_view import CartableView
from app.ui.letter_details import LetterDetails
from app.ui.letter_editor import LetterEditor
from app.ui.main_window import MainWindow
from app.ui.paper_incoming_dialog import PaperIncomingDialog
from app.ui.referral_dialog import ReferralDialog
from app.ui.sync_bridge import SyncBridge
from devkit.letters import make_signer
from devkit.pki import TestPKI, pem
from devkit.server_process import DEMO_PASSWORD, ServerProcess
from devkit.softhsm import softhsm_available
from tests.sync.servers import (
    InTransit,
    crafted,
    engine_through,
    file_keyring,
    started,
    token_signer,
    unreachable,
)
from tests.sync.test_end_to_end import draft, upload_signatory_cert
from tests.ui.editor_conftest_helpers import save_screenshot, type_text
from tests.ui.workflow_helpers import sync_pass

pytestmark = [pytest.mark.server, pytest.mark.slow, pytest.mark.gui, pytest.mark.softhsm,
              pytest.mark.skipif(not softhsm_available(), reason="needs Debian softhsm2")]
CITIZEN = "0010203044"
FOR_ACTION, FOR_INFO, FOR_REVIEW = "برای اقدام", "برای اطلاع", "جهت بررسی و اظهارنظر"
LATIN = re.compile(r"[A-Za-z0-9]")


@pytest.fixture(scope="module")
def pki() -> TestPKI:
    return TestPKI(name="Dabir Scenario Test")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, pki: TestPKI) -> Iterator[ServerProcess]:
    yield from started(ServerProcess(tmp_path_factory.mktemp("scenario-server"), pki))


@pytest.fixture(autouse=True)
def _keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from file_keyring(tmp_path, monkeypatch)


def tehran_today() -> dt.date:
    """Today in Tehran, the day the date picker opens on (the machine's own date may differ)."""
    return jalali.to_gregorian(*jalali.today())


def profile(server: ServerProcess, path: Path, username: str) -> Store:
    """A new profile logged in as ``username`` (the session token in the keyring)."""
    store = open_store(path)
    acc.login(store, acc.Account(server.base_url, username, str(server.ca_bundle)), DEMO_PASSWORD)
    return store


def desk(store: Store, qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    """The user's main window with the sync bridge the app attaches after a login (its own engine)."""
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.resize(1280, 760)
    win.show()
    win.attach_bridge(SyncBridge(store, win))
    qtbot.waitUntil(lambda: not win.model.loading, timeout=10_000)
    return win


def sync(win: MainWindow, qtbot) -> SyncReport:  # type: ignore[no-untyped-def]
    """One pass of the window's own bridge, after any pass an action asked for has finished."""
    report: SyncReport = sync_pass(win.bridge, qtbot)
    assert report.error is None, report
    return report


def rewire(win: MainWindow, qtbot, factory: Any = None) -> None:  # type: ignore[no-untyped-def]
    """The window's bridge replaced, once its pass is over, by one whose engine ``factory`` opens
    (None: the production one)."""
    qtbot.waitUntil(lambda: not win.bridge.status.get("running"), timeout=60_000)  # type: ignore[union-attr]
    win.attach_bridge(SyncBridge(win.store, win, engine_factory=factory))


def refer(win: MainWindow, qtbot, letter: str, people: list[str], instruction: str, postscript: str,  # type: ignore[no-untyped-def]
          weeks: int | None = None, parent: str | None = None, shot: Path | None = None) -> str:
    """Refer through «ارجاع»: colleagues ticked, instruction, postscript, and a due date picked on
    the Jalali calendar (it opens on today; ↓ moves a week)."""
    before = {r.guid for r in R.cartable(win.store, win.referrals.me, sent=True)}
    dialog = win.referrals.open_dialog(letter, parent)
    assert isinstance(dialog, ReferralDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    for i in range(dialog.people.count()):
        item = dialog.people.item(i)
        if item.data(Qt.ItemDataRole.UserRole).username in people:
            item.setCheckState(Qt.CheckState.Checked)
    dialog.instruction.setCurrentIndex(dialog.instruction.findText(instruction))
    dialog.postscript.setPlainText(postscript)
    if weeks is not None:
        dialog.has_due.setChecked(True)
        dialog.due.openPopup()
        calendar = dialog.due.calendar()
        assert calendar.selectedDate() == tehran_today()  # the picker opens on today
        for _ in range(weeks):
            qtbot.keyClick(calendar.dayTable(), Qt.Key.Key_Down)
        if shot is not None:
            save_screenshot(dialog.due.popup(), shot.with_name("referral_due_date_picker.png"))
        qtbot.keyClick(calendar.dayTable(), Qt.Key.Key_Return)
        assert dialog.due.date() == tehran_today() + dt.timedelta(weeks=weeks)
    if shot is not None:
        save_screenshot(dialog, shot)
    done: list[int] = []
    dialog.finished.connect(done.append)
    dialog.ok.click()
    qtbot.waitUntil(lambda: bool(done), timeout=5000)  # stored, and the sync pass it asks for requested
    [made] = [r.guid for r in R.cartable(win.store, win.referrals.me, sent=True) if r.guid not in before]
    return made


def row(store: Store, me: str, referral: str, *, sent: bool = False) -> R.CartableRow:
    return next(r for r in R.cartable(store, me, sent=sent) if r.guid == referral)


def letter(store: Store, guid: str) -> Letter:
    with store.reader() as s:
        found = s.get(Letter, guid)
        assert found is not None
        s.expunge(found)
        return found


def pick(view: CartableView, referral_guid: str) -> None:
    """Select a referral once the cartable's rows (read on a worker) are in."""
    view.model.wait()
    view.select(referral_guid)
    current = view.current()
    assert current is not None and current.guid == referral_guid


def test_the_incoming_desk_end_to_end(  # type: ignore[no-untyped-def]
        tmp_path: Path, server: ServerProcess, pki: TestPKI, persian_app: QApplication, qtbot,
        artifacts_dir: Path) -> None:
    a, b = server.demo["agencies"][:2]  # type: ignore[index]
    signatory = next(u for u in a["users"] if u["username"] == "a.signatory")
    with DabirApi(server.base_url, server.ca_bundle) as admin:  # a second staff member in B
        admin.login("b.admin", DEMO_PASSWORD)
        admin.add_user("b.staff2", "زهرا محمدی", DEMO_PASSWORD, ["staff"], unit="office", title="کارشناس حقوقی")

    # -- A sends a letter signed on the signatory's token ------------------------------------
    a_store = profile(server, tmp_path / "a", "a.secretary")
    guid = draft(a_store, a, b, "درخواست همکاری در طرح ملی")
    with a_store.session() as s:
        L.transition(s, s.get(Letter, guid), State.AWAITING_SIGNATURE)  # type: ignore[arg-type]
    with token_signer(tmp_path / "token", pki, "علی رضایی", signatory["national_code"]) as (sign, cert):
        upload_signatory_cert(server, "a", pem(cert).decode())
        packages = packages_for(a_store, [guid])  # what the sign dialog does with the token's signatures
        for package in packages:
            package.signatures.append(sign(package.content_bytes()))
        der = cert.public_bytes(serialization.Encoding.DER)
        assert apply_signatures(a_store, packages, describe_certificate(der), queue=queue_letter).queued == [guid]
    a_win = desk(a_store, qtbot)
    assert sync(a_win, qtbot).sent == [guid]

    doomed = make_signer(pki, "علی رضایی", signatory["national_code"])  # its letter comes later
    pki.revoke(x509.load_der_x509_certificate(doomed.cert_der))  # (before B first fetches the CRL, kept till its next update)

    # -- B's secretary: the letter arrives valid, with its signer and A's name ---------------
    b_store = profile(server, tmp_path / "b", "b.secretary")
    b_win = desk(b_store, qtbot)
    assert sync(b_win, qtbot).received == [guid]
    details = b_win.open_letter(guid)
    assert isinstance(details, LetterDetails)
    banner = details.verification_banner
    assert banner.status == "valid" and "امضای نامه معتبر است" in banner.text()
    assert "علی رضایی" in banner.text() and "مدیرکل دفتر حقوقی" in banner.text()
    assert to_persian_digits(signatory["national_code"]) in banner.text()
    assert a["name"] in details.text()  # the sending agency, from the directory
    with b_store.reader() as s:
        assert guid in {r.guid for r in fetch_letters(s, Folder.INCOMING, 0, 50, a["name"])}
    save_screenshot(b_win, artifacts_dir / "scenario_incoming_valid.png")

    # -- registered at B: B's number; A sees «ثبت‌شده نزد گیرنده» with it --------------------
    assert b_win.incoming.register.isEnabled()
    b_win.incoming.register.trigger()  # the action asks for a sync pass itself
    qtbot.waitUntil(lambda: letter(b_store, guid).state == "registered_incoming", timeout=60_000)
    number = letter(b_store, guid).incoming_number
    assert number and "/" in number
    qtbot.waitUntil(lambda: to_persian_digits(number) in details.text(), timeout=10_000)
    assert set(sync(a_win, qtbot).acknowledged) == {guid}  # delivered, then registered
    sent = a_win.open_letter(guid)
    assert isinstance(sent, LetterDetails)
    qtbot.waitUntil(lambda: "ثبت‌شده نزد گیرنده" in sent.text(), timeout=10_000)
    assert "علی رضایی" in sent.text()  # who signed it, as the token's certificate names them
    assert f"ثبت شد به شماره وارده {display_text(number)}" in sent.text()  # B's number, as B shows it
    save_screenshot(a_win, artifacts_dir / "scenario_acknowledged_at_sender.png")

    # -- referred to two staff members, each with an instruction, a postscript, a due date ---
    b_win.open_letter(guid)
    to_staff1 = refer(b_win, qtbot, guid, ["b.staff"], FOR_ACTION, "پیگیری و نتیجه تا پایان هفته گزارش شود.",
                      weeks=1, shot=artifacts_dir / "scenario_referral_dialog.png")
    to_staff2 = refer(b_win, qtbot, guid, ["b.staff2"], FOR_REVIEW, "نظر حقوقی اعلام شود.", weeks=2)
    sync(b_win, qtbot)
    assert all(row(b_store, "b.secretary", g, sent=True).synced for g in (to_staff1, to_staff2))

    # -- staff 1, in their own profile: the cartable, refer on, answer by «عطف» --------------
    s1_store = profile(server, tmp_path / "staff1", "b.staff")
    s1_win = desk(s1_store, qtbot)
    report = sync(s1_win, qtbot)
    assert report.received == [guid] and report.cartable == [to_staff1], report
    assert letter(s1_store, guid).verify_status == "valid"  # checked here too, from the cartable's package
    cartable = s1_win.referrals.open_cartable()
    assert isinstance(cartable, CartableView)
    cartable.model.wait()
    pick(cartable, to_staff1)
    mine = cartable.current()
    assert mine is not None and (mine.instruction, mine.postscript) == (FOR_ACTION, "پیگیری و نتیجه تا پایان هفته گزارش شود.")
    assert mine.due_date == tehran_today() + dt.timedelta(weeks=1) and mine.from_name == "دبیر دبیرخانه"
    first = cartable.row_of(to_staff1)
    assert first is not None and cartable.model.index(first, 0).data(Qt.ItemDataRole.FontRole).bold()  # unread
    assert cartable.model.index(first, 5).data() == format_date(mine.due_date)
    # the number staff quote on the phone: B's incoming number, as B's own list shows it
    assert mine.number == number and cartable.model.index(first, 2).data() == display_text(number)
    save_screenshot(cartable, artifacts_dir / "scenario_cartable.png")
    cartable.open_button.click()  # opening it marks it read
    qtbot.waitUntil(lambda: row(s1_store, "b.staff", to_staff1).read, timeout=5000)
    opened = s1_win.tabs.currentWidget()
    assert isinstance(opened, LetterDetails) and opened.verification_banner.status == "valid"
    pick(cartable, to_staff1)
    cartable.refer_button.click()
    qtbot.waitUntil(lambda: s1_win.referrals.dialog is not None and s1_win.referrals.dialog.isVisible(), timeout=5000)
    assert s1_win.referrals.dialog.parent_referral == to_staff1  # «ارجاع مجدد» opens the dialog on this referral
    s1_win.referrals.dialog.reject()
    onward = refer(s1_win, qtbot, guid, ["b.signatory"], FOR_INFO, "جهت استحضار.", parent=to_staff1)
    with s1_store.reader() as s:
        assert s.get(Referral, onward).parent_guid == to_staff1  # type: ignore[union-attr]
    pick(cartable, to_staff1)
    cartable.answer_button.click()
    editor = s1_win.tabs.currentWidget()
    assert isinstance(editor, LetterEditor) and editor._kind == "internal"
    link = editor.in_reply_to.link()
    assert link is not None and link.guid == guid  # «عطف» to the referred letter
    assert editor.subject.text() == "پاسخ: درخواست همکاری در طرح ملی"
    assert [e.person for e in editor.to_picker.entries()] == ["b.secretary"]  # to the one who referred it
    type_text(editor.subject, " (گزارش اقدام)")
    editor.save()
    qtbot.waitUntil(lambda: editor.guid is not None, timeout=5000)
    QTest.qWait(300)
    assert not row(s1_store, "b.staff", to_staff1).answered  # a saved draft answers nothing yet
    b_signatory = next(u for u in b["users"] if u["username"] == "b.signatory")
    editor.signatories.addEntry(DirectoryEntry("person", b["national_id"], person="b.signatory",
                                               name="امضاکننده", national_code=b_signatory["national_code"]))
    answer_guid = editor.guid
    assert editor.submit_for_signature()  # to B's signatory: the referral is answered now
    qtbot.waitUntil(lambda: row(s1_store, "b.staff", to_staff1).answered, timeout=5000)
    save_screenshot(s1_win, artifacts_dir / "scenario_answer_by_reference.png")
    sync(s1_win, qtbot)  # read, refer on, answer: all on the server (some went with the dialog's own pass)
    with s1_store.reader() as s:
        assert {o.status for o in s.scalars(select(OutboxOperation).where(OutboxOperation.op.in_(R.OPS)))} == {"done"}
        answer = s.scalars(select(ReferralEvent.answer_guid).where(ReferralEvent.kind == "answer")).one()
    assert answer == answer_guid

    # -- staff 2 reads and closes theirs ------------------------------------------------------
    s2_store = profile(server, tmp_path / "staff2", "b.staff2")
    s2_win = desk(s2_store, qtbot)
    assert sync(s2_win, qtbot).cartable == [to_staff2]
    cartable2 = s2_win.referrals.open_cartable()
    pick(cartable2, to_staff2)
    assert cartable2.current().due_date == tehran_today() + dt.timedelta(weeks=2)  # type: ignore[union-attr]
    cartable2.open_button.click()
    qtbot.waitUntil(lambda: row(s2_store, "b.staff2", to_staff2).read, timeout=5000)
    pick(cartable2, to_staff2)
    cartable2.ask_note = lambda: "بررسی شد؛ منعی ندارد."
    cartable2.close_button.click()
    qtbot.waitUntil(lambda: row(s2_store, "b.staff2", to_staff2).closed, timeout=5000)
    sync(s2_win, qtbot)

    # -- the secretary sees it all; recalls: unread works, read is refused --------------------
    unread = refer(b_win, qtbot, guid, ["b.staff2"], FOR_INFO, "")
    sync(b_win, qtbot)
    assert row(b_store, "b.secretary", to_staff1, sent=True).answered
    closed = row(b_store, "b.secretary", to_staff2, sent=True)
    assert closed.read and closed.closed
    sent_view = b_win.referrals.open_cartable()
    sent_view.which.setCurrentIndex(1)  # referred by me
    sent_view.model.wait()
    pick(sent_view, to_staff2)
    assert not sent_view.recall_button.isEnabled()  # read: no recall
    with pytest.raises(R.NotAllowed) as refused:
        R.add_event(b_store, to_staff2, "b.secretary", "recall")
    assert refused.value.message_fa == "ارجاعی که خوانده شده است بازپس گرفته نمی‌شود."
    pick(sent_view, unread)
    assert sent_view.recall_button.isEnabled()
    sent_view.recall_button.click()
    qtbot.waitUntil(lambda: row(b_store, "b.secretary", unread, sent=True).recalled, timeout=5000)
    sync(b_win, qtbot)
    assert row(b_store, "b.secretary", unread, sent=True).status == "recalled"
    sync(s2_win, qtbot)
    assert row(s2_store, "b.staff2", unread).recalled  # the recipient sees it withdrawn
    # read elsewhere before this desk heard of it: the server refuses the recall, with its reason
    late = refer(b_win, qtbot, guid, ["b.staff"], FOR_INFO, "")
    sync(b_win, qtbot)
    sync(s1_win, qtbot)
    R.add_event(s1_store, late, "b.staff", "read")
    sync(s1_win, qtbot)
    R.add_event(b_store, late, "b.secretary", "recall")  # this desk has not synced since
    sync(b_win, qtbot)
    late_row = row(b_store, "b.secretary", late, sent=True)
    assert not late_row.recalled and late_row.read, late_row  # a refused recall is not shown as done
    assert late_row.step_refused == "ارجاعی که خوانده شده است بازپس گرفته نمی‌شود."
    sent_view.reload()
    sent_view.model.wait()
    sent_view.resize(1100, 360)
    save_screenshot(sent_view, artifacts_dir / "scenario_cartable_sent.png")
    assert sent_view.model.headerData(1, Qt.Orientation.Horizontal) == "ارجاع‌گیرنده"  # whom I referred it to
    late_status = sent_view.model.index(sent_view.row_of(late) or 0, 7)
    assert late_status.data() == "خوانده‌شده؛ گام شما پذیرفته نشد"
    assert late_status.data(Qt.ItemDataRole.ToolTipRole) == (
        "خوانده‌شده (کارگزار گام شما را نپذیرفت: ارجاعی که خوانده شده است بازپس گرفته نمی‌شود)")
    sync(s1_win, qtbot)
    assert not row(s1_store, "b.staff", late).recalled

    # -- referrals made offline reach the server at the next sync, in order --------------------
    def cut(wire: DabirApi) -> DabirApi:
        wire.close()
        return unreachable(server)

    rewire(b_win, qtbot, engine_through(cut))  # the production engine; its wire is cut
    offline = [refer(b_win, qtbot, guid, [p], FOR_INFO, f"ارجاع برون‌خط {i}") for i, p in
               enumerate(["b.staff", "b.signatory", "b.staff2"])]
    R.add_event(b_store, offline[1], "b.secretary", "recall")
    report = sync_pass(b_win.bridge, qtbot)
    assert not report.online and report.pending >= 4, report
    rewire(b_win, qtbot)
    report = sync(b_win, qtbot)
    assert report.referred == [guid] * 4 and report.pending == 0, report
    with b_store.reader() as s:
        ops = s.scalars(select(OutboxOperation).where(OutboxOperation.op.in_(R.OPS)).order_by(OutboxOperation.id)).all()
        assert [o.status for o in ops[-4:]] == ["done"] * 4
    assert sync(s2_win, qtbot).cartable == [offline[2]]
    assert row(b_store, "b.secretary", offline[1], sent=True).recalled

    # -- broken letters arrive flagged with their reason and stay in the inbox ---------------
    code = signatory["national_code"]
    good = make_signer(pki, "علی رضایی", code)
    now = dt.datetime.now(dt.UTC)
    expired = make_signer(pki, "علی رضایی", code, not_before=now - dt.timedelta(days=400),
                          not_after=now - dt.timedelta(days=2))
    extra = [crafted(server, a, b, good, "نامه‌ای که در راه تغییر کرد"),
             crafted(server, a, b, make_signer(TestPKI(name="Unknown CA"), "ناشناس", code), "نامه با گواهی ناشناس"),
             crafted(server, a, b, doomed, "نامه با گواهی باطل‌شده"),
             crafted(server, a, b, expired, "نامه با گواهی منقضی")]
    extra[0]["package"]["content"]["subject"] += " — اصلاح‌شده در میانه راه"  # changed on the way
    tampered, unknown_ca, revoked, expired_guid = (x["guid"] for x in extra)

    rewire(b_win, qtbot, engine_through(lambda wire: InTransit(wire, None, extra)))  # a faulty relay
    report = sync(b_win, qtbot)
    rewire(b_win, qtbot)
    assert set(report.received) == {tampered, unknown_ca, revoked, expired_guid}, report
    reasons = {tampered: "متن نامه پس از امضا تغییر کرده است",
               unknown_ca: "گواهی امضاکننده از سوی مرجع صدور گواهی مورد اعتماد صادر نشده است",
               revoked: "باطل شده است", expired_guid: "منقضی شده"}
    with b_store.reader() as s:
        inbox = {r.guid for r in fetch_letters(s, Folder.INCOMING, 0, 100)}
    assert set(reasons) <= inbox  # kept, none dropped
    for bad, reason in reasons.items():
        view = b_win.open_letter(bad)
        assert isinstance(view, LetterDetails)
        text = view.verification_banner.text()
        assert view.verification_banner.status == "invalid" and reason in text, (bad, text)
        assert not LATIN.search(text), text  # Persian words and digits only (dates in Jalali)
        assert letter(b_store, bad).state == "invalid"

    # -- a citizen's paper letter: national code checked, scans attached, registered, referred -
    scans = [tmp_path / "صفحه-۱.png", tmp_path / "صفحه-۲.pdf"]
    scans[0].write_bytes(b"\x89PNG\r\n\x1a\n" + b"page" * 50)
    scans[1].write_bytes(b"%PDF-1.4 page two")
    form = b_win.incoming.open_paper_form()
    assert isinstance(form, PaperIncomingDialog)
    qtbot.waitUntil(form.isVisible, timeout=5000)
    form.sender_kind.setCurrentIndex(form.sender_kind.findData("person"))
    type_text(form.sender_name, "علی رضایی")
    type_text(form.sender_id, "۰۰۱۰۲۰۳۰۴۵")
    assert form.id_error.text() == "رقم کنترل کد ملی نادرست است."
    form.sender_id.clear()
    type_text(form.sender_id, to_persian_digits(CITIZEN))
    assert not form.id_error.isVisible()
    QApplication.processEvents()
    assert form.sender_id.cursorRect().right() > form.sender_id.width() * 0.9  # at the right edge, like the rest
    form.channel.setCurrentIndex(form.channel.findData("post"))  # a citizen's letter names its channel
    type_text(form.subject, "درخواست صدور مجوز دفتر خدمات")
    type_text(form.summary, "متقاضی صدور مجوز تأسیس دفتر خدمات است.")
    form.ask_scan_files = lambda: [str(p) for p in scans]
    form.add_scans()
    qtbot.waitUntil(lambda: not form.checking_scans, timeout=5000)
    save_screenshot(form, artifacts_dir / "scenario_paper_form.png")
    with qtbot.waitSignal(form.registered, timeout=5000) as registered:
        form.register_button.click()
    paper = registered.args[0]
    qtbot.waitUntil(lambda: letter(b_store, paper).state == "registered_incoming", timeout=60_000)
    held = letter(b_store, paper)
    assert held.channel == "paper" and held.sender_id == CITIZEN and held.incoming_number
    with b_store.reader() as s:
        assert len(s.get(Letter, paper).attachments) == 2  # type: ignore[union-attr]
    to_staff = refer(b_win, qtbot, paper, ["b.staff"], FOR_ACTION, "بررسی و پاسخ داده شود.", weeks=1)
    sync(b_win, qtbot)
    report = sync(s1_win, qtbot)
    assert to_staff in report.cartable
    got = row(s1_store, "b.staff", to_staff)
    assert got.subject == "درخواست صدور مجوز دفتر خدمات", got  # the referee sees what the letter is
    cartable.reload()
    pick(cartable, to_staff)
    cartable.open_button.click()
    paper_view = s1_win.tabs.currentWidget()
    assert isinstance(paper_view, LetterDetails) and paper_view.verification_banner.isHidden()
    for expected in ("پست\nمجرای دریافت:", "علی رضایی", to_persian_digits(CITIZEN), to_persian_digits(held.incoming_number)):
        assert expected in paper_view.text(), expected
    save_screenshot(s1_win, artifacts_dir / "scenario_paper_letter_at_referee.png")
    QThreadPool.globalInstance().waitForDone(10_000)
