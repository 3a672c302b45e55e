"""The sign dialog on SoftHSM (offscreen): live token list, wrong PIN warning, batch signing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.protocol.package import LetterPackage
from app.protocol.verify import verify_detached
from devkit.softhsm import SOFTHSM_MODULE
from tests.token.conftest import PIN_A, TokenWorld, letter

pytestmark = [pytest.mark.softhsm, pytest.mark.gui]


@pytest.fixture(autouse=True)
def persian(qapp):  # type: ignore[no-untyped-def]
    """The dialog's strings are English source text; its Persian comes from translations/fa."""
    from app.ui.i18n import install_translator

    translators = install_translator(qapp)
    yield
    for t in translators:
        qapp.removeTranslator(t)


def test_sign_dialog_signs_a_batch(qtbot, world: TokenWorld) -> None:  # type: ignore[no-untyped-def]
    from app.ui.fonts import apply_app_font
    from app.ui.sign_dialog import SignDialog
    from app.ui.token_service import TokenService

    apply_app_font(QApplication.instance())  # type: ignore[arg-type]
    pkgs = [LetterPackage(content=letter(700 + i)) for i in range(3)]
    tokens = TokenService.instance()
    loading = tokens.load(None, SOFTHSM_MODULE).run()  # the module the world's tokens are in
    qtbot.waitUntil(lambda: loading.is_done, timeout=10_000)
    dlg = SignDialog(pkgs, tokens)
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.layoutDirection() == Qt.LayoutDirection.RightToLeft

    qtbot.waitUntil(lambda: dlg.token_combo.count() >= 3, timeout=5000)  # "two tokens present" and more
    assert "توکن به رایانه وصل است" in dlg.token_status.text()
    dlg.token_combo.setCurrentIndex(dlg.token_combo.findText("Dabir A", Qt.MatchFlag.MatchStartsWith))
    qtbot.waitUntil(lambda: dlg.cert_combo.findData("01") >= 0, timeout=5000)
    dlg.cert_combo.setCurrentIndex(dlg.cert_combo.findData("01"))
    assert "کد ملی" in dlg.cert_detail.text()

    # a wrong PIN: nothing signed, said once (SoftHSM's count-low flag would only repeat it)
    dlg.pin_edit.setText("000000")
    with qtbot.waitSignal(dlg.batch_finished, timeout=10000):
        qtbot.mouseClick(dlg.sign_button, Qt.MouseButton.LeftButton)
    assert dlg.status.text() == "گذرواژه (PIN) توکن نادرست است." and dlg.pin_warning.text() == ""
    assert dlg.pin_edit.text() == ""  # the PIN does not stay in the field
    assert all(not p.signatures for p in pkgs)

    dlg.pin_edit.setText(PIN_A)
    with qtbot.waitSignal(dlg.batch_finished, timeout=20000) as blocker:
        qtbot.mouseClick(dlg.sign_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].signed == 3
    assert dlg.progress.value() == 3 and "۳" in dlg.status.text()
    trust = world.trust()
    for p in pkgs:
        v = verify_detached(p.content_bytes(), p.signatures[0], trust)
        assert v.valid and "علی رضایی" in (v.signer_subject or "")

    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5000)  # done: it closed by itself
