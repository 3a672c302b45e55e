"""Shared pieces of the workflow GUI tests (plain functions; the fixtures live in each module)."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

from app.models import letters as L
from app.models.db import Store
from app.models.lifecycle import State
from app.models.tables import Setting
from app.protocol.persian import normalize
from app.sync.account import SENDER_SETTING
from tests.models.letter_helpers import state_of  # noqa: F401 (the workflow tests import it from here)
from tests.sync.test_engine_unit import A, B

SENDER = {"agency": A, "unit": "دبیرخانه مرکزی", "person": "s.ahmadi", "name": "وزارت نمونه"}
SIGNATORY_CODE = "0012345679"  # the national code in the test signatories' certificates


def signatory(code: str = SIGNATORY_CODE) -> dict[str, str]:
    """A letter's listed signatory, as the editor stores it from the directory."""
    return {"kind": "person", "agency": A, "person": "r.rezaei", "name": "علی رضایی، مدیرکل", "national_code": code}


def set_sender(store: Store) -> None:
    with store.session() as s:
        s.add(Setting(key=SENDER_SETTING, value=SENDER))


def awaiting_letter(store: Store, subject: str, code: str = SIGNATORY_CODE) -> str:
    with store.session() as s:
        letter = L.create_letter(s, kind="outgoing", subject=subject, body="<p>با سلام و احترام، متن نامه.</p>",
                                 sender=SENDER, recipients=[{"agency": B, "name": "سازمان برنامه و بودجه"}])
        letter.signatories = [signatory(code)]
        L.transition(s, letter, State.AWAITING_SIGNATURE)
        return letter.guid


def pdf_text(pdf: Path) -> str:
    assert shutil.which("pdftotext"), "needs poppler-utils"
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return normalize(unicodedata.normalize("NFKC", out))  # Qt writes presentation forms


def sync_pass(bridge: Any, qtbot: Any) -> Any:
    """One pass of a window's sync bridge (its SyncReport), after any pass already running has finished."""
    qtbot.waitUntil(lambda: not bridge.status.get("running"), timeout=60_000)
    with qtbot.waitSignal(bridge.synced, timeout=60_000) as blocker:
        bridge.sync_now()
    return blocker.args[0]
