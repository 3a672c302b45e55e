"""Modules, tokens, PIN handling and the watcher on real SoftHSM2."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest
from pkcs11 import TokenFlag

from app.protocol.persian import ltr_island
from app.protocol.verify import verify_detached
from app.token.errors import ModuleLoadError, PinIncorrect, PinLocked, TokenNotFound
from app.token.modules import detect_modules, found_modules, load_module
from app.token.pin import PinStatus, check_before_login, login, read_pin_status
from app.token.signing import open_signing_session
from app.token.tokens import find_token, list_tokens
from app.token.watcher import TokenEvent, TokenWatcher
from devkit.softhsm import SOFTHSM_MODULE
from tests.token.conftest import PIN_B, PIN_P, TokenWorld, letter_bytes

pytestmark = pytest.mark.softhsm


# -- modules -----------------------------------------------------------------------------------
def test_autodetect_finds_softhsm() -> None:
    found = {m.name: m.path for m in found_modules()}
    assert found.get("SoftHSM2") == SOFTHSM_MODULE
    report = {m.name: m for m in detect_modules(platform="linux")}
    assert {"OpenSC", "Feitian ePass2003", "SafeNet eToken", "Gemalto IDPrime", "YubiKey PIV"} <= set(report)
    assert all(m.searched for m in report.values())  # "absent" says where we looked
    win = {m.name: m for m in detect_modules(platform="win32")}
    assert any(p.endswith("eps2003csp11.dll") for p in win["Feitian ePass2003"].searched)
    assert any(p.endswith("eTPKCS11.dll") for p in win["SafeNet eToken"].searched)


def test_bad_module_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModuleLoadError) as missing:
        load_module(tmp_path / "nope.so")
    assert "not found" in str(missing.value) and "یافت نشد" in missing.value.message_fa
    junk = tmp_path / "junk.so"
    junk.write_bytes(b"not a library")
    with pytest.raises(ModuleLoadError) as bad:
        load_module(junk)
    assert "cannot load PKCS#11 module" in str(bad.value) and "بارگذاری نشد" in bad.value.message_fa
    # the path reads left to right inside the Persian sentence («/tmp/…/junk.so», not «tmp/…/junk.so/»)
    assert f"«{ltr_island(str(junk))}»" in bad.value.message_fa
    with pytest.raises(ModuleLoadError):
        load_module("")


# -- tokens --------------------------------------------------------------------------------------
def test_two_tokens_present(world: TokenWorld) -> None:
    labels = [t.label for t in list_tokens(world.lib)]
    assert {"Dabir A", "Dabir B", "Dabir PIN"} <= set(labels)
    with pytest.raises(TokenNotFound, match="tokens match"):
        find_token(world.lib)  # ambiguous: the user must choose
    with pytest.raises(TokenNotFound):
        find_token(world.lib, label="Not Plugged In")
    content = letter_bytes(20)
    with open_signing_session(find_token(world.lib, label="Dabir B"), PIN_B) as s:
        assert s.certificate.label == "signer-b"
        sig = s.sign(content)
    v = verify_detached(content, sig, world.trust())
    assert v.valid and "مریم احمدی" in (v.signer_subject or "")


# -- PIN -------------------------------------------------------------------------------------------
def test_wrong_pin_reads_and_surfaces_flags(world: TokenWorld, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = world.token("Dabir PIN")
    assert not read_pin_status(token).count_low
    with pytest.raises(PinIncorrect) as exc:
        login(token, "000000")
    # SoftHSM sets CKF_USER_PIN_COUNT_LOW after a wrong PIN (it never counts down to a lock)
    assert exc.value.status.count_low and not exc.value.status.locked
    # one message: the flag only says a wrong PIN was entered, which this failure already says
    assert str(exc.value) == "wrong PIN" and exc.value.message_fa == "گذرواژه (PIN) توکن نادرست است."
    assert read_pin_status(token).count_low
    session, after = login(token, PIN_P)
    session.close()
    assert not after.count_low  # a good PIN resets the counter
    text = caplog.text
    assert "000000" not in text and PIN_P not in text  # the PIN is never logged


def test_pin_messages_for_each_flag() -> None:
    low = PinStatus.from_flags(TokenFlag.LOGIN_REQUIRED | TokenFlag.USER_PIN_COUNT_LOW)
    final = PinStatus.from_flags(TokenFlag.USER_PIN_COUNT_LOW | TokenFlag.USER_PIN_FINAL_TRY)
    locked = PinStatus.from_flags(TokenFlag.USER_PIN_LOCKED)
    pad = PinStatus.from_flags(TokenFlag.PROTECTED_AUTHENTICATION_PATH)
    assert PinStatus.from_flags(TokenFlag.LOGIN_REQUIRED).warning is None
    assert low.count_low and "entered before" in (low.warning or "")
    assert final.final_try and "Last try" in (final.warning or "") and "آخرین" in (final.warning_fa or "")
    assert locked.locked and "locked" in (locked.warning or "") and "قفل" in (locked.warning_fa or "")
    assert pad.protected_path and pad.warning is None
    check_before_login(final)  # still allowed, with a warning
    with pytest.raises(PinLocked) as exc:
        check_before_login(locked)  # SoftHSM cannot lock a PIN: the refusal is tested on the flag value
    assert "قفل" in exc.value.message_fa


def test_pin_pad_requires_protected_path(world: TokenWorld) -> None:
    with pytest.raises(PinIncorrect, match="no PIN pad"):
        login(world.token("Dabir PIN"), None)


# -- watcher -----------------------------------------------------------------------------------
def _wait(pred, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return False


def test_watcher_sees_insertion_and_removal(world: TokenWorld, tmp_path: Path) -> None:
    # a private module instance: SoftHSM only sees new tokens after re-initializing
    lib = world.hsm.private_module(tmp_path / "mod")
    events: list[TokenEvent] = []
    snapshots: list[list[str]] = []
    lock = threading.Lock()

    def on_event(ev: TokenEvent) -> None:
        with lock:
            events.append(ev)

    watcher = TokenWatcher(lib, on_event=on_event, on_change=lambda ts: snapshots.append([t.label for t in ts]),
                           interval=0.05, rescan_by_reinitialize=True).start()
    try:
        assert "Dabir A" in snapshots[0]  # initial state published at start
        world.hsm.init_token("Dabir Hotplug", "444444")
        assert _wait(lambda: any(e.kind == "inserted" and e.token.label == "Dabir Hotplug" for e in events))
        world.hsm.delete_token("Dabir Hotplug")
        assert _wait(lambda: any(e.kind == "removed" and e.token.label == "Dabir Hotplug" for e in events))
        assert watcher.mode in ("polling", "events+polling")
        assert "Dabir Hotplug" not in [t.label for t in watcher.tokens]
    finally:
        watcher.stop()
        lib.finalize()
