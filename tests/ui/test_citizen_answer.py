"""«پاسخ به فرستنده»: on a person's or a company's letter it opens an outgoing letter addressed to them
(a chip with their name), «عطف» to their letter, its subject «پاسخ: …»; offered for nothing else. The
answer once registered shows «ثبت‌شده — تحویل کاغذی», and it prints with the citizen as addressee."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QApplication, QLabel

from app.models import letters as L
from app.models.citizen_answer import PAPER_DELIVERY_FA
from app.models.db import Store
from app.models.directory import DirectoryEntry
from app.models.folders import Folder
from app.models.incoming import PaperLetter, register_paper, store_number
from app.models.letter_lookup import printable_view
from app.models.letter_view import LetterView, Signatory
from app.models.tables import Agency, Letter
from app.protocol.canonical import content_sha256
from app.protocol.persian import normalize
from app.protocol.shams import display_text
from app.ui import letter_print as P
from app.ui.letter_details import LetterDetails
from app.ui.letter_editor import LetterEditor
from app.ui.link_picker import link_label
from app.ui.main_window import MainWindow
from tests.ui.editor_conftest_helpers import save_screenshot
from tests.ui.workflow_helpers import SENDER, SIGNATORY_CODE, set_sender, signatory

CITIZEN = "0010203044"
AGENCY = "10100387143"  # an agency writing on paper
NAME = "علی رضایی"


def _select(window: MainWindow, qtbot, guid: str) -> None:  # type: ignore[no-untyped-def]
    window.folders.select(Folder.INCOMING)
    window.refresh()  # the letters were stored behind the window's back
    qtbot.waitUntil(lambda: not window.model.loading and window.model.folder is Folder.INCOMING
                    and window.model.rowCount() == 2, timeout=10_000)
    row = next(r for r in range(window.model.rowCount()) if window.model.letter_at(r).guid == guid)
    select = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    window.table.selectionModel().select(window.model.index(row, 0), select)  # (selectRow misses in RTL offscreen)


def test_answer_the_sender_opens_an_outgoing_letter_to_the_citizen_in_reply_to_their_letter(  # type: ignore[no-untyped-def]
        window: MainWindow, store: Store, qtbot, artifacts_dir: Path) -> None:
    set_sender(store)
    asked = register_paper(store, PaperLetter(sender_kind="person", sender_id=CITIZEN, sender_name=NAME,
                                              subject="درخواست تمدید پروانه", summary="تمدید پروانه کسب"))
    agency_letter = register_paper(store, PaperLetter(sender_kind="agency", sender_id=AGENCY,
                                                      sender_name="سازمان نمونه", subject="گزارش"))
    action = window.incoming.answer_sender
    assert action.text() == "پاسخ به فرستنده"
    assert action in next(m for m in window.menuBar().actions() if m.menu() and action in m.menu().actions()).menu().actions()
    _select(window, qtbot, agency_letter)
    qtbot.waitUntil(lambda: window.action_targets() == [(agency_letter, window.action_targets()[0][1])], timeout=5000)
    assert not action.isEnabled()  # an agency's letter is answered through Payam, not this way
    _select(window, qtbot, asked)
    qtbot.waitUntil(action.isEnabled, timeout=5000)

    action.trigger()
    editor = window.tabs.currentWidget()
    assert isinstance(editor, LetterEditor)
    assert editor.to_picker.entries() == [DirectoryEntry("agency", CITIZEN, name=NAME)]
    chips = [label.text() for label in editor.to_picker.findChildren(QLabel) if label.isVisible()]
    assert NAME in chips  # the user sees to whom it goes
    link = editor.in_reply_to.link()
    assert link is not None and link.guid == asked
    assert editor.subject.text() == "پاسخ: درخواست تمدید پروانه"
    assert "صادره" in editor._heading.text()  # an outgoing letter
    editor.signatories.addEntry(DirectoryEntry.from_dict(signatory()))
    editor.body.setHtml("<p>با سلام و احترام؛ در پاسخ به درخواست جنابعالی، پروانه کسب شما تا پایان سال "
                        "۱۴۰۶ تمدید شد. برای دریافت اصل پروانه به دبیرخانه مراجعه فرمایید.</p>")
    with qtbot.waitSignal(editor.saved, timeout=5000) as saved:
        editor.save()
    answer = saved.args[0]
    window.resize(1100, 760)
    QApplication.processEvents()
    save_screenshot(window, artifacts_dir / "citizen-answer-editor.png")
    with store.reader() as s:
        stored = s.get(Letter, answer)
        assert stored is not None and stored.kind == "outgoing" and stored.in_reply_to == asked
        assert [(r.role, r.agency, r.unit, r.person, r.name) for r in stored.recipients] == [
            ("to", CITIZEN, "", "", NAME)]
    window.close_tab(window.tabs.indexOf(editor))

    # Numbered and out on paper (as the sync records it), with an agency in the directory that is
    # not the citizen: the letter says so.
    with store.session() as s:
        s.add(Agency(national_id=SENDER["agency"], name=SENDER["name"], name_norm=normalize(SENDER["name"])))
        letter = s.get(Letter, answer)
        assert letter is not None
        L.add_signature(s, letter, cms=b"test", content_sha256_hex=content_sha256(L.letter_content(letter)),
                        signer_national_code=SIGNATORY_CODE)
        for state in ("queued", "registered", "sent"):
            L.transition(s, letter, state)
        letter.shams = f"{SENDER['agency']}-O-1405-42"
        letter.registered_at = letter.created_at
        s.flush()
        view = LetterView.from_letter(letter, agency_name=SENDER["name"],
                                      signatories=[Signatory("علی رضایی", "مدیرکل", SIGNATORY_CODE)])
    details = window.open_letter(answer)
    assert isinstance(details, LetterDetails)
    qtbot.waitUntil(lambda: details.state_label.text() == PAPER_DELIVERY_FA, timeout=5000)
    shown = details.info.toPlainText()  # nobody acknowledges a paper letter: nothing is awaited from the citizen
    assert NAME in shown and "وضعیت نزد گیرندگان" not in shown and "در انتظار اعلام وصول" not in shown
    window.folders.select(Folder.SENT)  # the Sent folder's list says the same as the letter (it read «ارسال‌شده»)
    window.refresh()
    qtbot.waitUntil(lambda: not window.model.loading and window.model.folder is Folder.SENT
                    and window.model.rowCount() == 1, timeout=10_000)
    assert window.model.index(0, 4).data() == PAPER_DELIVERY_FA

    if shutil.which("pdftoppm") is None:
        pytest.skip("needs poppler-utils")
    pdf = P.render_letter_pdf(view, artifacts_dir / "citizen-answer.pdf", server_base="https://dabir.example.ir")
    text = normalize(unicodedata.normalize("NFKC", subprocess.run(["pdftotext", str(pdf), "-"], check=True,
                                                                  capture_output=True, text=True).stdout))
    assert normalize(NAME) in text and "پاسخ" in text
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(artifacts_dir / "citizen-answer")], check=True)
    assert (artifacts_dir / "citizen-answer.png").stat().st_size > 10_000


def test_the_answer_refers_to_the_citizens_letter_by_its_incoming_number_on_screen_and_on_paper(  # type: ignore[no-untyped-def]
        window: MainWindow, store: Store, qtbot, tmp_path: Path) -> None:
    """A citizen's letter has no SHAMS: the «عطف» names it by the incoming number its receipt
    carries (it read «هنوز شماره‌گذاری نشده است» and the printed answer had no «عطف» line)."""
    set_sender(store)
    asked = register_paper(store, PaperLetter(sender_kind="person", sender_id=CITIZEN, sender_name=NAME,
                                              subject="درخواست صدور مجوز", summary="مجوز کارگاه", channel="post",
                                              address="اصفهان، خیابان چهارباغ، کوچهٔ ۷", postal_code="8173614513"))
    with store.session() as s:  # numbered at the next sync, as the server answers
        letter = s.get(Letter, asked)
        assert letter is not None
        store_number(letter, {"incoming_number": "1405/17", "registered_at": "2026-12-05T10:00:00Z",
                              "tracking_id": "766685782162"})
    editor = window.incoming.answer(asked)
    assert editor is not None
    assert link_label(editor.in_reply_to.link()) == "«درخواست صدور مجوز» " + display_text("1405/17")  # type: ignore[arg-type]
    editor.signatories.addEntry(DirectoryEntry.from_dict(signatory()))
    editor.body.setHtml("<p>با سلام؛ مجوز صادر شد.</p>")
    with qtbot.waitSignal(editor.saved, timeout=5000) as saved:
        editor.save()
    answer = saved.args[0]
    window.close_tab(window.tabs.indexOf(editor))
    with store.session() as s:
        letter = s.get(Letter, answer)
        assert letter is not None and (letter.in_reply_to, letter.in_reply_to_shams) == (asked, "1405/17")
        letter.shams, letter.registered_at = f"{SENDER['agency']}-O-1405-43", letter.created_at
    if shutil.which("pdftotext") is None:
        pytest.skip("needs poppler-utils")
    pdf = P.render_letter_pdf(printable_view(store, answer), tmp_path / "answer.pdf", server_base="https://dabir.example.ir")
    text = normalize(unicodedata.normalize("NFKC", subprocess.run(["pdftotext", str(pdf), "-"], check=True,
                                                                  capture_output=True, text=True).stdout))
    text = " ".join(re.sub("[\u202a-\u202e\u2066-\u2069]", "", text).split())  # pdftotext's direction marks
    # «عطف به نامهٔ شمارهٔ ۱۴۰۵/۱۷ مورخ ۱۴۰۵/۰۹/۱۴» (normalize reads Persian digits as Latin)
    assert normalize("عطف به نامهٔ شمارهٔ 1405/17") in text and "مورخ 1405/09/14" in text
    # it goes by post: the citizen's address and postal code under their name, for the envelope
    address = text[text.index(normalize("علی رضایی")):text.index(normalize("موضوع"))]  # the lines under «به:»
    for part in ("نشانی", "اصفهان", "خیابان چهارباغ", "کد پستی 8173614513"):
        assert normalize(part) in address, part


def test_a_staff_member_answers_the_sender_from_the_cartable(  # type: ignore[no-untyped-def]
        window: MainWindow, store: Store, qtbot) -> None:
    """The Letter menu acts on the referral's letter chosen in the cartable: a staff member answers the
    citizen without opening the letter first (the action stayed off there)."""
    import uuid

    from app.models import referrals as R
    from app.ui.cartable_view import CartableView

    set_sender(store)
    asked = register_paper(store, PaperLetter(sender_kind="person", sender_id=CITIZEN, sender_name=NAME,
                                              subject="درخواست تمدید پروانه", summary="تمدید پروانه کسب"))
    referral = str(uuid.uuid4())
    with store.session() as s:
        R.apply_cartable(s, {"items": [{"type": "referral", "referral": {
            "id": referral, "letter_guid": asked, "parent": None, "from": "a.rahimi", "to": [SENDER["person"]],
            "instruction": "برای اقدام", "postscript": "", "due_date": None, "created_at": "2026-12-05T08:00:00Z"}}]})
    view = window.referrals.open_cartable()
    assert isinstance(view, CartableView)
    view.reload()
    qtbot.waitUntil(lambda: view.model.asked and not view.model.loading and view.row_of(referral) is not None,
                    timeout=5000)
    assert not window.incoming.answer_sender.isEnabled()  # nothing chosen yet
    view.select(referral)
    qtbot.waitUntil(window.incoming.answer_sender.isEnabled, timeout=5000)
    window.incoming.answer_sender.trigger()
    editor = window.tabs.currentWidget()
    assert isinstance(editor, LetterEditor)
    assert editor.to_picker.entries() == [DirectoryEntry("agency", CITIZEN, name=NAME)]
    link = editor.in_reply_to.link()
    assert link is not None and link.guid == asked
    # answering the citizen answers the referral too, once the letter goes for signature
    editor.body.setHtml("<p>با سلام؛ پروانه شما تمدید شد.</p>")
    editor.save()
    qtbot.waitUntil(lambda: _pending_answer(store, editor.guid) == referral, timeout=5000)


def _pending_answer(store: Store, answer: str | None) -> str | None:
    """The referral a saved answer will answer when it goes for signature."""
    from app.models import referrals as R
    from app.models.tables import Setting

    with store.reader() as s:
        pending = s.get(Setting, R.ANSWER_PREFIX + answer) if answer else None
        return str(pending.value["referral"]) if pending is not None else None
