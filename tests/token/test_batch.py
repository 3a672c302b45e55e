"""Batch signing: one PIN entry, progress, cancel, and a token pulled out part-way."""

from __future__ import annotations

import threading
import time

import pytest

from app.protocol.package import LetterPackage
from app.protocol.verify import verify_detached
from app.token.errors import BatchInterrupted
from app.token.signing import open_signing_session
from app.token.watcher import TokenEvent, TokenWatcher
from tests.token.conftest import PIN_A, PIN_R, TokenWorld, letter

pytestmark = pytest.mark.softhsm


def packages(n: int, start: int = 100) -> list[LetterPackage]:
    return [LetterPackage(content=letter(start + i)) for i in range(n)]


def test_batch_progress_and_cancel(world: TokenWorld) -> None:
    pkgs = packages(12)
    seen: list[tuple[int, int]] = []
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done == 4:
            cancel.set()

    with open_signing_session(world.token("Dabir A"), PIN_A, cert_label="signer") as s:
        result = s.sign_packages(pkgs, progress=progress, cancel=cancel)
    assert result.cancelled and result.signed == 4
    assert seen == [(i, 12) for i in range(1, 5)]
    assert [len(p.signatures) for p in pkgs] == [1] * 4 + [0] * 8
    trust = world.trust()
    for p in pkgs[:4]:
        assert verify_detached(p.content_bytes(), p.signatures[0], trust).valid

    pkgs = packages(5, start=200)
    with open_signing_session(world.token("Dabir A"), PIN_A, cert_label="signer") as s:
        done = s.sign_packages(pkgs, progress=lambda d, t: seen.append((d, t)))
    assert not done.cancelled and done.signed == 5 and all(len(p.signatures) == 1 for p in pkgs)


def test_token_removed_mid_batch(world: TokenWorld) -> None:
    events: list[TokenEvent] = []
    watcher = TokenWatcher(world.lib, on_event=events.append, interval=0.05).start()
    pkgs = packages(15, start=300)
    try:
        with open_signing_session(world.token("Dabir Removable"), PIN_R) as s:

            def progress(done: int, total: int) -> None:
                if done == 6:
                    world.hsm.delete_token("Dabir Removable")  # the token's storage is gone

            with pytest.raises(BatchInterrupted) as exc:
                s.sign_packages(pkgs, progress=progress)
        err = exc.value
        assert err.signed == 6 and err.total == 15
        assert "after 6 of 15" in str(err) and "removed" in str(err)
        assert "۶" in err.message_fa and "۹" in err.message_fa  # signed / untouched, in Persian digits
        assert [len(p.signatures) for p in pkgs] == [1] * 6 + [0] * 9
        trust = world.trust()
        assert all(verify_detached(p.content_bytes(), p.signatures[0], trust).valid for p in pkgs[:6])
        end = time.monotonic() + 5
        while time.monotonic() < end and not any(e.kind == "removed" for e in events):
            time.sleep(0.02)
        assert any(e.kind == "removed" and e.token.label == "Dabir Removable" for e in events)
    finally:
        watcher.stop()
