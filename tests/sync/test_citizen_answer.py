"""Answering a citizen by letter, end to end on the real server: B's desk registers a person's
letter (tracking id); B answers it with an outgoing letter «عطف» to it, addressed to the citizen;
the letter is numbered (SHAMS) and never sent through Payam — it goes out on paper (Sent), to be printed
and handed over — and the public status page says answered, with that SHAMS and date. A reply
from another agency linking to B's citizen letter marks nothing."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.models import letters as L
from app.models.citizen_answer import CITIZEN_ALONE_FA, citizen_reply, delivered_on_paper
from app.models.db import Store
from app.models.directory import DirectoryEntry
from app.models.drafts import DraftValues, check_complete, save_draft
from app.models.folders import Folder, folder_filter
from app.models.incoming import PaperLetter, register_paper
from app.models.letter_details import read_details
from app.models.lifecycle import State
from app.models.tables import Letter, OutboxOperation, Person
from app.protocol.canonical import InvalidContent, canonical_bytes, content_sha256
from app.protocol.receipt import format_time
from app.protocol.shams import Shams
from app.sync import outbox
from app.sync.engine import SyncEngine
from devkit.letters import BulkSigner, SoftSigner, make_signer
from devkit.server_process import ServerProcess
from tests.sync.servers import api, signing_server

pytestmark = [pytest.mark.server]
CITIZEN = "0010203044"
B_SIGNATORY_CODE = "0012345679"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    for srv in signing_server(tmp_path_factory, "Answer"):
        srv.signer_b = make_signer(srv.pki, "Signatory B", B_SIGNATORY_CODE)  # type: ignore[attr-defined]
        with api(srv, "b.admin") as admin:
            admin.add_signatory_certificate("b.signatory", srv.signer_b.cert_pem)  # type: ignore[attr-defined]
        yield srv


def agencies(server: ServerProcess) -> tuple[dict[str, str], dict[str, str]]:
    a, b = server.demo["agencies"][:2]  # type: ignore[index]
    return a, b


def track(server: ServerProcess, tracking_id: str) -> dict[str, Any]:
    with httpx.Client(base_url=server.base_url,
                      verify=ssl.create_default_context(cafile=str(server.ca_bundle))) as http:
        r = http.post("/api/v1/track", json={"tracking_id": tracking_id, "national_id": CITIZEN})
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def sign_and_queue(store: Store, guid: str, signer: SoftSigner) -> None:
    with store.session() as s:
        letter = s.get(Letter, guid)
        assert letter is not None
        content = L.letter_content(letter)
        L.add_signature(s, letter, cms=BulkSigner(signer).sign(canonical_bytes(content)),
                        content_sha256_hex=content_sha256(content))
        outbox.queue_letter(s, letter)


def snapshot(store: Store, guid: str) -> Letter:
    with store.reader() as s:
        found = s.get(Letter, guid)
        assert found is not None
        _ = found.recipients
        s.expunge(found)
        return found


def signatory_b(store: Store, b: dict[str, str]) -> DirectoryEntry:
    with store.reader() as s:
        person = s.scalars(select(Person).where(Person.username == "b.signatory")).one()
        return DirectoryEntry("person", b["national_id"], person="b.signatory", name=person.name,
                              national_code=B_SIGNATORY_CODE)


def test_an_answer_to_a_citizen_is_registered_not_sent_and_the_status_page_shows_its_shams(
        server: ServerProcess, tmp_path: Path) -> None:
    a, b = agencies(server)
    store_b, store_a = Store(tmp_path / "b"), Store(tmp_path / "a")
    citizen = PaperLetter(sender_kind="person", sender_id=CITIZEN, sender_name="علی رضایی",
                          subject="درخواست تمدید پروانه", summary="تمدید پروانه کسب", channel="pishkhan")
    asked = register_paper(store_b, citizen)
    with api(server, "b.secretary") as client:
        SyncEngine(store_b, client).run_once()  # numbered, its tracking id issued; the directory pulled
    tracking_id = snapshot(store_b, asked).tracking_id
    assert tracking_id is not None and track(server, tracking_id)["status"] == "registered"

    # Agency A replies «عطف» to B's citizen letter (it knows the GUID): that answers nothing of B's.
    with store_a.session() as s:
        foreign = L.create_letter(
            s, kind="outgoing", subject="پاسخ: درخواست تمدید پروانه", body="<p>نامه‌ای دیگر</p>",
            sender={"agency": a["national_id"], "unit": "secretariat", "person": "a.secretary", "name": a["name"]},
            recipients=[{"role": "to", "agency": b["national_id"], "name": b["name"]}], in_reply_to=(asked, ""))
        foreign_guid = foreign.guid
    sign_and_queue(store_a, foreign_guid, server.signer)  # type: ignore[attr-defined]
    with api(server, "a.secretary") as client:
        assert SyncEngine(store_a, client).run_once().registered == [foreign_guid]
    assert track(server, tracking_id)["status"] == "registered"

    # B answers the citizen: what «پاسخ به فرستنده» starts the letter with.
    reply = citizen_reply(store_b, asked)
    assert reply is not None
    assert reply.recipient.as_recipient("to") == {"role": "to", "agency": CITIZEN, "unit": "", "person": "",
                                                 "name": "علی رضایی"}
    assert (reply.link.guid, reply.subject) == (asked, "پاسخ: درخواست تمدید پروانه")
    values = DraftValues(subject=reply.subject, body="<p>با سلام؛ پروانه شما تمدید شد.</p>", to=[reply.recipient],
                         in_reply_to=reply.link, signatories=[signatory_b(store_b, b)])
    sender = {"agency": b["national_id"], "unit": "secretariat", "person": "b.secretary", "name": b["name"]}
    mixed = save_draft(store_b, None, replace(values, cc=[DirectoryEntry("agency", a["national_id"], name=a["name"])]),
                       kind="outgoing", sender=sender).guid
    with pytest.raises(InvalidContent) as refused:  # a letter to a citizen goes to the citizen alone
        check_complete(store_b, mixed)
    assert (refused.value.field, refused.value.message_fa) == ("recipients", CITIZEN_ALONE_FA)
    answer = save_draft(store_b, None, values, kind="outgoing", sender=sender).guid
    check_complete(store_b, answer)
    sign_and_queue(store_b, answer, server.signer_b)  # type: ignore[attr-defined]
    with api(server, "b.secretary") as client:
        report = SyncEngine(store_b, client).run_once()
        assert report.registered == [answer] and report.sent == [] and report.rejected == []
        again = SyncEngine(store_b, client).run_once()  # nothing left to do: no send queued later either
        assert again.sent == [] and again.pending == 0

    got = snapshot(store_b, answer)
    assert got.state == State.SENT and got.shams and got.registered_at is not None  # out on paper: the Sent folder
    with store_b.reader() as s:
        ops = s.scalars(select(OutboxOperation.op).where(OutboxOperation.letter_guid == answer)).all()
        assert ops == [outbox.REGISTER]
        letter = s.get(Letter, answer)
        assert letter is not None and delivered_on_paper(s, letter)
        assert [g for (g,) in s.execute(select(Letter.guid).where(folder_filter(Folder.SENT)))] == [answer]
    assert read_details(store_b, answer).on_paper

    status = track(server, tracking_id)
    shams = Shams.parse(got.shams)
    assert status["status"] == "answered" and status["status_fa"]
    assert status["answer"] == {"shams": shams.canonical, "shams_display": shams.display,
                                "registered_at": {"at": format_time(got.registered_at),
                                                  "jalali": status["answer"]["registered_at"]["jalali"]}}
    assert status["changed_at"]["at"] == format_time(got.registered_at)
    assert shams.origin == b["national_id"]  # B's SHAMS
    with api(server, "b.admin") as admin:  # Rasad: the letter answered, by the answering letter
        events = [e for e in admin.rasad_events(limit=500)["events"] if e["letter_guid"] == asked]
    answered = [e for e in events if e["kind"] == "answered"]
    assert [(e["referral_guid"], e["detail"]) for e in answered] == [
        (None, {"note": "", "answer_guid": answer, "shams": shams.canonical})]
    assert answered[0]["actor"]["username"] == "b.secretary"

    # A second answer (the first was incomplete, say): the status page names the one the citizen got last.
    second = save_draft(store_b, None, replace(values, body="<p>با سلام؛ پیرو پاسخ پیشین، مدارک تکمیلی لازم نیست.</p>"),
                        kind="outgoing", sender=sender).guid
    check_complete(store_b, second)
    sign_and_queue(store_b, second, server.signer_b)  # type: ignore[attr-defined]
    with api(server, "b.secretary") as client:
        assert SyncEngine(store_b, client).run_once().registered == [second]
    latest = snapshot(store_b, second)
    assert latest.shams and latest.shams != got.shams and latest.registered_at is not None
    status = track(server, tracking_id)
    assert status["status"] == "answered" and status["answer"]["shams"] == latest.shams
    assert status["changed_at"]["at"] == format_time(latest.registered_at)
