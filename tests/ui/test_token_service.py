"""One token watcher for the whole app, and no token library call on the GUI thread.

The profile is configured with a spy PKCS#11 module (``pkcs11_thread_spy.c``, compiled here) in
front of SoftHSM: it records the thread of every call that reaches a token, while letters are
signed through the main window as a signatory would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QItemSelectionModel

from app.models.db import Store
from app.models.folders import Folder
from app.models.profile import TOKEN_MODULE_SETTING
from app.models.tables import Setting
from app.ui.main_window import MainWindow
from app.ui.token_service import TokenService
from devkit.pki import TestPKI
from devkit.softhsm import SOFTHSM_MODULE, SoftHSM, provision_signing_key, softhsm_available
from tests.ui.workflow_helpers import SIGNATORY_CODE, awaiting_letter, set_sender, state_of

pytestmark = [pytest.mark.gui, pytest.mark.softhsm]

PIN = "135790"
SPY_SOURCE = Path(__file__).with_name("pkcs11_thread_spy.c")
P11_KIT_INCLUDE = "/usr/include/p11-kit-1"


@dataclass
class SpiedToken:
    module: Path  # what the profile is configured with: the spy in front of SoftHSM
    log: Path

    def calls(self) -> list[tuple[int, str]]:
        """(native thread id, PKCS#11 function) of every recorded call, in order."""
        lines = self.log.read_text().split() if self.log.exists() else []
        return [(int(tid), name) for tid, name in zip(lines[::2], lines[1::2], strict=True)]


@pytest.fixture(scope="module")
def spied_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpiedToken]:
    if not softhsm_available() or shutil.which("cc") is None or not Path(P11_KIT_INCLUDE).is_dir():
        pytest.fail("needs SoftHSM2, a C compiler and the p11-kit headers (apt install softhsm2 gcc libp11-kit-dev)")
    root = tmp_path_factory.mktemp("spied-token")
    saved = {k: os.environ.get(k) for k in ("SOFTHSM2_CONF", "DABIR_SPY_MODULE", "DABIR_SPY_LOG")}
    hsm = SoftHSM(root / "hsm")
    hsm.init_token("Dabir Spy", PIN)
    provision_signing_key(hsm.private_module(root / "provision"), "Dabir Spy", PIN, TestPKI(), label="signer",
                          key_id=b"\x01", common_name="علی رضایی", national_code=SIGNATORY_CODE)
    real = root / "real" / "libsofthsm2.so"  # a copy only the spy loads: its own SoftHSM instance
    real.parent.mkdir()
    shutil.copy2(SOFTHSM_MODULE, real)
    spy = root / "pkcs11-thread-spy.so"
    subprocess.run(["cc", "-shared", "-fPIC", f"-I{P11_KIT_INCLUDE}", str(SPY_SOURCE), "-o", str(spy), "-ldl"],
                   check=True, capture_output=True)
    os.environ["DABIR_SPY_MODULE"] = str(real)
    os.environ["DABIR_SPY_LOG"] = str(root / "calls.log")
    try:
        yield SpiedToken(spy, root / "calls.log")
    finally:
        TokenService.instance().stop()  # the app-wide watcher would keep polling this module
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def watcher_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "dabir-token-watcher" and t.is_alive()]


def test_signing_shares_one_watcher_and_calls_the_token_only_off_the_gui_thread(
    window: MainWindow, store: Store, qtbot, spied_token: SpiedToken  # type: ignore[no-untyped-def]
) -> None:
    set_sender(store)
    letters = [awaiting_letter(store, "گزارش عملکرد سه‌ماهه سوم"), awaiting_letter(store, "دعوت به جلسه هماهنگی")]
    with store.session() as s:  # the module to sign with, as an administrator configures it
        s.add(Setting(key=TOKEN_MODULE_SETTING, value={"path": str(spied_token.module)}))
    window.folders.select(Folder.AWAITING_SIGNATURE)
    seen_watchers: list[list[threading.Thread]] = []
    dialogs: list[object] = []
    for left in (2, 1):  # two dialogs, one after the other, one letter each
        qtbot.waitUntil(lambda n=left: window.model.folder is Folder.AWAITING_SIGNATURE  # type: ignore[misc]
                        and not window.model.loading and window.model.rowCount() == n, timeout=10_000)
        select = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        window.table.selectionModel().select(window.model.index(0, 0), select)  # (selectRow misses in RTL offscreen)
        guid = window.model.letter_at(0).guid
        window.actions_.sign.trigger()
        qtbot.waitUntil(lambda: window.actions_.sign_dialog not in (None, *dialogs) or bool(window.last_warning),
                        timeout=10_000)
        assert window.last_warning is None, window.last_warning
        dialog = window.actions_.sign_dialog
        assert dialog is not None
        dialogs.append(dialog)
        qtbot.waitUntil(dialog.sign_button.isEnabled, timeout=10_000)
        seen_watchers.append(watcher_threads())
        dialog.pin_edit.setText(PIN)
        with qtbot.waitSignal(dialog.batch_finished, timeout=20_000):
            dialog.sign_button.click()
        qtbot.waitUntil(lambda g=guid: state_of(store, g) == "queued", timeout=10_000)  # type: ignore[misc]
        qtbot.waitUntil(lambda d=dialog: not shiboken6.isValid(d), timeout=5000)  # type: ignore[misc]  # closed by itself
    assert all(state_of(store, g) == "queued" for g in letters)

    assert len(seen_watchers[0]) == 1 and seen_watchers[1] == seen_watchers[0]  # the same single watcher
    calls = spied_token.calls()
    assert {"C_GetSlotList", "C_GetTokenInfo", "C_OpenSession", "C_Login", "C_FindObjectsInit", "C_Sign"} \
        <= {name for _, name in calls}
    gui = threading.main_thread().native_id
    assert [name for tid, name in calls if tid == gui] == []  # none on the GUI thread
    assert seen_watchers[0][0].native_id in {tid for tid, name in calls if name == "C_GetSlotList"}
    window.model.wait()
