"""The document store's HTTP surface on the real server: ranged downloads, uploads kept to their
agency, refusals with a reason (never a 500), the settings it starts with, its migration."""

from __future__ import annotations

import hashlib
import ssl
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from app.protocol.canonical import build_content
from app.protocol.documents import document_address
from app.protocol.package import LetterPackage
from app.sync.api import ApiError, DabirApi
from devkit.letters import sign
from server.config import Settings
from server.migrate import alembic_config
from server.storage import create_storage
from tests.server.conftest import Env, upload_text


def _raw(env: Env, api: DabirApi, method: str, path: str, **kw: Any) -> httpx.Response:
    verify = ssl.create_default_context(cafile=str(env.server.ca_bundle))
    headers = {"Authorization": f"Bearer {api.token}", **kw.pop("headers", {})}
    return httpx.request(method, f"{env.server.base_url}/api/v1{path}", headers=headers, verify=verify, **kw)


@pytest.mark.server
def test_downloads_answer_ranges(env: Env, tmp_path: Path) -> None:
    with env.client("a.secretary") as a:
        sha, data = upload_text(a, tmp_path)
        n = len(data)

        def get(range_header: str | None) -> httpx.Response:
            return _raw(env, a, "GET", f"/documents/{sha}", headers={"Range": range_header} if range_header else {})

        whole = get(None)
        assert (whole.status_code, whole.content, whole.headers["accept-ranges"]) == (200, data, "bytes")
        assert whole.headers["content-type"].startswith("text/plain")
        for header, start, end in (("bytes=0-9", 0, 10), ("bytes=10-", 10, n), ("bytes=-5", n - 5, n),
                                   ("bytes=-999999", 0, n), (f"bytes=5-{n + 100}", 5, n)):
            part = get(header)
            assert part.status_code == 206, header
            assert part.content == data[start:end], header
            assert part.headers["content-range"] == f"bytes {start}-{end - 1}/{n}", header
        for bad in (f"bytes={n}-", "bytes=9-3", "bytes=-0", "bytes=abc", "bytes=0-1,4-5", "items=0-1"):
            refused = get(bad)
            assert refused.status_code == 416, bad
            assert refused.headers["content-range"] == f"bytes */{n}"
            assert refused.json()["error"]["code"] == "invalid_range"


@pytest.mark.server
def test_a_document_lost_from_the_store_is_said_so_not_retried_forever(env: Env, tmp_path: Path) -> None:
    """Its row says it was stored, the file is gone (deleted on disk): «temporarily unavailable; try
    again» (503) sent the user back for ever; the answer names the loss, in Persian, and is no 500."""
    with env.client("a.secretary") as a:
        sha, _data = upload_text(a, tmp_path)
        stored = next(env.server.data_dir.rglob(sha))
        stored.unlink()
        lost = _raw(env, a, "GET", f"/documents/{sha}")
        assert lost.status_code == 410, lost.text
        error = lost.json()["error"]
        assert error["code"] == "document_lost" and "ذخیره‌گاه کارگزار" in error["message_fa"]


@pytest.mark.server
def test_an_upload_belongs_to_its_agency(env: Env, tmp_path: Path) -> None:
    data = b"%PDF-1.4\n" + uuid.uuid4().bytes
    with env.client("a.secretary") as a, env.client("b.secretary") as b:
        up = a.create_upload(name="x.pdf", size=len(data), media_type="application/pdf",
                             sha256=hashlib.sha256(data).hexdigest())
        uid = up["upload_id"]
        for call in (lambda: b.upload_status(uid), lambda: b.complete_upload(uid),
                     lambda: b.put_upload_chunk(uid, 0, len(data), len(data), iter([data]))):
            with pytest.raises(ApiError) as hidden:
                call()
            assert (hidden.value.status, hidden.value.code) == (404, "not_found")
        assert a.put_upload_chunk(uid, 0, len(data), len(data), iter([data]))["received"] == len(data)
        assert a.complete_upload(uid)["media_type"] == "application/pdf"


@pytest.mark.server
@pytest.mark.parametrize(("body", "code"), [
    ({"name": "a.pdf", "size": 10, "media_type": "application/pdf", "sha256": "A" * 64}, "invalid_request"),
    ({"name": "a.pdf", "size": -1, "media_type": "application/pdf", "sha256": "a" * 64}, "invalid_request"),
    ({"name": "a.pdf", "size": 10, "media_type": "application/pdf", "sha256": "a" * 64, "x": 1}, "invalid_request"),
    ({"name": "a.pdf\x00", "size": 10, "media_type": "application/pdf", "sha256": "a" * 64}, "invalid_request"),
    ({"name": "a.pdf", "size": 0, "media_type": "application/pdf", "sha256": "a" * 64}, "empty_document"),
    ({"name": "a.exe", "size": 10, "media_type": "application/x-msdownload", "sha256": "a" * 64},
     "media_type_not_allowed"),
    ({"name": "run.bat", "size": 10, "media_type": "text/plain", "sha256": "a" * 64}, "name_not_allowed"),
    ({"name": "invoice\u202efdp.exe", "size": 10, "media_type": "application/pdf", "sha256": "a" * 64},
     "name_not_allowed"),
])
def test_bad_uploads_are_refused_with_a_reason(env: Env, body: dict[str, Any], code: str) -> None:
    with env.client("a.secretary") as a:
        answer = _raw(env, a, "POST", "/uploads", json=body)
    assert 400 <= answer.status_code < 500
    assert answer.json()["error"]["code"] == code and answer.json()["error"]["message_fa"]


@pytest.mark.server
def test_chunks_must_name_their_range_and_carry_it(env: Env) -> None:
    data = b"%PDF-1.4\n" + uuid.uuid4().bytes
    with env.client("a.secretary") as a:
        uid = a.create_upload(name="x.pdf", size=len(data), media_type="application/pdf",
                              sha256=hashlib.sha256(data).hexdigest())["upload_id"]
        cases = {None: 416, "bytes 0-3/4": 416, f"bytes 1-{len(data) - 1}/{len(data)}": 416, "bytes */5": 416,
                 f"bytes 0-{len(data)}/{len(data) + 1}": 416}
        for header, status in cases.items():
            answer = _raw(env, a, "PUT", f"/uploads/{uid}", content=data,
                          headers={"Content-Range": header} if header else {})
            assert answer.status_code == status, header
        short = _raw(env, a, "PUT", f"/uploads/{uid}", content=data[:5],
                     headers={"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"})
        assert (short.status_code, short.json()["error"]["code"]) == (400, "chunk_length_mismatch")
        assert a.upload_status(uid)["missing"] == [[0, len(data)]]  # nothing half-stored counts


@pytest.mark.server
@pytest.mark.parametrize(("address_sha", "name", "code"), [
    ("c" * 64, "a.pdf", "attachment_address_mismatch"),
    ("b" * 64, "invoice\u202efdp.exe", "name_not_allowed"),  # the name a letter gives it, not only the upload's
])
def test_an_attachment_must_be_named_by_its_hash_and_not_like_a_program(env: Env, address_sha: str, name: str,
                                                                         code: str) -> None:
    content = build_content(guid=str(uuid.uuid4()), kind="outgoing", subject="پیوست", body="متن",
                            sender={"agency": env.nid_a, "unit": "secretariat"}, recipients=[{"agency": env.nid_b}],
                            attachments=[{"address": document_address("https://x", address_sha), "sha256": "b" * 64,
                                          "size": 1, "media_type": "application/pdf", "name": name}])
    with env.client("a.secretary") as a, pytest.raises(ApiError) as refused:
        a.register(sign(LetterPackage(content=content), env.signer_a))
    assert (refused.value.status, refused.value.code) == (422, code)


def test_storage_settings_are_checked_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="document_chunk_bytes"):
        create_storage(Settings(data_dir=tmp_path, document_chunk_bytes=1024))
    with pytest.raises(ValueError, match="document_chunk_bytes"):
        create_storage(Settings(data_dir=tmp_path, storage="s3", s3_bucket="b", document_chunk_bytes=1024 * 1024))
    with pytest.raises(ValueError, match="s3_bucket"):
        create_storage(Settings(data_dir=tmp_path, storage="s3"))
    store = create_storage(Settings(data_dir=tmp_path))
    assert (tmp_path / "documents" / "uploads").stat().st_mode & 0o077 == 0 and store.min_chunk <= 8 * 1024 * 1024


def test_the_documents_migration_keeps_existing_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    command.upgrade(alembic_config(url), "0005")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO agencies (id, national_id, name, active, change_seq, created_at) "
                              "VALUES (1, '14000123453', 'الف', 1, 1, '2026-01-01 00:00:00')"))
        command.upgrade(alembic_config(url), "head")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM agencies")).scalar_one() == "الف"
        tables = set(inspect(engine).get_table_names())
        assert {"uploads", "upload_parts", "documents", "document_access"} <= tables
        command.downgrade(alembic_config(url), "0005")
        assert "documents" not in set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_document_access_per_letter_migration_keeps_who_holds_what(tmp_path: Path) -> None:
    """0015 keys access by letter: an agency's own upload (NULL before) becomes '', a received
    document keeps its letter; and back, one row per agency again, its own upload first."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    command.upgrade(alembic_config(url), "0014")
    engine = create_engine(url)
    rows = "SELECT sha256, agency_id, letter_guid FROM document_access ORDER BY sha256, agency_id, letter_guid"
    try:
        with engine.begin() as conn:
            for aid, nid in ((1, "14000123453"), (2, "14000234567")):
                conn.execute(text("INSERT INTO agencies (id, national_id, name, active, change_seq, created_at) "
                                  f"VALUES ({aid}, '{nid}', 'الف', 1, {aid}, '2026-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO documents VALUES ('d1', 5, 'text/plain', '2026-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO document_access VALUES ('d1', 1, NULL, '2026-01-01 00:00:00'), "
                              "('d1', 2, 'letter-1', '2026-01-02 00:00:00')"))
        command.upgrade(alembic_config(url), "head")
        with engine.begin() as conn:
            assert conn.execute(text(rows)).all() == [("d1", 1, ""), ("d1", 2, "letter-1")]
            conn.execute(text("INSERT INTO document_access VALUES ('d1', 2, 'letter-2', '2026-01-03 00:00:00'), "
                              "('d1', 2, '', '2026-01-04 00:00:00')"))
        command.downgrade(alembic_config(url), "0014")
        with engine.connect() as conn:
            assert conn.execute(text(rows)).all() == [("d1", 1, None), ("d1", 2, None)]
    finally:
        engine.dispose()


@pytest.mark.server
def test_a_forwarded_attachment_reads_for_those_the_forwarding_letter_is_referred_to(env: Env, tmp_path: Path) -> None:
    """B received a document with A's letter and lists it in a letter of its own: a staff member
    that letter is referred to reads it (not only those the letter that brought it was referred to)."""
    with env.client("a.secretary") as a, env.client("b.secretary") as b, env.client("b.staff") as b_staff:
        sha, data = upload_text(a, tmp_path, "گزارش.txt")
        entry = {"address": document_address(a.base_url, sha), "sha256": sha, "size": len(data),
                 "media_type": "text/plain", "name": "گزارش.txt"}

        def letter(sender: str, recipient: str, signer: Any) -> LetterPackage:
            content = build_content(guid=str(uuid.uuid4()), kind="outgoing", subject="گزارش پیوست", body="متن",
                                    sender={"agency": sender, "unit": "secretariat"}, recipients=[{"agency": recipient}],
                                    attachments=[entry])
            return sign(LetterPackage(content=content), signer)

        brought = letter(env.nid_a, env.nid_b, env.signer_a)
        brought.receipts = [a.register(brought)["receipt"]]
        a.send(brought)
        forwarding = letter(env.nid_b, env.nid_a, env.signer_b)  # B's own letter listing what it received
        b.register(forwarding)
        assert _raw(env, b_staff, "GET", f"/documents/{sha}").status_code == 404
        b.refer({"id": str(uuid.uuid4()), "letter_guid": forwarding.guid, "to": ["b.staff"],
                 "instruction": "برای اطلاع", "postscript": "", "due_date": None})
        got = _raw(env, b_staff, "GET", f"/documents/{sha}")
        assert (got.status_code, got.content) == (200, data)
