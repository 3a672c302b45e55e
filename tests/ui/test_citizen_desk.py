"""A citizen's letter at the desk (issue 20, item 1): the paper form asks a person or a company for
the channel (the server's list), mobile, postal code and address, checked as typed; the letter view
shows its tracking id once the server issues it, and the search box finds it by that id.
The last test runs the real dabir-server over HTTPS with its own channel list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.models.db import Store, open_store
from app.models.directory import citizen_channels
from app.models.tables import Letter
from app.protocol.citizen import DEFAULT_CHANNELS
from app.protocol.persian import to_persian_digits
from app.protocol.tracking import display_tracking_id, new_tracking_id
from app.sync import account as acc
from app.ui.letter_details import LetterDetails
from app.ui.main_window import MainWindow
from app.ui.paper_incoming_dialog import PaperIncomingDialog
from app.ui.sync_bridge import SyncBridge
from devkit.pki import TestPKI
from devkit.server_process import DEMO_PASSWORD, ServerProcess
from tests.sync.servers import file_keyring
from tests.ui.editor_conftest_helpers import save_screenshot, type_text
from tests.ui.workflow_helpers import sync_pass

CITIZEN = "0010203044"
COMPANY = "10101010103"  # a valid national id
MOBILE, POSTAL = "09123456789", "1193653471"
ADDRESS = "تهران، خیابان آزادی، کوچهٔ ۱۲، پلاک ۴"


def _form(window: MainWindow, qtbot) -> PaperIncomingDialog:  # type: ignore[no-untyped-def]
    dialog = window.incoming.open_paper_form()
    assert isinstance(dialog, PaperIncomingDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    return dialog


def _fill_person(dialog: PaperIncomingDialog, channel: str | None, mobile: str, postal: str) -> None:
    dialog.sender_kind.setCurrentIndex(dialog.sender_kind.findData("person"))
    type_text(dialog.sender_name, "علی رضایی")
    type_text(dialog.sender_id, to_persian_digits(CITIZEN))
    if channel is not None:
        dialog.channel.setCurrentIndex(dialog.channel.findData(channel))
    type_text(dialog.mobile, mobile)
    dialog.mobile.editingFinished.emit()
    type_text(dialog.postal_code, postal)
    dialog.postal_code.editingFinished.emit()
    type_text(dialog.address, ADDRESS)
    type_text(dialog.subject, "درخواست صدور مجوز")


def _letters(store: Store) -> list[tuple[str | None, ...]]:
    """(sender kind, sender id, channel, mobile, postal code, address, tracking id, incoming number) of each letter."""
    with store.reader() as s:
        return [(x.sender_kind, x.sender_id, x.citizen_channel, x.sender_mobile, x.sender_postal_code,
                 x.sender_address, x.tracking_id, x.incoming_number) for x in s.scalars(select(Letter))]


def test_the_citizen_fields_show_for_a_person_or_a_company_only(window, store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = _form(window, qtbot)
    citizen = (dialog.channel, dialog.mobile, dialog.postal_code, dialog.address)
    assert not any(w.isVisible() for w in citizen)  # an agency's letter: none of them
    for kind in ("person", "company"):
        dialog.sender_kind.setCurrentIndex(dialog.sender_kind.findData(kind))
        assert all(w.isVisible() for w in citizen), kind
    # before the first sync: the default channels, none chosen for the desk yet
    assert [dialog.channel.itemText(i) for i in range(dialog.channel.count())] == list(DEFAULT_CHANNELS.values())
    assert dialog.channel.currentIndex() == -1 and dialog.channel.placeholderText() == "مجرای دریافت را برگزینید"
    dialog.sender_kind.setCurrentIndex(dialog.sender_kind.findData("agency"))
    assert not any(w.isVisible() for w in citizen)
    dialog.reject()


def test_a_bad_mobile_or_postal_code_shows_its_reason_in_place_and_nothing_is_stored(  # type: ignore[no-untyped-def]
        window, store: Store, qtbot, artifacts_dir: Path) -> None:
    dialog = _form(window, qtbot)
    dialog.sender_kind.setCurrentIndex(dialog.sender_kind.findData("person"))
    QApplication.processEvents()
    before = dialog.subject.mapTo(dialog, dialog.subject.rect().topLeft())
    _fill_person(dialog, None, "۰۸۱۲۳۴۵۶۷۸۹", "۰۱۲۳۴۵۶۷۸۹")
    # checked as soon as all the digits are typed, in Persian, under the field, and the form stays put
    assert dialog.mobile_error.isVisible() and dialog.mobile_error.text() == "شماره همراه باید یازده رقم باشد و با ۰۹ آغاز شود."
    assert dialog.postal_error.isVisible() and dialog.postal_error.text() == "کد پستی باید ده رقم معتبر باشد."
    QApplication.processEvents()
    assert dialog.subject.mapTo(dialog, dialog.subject.rect().topLeft()) == before
    dialog.register_button.click()  # refused: the channel is missing too
    assert dialog.channel_error.isVisible() and dialog.channel_error.text() == "مجرای دریافت نامه را برگزینید."
    assert dialog.error.isVisible() and dialog.isVisible()
    save_screenshot(dialog, artifacts_dir / "citizen_desk_form_refused.png")
    dialog.channel.setCurrentIndex(dialog.channel.findData("post"))
    assert not dialog.channel_error.isVisible()
    dialog.register_button.click()  # still refused: the mobile and postal code are wrong
    assert dialog.error.text() == "شماره همراه باید یازده رقم باشد و با ۰۹ آغاز شود."
    QApplication.processEvents()
    assert _letters(store) == []
    dialog.mobile.clear()
    type_text(dialog.mobile, to_persian_digits(MOBILE))
    assert not dialog.mobile_error.isVisible()
    dialog.reject()


def test_a_citizens_letter_is_stored_with_its_channel_and_contact_and_the_channel_is_remembered(  # type: ignore[no-untyped-def]
        window, store: Store, qtbot, artifacts_dir: Path) -> None:
    dialog = _form(window, qtbot)
    _fill_person(dialog, "counter", to_persian_digits(MOBILE), "۱۱۹۳۶-۵۳۴۷۱")
    assert not any(e.isVisible() for e in (dialog.mobile_error, dialog.postal_error, dialog.channel_error))
    QApplication.processEvents()
    # it fits a 1366×768 screen (with room for the task bar)
    assert dialog.width() <= 1366 and dialog.height() <= 700, dialog.size()
    save_screenshot(dialog, artifacts_dir / "citizen_desk_form.png")
    with qtbot.waitSignal(dialog.registered, timeout=5000) as registered:
        dialog.register_button.click()
    assert _letters(store) == [("person", CITIZEN, "counter", MOBILE, POSTAL, ADDRESS, None, None)]
    assert window.current_tab_guid() == registered.args[0]  # it opens: its receipt is one click away later

    # the next letter at this desk starts on the same channel
    again = _form(window, qtbot)
    again.sender_kind.setCurrentIndex(again.sender_kind.findData("company"))
    assert again.channel.currentData() == "counter" and again.channel.currentText() == DEFAULT_CHANNELS["counter"]
    again.reject()


def test_the_letter_view_shows_the_tracking_id_once_issued_and_the_search_finds_it(  # type: ignore[no-untyped-def]
        window, store: Store, qtbot, artifacts_dir: Path) -> None:
    dialog = _form(window, qtbot)
    _fill_person(dialog, "pishkhan", MOBILE, POSTAL)
    with qtbot.waitSignal(dialog.registered, timeout=5000) as registered:
        dialog.register_button.click()
    guid = registered.args[0]
    details = window.open_letter(guid)
    assert isinstance(details, LetterDetails)
    text = details.text()
    for expected in ("شناسه پیگیری:", "پس از همگام‌سازی صادر می‌شود", "مجرای دریافت:", DEFAULT_CHANNELS["pishkhan"],
                     to_persian_digits(MOBILE), to_persian_digits(POSTAL), "کوچهٔ ۱۲، پلاک ۴"):
        assert expected in text, expected
    # its channel says how it came: not also «کاغذی (پست یا تحویل دستی)», as a portal's letter showed
    assert "نحوهٔ دریافت:" not in text and "نامهٔ کاغذی" not in text and "امضای الکترونیکی ندارد" in text

    tracking = new_tracking_id()
    with store.session() as s:  # what the sync keeps from the server's answer
        letter = s.get(Letter, guid)
        assert letter is not None
        letter.tracking_id, letter.incoming_number = tracking, "و-1405-7"
    details.reload()
    qtbot.waitUntil(lambda: display_tracking_id(tracking) in details.text(), timeout=5000)
    assert "پس از همگام‌سازی" not in details.text()
    window.resize(1100, 760)
    save_screenshot(window, artifacts_dir / "citizen_desk_letter.png")

    for typed in (display_tracking_id(tracking), display_tracking_id(tracking, persian=False), tracking,
                  display_tracking_id(tracking).replace("-", " ")):
        window.search.setText(typed)
        window.search.commit()
        window.model.wait()
        assert [window.model.letter_at(r).guid for r in range(window.model.rowCount())] == [guid], typed


def test_a_companys_letter_names_the_company_and_gives_its_national_id_once_in_persian(  # type: ignore[no-untyped-def]
        window, store: Store, qtbot) -> None:
    dialog = _form(window, qtbot)
    dialog.sender_kind.setCurrentIndex(dialog.sender_kind.findData("company"))
    type_text(dialog.sender_name, "شرکت ساختمانی البرز")
    type_text(dialog.sender_id, to_persian_digits(COMPANY))
    dialog.channel.setCurrentIndex(dialog.channel.findData("post"))
    type_text(dialog.subject, "پیشنهاد همکاری در طرح عمرانی")
    with qtbot.waitSignal(dialog.registered, timeout=5000) as registered:
        dialog.register_button.click()
    details = window.open_letter(registered.args[0])
    assert isinstance(details, LetterDetails)
    text = details.text()
    assert "شرکت ساختمانی البرز" in text
    assert COMPANY not in text  # the id in Latin digits (it led the sender row)
    assert text.count(to_persian_digits(COMPANY)) == 1 and "شناسه ملی:" in text


# -- the real server ---------------------------------------------------------------------

CHANNELS = {"counter": "میز خدمت حضوری ستاد", "kiosk": "باجهٔ خدمت فرودگاه"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    listed = "|".join(f"{code}={name}" for code, name in CHANNELS.items())
    srv = ServerProcess(tmp_path_factory.mktemp("desk-server"), TestPKI(name="Dabir Desk Test"),
                        env_extra={"DABIR_SERVER_CITIZEN_CHANNELS": listed})
    srv.setup()
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def _keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from file_keyring(tmp_path, monkeypatch)


@pytest.mark.server
@pytest.mark.slow
def test_registered_at_the_desk_synced_with_the_server_shows_its_tracking_id(  # type: ignore[no-untyped-def]
        persian_app, server: ServerProcess, _keyring, tmp_path: Path, qtbot, artifacts_dir: Path) -> None:
    store = open_store(tmp_path / "b")
    acc.login(store, acc.Account(server.base_url, "b.secretary", str(server.ca_bundle)), DEMO_PASSWORD)
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.resize(1280, 760)
    win.show()
    win.attach_bridge(SyncBridge(store, win))
    qtbot.waitUntil(lambda: not win.model.loading, timeout=10_000)
    report = sync_pass(win.bridge, qtbot)
    assert report.error is None, report
    # the server's own list reached the desk with the directory, in its order
    assert citizen_channels(store) == CHANNELS

    dialog = _form(win, qtbot)
    dialog.sender_kind.setCurrentIndex(dialog.sender_kind.findData("person"))
    assert [(dialog.channel.itemData(i), dialog.channel.itemText(i)) for i in range(dialog.channel.count())] == \
        list(CHANNELS.items())
    _fill_person(dialog, "kiosk", to_persian_digits(MOBILE), to_persian_digits(POSTAL))
    with qtbot.waitSignal(dialog.registered, timeout=5000) as registered:
        dialog.register_button.click()
    guid = registered.args[0]
    report = sync_pass(win.bridge, qtbot)
    assert report.error is None, report
    [(*stored, tracking, number)] = _letters(store)
    assert stored == ["person", CITIZEN, "kiosk", MOBILE, POSTAL, ADDRESS] and tracking and number

    details = win.open_letter(guid)
    assert isinstance(details, LetterDetails)
    qtbot.waitUntil(lambda: display_tracking_id(tracking) in details.text(), timeout=10_000)
    assert CHANNELS["kiosk"] in details.text()
    save_screenshot(win, artifacts_dir / "citizen_desk_letter_synced.png")
    qtbot.waitUntil(lambda: not win.bridge.status.get("running"), timeout=60_000)  # type: ignore[union-attr]
