"""The flush guard refuses every change of signed content, field by field, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.models import letters as L
from app.models.db import Store
from app.models.guards import ATTACHMENT_CONTENT, LETTER_CONTENT, RECIPIENT_CONTENT
from app.models.lifecycle import SealedContent, State
from app.models.tables import Letter
from app.protocol.canonical import content_sha256
from tests.models.test_store import draft


def _signed(store: Store, tmp_path: Path) -> str:
    with store.session() as s:
        letter = draft(s)
        (tmp_path / "a.txt").write_bytes(b"attachment")
        L.add_attachment(s, store.blobs, letter, tmp_path / "a.txt")
        s.flush()
        L.add_signature(s, letter, cms=b"sig", content_sha256_hex=content_sha256(L.letter_content(letter)))
        L.transition(s, letter, State.QUEUED)
        return letter.guid


def _other(value: object) -> object:
    return value + 7 if isinstance(value, int) else f"{value or ''}x"


@pytest.mark.parametrize("field", LETTER_CONTENT)
def test_each_letter_content_field_is_sealed(store: Store, tmp_path: Path, field: str):
    guid = _signed(store, tmp_path)
    with pytest.raises(SealedContent), store.session() as s:
        letter = s.get(Letter, guid)
        setattr(letter, field, _other(getattr(letter, field)))


@pytest.mark.parametrize(("child", "field"), [*(("recipients", f) for f in RECIPIENT_CONTENT),
                                              *(("attachments", f) for f in ATTACHMENT_CONTENT)])
def test_each_recipient_and_attachment_field_is_sealed(store: Store, tmp_path: Path, child: str, field: str):
    guid = _signed(store, tmp_path)
    with pytest.raises(SealedContent), store.session() as s:
        row = getattr(s.get(Letter, guid), child)[0]
        setattr(row, field, _other(getattr(row, field)))


def test_a_change_after_an_earlier_flush_in_the_same_session_is_still_refused(store: Store, tmp_path: Path):
    guid = _signed(store, tmp_path)
    with pytest.raises(SealedContent), store.session() as s:
        letter = s.get(Letter, guid)
        letter.reject_reason = "x"
        s.flush()
        letter.body = "<p>دیگر</p>"


def test_same_values_and_other_columns_pass(store: Store, tmp_path: Path):
    guid = _signed(store, tmp_path)
    with store.session() as s:
        letter = s.get(Letter, guid)
        letter.subject = str(letter.subject)  # no net change
        letter.recipients[0].name = str(letter.recipients[0].name)
        letter.recipients[0].ack_state = "delivered"  # not content
        letter.shams = "14000123453-O-1405-1"
        L.transition(s, letter, State.REGISTERED)
    with store.reader() as s:
        assert s.get(Letter, guid).state == "registered"
