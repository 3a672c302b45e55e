import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from app.models import letters as L
from app.models.db import Store, make_engine, migrate
from app.models.folders import Folder, count_letters, fetch_letters, folder_counts
from app.models.lifecycle import IllegalTransition, SealedContent, State
from app.models.tables import AuditEvent, Letter
from app.protocol.canonical import InvalidContent, content_sha256
from app.protocol.persian import national_id_check_digit

AGENCY = "1400012345" + national_id_check_digit("1400012345")
OTHER = "1010038714" + national_id_check_digit("1010038714")
SENDER = {"agency": AGENCY, "unit": "دبیرخانه", "person": "secretary", "name": "وزارت نمونه"}


def draft(session, subject="درخواست تمدید قرارداد پشتیبانی", **kw):
    kw.setdefault("recipients", [{"agency": OTHER, "name": "سازمان برنامه و بودجه"}])
    return L.create_letter(session, kind="outgoing", subject=subject, body="<p>متن نامه</p>", sender=SENDER, **kw)


def test_store_uses_wal_foreign_keys_and_busy_timeout(store: Store):
    with store.session() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert s.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_data_dir_from_environment(tmp_path, monkeypatch):
    from app.models.db import default_data_dir

    monkeypatch.setenv("DABIR_DATA_DIR", str(tmp_path / "x"))
    assert default_data_dir() == tmp_path / "x"


def test_first_migration_database_upgrades_with_rows_intact(tmp_path: Path):
    engine = make_engine(tmp_path / "dabir.sqlite3")
    migrate(engine, "0001")
    now = dt.datetime(2026, 1, 1)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO letters (guid, kind, state, subject, body, sender_agency, sender_unit, sender_person,"
                " sender_name, priority, classification, in_reply_to_shams, follow_up_of_shams, archived,"
                " created_at, updated_at) VALUES ('11111111-1111-1111-1111-111111111111', 'outgoing', 'draft',"
                " 'گزارش عملكرد سه‌ماهه', '', :a, '', '', 'وزارت', 'normal', 'normal', '', '', 0, :t, :t)"
            ),
            {"a": AGENCY, "t": now},
        )
        conn.execute(
            text(
                "INSERT INTO recipients (letter_guid, position, role, agency, unit, person, name) VALUES"
                " ('11111111-1111-1111-1111-111111111111', 0, 'to', :o, '', '', 'استانداری')"
            ),
            {"o": OTHER},
        )
    engine.dispose()
    store = Store(tmp_path)  # upgrades to head on open
    with store.reader() as s:
        letter = s.get(Letter, "11111111-1111-1111-1111-111111111111")
        assert letter.subject == "گزارش عملكرد سه‌ماهه" and letter.recipients[0].name == "استانداری"
        # the search index added by 0002 was back-filled, with normalization (ك → ک)
        assert count_letters(s, Folder.DRAFTS, "عملکرد") == 1
        assert count_letters(s, Folder.DRAFTS, "استانداری") == 1
    store.close()


def test_state_machine_allows_the_lifecycle_and_refuses_shortcuts(store: Store):
    with store.session() as s:
        letter = draft(s)
        with pytest.raises(IllegalTransition) as err:
            L.transition(s, letter, State.REGISTERED)
        assert "پیش‌نویس" in err.value.message_fa
        cms = b"cms"
        L.add_signature(s, letter, cms=cms, content_sha256_hex=content_sha256(L.letter_content(letter)))
        for target in (State.QUEUED, State.REGISTERED, State.SENT, State.DELIVERED, State.ACKNOWLEDGED):
            L.transition(s, letter, target)
        with pytest.raises(IllegalTransition):
            L.transition(s, letter, State.DRAFT)
        with pytest.raises(IllegalTransition):
            L.transition(s, letter, "flying")
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.letter_guid == letter.guid)).all()
        assert actions.count("state") == 6 and "signed" in actions


def test_rejected_letter_returns_to_draft(store: Store):
    with store.session() as s:
        letter = draft(s)
        L.add_signature(s, letter, cms=b"x", content_sha256_hex=content_sha256(L.letter_content(letter)))
        L.transition(s, letter, State.QUEUED)
        L.transition(s, letter, State.REJECTED, reason="گیرنده نامعتبر")
        L.transition(s, letter, State.DRAFT)
        assert letter.state == "draft"


def test_editing_a_signed_letter_drops_the_signature_audited(store: Store):
    with store.session() as s:
        letter = draft(s)
        digest = content_sha256(L.letter_content(letter))
        L.add_signature(s, letter, cms=b"sig", content_sha256_hex=digest)
        guid = letter.guid
    with store.session() as s:
        letter = s.get(Letter, guid)
        L.edit_letter(s, letter, subject="موضوع اصلاح‌شده", actor="secretary")
    with store.reader() as s:
        letter = s.get(Letter, guid)
        assert letter.state == "draft" and letter.signatures == []
        assert content_sha256(L.letter_content(letter)) != digest
        dropped = s.scalars(select(AuditEvent).where(AuditEvent.action == "signature_dropped")).one()
        assert dropped.actor == "secretary" and dropped.detail["signatures"] == 1


def test_signed_content_cannot_be_changed_behind_the_state_machine(store: Store):
    with store.session() as s:
        letter = draft(s)
        L.add_signature(s, letter, cms=b"sig", content_sha256_hex=content_sha256(L.letter_content(letter)))
        guid = letter.guid
    with pytest.raises(SealedContent), store.session() as s:
        s.get(Letter, guid).subject = "تغییر پنهانی"
    with pytest.raises(SealedContent), store.session() as s:
        s.get(Letter, guid).recipients[0].name = "دیگری"
    with store.session() as s:
        letter = s.get(Letter, guid)
        L.transition(s, letter, State.QUEUED)
    with pytest.raises(SealedContent), store.session() as s:
        L.edit_letter(s, s.get(Letter, guid), subject="دیر است")
    with store.reader() as s:
        assert s.get(Letter, guid).subject == "درخواست تمدید قرارداد پشتیبانی"


def test_signature_over_stale_content_is_refused(store: Store):
    with store.session() as s:
        letter = draft(s)
        stale = content_sha256(L.letter_content(letter))
        L.edit_letter(s, letter, subject="نسخه دوم")
        with pytest.raises(L.ContentChanged):
            L.add_signature(s, letter, cms=b"x", content_sha256_hex=stale)


def test_bad_input_is_refused_and_nothing_is_written(store: Store):
    with pytest.raises(InvalidContent) as err, store.session() as s:
        draft(s, subject=b"\xff\xfe")
    assert err.value.field == "subject"
    with pytest.raises(InvalidContent) as err, store.session() as s:
        draft(s, subject="الف" * 200)
    assert "500" in str(err.value) and err.value.message_fa
    with pytest.raises(InvalidContent), store.session() as s:
        draft(s, priority="فوری")
    with store.reader() as s:
        assert s.scalar(select(Letter.guid)) is None


def test_audit_log_is_append_only(store: Store):
    with store.session() as s:
        draft(s)
    with pytest.raises(DatabaseError), store.session() as s:
        s.execute(text("UPDATE audit_log SET actor = 'someone else'"))
    with pytest.raises(DatabaseError), store.session() as s:
        s.execute(text("DELETE FROM audit_log"))


def test_search_normalizes_letters_digits_and_follows_edits(store: Store):
    with store.session() as s:
        a = draft(s, subject="درخواست کتاب‌های کتابخانه", recipients=[{"agency": OTHER, "name": "دانشگاه تهران"}])
        draft(s, subject="گزارش ۱۲ ماهه")
        guid = a.guid
    with store.reader() as s:
        assert [r.guid for r in fetch_letters(s, Folder.DRAFTS, 0, 10, "كتاب")] == [guid]  # Arabic kaf
        assert count_letters(s, Folder.DRAFTS, "گزارش 12") == 1  # ASCII digits find Persian ones
        assert count_letters(s, Folder.DRAFTS, "دانشگاه") == 1  # recipients are indexed
        assert count_letters(s, Folder.DRAFTS, "کتابهای") == 1  # ZWNJ-insensitive
        assert count_letters(s, Folder.DRAFTS, 'NEAR("x" OR') == 0  # FTS syntax is not interpreted
        assert count_letters(s, Folder.SENT, "کتاب") == 0
    with store.session() as s:
        L.edit_letter(s, s.get(Letter, guid), subject="درخواست تجهیزات")
    with store.reader() as s:
        assert count_letters(s, Folder.DRAFTS, "کتاب") == 0
        assert count_letters(s, Folder.DRAFTS, "تجهیزات") == 1
    with store.session() as s:
        s.delete(s.get(Letter, guid))
    with store.reader() as s:
        assert count_letters(s, Folder.DRAFTS, "تجهیزات") == 0
        assert folder_counts(s)[Folder.DRAFTS] == 1


def test_attachments_are_content_addressed(store: Store, tmp_path: Path):
    f = tmp_path / "صورتجلسه.pdf"
    f.write_bytes(b"%PDF-1.4 test")
    with store.session() as s:
        letter = draft(s)
        att = L.add_attachment(s, store.blobs, letter, f)
        L.add_attachment(s, store.blobs, letter, f)
    assert att.media_type == "application/pdf" and att.size == 13
    assert store.blobs.verify(att.sha256)
    assert len(list(store.blobs.root.rglob("*"))) == 2  # one folder, one blob for two attachments


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from app.models.db import open_store
    from app.models import letters as L
    store = open_store(Path(sys.argv[1]))
    i = 0
    while True:
        with store.session() as s:
            letter = L.create_letter(s, kind="outgoing", subject=f"نامه شماره {i}", body="<p>" + "متن " * 200 + "</p>",
                                     sender={"agency": sys.argv[2], "name": "وزارت"},
                                     recipients=[{"agency": sys.argv[2], "name": "گیرنده"}] * 3)
            guid = letter.guid
        print(guid, flush=True)  # only after the commit returned
        i += 1
    """
)


@pytest.mark.slow
def test_store_survives_kill_9_during_writes(tmp_path: Path):
    data = tmp_path / "profile"
    for round_ in range(3):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(data), AGENCY], stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
        )
        committed = []
        deadline = time.monotonic() + 60
        while len(committed) < 15 + 10 * round_ and time.monotonic() < deadline:
            committed.append(proc.stdout.readline().strip())
        time.sleep(0.013 * (round_ + 1))  # land the kill inside a later transaction
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert all(committed)
        store = Store(data)
        with store.reader() as s:
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert s.get(Letter, committed[-1]) is not None
            total = s.scalar(text("SELECT count(*) FROM letters"))
            indexed = s.scalar(text("SELECT count(*) FROM letters_fts"))
            orphans = s.scalar(text("SELECT count(*) FROM recipients r LEFT JOIN letters l ON l.guid = r.letter_guid WHERE l.guid IS NULL"))
            assert total == indexed and orphans == 0
            assert s.scalar(text("SELECT count(*) FROM recipients")) == 3 * total
        store.close()
    con = sqlite3.connect(data / "dabir.sqlite3")
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()
    json.dumps(committed)


def test_schema_head_constant_matches_the_migrations(store: Store):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from app.models.db import MIGRATIONS, SCHEMA_HEAD, schema_version

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == SCHEMA_HEAD
    assert schema_version(store.engine) == SCHEMA_HEAD


def test_numbering_a_letter_makes_it_findable_by_shams(store: Store):
    with store.session() as s:
        guid = draft(s, subject="ابلاغ بخشنامه").guid
    with store.session() as s:
        s.get(Letter, guid).shams = f"{AGENCY}-O-1405-187"
    with store.reader() as s:
        assert count_letters(s, Folder.DRAFTS, "1405 187") == 1
        assert count_letters(s, Folder.DRAFTS, "بخشنامه") == 1  # the rest of the row is intact


def test_migration_0004_moves_draft_extras_into_the_letter(tmp_path: Path):
    engine = make_engine(tmp_path / "dabir.sqlite3")
    migrate(engine, "0003")
    now = dt.datetime(2026, 1, 1)
    guid = "22222222-2222-2222-2222-222222222222"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO letters (guid, kind, state, subject, body, sender_agency, sender_unit, sender_person,"
                " sender_name, priority, classification, in_reply_to_shams, follow_up_of_shams, archived,"
                " created_at, updated_at) VALUES (:g, 'outgoing', 'draft', 'ابلاغ', '', :a, '', '', '', 'normal',"
                " 'normal', '', '', 0, :t, :t)"
            ),
            {"g": guid, "a": AGENCY, "t": now},
        )
        conn.execute(
            text("INSERT INTO settings (key, value) VALUES (:k, :v)"),
            {"k": f"draft_extras:{guid}",
             "v": json.dumps({"letterhead": "سربرگ معاونت", "signatories": [{"person": "karimi"}]})},
        )
    engine.dispose()
    store = Store(tmp_path)
    with store.reader() as s:
        letter = s.get(Letter, guid)
        assert letter.letterhead == "سربرگ معاونت" and letter.signatories == [{"person": "karimi"}]
        assert s.execute(text("SELECT count(*) FROM settings WHERE key LIKE 'draft_extras:%'")).scalar() == 0
    store.close()


def test_the_store_is_owner_only_also_when_an_older_release_left_it_open(tmp_path: Path):
    import stat

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    data = tmp_path / "profile"
    store = Store(data)
    with store.session() as s:
        draft(s, subject="نامه")  # a write: the WAL and shared-memory files exist now
    assert mode(data) == 0o700
    for name in ("dabir.sqlite3", "dabir.sqlite3-wal", "dabir.sqlite3-shm"):
        assert mode(data / name) == 0o600, name
    store.close()
    data.chmod(0o755)
    (data / "dabir.sqlite3").chmod(0o644)
    Store(data).close()
    assert mode(data) == 0o700 and mode(data / "dabir.sqlite3") == 0o600


def test_attachments_and_their_opened_copies_are_owner_only(tmp_path: Path) -> None:
    import io
    import stat

    from app.models.attachments import AttachmentEntry, open_copy

    store = Store(tmp_path / "profile")
    sha, size = store.blobs.put_stream(io.BytesIO(b"%PDF-1.4 report"))
    copy = open_copy(store, AttachmentEntry(sha, size, "application/pdf", "گزارش.pdf"))
    for path in (store.blobs.root, store.blobs.path(sha).parent, copy.parent.parent, copy.parent):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    for path in (store.blobs.path(sha), copy):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
    store.close()
