"""Incoming registration end to end on the real server: B registers A's letter (B's incoming
number; A's letter shows it as registered at the recipient); paper letters registered offline are
provisional and numbered at the next sync, in the order they were registered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import letters as L
from app.models.db import Store
from app.models.incoming import NotRegistrable, PaperLetter, is_provisional, register_paper, register_received
from app.models.lifecycle import State
from app.models.tables import Letter, OutboxOperation
from app.protocol.canonical import InvalidContent, canonical_bytes, content_sha256
from app.protocol.tracking import is_valid
from app.sync import outbox
from app.sync.engine import SyncEngine
from devkit.letters import BulkSigner
from devkit.server_process import ServerProcess
from tests.sync.servers import api, signing_server, unreachable

pytestmark = [pytest.mark.server]
CITIZEN = "0010203044"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from signing_server(tmp_path_factory, "Incoming")


def send_from_a(server: ServerProcess, store: Store, subject: str) -> str:
    a, b = server.demo["agencies"][:2]  # type: ignore[index]
    with store.session() as s:
        letter = L.create_letter(
            s, kind="outgoing", subject=subject, body="<p>با سلام؛ احتراماً گزارش ارسال می‌شود.</p>",
            sender={"agency": a["national_id"], "unit": "secretariat", "person": "a.secretary", "name": a["name"]},
            recipients=[{"role": "to", "agency": b["national_id"], "name": b["name"]}])
        content = L.letter_content(letter)
        cms = BulkSigner(server.signer).sign(canonical_bytes(content))  # type: ignore[attr-defined]
        L.add_signature(s, letter, cms=cms, content_sha256_hex=content_sha256(content))
        outbox.queue_letter(s, letter)
        guid = letter.guid
    with api(server, "a.secretary") as client:
        report = SyncEngine(store, client).run_once()
    assert report.sent == [guid], report
    return guid


def letter(store: Store, guid: str) -> Letter:
    with store.reader() as s:
        found = s.get(Letter, guid)
        assert found is not None
        _ = found.recipients, found.attachments
        s.expunge(found)  # a snapshot: the reader's rollback would expire it
        return found


def test_b_registers_a_letter_and_a_sees_b_number(server: ServerProcess, tmp_path: Path) -> None:
    store_a, store_b = Store(tmp_path / "a"), Store(tmp_path / "b")
    guid = send_from_a(server, store_a, "گزارش عملکرد")
    with api(server, "b.secretary") as b:
        assert SyncEngine(store_b, b).run_once().received == [guid]
        register_received(store_b, guid, actor="b.secretary")
        assert is_provisional(letter(store_b, guid))
        with pytest.raises(NotRegistrable):  # once
            register_received(store_b, guid)
        report = SyncEngine(store_b, b).run_once()
    got = letter(store_b, guid)
    assert report.numbered == [guid]
    assert got.state == State.REGISTERED_INCOMING and got.incoming_number and got.incoming_at is not None
    assert not is_provisional(got)
    with api(server, "a.secretary") as a:
        assert guid in SyncEngine(store_a, a).run_once().acknowledged
    sent = letter(store_a, guid)
    assert sent.state == State.ACKNOWLEDGED  # «ثبت‌شده نزد گیرنده»
    assert [(r.ack_state, r.ack_number) for r in sent.recipients] == [("registered", got.incoming_number)]


def test_paper_letters_registered_offline_are_numbered_in_order_at_the_next_sync(
        server: ServerProcess, tmp_path: Path) -> None:
    store = Store(tmp_path / "b")
    scan = tmp_path / "page-1.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"scanned page" * 100)
    pdf = tmp_path / "page-2.pdf"
    pdf.write_bytes(b"%PDF-1.4 scanned")

    def paper(subject: str, code: str = CITIZEN, scans: tuple[Path, ...] = ()) -> PaperLetter:
        return PaperLetter(sender_kind="person", sender_id=code, sender_name="علی رضایی", subject=subject,
                           summary="درخواست صدور مجوز", sender_number="۱۲/الف", sender_date=dt.date(2026, 11, 20),
                           scans=scans)

    with pytest.raises(InvalidContent) as exc:  # a wrong national code: refused before anything is stored
        register_paper(store, paper("نادرست", code="0010203045"))
    assert exc.value.message_fa == "رقم کنترل کد ملی نادرست است."
    program = tmp_path / "scan.pdf"
    program.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)  # a program named as a PDF: told by its content
    with pytest.raises(InvalidContent) as exc:
        register_paper(store, paper("نه سند", scans=(program,)))
    assert exc.value.field == "scans" and "مجاز نیست" in exc.value.message_fa
    notes = tmp_path / "notes.docx.txt"
    notes.write_text("یادداشت متقاضی", encoding="utf-8")  # a file the sender brought: an allowed kind
    other_desk = Store(tmp_path / "other-desk")
    with_file = register_paper(other_desk, paper("با پرونده", scans=(notes,)))
    assert [a.media_type for a in letter(other_desk, with_file).attachments] == ["text/plain"]
    guids = [register_paper(store, paper(f"نامه کاغذی {i}", scans=(scan, pdf) if i == 0 else ()))
             for i in range(3)]
    first = letter(store, guids[0])
    assert first.channel == "paper" and first.sender_id == CITIZEN and is_provisional(first)
    assert [(a.media_type, a.remote_address) for a in first.attachments] == [("image/png", None), ("application/pdf", None)]
    assert store.blobs.verify(first.attachments[0].sha256)  # the scans are in the local blob store

    with unreachable(server) as offline:
        report = SyncEngine(store, offline).run_once()
    assert not report.online and report.numbered == []
    assert all(is_provisional(letter(store, g)) for g in guids)

    with api(server, "b.secretary") as b:
        report = SyncEngine(store, b).run_once()
    assert report.numbered == guids
    numbers = [letter(store, g).incoming_number for g in guids]
    years_seqs = [tuple(int(x) for x in n.split("/")) for n in numbers if n]
    assert len(years_seqs) == 3 and len({y for y, _ in years_seqs}) == 1
    seqs = [s for _, s in years_seqs]
    assert seqs == list(range(seqs[0], seqs[0] + 3)), numbers  # consecutive, in registration order
    assert all(letter(store, g).state == State.REGISTERED_INCOMING for g in guids)
    with store.reader() as s:
        ops = s.scalars(select(OutboxOperation).where(OutboxOperation.op == "incoming")).all()
        assert {o.status for o in ops} == {"done"}
    with api(server, "b.secretary") as b:  # a sync again asks for nothing
        assert SyncEngine(store, b).run_once().numbered == []


def test_a_citizens_letter_gets_its_tracking_id_at_the_next_sync(server: ServerProcess, tmp_path: Path) -> None:
    store = Store(tmp_path / "b")
    citizen = PaperLetter(sender_kind="person", sender_id=CITIZEN, sender_name="علی رضایی", subject="درخواست پروانه",
                          summary="تمدید پروانه کسب", channel="pishkhan", mobile="۰۹۱۲ ۳۴۵ ۶۷۸۹",
                          postal_code="1458965847", address="تهران، خیابان آزادی")
    with pytest.raises(InvalidContent) as exc:  # a wrong mobile number: refused before anything is stored
        register_paper(store, replace(citizen, mobile="۹۱۲"))
    assert exc.value.field == "sender.mobile" and "۰۹" in exc.value.message_fa
    guid = register_paper(store, citizen)
    queued = letter(store, guid)
    assert (queued.tracking_id, queued.citizen_channel, queued.sender_mobile) == (None, "pishkhan", "09123456789")
    with unreachable(server) as offline:  # offline: queued, no id yet
        SyncEngine(store, offline).run_once()
    assert letter(store, guid).tracking_id is None
    with api(server, "b.secretary") as b:
        assert SyncEngine(store, b).run_once().numbered == [guid]
    numbered = letter(store, guid)
    assert numbered.tracking_id is not None and is_valid(numbered.tracking_id)
    assert numbered.incoming_number and numbered.state == State.REGISTERED_INCOMING
