"""The outbox's bulk helpers give what their one-at-a-time counterparts give."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.models import letters as L
from app.models.db import Store
from app.models.tables import Letter, OutboxOperation, Receipt
from app.protocol.canonical import content_sha256
from app.sync import outbox
from app.sync.api import ApiError
from app.sync.engine import SyncEngine
from tests.sync.test_engine_unit import A, B, ScriptedServer, queued_letter


def _rich_letter(store: Store, tmp_path: Path) -> str:
    """Several recipients (positions out of insertion order), attachments, links, two signatures, receipts."""
    with store.session() as s:
        letter = L.create_letter(
            s, kind="internal", subject="پیرو نامه", body="<p>متن \"نقل\" و \\ و\tتب</p>",
            sender={"agency": A, "unit": "دبیرخانه", "person": "p1", "name": "وزارت"},
            recipients=[{"agency": B, "name": "اول"}, {"agency": A, "role": "cc", "unit": "حراست", "name": "دوم"},
                        {"agency": B, "person": "ali", "name": "سوم"}],
            priority="urgent", classification="confidential",
            in_reply_to=(str(uuid.uuid4()), f"{A}-O-1405-3"), follow_up_of=(str(uuid.uuid4()), ""),
        )
        for i, name in enumerate(("الف.pdf", "ب.txt")):
            (tmp_path / f"f{i}").write_bytes(f"file {i}".encode())
            att = L.add_attachment(s, store.blobs, letter, tmp_path / f"f{i}")
            att.file_name, att.remote_address = name, (f"https://docs/{i}" if i else None)
        s.flush()
        digest = content_sha256(L.letter_content(letter))
        L.add_signature(s, letter, cms=b"first", content_sha256_hex=digest)
        L.add_signature(s, letter, cms=b"second", content_sha256_hex=digest)
        for n in (1, 2):
            s.add(Receipt(letter_guid=letter.guid, shams=f"{A}-I-1405-{n}", registered_at=dt.datetime.now(dt.UTC),
                          content_sha256=digest, data={"payload": {"n": n}, "signature": "x"}))
        return letter.guid


def test_letter_packages_equal_letter_package(store: Store, tmp_path: Path):
    guids = [_rich_letter(store, tmp_path), queued_letter(store), queued_letter(store, "دومی")]
    with store.reader() as s:
        bulk = outbox.letter_packages(s, [*guids, str(uuid.uuid4())])  # an unknown guid is skipped
        letters = s.scalars(select(Letter).where(Letter.guid.in_(guids)).options(
            selectinload(Letter.recipients), selectinload(Letter.attachments),
            selectinload(Letter.signatures), selectinload(Letter.receipts))).all()
        single = {x.guid: outbox.letter_package(x) for x in letters}
    assert set(bulk) == set(guids)
    for guid in guids:
        assert bulk[guid] == single[guid]
        assert bulk[guid].to_json_bytes() == single[guid].to_json_bytes()
    rich = bulk[guids[0]]
    assert [r["name"] for r in rich.content["recipients"]] == ["اول", "دوم", "سوم"]
    assert rich.signatures == [b"first", b"second"] and [r["payload"]["n"] for r in rich.receipts] == [1, 2]
    assert len(rich.content["links"]) == 2 and len(rich.content["attachments"]) == 2
    with store.reader() as s:
        assert outbox.letter_packages(s, []) == {}


def test_enqueue_many_adds_each_key_once(store: Store):
    guid = queued_letter(store)
    with store.session() as s:
        before = s.scalars(select(OutboxOperation)).all()
        assert len(before) == 1
        existing = before[0]
        items = outbox.enqueue_many(s, [
            (existing.op, guid, existing.idempotency_key.split(":")[-1]),  # already queued
            (outbox.SEND, guid, "abc"), (outbox.SEND, guid, "abc"),  # twice in one call
            (outbox.ACK, guid, ""),
        ])
        assert items[0] is existing and items[1] is items[2] and items[3] is not items[1]
        assert outbox.enqueue_many(s, []) == []
    with store.reader() as s:
        keys = sorted(s.scalars(select(OutboxOperation.idempotency_key)))
    assert keys == sorted([existing.idempotency_key, f"send:{guid}:abc", f"ack:{guid}"])


def test_many_letters_in_chunks_with_a_failure_midway_end_registered_and_sent_once(store: Store):
    """70 letters (more than one due batch) through chunked storing; the server is gone for one
    call early on: the run stops, the next one finishes, nothing is registered or sent twice."""
    server = ScriptedServer()
    guids = [queued_letter(store, f"نامه {i}") for i in range(70)]
    server.failures = [ApiError(0, "transport_error", "", "timeout")]
    events: list[str] = []
    first = SyncEngine(store, server, parallel=4, on_event=lambda n, d: events.append(n)).run_once()
    assert not first.online
    later = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)  # noqa: E731
    second = SyncEngine(store, server, parallel=4, clock=later).run_once()
    assert second.online and second.pending == 0
    assert sorted(first.registered + second.registered) == sorted(guids)
    assert sorted(first.sent + second.sent) == sorted(guids) == sorted(set(server.sent))
    assert len(server.registered) == 70
    with store.reader() as s:
        assert {x.state for x in s.scalars(select(Letter))} == {"sent"}
        assert s.scalar(select(func.count()).select_from(Receipt)) == 70
        assert s.scalar(select(func.count()).select_from(OutboxOperation)) == 140
