"""The letter editor, driven like a secretary would: typing, picking, waiting for autosave."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from app.models.db import Store
from app.models.directory import DirectoryEntry
from app.models.letter_links import LetterLink
from app.models.letters import add_signature, create_letter, letter_content, transition
from app.models.lifecycle import State
from app.models.tables import Letter, utcnow
from app.protocol.canonical import content_sha256
from app.ui.letter_editor import AUTOSAVE_MS, LetterEditor
from tests.ui.editor_conftest_helpers import (
    MINISTRY,
    ORGANIZATION,
    OWN_AGENCY,
    persian_ui,
    save_screenshot,
    seed_directory,
    type_text,
)

pytestmark = pytest.mark.gui

SENDER = {"agency": OWN_AGENCY, "unit": "secretariat", "person": "karimi", "name": "مریم کریمی"}
SUBJECT = "درخواست همکاری در اجرای سامانه دبیر"
BODY = "با سلام و احترام، خواهشمند است دستور فرمایید همکاری لازم به عمل آید."
REZAEI = "علی رضایی، مدیرکل دفتر فناوری اطلاعات، وزارت علوم، تحقیقات و فناوری"
FAST_MS = 250


@pytest.fixture
def fa_app(qapp: QApplication) -> Iterator[QApplication]:
    with persian_ui(qapp):
        yield qapp


@pytest.fixture
def directory(store: Store) -> Store:
    seed_directory(store)
    return store


def make_editor(qtbot, store: Store, guid: str | None = None, **kw) -> LetterEditor:  # type: ignore[no-untyped-def]
    kw.setdefault("autosave_ms", FAST_MS)
    editor = LetterEditor(store, guid, sender=SENDER, actor="karimi", **kw)
    # Never a modal dialog in a test: tests that care replace these again.
    editor.confirm_discard = lambda: True  # type: ignore[method-assign]
    editor.confirm_drop_signature = lambda: pytest.fail("unexpected question about the signature")  # type: ignore[method-assign]
    qtbot.addWidget(editor)
    editor.resize(1000, 760)
    editor.show()
    qtbot.waitExposed(editor)
    editor.activateWindow()  # shortcuts only reach the active window
    qtbot.waitUntil(editor.isActiveWindow, timeout=2000)
    return editor


def wait_saved(qtbot, editor: LetterEditor) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: editor.guid is not None and not editor.isDirty(), timeout=5000)


def plain(body_html: str) -> str:
    doc = QTextDocument()
    doc.setHtml(body_html)
    return doc.toPlainText()


def stored(store: Store, guid: str) -> SimpleNamespace:
    """A snapshot of the stored letter (the reader's rollback expires ORM objects)."""
    with store.reader() as s:
        letter = s.get(Letter, guid)
        assert letter is not None
        columns = {c.key: getattr(letter, c.key) for c in Letter.__table__.columns}
        return SimpleNamespace(
            **columns,
            recipients=[
                SimpleNamespace(role=r.role, agency=r.agency, unit=r.unit, person=r.person, name=r.name)
                for r in letter.recipients
            ],
            signatures=[sig.content_sha256 for sig in letter.signatures],
        )


def pick_by_popup(qtbot, picker, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type into a picker's search box and choose the first match with the keyboard."""
    box = picker.searchBox()
    box.setFocus()
    type_text(box, text)
    popup = box.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=3000)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)


def fill_new_letter(qtbot, editor: LetterEditor) -> None:  # type: ignore[no-untyped-def]
    editor.subject.setFocus()
    type_text(editor.subject, SUBJECT)
    pick_by_popup(qtbot, editor.to_picker, "علي رضايي")  # Arabic ي: must find «علی رضایی»
    box = editor.cc_picker.searchBox()
    box.setFocus()
    type_text(box, "سازمان امور")
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter in the box takes the first match
    editor.body.setFocus()
    type_text(editor.body, BODY)
    editor.priority.setCurrentIndex(editor.priority.findData("urgent"))


def new_saved_letter(qtbot, store: Store) -> str:  # type: ignore[no-untyped-def]
    editor = make_editor(qtbot, store)
    fill_new_letter(qtbot, editor)
    wait_saved(qtbot, editor)
    assert editor.guid is not None
    editor.close()
    return editor.guid


# --- creating, reopening, editing ----------------------------------------------------------


def test_create_draft_through_the_ui_and_autosave(fa_app, qtbot, directory: Store) -> None:
    editor = make_editor(qtbot, directory)
    saved: list[str] = []
    editor.saved.connect(saved.append)
    fill_new_letter(qtbot, editor)
    assert [e.name for e in editor.to_picker.entries()] == [REZAEI]
    assert [e.agency for e in editor.cc_picker.entries()] == [ORGANIZATION]
    wait_saved(qtbot, editor)
    assert saved and saved[-1] == editor.guid
    assert "ذخیره شد" in editor.status.text()

    letter = stored(directory, editor.guid)
    assert letter.kind == "outgoing" and letter.state == "draft"
    assert letter.subject == SUBJECT
    assert plain(letter.body) == BODY
    assert letter.priority == "urgent"
    assert letter.classification == "normal"
    assert (letter.sender_agency, letter.sender_person) == (OWN_AGENCY, "karimi")
    assert [(r.role, r.agency, r.unit, r.person, r.name) for r in letter.recipients] == [
        ("to", MINISTRY, "it", "rezaei", REZAEI),
        ("cc", ORGANIZATION, "", "", "سازمان امور اداری و استخدامی کشور"),
    ]
    with directory.reader() as s:
        assert s.scalar(select(func.count()).select_from(Letter)) == 1


def test_reopen_shows_the_values_and_edits_autosave(fa_app, qtbot, directory: Store) -> None:
    guid = new_saved_letter(qtbot, directory)
    editor = make_editor(qtbot, directory, guid)
    assert editor.subject.text() == SUBJECT
    assert editor.body.toPlainText() == BODY
    assert editor.priority.currentData() == "urgent"
    assert [e.person for e in editor.to_picker.entries()] == ["rezaei"]
    assert [e.agency for e in editor.cc_picker.entries()] == [ORGANIZATION]
    assert not editor.isDirty()  # loading is not an edit

    editor.subject.setFocus()
    editor.subject.end(False)
    type_text(editor.subject, " (دوم)")
    editor.classification.setCurrentIndex(editor.classification.findData("confidential"))
    editor.cc_picker.chips()[0].remove_button.click()
    wait_saved(qtbot, editor)
    letter = stored(directory, guid)
    assert letter.subject == SUBJECT + " (دوم)"
    assert letter.classification == "confidential"
    assert [r.role for r in letter.recipients] == ["to"]
    assert plain(letter.body) == BODY


def test_undo_in_body_and_fields(fa_app, qtbot, directory: Store) -> None:
    guid = new_saved_letter(qtbot, directory)
    editor = make_editor(qtbot, directory, guid, autosave_ms=60_000)
    assert not editor.toolbar.undo.isEnabled()  # the loaded letter is not undoable
    editor.body.setFocus()
    editor.body.moveCursor(editor.body.textCursor().MoveOperation.End)
    type_text(editor.body, " افزوده")
    assert editor.body.toPlainText() == BODY + " افزوده"
    assert editor.toolbar.undo.isEnabled()
    qtbot.keyClick(editor.body, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.body.toPlainText() == BODY
    qtbot.keyClick(editor.body, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.body.toPlainText() == BODY  # nothing older than the loaded letter
    editor.toolbar.redo.trigger()
    assert editor.body.toPlainText() == BODY + " افزوده"
    editor.toolbar.undo.trigger()

    editor.subject.setFocus()
    editor.subject.end(False)
    type_text(editor.subject, "!!")
    qtbot.keyClick(editor.subject, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.subject.text() == SUBJECT

    with qtbot.waitSignal(editor.saved, timeout=5000):
        assert editor.save()
    letter = stored(directory, guid)
    assert plain(letter.body) == BODY and letter.subject == SUBJECT


def test_ctrl_s_saves_immediately(fa_app, qtbot, directory: Store) -> None:
    editor = make_editor(qtbot, directory, autosave_ms=60_000)
    editor.subject.setFocus()
    type_text(editor.subject, "گزارش عملکرد")
    assert editor.guid is None
    with qtbot.waitSignal(editor.saved, timeout=1000):
        qtbot.keyClick(editor.subject, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert stored(directory, editor.guid).subject == "گزارش عملکرد"
    # From the body too: the shortcut covers the whole editor.
    editor.body.setFocus()
    type_text(editor.body, "متن")
    with qtbot.waitSignal(editor.saved, timeout=1000):
        qtbot.keyClick(editor.body, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert plain(stored(directory, editor.guid).body) == "متن"


def test_empty_subject_is_refused_in_persian_and_nothing_is_lost(fa_app, qtbot, directory: Store) -> None:
    editor = make_editor(qtbot, directory)
    editor.body.setFocus()
    type_text(editor.body, BODY)
    qtbot.keyClick(editor.body, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert editor.guid is None
    assert editor.fieldError("subject") == "موضوع نامه را بنویسید."
    assert editor.subject_error.isVisible()
    assert editor.isDirty() and editor.body.toPlainText() == BODY
    with directory.reader() as s:
        assert s.scalar(select(func.count()).select_from(Letter)) == 0

    # Typing a subject clears the way; the next autosave stores everything and the error goes.
    editor.subject.setFocus()
    type_text(editor.subject, "موضوع")
    wait_saved(qtbot, editor)
    assert editor.fieldError("subject") == ""
    assert plain(stored(directory, editor.guid).body) == BODY

    # An existing letter keeps its stored subject when the field is emptied.
    editor.subject.clear()
    qtbot.waitUntil(lambda: editor.fieldError("subject") != "", timeout=3000)
    assert stored(directory, editor.guid).subject == "موضوع"
    assert editor.body.toPlainText() == BODY and editor.isDirty()


def test_default_autosave_delay_is_short() -> None:
    assert 1000 <= AUTOSAVE_MS <= 3000


def _signed_letter(store: Store) -> str:
    with store.session() as s:
        letter = create_letter(
            s,
            kind="outgoing",
            subject="نامه امضاشده",
            body="<p>متن</p>",
            sender=SENDER,
            recipients=[{"role": "to", "agency": MINISTRY, "name": "وزارت علوم، تحقیقات و فناوری"}],
        )
        s.flush()
        add_signature(s, letter, cms=b"x", content_sha256_hex=content_sha256(letter_content(letter)))
        return letter.guid


def test_editing_a_signed_letter_asks_and_drops_the_signature(fa_app, qtbot, directory: Store) -> None:
    guid = _signed_letter(directory)
    editor = make_editor(qtbot, directory, guid)
    assert "امضاشده" in editor._heading.text()
    answers = [False, True]
    asked: list[bool] = []

    def confirm() -> bool:
        asked.append(True)
        return answers.pop(0)

    editor.confirm_drop_signature = confirm  # type: ignore[method-assign]
    editor.subject.setFocus()
    editor.subject.end(False)
    type_text(editor.subject, " (اصلاحی)")
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=3000)
    letter = stored(directory, guid)
    assert letter.state == "signed" and len(letter.signatures) == 1  # declined: nothing written
    assert editor.isDirty()
    type_text(editor.subject, ".")
    qtbot.wait(FAST_MS * 3)
    assert len(asked) == 1  # autosave does not nag after a "no"

    with qtbot.waitSignal(editor.saved, timeout=5000):  # the write runs in the background
        qtbot.keyClick(editor.subject, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert len(asked) == 2
    letter = stored(directory, guid)
    assert letter.state == "draft" and letter.signatures == []
    assert letter.subject == "نامه امضاشده (اصلاحی)."
    assert not editor.isDirty()


def test_confirmation_text_is_persian(fa_app, qtbot, directory: Store) -> None:
    editor = make_editor(qtbot, directory)
    assert editor.tr("Editing removes the signature of the letter. Continue?") == (
        "با ویرایش، امضای نامه حذف می‌شود. ادامه می‌دهید؟"
    )


def test_sealed_letter_opens_read_only(fa_app, qtbot, directory: Store) -> None:
    guid = _signed_letter(directory)
    with directory.session() as s:
        transition(s, s.get(Letter, guid), State.QUEUED)
    editor = make_editor(qtbot, directory, guid)
    assert editor.isReadOnly()
    assert editor.subject.isReadOnly() and editor.body.isReadOnly()
    assert not editor.save_button.isEnabled()
    assert editor.save() is False


def test_submit_for_signature(fa_app, qtbot, directory: Store) -> None:
    editor = make_editor(qtbot, directory, autosave_ms=60_000)
    editor.subject.setFocus()
    type_text(editor.subject, "بدون گیرنده")
    submitted: list[str] = []
    editor.submitForSignature.connect(submitted.append)
    qtbot.keyClick(editor.subject, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: editor.fieldError("recipients") != "", timeout=5000)  # checked after the save
    assert submitted == []
    assert editor.fieldError("recipients") == "دست‌کم یک گیرنده لازم است."
    assert editor.guid is not None  # the draft itself was saved, and the editor says so
    assert editor.status.text() == "ذخیره شد؛ برای امضا فرستاده نشد"

    pick_by_popup(qtbot, editor.to_picker, "وزارت")
    editor.body.setFocus()
    qtbot.keyClick(editor.body, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "امضاکننده" in editor.fieldError("general"), timeout=5000)  # none listed yet
    assert submitted == [] and editor.status.text() == "ذخیره شد؛ برای امضا فرستاده نشد"

    # The signatory picker offers the sender agency's signatories only, by name and title.
    assert [name for name, _e in editor.signatories._find("ی")] == ["مریم کریمی، مدیرکل دبیرخانه، دبیرخانه مرکزی"]
    pick_by_popup(qtbot, editor.signatories, "کریمی")
    assert editor.fieldError("general") == ""  # the refusal went with the change, before any save
    editor.body.setFocus()
    qtbot.keyClick(editor.body, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: submitted != [], timeout=5000)
    assert submitted == [editor.guid]
    assert editor.fieldError("recipients") == ""
    assert editor.body.toPlainText() == ""  # Ctrl+Enter did not type a new line


def test_links_signatories_and_letterhead_are_kept(fa_app, qtbot, directory: Store) -> None:
    shams = "14000123453-O-1405-187"
    with directory.session() as s:
        old = create_letter(
            s,
            kind="outgoing",
            subject="دعوت به جلسه هماهنگی",
            sender=SENDER,
            recipients=[{"role": "to", "agency": MINISTRY, "name": "وزارت"}],
        )
        s.flush()
        add_signature(s, old, cms=b"x", content_sha256_hex=content_sha256(letter_content(old)))
        transition(s, old, State.QUEUED)
        old.shams, old.registered_at = shams, utcnow()
        transition(s, old, State.REGISTERED)
        transition(s, old, State.SENT)
        old_guid = old.guid

    editor = make_editor(qtbot, directory, letterheads=["سربرگ اصلی", "سربرگ معاونت"])
    assert editor.letterhead.currentText() == "سربرگ اصلی"
    editor.subject.setFocus()
    type_text(editor.subject, "پاسخ")
    pick_by_popup(qtbot, editor.in_reply_to, "۱۸۷")  # SHAMS sequence in Persian digits
    assert editor.in_reply_to.link() == LetterLink(old_guid, shams, "دعوت به جلسه هماهنگی")
    assert "۱۸۷" in editor.in_reply_to.text() and "هماهنگی" in editor.in_reply_to.text()
    pick_by_popup(qtbot, editor.follow_up_of, "دعوت جلسه")
    pick_by_popup(qtbot, editor.signatories, "كريمي")
    editor.letterhead.setCurrentIndex(1)
    wait_saved(qtbot, editor)

    letter = stored(directory, editor.guid)
    assert (letter.in_reply_to, letter.in_reply_to_shams) == (old_guid, shams)
    assert (letter.follow_up_of, letter.follow_up_of_shams) == (old_guid, shams)
    assert letter.letterhead == "سربرگ معاونت"
    assert [d["person"] for d in letter.signatories] == ["karimi"]
    assert letter.signatories[0]["national_code"] == "0067749828"

    again = make_editor(qtbot, directory, editor.guid, letterheads=["سربرگ اصلی", "سربرگ معاونت"])
    assert again.in_reply_to.link() == LetterLink(old_guid, shams, "دعوت به جلسه هماهنگی")
    assert [e.person for e in again.signatories.entries()] == ["karimi"]
    assert again.letterhead.currentText() == "سربرگ معاونت"
    again.in_reply_to._clear.click()  # remove the link
    wait_saved(qtbot, again)
    assert stored(directory, editor.guid).in_reply_to is None


def test_formatting_shortcuts_and_rtl_body(fa_app, qtbot, directory: Store) -> None:
    editor = make_editor(qtbot, directory, autosave_ms=60_000)
    option = editor.body.document().defaultTextOption()
    assert option.textDirection() == Qt.LayoutDirection.RightToLeft
    editor.body.setFocus()
    type_text(editor.body, "بند نخست")
    assert (
        editor.body.document().firstBlock().layout().textOption().textDirection()
        == Qt.LayoutDirection.RightToLeft
    )
    editor.body.selectAll()
    qtbot.keyClick(editor.body, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert editor.toolbar.bold.isChecked()
    assert editor.body.textCursor().charFormat().fontWeight() >= 700
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(editor.body, Qt.Key.Key_E, ctrl_shift)
    assert editor.body.alignment() & Qt.AlignmentFlag.AlignHCenter
    qtbot.keyClick(editor.body, Qt.Key.Key_J, ctrl_shift)
    assert editor.body.alignment() & Qt.AlignmentFlag.AlignJustify
    # Ctrl+Shift+R from the subject field still reaches the body's paragraph.
    editor.subject.setFocus()
    qtbot.keyClick(editor.subject, Qt.Key.Key_R, ctrl_shift)
    assert editor.body.alignment() & Qt.AlignmentFlag.AlignRight
    editor.toolbar.numbered.trigger()
    assert editor.body.textCursor().currentList() is not None
    editor.toolbar.numbered.trigger()
    assert editor.body.textCursor().currentList() is None
    qtbot.keyClick(editor.body, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.body.textCursor().currentList() is not None  # list removal undone


def test_close_saves_pending_changes(fa_app, qtbot, directory: Store) -> None:
    editor = make_editor(qtbot, directory, autosave_ms=60_000)
    editor.subject.setFocus()
    type_text(editor.subject, "بسته شد")
    editor.close()  # the editor closes once its changes are stored
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=5000)
    assert editor.guid is not None and stored(directory, editor.guid).subject == "بسته شد"

    other = make_editor(qtbot, directory, autosave_ms=60_000)
    other.body.setFocus()
    type_text(other.body, "بی‌موضوع")
    other.confirm_discard = lambda: False  # type: ignore[method-assign]
    assert not other.close()  # cannot save without a subject, and the user keeps it open
    other.confirm_discard = lambda: True  # type: ignore[method-assign]
    assert other.close()


def test_screenshot(fa_app, qtbot, directory: Store, artifacts_dir: Path) -> None:
    editor = make_editor(qtbot, directory, autosave_ms=60_000)
    fill_new_letter(qtbot, editor)
    editor.signatories.addEntry(
        DirectoryEntry("person", OWN_AGENCY, person="karimi", name="مریم کریمی، مدیرکل دبیرخانه")
    )
    qtbot.keyClick(editor.body, Qt.Key.Key_Return)
    type_text(editor.body, "نکات زیر مورد توجه قرار گیرد:")
    qtbot.keyClick(editor.body, Qt.Key.Key_Return)
    editor.toolbar.numbered.trigger()
    type_text(editor.body, "تکمیل اطلاعات واحدها")
    qtbot.keyClick(editor.body, Qt.Key.Key_Return)
    type_text(editor.body, "معرفی نماینده تام‌الاختیار")
    assert editor.save()
    qtbot.wait(300)  # let the search boxes' clear buttons finish fading out
    save_screenshot(editor, artifacts_dir / "letter_editor.png")


def test_an_outgoing_letter_does_not_offer_its_own_agency_as_recipient(fa_app, qtbot, directory: Store) -> None:  # type: ignore[no-untyped-def]
    outgoing = make_editor(qtbot, directory)
    for picker in (outgoing.to_picker, outgoing.cc_picker):
        found = [e for _name, e in picker._find("دبیرخانه")]
        assert not [e for e in found if e.kind == "agency" and e.agency == OWN_AGENCY]
    internal = make_editor(qtbot, directory, kind="internal")  # an internal letter stays inside it
    assert [e for _n, e in internal.to_picker._find("دبیرخانه") if e.kind == "agency" and e.agency == OWN_AGENCY]


def test_an_internal_letter_offers_only_its_own_agency(fa_app, qtbot, directory: Store) -> None:  # type: ignore[no-untyped-def]
    """The server refuses an internal letter addressed outside the agency: the pickers offer none."""
    internal = make_editor(qtbot, directory, kind="internal")
    for picker in (internal.to_picker, internal.cc_picker):
        found = [e for _name, e in picker._find("ی")]
        assert {e.agency for e in found} == {OWN_AGENCY}, found
        assert {e.person for e in found if e.kind == "person"} == {"karimi", "rahimi"}, found
    outgoing = make_editor(qtbot, directory)  # an outgoing letter still reaches the other agencies' people
    assert {e.person for _n, e in outgoing.to_picker._find("ی")} >= {"rezaei", "yazdi"}
