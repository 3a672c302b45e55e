"""What a printed letter and the letter view say about where a letter comes from: the sender's
unit (in Persian) under the agency's name, and the letters it answers (عطف) or follows (پیرو),
with their dates on paper and as links on screen."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication

from app.models import letters as L
from app.models.db import Store
from app.models.letter_lookup import printable_view
from app.models.tables import Agency, Letter, Unit
from app.protocol.canonical import content_sha256
from app.protocol.persian import national_id_check_digit, normalize
from app.protocol.shams import LRI, LRO, PDF, PDI, display_text
from app.sync.engine import SyncEngine
from app.ui import letter_print as P
from app.ui.letter_details import LetterDetails
from app.ui.main_window import MainWindow
from tests.sync.test_engine_unit import ScriptedServer
from tests.ui.test_letter_print import plain_text, rtl_line, run, words

A = "1400012345" + national_id_check_digit("1400012345")
B = "1010038714" + national_id_check_digit("1010038714")
BASE = "https://dabir.example.ir"
EARLIER = dt.datetime(2026, 11, 6, 7, 0, tzinfo=dt.UTC)  # ۱۴۰۵/۰۸/۱۵ in Tehran
WHEN = dt.datetime(2026, 11, 23, 7, 30, tzinfo=dt.UTC)

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


def _directory(store: Store) -> None:
    with store.session() as s:
        s.add(Agency(national_id=A, name="وزارت نمونه", name_norm=normalize("وزارت نمونه")))
        s.add(Unit(agency=A, code="office", name="دفتر مدیرکل", name_norm=normalize("دفتر مدیرکل")))
        s.add(Unit(agency=A, code="secretariat", name="دبیرخانه", name_norm=normalize("دبیرخانه")))


def _registered(store: Store, subject: str, sequence: int, when: dt.datetime, *, unit: str = "office",
                in_reply_to: tuple[str, str] | None = None, state: str = "registered") -> str:
    """A letter through the model API, signed and numbered as the sync engine records it."""
    with store.session() as s:
        letter = L.create_letter(
            s, kind="outgoing", subject=subject, body="<p>با سلام و احترام</p>",
            sender={"agency": A, "unit": unit, "person": "s.ahmadi", "name": "سارا احمدی"},
            recipients=[{"role": "to", "agency": B, "name": "سازمان برنامه و بودجه"}], in_reply_to=in_reply_to,
        )  # fmt: skip
        s.flush()
        L.add_signature(s, letter, cms=b"test", content_sha256_hex=content_sha256(L.letter_content(letter)),
                        signer_subject="CN=علی رضایی", signer_national_code=None)
        for step in ("queued", "registered"):
            L.transition(s, letter, step)
        letter.shams, letter.registered_at = f"{A}-O-1405-{sequence}", when
        letter.state = state
        return letter.guid


@needs_poppler
def test_letterhead_shows_the_senders_unit_in_persian_and_no_english(qapp: QApplication, store: Store,
                                                                       tmp_path: Path, artifacts_dir: Path) -> None:
    _directory(store)
    guid = _registered(store, "گزارش عملکرد", 5, WHEN, unit="office")
    pdf = P.render_letter_pdf(printable_view(store, guid), tmp_path / "letter.pdf", server_base=BASE)
    text = plain_text(pdf)
    assert normalize("دفتر مدیرکل") in text  # the sender's unit, by its name in the directory
    seen = words(pdf)
    header = [w for w in seen if w[1] < 150]  # the letterhead (the verification address is in the footer)
    assert not [w for w in header if re.search(r"[A-Za-z]", w[2])], header
    run("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
        str(artifacts_dir / "letterhead_sender_unit"))

    # A unit the directory does not know yet: its code is not a Persian word, so nothing is printed.
    unknown = _registered(store, "نامهٔ دیگر", 6, WHEN, unit="legal")
    assert printable_view(store, unknown).sender_unit == ""
    assert "secretariat" not in plain_text(P.render_letter_pdf(
        printable_view(store, _registered(store, "سوم", 7, WHEN, unit="secretariat")), tmp_path / "s.pdf",
        server_base=BASE))


@needs_poppler
def test_printed_reference_carries_the_referenced_letters_date(qapp: QApplication, store: Store,
                                                               tmp_path: Path, artifacts_dir: Path) -> None:
    _directory(store)
    first = _registered(store, "درخواست اولیه", 3, EARLIER, state="sent")
    shams = f"{A}-O-1405-3"
    answer = _registered(store, "پاسخ", 9, WHEN, in_reply_to=(first, shams))
    pdf = P.render_letter_pdf(printable_view(store, answer), tmp_path / "answer.pdf", server_base=BASE)
    seen = words(pdf)
    number = display_text(shams).strip(LRI + LRO + PDF + PDI)
    found = [w for w in seen if w[2] == number]
    assert found, [w[2] for w in seen]
    assert rtl_line(seen, found[0][1]) == f"عطفبهنامهٔشمارهٔ{number}مورخ۱۴۰۵/۰۸/۱۵"
    run("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
        str(artifacts_dir / "printed_reference_with_date"))


def _incoming_answer(store: Store, first: str, first_shams: str) -> str:
    """A letter from agency B answering ours, received through the sync engine."""
    server = ScriptedServer()
    guid = str(uuid.uuid4())
    content = {"v": 1, "guid": guid, "kind": "outgoing", "subject": "پاسخ سازمان برنامه", "body": "",
               "sender": {"agency": B, "unit": "", "person": "", "name": "سازمان برنامه و بودجه"},
               "recipients": [{"role": "to", "agency": A, "unit": "", "person": "", "name": "وزارت نمونه"}],
               "priority": "normal", "classification": "normal",
               "links": [{"type": "in_reply_to", "guid": first, "shams": first_shams},
                         {"type": "follow_up_of", "guid": str(uuid.uuid4()), "shams": f"{B}-O-1405-2"}],
               "attachments": []}
    package = {"format": "dabir.letter-package", "version": 1, "signatures": [], "receipts": [], "content": content}
    server.inbox_items = [{"cursor": 1, "guid": guid, "shams": f"{B}-O-1405-40", "channel": "payam",
                           "registered_at": "2026-11-25T09:00:00Z", "package": package}]
    assert SyncEngine(store, server).run_once().received == [guid]
    return guid


def test_a_received_letters_references_open_the_referenced_letter(persian_app, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    first = _registered(store, "درخواست اولیه", 3, EARLIER, state="sent")
    first_shams = f"{A}-O-1405-3"
    incoming = _incoming_answer(store, first, first_shams)
    with store.reader() as s:
        stored = s.get(Letter, incoming)
        assert stored is not None and (stored.in_reply_to, stored.in_reply_to_shams) == (first, first_shams)

    win = MainWindow(store)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: not win.model.loading, timeout=10_000)
    view = win.open_letter(incoming)
    assert isinstance(view, LetterDetails)
    shown = view.text()
    assert "عطف به:" in shown and "پیرو:" in shown
    assert "درخواست اولیه" in shown and "۱۴۰۵/۰۸/۱۵" in shown  # the referenced letter we hold: subject, date
    assert display_text(f"{B}-O-1405-2") in shown  # the one we do not hold: its number, not a link

    # Click the link as a user would: the referenced letter opens in its own tab.
    doc = view.info.document()
    cursor = doc.find("درخواست اولیه", 0, QTextDocument.FindFlag(0))
    assert not cursor.isNull() and cursor.charFormat().isAnchor()
    cursor.setPosition(cursor.selectionStart() + 4)  # inside the link's text
    view.info.setTextCursor(cursor)
    view.info.ensureCursorVisible()
    point = view.info.cursorRect(cursor).center()
    qtbot.mouseClick(view.info.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lambda: win.current_tab_guid() == first, timeout=5000)
    assert "درخواست اولیه" in win.tabs.tabText(win.tabs.currentIndex())
    win.model.wait()


def test_printed_signatories_carry_their_directory_title(store: Store) -> None:
    """The certificate names the signer; the directory knows their title, which the letter prints."""
    from app.models.tables import Person
    from app.protocol.persian import national_code_check_digit

    code = "001234567" + national_code_check_digit("001234567")
    _directory(store)
    with store.session() as s:
        s.add(Person(agency=A, username="a.signatory", name="مدیرکل", name_norm=normalize("مدیرکل"),
                     title="مدیرکل فناوری اطلاعات", national_code=code, unit_code="office"))
    guid = _registered(store, "گزارش", 11, WHEN)
    with store.session() as s:
        letter = s.get(Letter, guid)
        assert letter is not None
        letter.signatures[0].signer_national_code = code
    (signatory,) = printable_view(store, guid).signatories
    assert (signatory.name, signatory.title, signatory.national_code) == ("علی رضایی", "مدیرکل فناوری اطلاعات", code)
