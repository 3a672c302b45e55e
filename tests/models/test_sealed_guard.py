"""The flush guard refuses every change of signed content, field by field, and nothing else.

The fields come from the content builder itself: a column that ``letter_content`` reads and the
guard does not watch fails here.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from app.models import letters as L
from app.models.db import Store
from app.models.lifecycle import SealedContent, State
from app.models.tables import Attachment, Letter, Recipient
from app.protocol.canonical import content_sha256
from tests.models.test_store import draft


def _content_reads() -> dict[str, set[str]]:
    """The columns of a letter and of its recipients and attachments that ``letter_content`` reads."""
    reads: dict[str, set[str]] = defaultdict(set)

    class Recorder:
        def __init__(self, row: Any, kind: str) -> None:
            self._row, self._kind = row, kind

        def __getattr__(self, name: str) -> Any:
            value = getattr(self._row, name)
            if isinstance(value, list):  # a relationship: record what is read of each child
                return [Recorder(child, name) for child in value]
            reads[self._kind].add(name)
            return value

    guid = "5f0c2a4e-8d1b-4c3e-9a7f-1b2c3d4e5f60"
    letter = Letter(
        guid=guid, kind="outgoing", subject="موضوع", body="<p>متن</p>", sender_agency="14000123453",
        sender_unit="", sender_person="", sender_name="", priority="normal", classification="normal",
        in_reply_to=guid, in_reply_to_shams="", follow_up_of=guid, follow_up_of_shams="",
        recipients=[Recipient(position=0, role="to", agency="14000123453", unit="", person="", name="")],
        attachments=[Attachment(position=0, sha256="0" * 64, size=1, media_type="text/plain", file_name="a.txt")],
    )  # fmt: skip
    L.letter_content(Recorder(letter, "letter"))  # type: ignore[arg-type]  # a stand-in that records
    for child, model in (("recipients", Recipient), ("attachments", Attachment)):
        # The order of the children is content too: the relationship sorts them by these columns.
        reads[child] |= {c.key for c in getattr(Letter, child).property.order_by}
        assert reads[child] <= set(inspect(model).columns.keys())
    assert reads["letter"] <= set(inspect(Letter).columns.keys())
    assert {"subject", "body", "in_reply_to_shams"} <= reads["letter"] and "name" in reads["recipients"]
    return reads


CONTENT = _content_reads()

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


@pytest.mark.parametrize("field", sorted(CONTENT["letter"]))
def test_each_letter_content_field_is_sealed(store: Store, tmp_path: Path, field: str):
    guid = _signed(store, tmp_path)
    with pytest.raises(SealedContent), store.session() as s:
        letter = s.get(Letter, guid)
        setattr(letter, field, _other(getattr(letter, field)))


@pytest.mark.parametrize(("child", "field"), [(c, f) for c in ("recipients", "attachments") for f in sorted(CONTENT[c])])
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
