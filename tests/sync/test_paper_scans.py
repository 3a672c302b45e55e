"""A paper letter's scans reach everyone it is referred to (issues 16/17), against the real dabir-server:
the secretary's desk uploads the scans, the paper registration names them and the server keeps them;
the staff member the letter is referred to gets them listed and downloads them hash-checked; another
agency gets 404; a registration naming a scan not uploaded is refused; the 0008 migration keeps rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import ssl
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import create_engine, text

from app.models import referrals as R
from app.models.attachments import read_attachments
from app.models.db import Store
from app.models.incoming import PaperLetter, register_paper
from app.models.letter_details import read_details
from app.models.tables import Letter
from app.protocol.documents import document_address
from app.sync import account as acc
from app.sync.api import ApiError, DabirApi
from app.sync.attachments import fetch
from app.sync.documents import UploadState, upload_document
from devkit.sample_documents import write_sample
from devkit.server_process import DEMO_PASSWORD, ServerProcess
from server.migrate import alembic_config, upgrade
from tests.sync import test_attachments_sync as env
from tests.sync.test_attachments_sync import SIGNER_CODE, desk, run

pytestmark = [pytest.mark.server]
pki, server, file_keyring = env.pki, env.server, env.file_keyring  # the same fixtures


def scans(folder: Path) -> tuple[Path, Path]:
    """Two scanned pages of their own (fresh bytes: no other test's upload stands in for them)."""
    pdf, _ = write_sample(folder, "scan.pdf")
    pdf = pdf.rename(folder / "صفحه ۱.pdf")
    pdf.write_bytes(pdf.read_bytes() + os.urandom(3000))
    jpg, _ = write_sample(folder, "photo.jpg")
    return pdf, jpg.rename(folder / "صفحه ۲.jpg")


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def referred_paper_letter(tmp_path: Path, server: ServerProcess) -> tuple[Store, str, tuple[Path, Path]]:
    """b.secretary registers a paper letter with two scans and refers it to b.staff; b.staff's
    profile syncs. Returns the staff member's store, the letter and the scans."""
    pages = scans(tmp_path)
    desk_store = desk(server, tmp_path / "b", "b.secretary")
    guid = register_paper(desk_store, PaperLetter(sender_kind="person", sender_id=SIGNER_CODE, sender_name="علی رضایی",
                                                  subject="درخواست پروانه کسب", scans=pages,
                                                  summary="متقاضی صدور پروانه کسب برای واحد تجاری است."))
    report, _ = run(desk_store)
    assert report.numbered == [guid], report
    R.refer(desk_store, guid, "b.secretary", ["b.staff"], "برای اقدام")
    assert run(desk_store)[0].referred == [guid]
    staff = desk(server, tmp_path / "b-staff", "b.staff")
    assert guid in run(staff)[0].received
    return staff, guid, pages


def test_the_referred_staff_member_lists_and_downloads_the_scans(tmp_path: Path, server: ServerProcess) -> None:
    staff, guid, pages = referred_paper_letter(tmp_path, server)
    listed = read_attachments(staff, guid)
    assert [(x.entry.name, x.entry.sha256, x.entry.size, x.here) for x in listed] == [
        (p.name, sha256_of(p), p.stat().st_size, False) for p in pages]
    assert [x.entry.address for x in listed] == [document_address(server.base_url, sha256_of(p)) for p in pages]
    assert [x.entry.media_type for x in listed] == ["application/pdf", "image/jpeg"]
    with acc.open_api(staff) as api:
        fetch(staff, api, listed[0].entry)  # hash-checked against the registered SHA-256
    got = staff.blobs.path(listed[0].entry.sha256).read_bytes()
    assert got == pages[0].read_bytes() and hashlib.sha256(got).hexdigest() == sha256_of(pages[0])
    with staff.reader() as s:
        letter = s.get(Letter, guid)
        assert letter is not None and letter.channel == "paper" and letter.incoming_number
        assert letter.body == "متقاضی صدور پروانه کسب برای واحد تجاری است."  # the desk's summary travels too

    # Another agency may not read the scan: the same 404 as a document that does not exist.
    with DabirApi(server.base_url, server.ca_bundle) as other:
        other.login("a.secretary", DEMO_PASSWORD)
        hidden, absent = _raw_get(server, other, f"/documents/{sha256_of(pages[0])}"), _raw_get(
            server, other, f"/documents/{'e' * 64}")
    assert hidden.status_code == absent.status_code == 404 and hidden.json() == absent.json()


def test_the_registering_desk_no_longer_shows_its_scans_as_local_only(tmp_path: Path, server: ServerProcess) -> None:
    pages = scans(tmp_path)
    store = desk(server, tmp_path / "b", "b.secretary")
    guid = register_paper(store, PaperLetter(sender_kind="person", sender_id=SIGNER_CODE, sender_name="علی رضایی",
                                             subject="اعتراض به قبض", scans=pages))
    assert read_details(store, guid).extra["pages"] == [(p.name, True) for p in pages]  # only here until uploaded
    assert run(store)[0].numbered == [guid]
    assert read_details(store, guid).extra["pages"] == [(p.name, False) for p in pages]


def _raw_get(server: ServerProcess, api: DabirApi, path: str) -> httpx.Response:
    verify = ssl.create_default_context(cafile=str(server.ca_bundle))
    return httpx.get(f"{server.base_url}/api/v1{path}", headers={"Authorization": f"Bearer {api.token}"},
                     verify=verify)


def _paper(guid: str, scans: list[dict[str, Any]]) -> dict[str, Any]:
    return {"guid": guid, "sender": {"kind": "person", "id": SIGNER_CODE, "name": "علی رضایی"},
            "subject": "درخواست", "scans": scans}


def _scan(path: Path, media_type: str) -> dict[str, Any]:
    return {"sha256": sha256_of(path), "size": path.stat().st_size, "media_type": media_type, "name": path.name}


def test_a_registration_names_only_uploaded_scans_and_keeps_them(tmp_path: Path, server: ServerProcess) -> None:
    pdf, jpg = scans(tmp_path)
    guid = str(uuid.uuid4())
    with DabirApi(server.base_url, server.ca_bundle) as api:
        api.login("b.secretary", DEMO_PASSWORD)
        with pytest.raises(ApiError) as missing:  # not uploaded: no number is taken
            api.register_paper(_paper(guid, [_scan(pdf, "application/pdf")]), idempotency_key=str(uuid.uuid4()))
        assert (missing.value.status, missing.value.code) == (409, "attachment_missing")
        assert f"پیوست «{pdf.name}» هنوز به‌طور کامل بارگذاری نشده است" in missing.value.message_fa
        for path, media in ((pdf, "application/pdf"), (jpg, "image/jpeg")):
            upload_document(api, path, name=path.name, media_type=media, sha256=sha256_of(path),
                            size=path.stat().st_size, state=UploadState())
        body = _paper(guid, [_scan(pdf, "application/pdf"), _scan(jpg, "image/jpeg")])
        first = api.register_paper(body, idempotency_key=str(uuid.uuid4()))
        again = api.register_paper(body, idempotency_key=str(uuid.uuid4()))  # the same letter under a new key
        assert again["incoming_number"] == first["incoming_number"]
        for other in ([_scan(pdf, "application/pdf")], []):  # different scans for the same GUID
            with pytest.raises(ApiError) as conflict:
                api.register_paper(_paper(guid, other), idempotency_key=str(uuid.uuid4()))
            assert (conflict.value.status, conflict.value.code) == (409, "incoming_guid_conflict")


@pytest.mark.parametrize("scan", [
    {"sha256": "E" * 64, "size": 1, "media_type": "application/pdf", "name": "x.pdf"},
    {"sha256": "e" * 64, "size": "1", "media_type": "application/pdf", "name": "x.pdf"},
    {"sha256": "e" * 64, "size": -1, "media_type": "application/pdf", "name": "x.pdf"},
    {"sha256": "e" * 64, "size": 1, "media_type": " ", "name": "x.pdf"},
    {"sha256": "e" * 64, "size": 1, "media_type": "application/pdf", "name": "x" * 501},
    {"sha256": "e" * 64, "size": 1, "media_type": "application/pdf", "address": "https://x/"},
])
def test_a_malformed_scan_is_refused_with_a_4xx(server: ServerProcess, scan: dict[str, Any]) -> None:
    with DabirApi(server.base_url, server.ca_bundle) as api:
        api.login("b.secretary", DEMO_PASSWORD)
        with pytest.raises(ApiError) as bad:
            api.register_paper(_paper(str(uuid.uuid4()), [scan]), idempotency_key=str(uuid.uuid4()))
    assert bad.value.status == 422, bad.value


def test_more_scans_than_a_letter_may_attach_are_refused(server: ServerProcess) -> None:
    scan = {"sha256": "e" * 64, "size": 1, "media_type": "application/pdf", "name": "x.pdf"}
    with DabirApi(server.base_url, server.ca_bundle) as api:
        api.login("b.secretary", DEMO_PASSWORD)
        with pytest.raises(ApiError) as bad:
            api.register_paper(_paper(str(uuid.uuid4()), [scan] * 101), idempotency_key=str(uuid.uuid4()))
    assert bad.value.status == 422


# -- the 0008 migration on a database with rows ----------------------------------------------
def _upgrade_with_a_paper_letter(url: str) -> None:
    """A database at 0007 holding a paper registration upgrades to 0008: the row is kept, with no
    scans; the new column takes scans; it downgrades back with the row."""
    from server.incoming import paper_record

    command.upgrade(alembic_config(url), "0007")
    engine = create_engine(url)
    try:
        now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
        guid = str(uuid.uuid4())
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO agencies (id, national_id, name, active, change_seq, created_at)"
                              " VALUES (71, '14000999990', 'سازمان پیشین', true, 1, :t)"), {"t": now})
            conn.execute(text("INSERT INTO users (id, agency_id, username, display_name, title, roles, password_hash,"
                              " active, change_seq, created_at) VALUES (72, 71, 'old.secretary', 'دبیر', '',"
                              " 'secretary', 'x', true, 1, :t)"), {"t": now})
            conn.execute(text("INSERT INTO incoming_registrations (agency_id, guid, channel, year, seq, number,"
                              " registered_at, registered_by, sender_kind, sender_id, sender_name, sender_number,"
                              " subject) VALUES (71, :g, 'paper', 1405, 1, '1405/1', :t, 72, 'person', :c,"
                              " 'علی رضایی', '', 'نامه پیشین')"), {"g": guid, "t": now, "c": SIGNER_CODE})
        upgrade(url)
        with engine.begin() as conn:
            record = paper_record(conn, 71, guid)
            assert record is not None and record["subject"] == "نامه پیشین" and record["scans"] == []
            conn.execute(text("UPDATE incoming_registrations SET scans = :s"), {"s": '[{"sha256": "ab"}]'})
            assert (paper_record(conn, 71, guid) or {})["scans"] == [{"sha256": "ab"}]
        command.downgrade(alembic_config(url), "0007")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT subject FROM incoming_registrations")).scalar_one() == "نامه پیشین"
    finally:
        engine.dispose()


def test_the_paper_scans_migration_keeps_rows_sqlite(tmp_path: Path) -> None:
    _upgrade_with_a_paper_letter(f"sqlite:///{tmp_path / 'server.sqlite3'}")


@pytest.mark.postgres
def test_the_paper_scans_migration_keeps_rows_postgres() -> None:
    from tests.server.conftest import fresh_pg_database

    with fresh_pg_database("paper") as url:
        _upgrade_with_a_paper_letter(url)
