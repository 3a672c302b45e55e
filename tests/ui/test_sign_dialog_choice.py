"""The sign dialog as a secretary meets it (issue 15, items 1–3): it opens on the token of the
letter's signatory, keeps that choice through token refreshes and a wrong PIN, refuses another
signatory's certificate before the PIN, treats Enter as «امضا», closes after signing, grows to
show its messages and tells the PIN's tries left. Real widgets on two SoftHSM tokens."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLabel

from app.models.letter_actions import SignatoryRule
from app.protocol.package import LetterPackage
from app.protocol.persian import national_code_check_digit
from app.token.pin import PinStatus
from app.ui.sign_dialog import SignDialog
from app.ui.token_service import TokenService
from devkit.pki import TestPKI
from devkit.softhsm import SoftHSM, provision_signing_key, softhsm_available
from tests.token.conftest import letter

pytestmark = [pytest.mark.gui, pytest.mark.softhsm]

PIN = "123456"
CODES = {"Dabir Demo A": "001123456" + national_code_check_digit("001123456"),
         "Dabir Demo B": "002123456" + national_code_check_digit("002123456")}
NAMES = {"Dabir Demo A": "علی رضایی", "Dabir Demo B": "مریم کریمی"}


@dataclass
class Tokens:
    module: str  # the PKCS#11 module the two agencies' tokens are in


@pytest.fixture(scope="module")
def two_tokens(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tokens]:
    """Agency A's and agency B's signatory tokens in one module, as on the demo workstation."""
    if not softhsm_available():
        pytest.fail("needs SoftHSM2 (apt install softhsm2)")
    root = tmp_path_factory.mktemp("two-tokens")
    old_conf = os.environ.get("SOFTHSM2_CONF")
    try:
        hsm = SoftHSM(root / "hsm")
        for label in CODES:
            hsm.init_token(label, PIN)
        lib = hsm.private_module(root / "module")  # its own instance: the session's other tokens stay apart
        pki = TestPKI()
        for i, label in enumerate(CODES):
            provision_signing_key(lib, label, PIN, pki, label="signatory", key_id=bytes([i + 1]),
                                  common_name=NAMES[label], national_code=CODES[label])
        yield Tokens(str(lib.so))
    finally:
        if old_conf is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = old_conf


@pytest.fixture
def service(qtbot, two_tokens: Tokens) -> Iterator[TokenService]:  # type: ignore[no-untyped-def]
    svc = TokenService(None, interval=0.2)
    loading = svc.load(None, two_tokens.module).run()
    qtbot.waitUntil(lambda: loading.is_done and len(svc.tokens) == 2, timeout=10_000)
    yield svc
    svc.wait(10_000)
    svc.stop()


def not_first(service: TokenService) -> str:
    """The token a dialog that takes the first one listed would miss (slot order is random)."""
    return service.tokens[1].label


def open_dialog(qtbot, service: TokenService, rule: SignatoryRule | None, **kw: object) -> SignDialog:  # type: ignore[no-untyped-def]
    dlg = SignDialog([LetterPackage(content=letter(900))], service, rule=rule, **kw)  # type: ignore[arg-type]
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def chosen(dlg: SignDialog) -> str:
    return (dlg.current_token() or ("", ""))[0]


def clipped_labels(dlg: SignDialog) -> list[str]:
    """Word-wrapped labels shorter than their text needs (lines cut off at the bottom)."""
    return [w.text() for w in dlg.findChildren(QLabel)
            if w.isVisible() and w.wordWrap() and w.text() and w.height() < w.heightForWidth(w.width())]


def test_opens_on_the_signatorys_token_keeps_it_and_enter_signs_after_a_wrong_pin(
    persian_app: QApplication, qtbot, service: TokenService, two_tokens: Tokens, artifacts_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    signatory = not_first(service)
    rule = SignatoryRule.of([("گزارش عملکرد", frozenset({CODES[signatory]}))])
    dlg = open_dialog(qtbot, service, rule)
    qtbot.waitUntil(lambda: chosen(dlg) == signatory and dlg.sign_button.isEnabled(), timeout=10_000)
    assert NAMES[signatory] in dlg.cert_combo.currentText() and dlg.status.text() == ""
    assert dlg.pin_edit.hasFocus() or QApplication.focusWidget() in (None, dlg.pin_edit)
    dlg.grab().save(str(artifacts_dir / "sign_dialog_before_wrong_pin.png"))

    service.rescan()  # a background refresh: the list is rebuilt, the choice stays
    dlg.set_tokens(list(reversed(service.tokens)))
    assert chosen(dlg) == signatory
    # a scan that misses the token for a moment (busy with a PIN try, a loose contact): it comes back chosen
    dlg.set_tokens([t for t in service.tokens if t.label != signatory])
    dlg.set_tokens(service.tokens)
    assert chosen(dlg) == signatory
    qtbot.waitUntil(lambda: dlg.sign_button.isEnabled(), timeout=10_000)

    dlg.pin_edit.setFocus()
    QTest.keyClicks(dlg.pin_edit, "000000")
    with qtbot.waitSignal(dlg.batch_finished, timeout=10_000):
        QTest.keyClick(dlg.pin_edit, Qt.Key.Key_Return)
    assert "نادرست" in dlg.status.text() and dlg.isVisible()
    qtbot.waitUntil(lambda: any(t.pin.count_low for t in service.tokens if t.label == signatory),
                    timeout=5000)  # the flags, read again
    QTest.qWait(600)  # the watcher reports the token's new flags: the list is rebuilt again
    # one message: SoftHSM's «a wrong PIN was entered» flag does not repeat the status line's words
    assert dlg.pin_warning.text() == "" and "فرصت" not in dlg.status.text()
    assert chosen(dlg) == signatory, "the token changed behind the user's back"
    assert dlg.sign_button.isDefault() and not dlg.cancel_button.isDefault()
    assert QApplication.focusWidget() is dlg.pin_edit or not dlg.isActiveWindow()
    assert clipped_labels(dlg) == []
    dlg.grab().save(str(artifacts_dir / "sign_dialog_after_wrong_pin.png"))

    QTest.keyClicks(dlg.pin_edit, PIN)
    with qtbot.waitSignal(dlg.batch_finished, timeout=20_000) as finished:
        QTest.keyClick(dlg.pin_edit, Qt.Key.Key_Return)
    assert finished.args[0].signed == 1
    assert dlg.packages[0].signatures
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5000)  # closed by itself
    assert dlg.result() == QDialog.DialogCode.Accepted


def test_enter_signs_even_when_the_cancel_button_has_focus(
    persian_app: QApplication, qtbot, service: TokenService, two_tokens: Tokens  # type: ignore[no-untyped-def]
) -> None:
    signatory = not_first(service)
    dlg = open_dialog(qtbot, service, SignatoryRule.of([("نامه", frozenset({CODES[signatory]}))]))
    qtbot.waitUntil(dlg.sign_button.isEnabled, timeout=10_000)
    dlg.pin_edit.setText(PIN)
    dlg.cancel_button.setFocus()
    with qtbot.waitSignal(dlg.batch_finished, timeout=20_000) as finished:
        QTest.keyClick(dlg, Qt.Key.Key_Return)
    assert finished.args[0].signed == 1


def test_another_signatorys_certificate_is_refused_before_the_pin(
    persian_app: QApplication, qtbot, service: TokenService, two_tokens: Tokens  # type: ignore[no-untyped-def]
) -> None:
    signatory, other = not_first(service), service.tokens[0].label
    dlg = open_dialog(qtbot, service, SignatoryRule.of([("نامه", frozenset({CODES[signatory]}))]))
    qtbot.waitUntil(lambda: chosen(dlg) == signatory and dlg.sign_button.isEnabled(), timeout=10_000)
    index = next(i for i in range(dlg.token_combo.count()) if dlg.token_combo.itemText(i).startswith(other))
    dlg.token_combo.setCurrentIndex(index)  # the user's pick
    qtbot.waitUntil(lambda: "امضاکنندگان تعیین‌شده" in dlg.status.text(), timeout=10_000)
    assert not dlg.sign_button.isEnabled()
    dlg.pin_edit.setText("000000")
    with qtbot.assertNotEmitted(dlg.batch_finished, wait=500):
        QTest.keyClick(dlg.pin_edit, Qt.Key.Key_Return)  # no PIN try on a certificate that may not sign
    assert "امضاکنندگان تعیین‌شده" in dlg.status.text()
    service.rescan()
    QTest.qWait(500)
    assert chosen(dlg) == other  # the user's pick stands through refreshes

    unlisted = open_dialog(qtbot, service, SignatoryRule.of([("نامهٔ بی‌امضاکننده", frozenset())]))
    qtbot.waitUntil(lambda: "نامهٔ بی‌امضاکننده" in unlisted.status.text(), timeout=10_000)
    assert "امضاکنندهٔ نامه تعیین نشده" in unlisted.status.text() and not unlisted.sign_button.isEnabled()


def test_the_token_used_last_is_offered_when_no_signatorys_token_is_present(
    persian_app: QApplication, qtbot, service: TokenService, two_tokens: Tokens  # type: ignore[no-untyped-def]
) -> None:
    last = not_first(service)
    serial = next(t.serial for t in service.tokens if t.label == last)
    dlg = open_dialog(qtbot, service, None, last_token=(last, serial))
    qtbot.waitUntil(lambda: chosen(dlg) == last and dlg.sign_button.isEnabled(), timeout=10_000)
    dlg.pin_edit.setText(PIN)
    with qtbot.waitSignal(dlg.token_used, timeout=20_000) as used:
        dlg.sign_button.click()
    assert used.args == [last, serial]  # what the workstation remembers for next time


def test_tries_left_last_try_and_locked_are_told_apart(
    persian_app: QApplication, qtbot, service: TokenService, two_tokens: Tokens, artifacts_dir: Path  # type: ignore[no-untyped-def]
) -> None:
    signatory = not_first(service)
    dlg = open_dialog(qtbot, service, SignatoryRule.of([("نامه", frozenset({CODES[signatory]}))]))
    qtbot.waitUntil(lambda: chosen(dlg) == signatory and dlg.sign_button.isEnabled(), timeout=10_000)
    service.tokensChanged.disconnect(dlg.set_tokens)  # the states below are the token's, as a real one reports
    token = next(t for t in service.tokens if t.label == signatory)
    texts = {}
    for name, pin in (("low", PinStatus(count_low=True)), ("final", PinStatus(count_low=True, final_try=True)),
                      ("locked", PinStatus(locked=True))):
        dlg.set_tokens([replace(token, pin=pin) if t == token else t for t in service.tokens])
        texts[name] = dlg.pin_warning.text()
        assert chosen(dlg) == signatory and clipped_labels(dlg) == []
        if name == "final":
            assert "۱" in texts[name] and dlg.sign_button.isEnabled()
    assert len(set(texts.values())) == 3 and "قفل" in texts["locked"]
    assert not dlg.sign_button.isEnabled() and not dlg.pin_edit.isEnabled()
    dlg.grab().save(str(artifacts_dir / "sign_dialog_locked.png"))


def test_the_signed_pdf_export_offers_the_token_of_the_letters_signatory(
    qtbot, window, store, service: TokenService, two_tokens: Tokens, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    """Item 13: exporting a signed PDF chooses the token as signing does, not its own default."""
    from app.models import letters as L
    from app.models.profile import LAST_TOKEN_SETTING, SERVER_BASE_SETTING, TOKEN_MODULE_SETTING, read_setting
    from app.models.tables import Setting
    from app.protocol.canonical import content_sha256
    from tests.ui.workflow_helpers import SENDER

    signatory = not_first(service)
    with store.session() as s:
        s.add(Setting(key=TOKEN_MODULE_SETTING, value={"path": two_tokens.module}))
        s.add(Setting(key=SERVER_BASE_SETTING, value={"url": "https://dabir.example"}))
        letter = L.create_letter(s, kind="outgoing", subject="گزارش پیشرفت پروژه", body="<p>با سلام و احترام</p>",
                                 sender=SENDER, recipients=[{"role": "to", "agency": "14000234561", "name": "وزارت"}])
        L.add_signature(s, letter, cms=b"cms", content_sha256_hex=content_sha256(L.letter_content(letter)),
                        signer_subject=f"CN={NAMES[signatory]}", signer_national_code=CODES[signatory])
        for state in ("queued", "registered"):
            L.transition(s, letter, state)
        letter.shams = f"{SENDER['agency']}-O-1405-12"
        letter.registered_at = dt.datetime.now(dt.UTC)
        s.flush()
        guid = letter.guid
    window.open_letter(guid)
    out = tmp_path / "signed.pdf"
    suggested: list[str] = []
    window.actions_.ask_save_path = lambda _title, name: suggested.append(name) or str(out)
    window.actions_.export_signed_pdf.trigger()
    qtbot.waitUntil(lambda: window.actions_.pdf_sign_dialog is not None or bool(window.last_warning)
                    or bool(window.messages), timeout=20_000)
    assert window.last_warning is None and window.messages == [], (window.last_warning, window.messages)
    dlg = window.actions_.pdf_sign_dialog
    assert dlg is not None
    qtbot.waitUntil(lambda: dlg.sign_button.isEnabled(), timeout=10_000)
    assert chosen(dlg) == signatory  # the signer of the letter, whatever the first token is
    assert suggested == [f"{SENDER['agency']}-O-1405-12-امضاشده.pdf"]  # not the plain PDF's name
    QTest.keyClicks(dlg.pin_edit, PIN)
    with qtbot.waitSignal(dlg.signed, timeout=30_000):
        QTest.keyClick(dlg.pin_edit, Qt.Key.Key_Return)
    assert out.exists() and out.stat().st_size > 1000
    assert re.search(rb"/Rect \[\s*[1-9]", out.read_bytes())  # a visible signature in the signature block
    qtbot.waitUntil(lambda: read_setting(store, LAST_TOKEN_SETTING) is not None, timeout=5000)
    assert read_setting(store, LAST_TOKEN_SETTING)["label"] == signatory
