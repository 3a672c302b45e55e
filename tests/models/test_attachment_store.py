"""Attachments in the store (issue 17): the upload-state migration on a store with data, the
draft's attachment rows following the editor's list, and received letters' attachments."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from app.models.attachments import AttachmentEntry, from_content, read_attachments
from app.models.db import SCHEMA_HEAD, Store, make_engine, migrate, schema_version
from app.models.drafts import DraftValues, load_draft, save_draft
from app.models.tables import Attachment
from app.protocol.documents import document_address, sha256_from_address

SHA = "ab" * 32


def _insert(conn, table: str, values: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    """A row with the given values and a plain value in every other required column."""
    for _cid, name, kind, notnull, default, pk in conn.execute(text(f"PRAGMA table_info({table})")):
        if notnull and default is None and not pk and name not in values:
            values[name] = 0 if "INT" in kind.upper() or "BOOL" in kind.upper() else "2026-01-01 00:00:00" \
                if "DATE" in kind.upper() else ""
    cols = ", ".join(values)
    conn.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(':' + c for c in values)})"), values)


def test_the_upload_state_migration_keeps_attachments_and_starts_their_upload_from_zero(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "dabir.sqlite3")
    migrate(engine, "0011")  # before the attachments kept their upload state
    with engine.begin() as conn:
        _insert(conn, "letters", {"guid": "11111111-1111-1111-1111-111111111111", "kind": "outgoing",
                                  "state": "queued", "subject": "نامه"})
        _insert(conn, "attachments", {"letter_guid": "11111111-1111-1111-1111-111111111111", "position": 0,
                                      "sha256": SHA, "size": 10, "media_type": "application/pdf",
                                      "file_name": "الف.pdf"})
    engine.dispose()
    store = Store(tmp_path)
    try:
        assert schema_version(store.engine) == SCHEMA_HEAD
        with store.reader() as s:
            att = s.query(Attachment).one()
            assert (att.file_name, att.upload_id, att.uploaded, att.uploaded_at) == ("الف.pdf", None, 0, None)
    finally:
        store.close()


def test_draft_attachments_follow_the_list(store: Store) -> None:
    a = AttachmentEntry(SHA, 10, "application/pdf", "الف.pdf")
    b = AttachmentEntry("cd" * 32, 20, "image/png", "ب.png")
    values = DraftValues(subject="نامه", attachments=[a, b])
    guid = save_draft(store, None, values, kind="outgoing", sender={"agency": "14000123453"}).guid
    assert load_draft(store, guid).values.attachments == [a, b]
    values.attachments = [b]
    save_draft(store, guid, values, kind="outgoing", sender={"agency": "14000123453"})
    assert load_draft(store, guid).values.attachments == [b]
    assert [x.entry for x in read_attachments(store, guid)] == [b]
    assert [x.here for x in read_attachments(store, guid)] == [False]  # no blob for it in this store


def test_received_attachments_come_from_the_content() -> None:
    address = document_address("https://dabir.example.ir/", SHA)
    assert address == f"https://dabir.example.ir/api/v1/documents/{SHA}"
    assert sha256_from_address(address) == SHA
    rows = from_content({"attachments": [{"address": address, "sha256": SHA, "size": 5, "media_type": "text/plain",
                                          "name": "یادداشت.txt"}, "junk", {"sha256": 5}]})
    assert [(r.position, r.file_name, r.remote_address, r.size) for r in rows] == [(0, "یادداشت.txt", address, 5)]


def test_opened_copies_older_than_a_day_are_removed(tmp_path: Path) -> None:
    """The trial found a 290 MB copy handed to a program weeks before, still in ``opened``."""
    import io
    import os
    import time

    from app.models.attachments import open_copy, remove_old_copies
    from app.models.db import open_store

    store = open_store(tmp_path / "profile")
    try:
        sha, size = store.blobs.put_stream(io.BytesIO(b"%PDF-1.4 report"))
        entry = AttachmentEntry(sha, size, "application/pdf", "گزارش.pdf")
        old, fresh = open_copy(store, entry), open_copy(store, entry)
        assert old != fresh and old.read_bytes() == fresh.read_bytes()
        two_days_ago = time.time() - 2 * 86400
        os.utime(old.parent, (two_days_ago, two_days_ago))
        assert remove_old_copies(store) == 1
        assert not old.parent.exists() and fresh.exists()  # read-only, yet removed; today's copy stays
        assert store.blobs.has(sha)
    finally:
        store.close()


def test_a_paper_letters_scans_keep_sanitized_names(store: Store, tmp_path: Path) -> None:
    """A scan named with a bidi override (``gpj.exe`` shown as ``exe.jpg``) or a path-like name enters
    the letter (and the server's copy of it) under its sanitized name, as an editor's attachment does."""
    from app.models.incoming import PaperLetter, register_paper

    scan = tmp_path / "page\u202egpj.pdf"
    scan.write_bytes(b"%PDF-1.4\n" + b"x" * 100)
    guid = register_paper(store, PaperLetter(sender_kind="person", sender_id="۰۰۱۰۲۰۳۰۴۴", sender_name="علی رضایی",
                                             subject="درخواست", scans=[scan]))
    assert [listed.entry.name for listed in read_attachments(store, guid)] == ["pagegpj.pdf"]
