"""Search pages read from the match stream in list order (migration 0005) equal the plain query;
migration 0006 rebuilds the index with prefix indexes and changes no result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text

from app.models import folders as F
from app.models.db import MIGRATIONS, SCHEMA_HEAD, Store, make_engine, migrate, schema_version
from app.models.folders import Folder, count_letters, fetch_letters
from app.models.search import fts_query, reindex
from app.models.tables import Agency, Letter
from devkit.sample_letters import fill_sample_letters

QUERIES = [
    "قرارداد",
    "قرار",
    "1404",
    "۱۴۰۵",
    "كتاب",
    "سازمان برنامه و بودجه",
    "و",
    "ا",
    "گزارش عملکرد",
    "xyz",
]


def reference(s, folder: Folder, query: str, offset: int, limit: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The page as plain SQL defines it: the matches in the folder, newest first."""
    return list(
        s.execute(
            text(
                f"SELECT guid FROM letters WHERE {F._folder_sql(folder)} AND rowid IN (SELECT l.rowid FROM "
                "letters_search m JOIN letters l ON l.search_key = m.rowid WHERE letters_search MATCH :q) "
                "ORDER BY updated_at DESC, guid DESC LIMIT :l OFFSET :o"
            ),
            {"q": fts_query(query), "l": limit, "o": offset},
        ).scalars()
    )


def _check_all(store: Store, offsets=((0, 100), (0, 7), (7, 7), (95, 10), (300, 50))) -> None:  # type: ignore[no-untyped-def]
    with store.reader() as s:
        for folder in Folder:
            for query in QUERIES:
                for offset, limit in offsets:
                    got = [r.guid for r in fetch_letters(s, folder, offset, limit, query)]
                    assert got == reference(s, folder, query, offset, limit), (folder, query, offset, limit)


@pytest.fixture
def filled(store: Store) -> Store:
    fill_sample_letters(store, 600, seed=7)
    with store.session() as s:
        # Many letters in the same second (and some in the same microsecond): the key ties on
        # its second, the query must still follow updated_at, guid exactly.
        s.execute(text("UPDATE letters SET updated_at = '2020-01-01 10:00:00.000000' WHERE rowid % 5 = 0"))
        s.execute(
            text(
                "UPDATE letters SET updated_at = '2020-01-01 10:00:00.' || printf('%06d', rowid) WHERE rowid % 7 = 0"
            )
        )
    return store


def test_stream_pages_equal_the_plain_query(filled: Store) -> None:
    _check_all(filled)


def test_rows_carry_what_the_letters_hold(filled: Store) -> None:
    """Each list row as the ORM reads its letter: the counterpart (the sending agency of what came in,
    else the first recipient), the date (registration, else last change; aware UTC)."""
    with filled.reader() as s:
        for folder in (Folder.INCOMING, Folder.SENT, Folder.DRAFTS):
            rows = fetch_letters(s, folder, 0, 60, None) + fetch_letters(s, folder, 0, 60, "1404")
            assert rows
            for row in rows:
                letter = s.get(Letter, row.guid)
                first = min(letter.recipients, key=lambda r: r.position).name if letter.recipients else ""
                agency = s.get(Agency, letter.sender_agency)
                sender = agency.name if agency is not None else letter.sender_name  # the other agency
                assert row.counterpart == (sender if letter.kind == "incoming" else first)
                assert row.date == (letter.registered_at or letter.updated_at) and row.date.tzinfo is not None
                assert (row.kind, row.state, row.subject, row.shams, row.priority, row.classification) == (
                    letter.kind, letter.state, letter.subject, letter.shams, letter.priority, letter.classification)


@pytest.mark.parametrize("cap", [1, 3, 40])
def test_short_stream_falls_back_to_the_same_pages(
    filled: Store, monkeypatch: pytest.MonkeyPatch, cap: int
) -> None:
    monkeypatch.setattr(F, "_STREAM_CANDIDATES", cap)  # every match read, or the folder walk
    _check_all(filled, offsets=((0, 100), (7, 7), (95, 10)))


def test_index_follows_keys_after_edits_and_deletes(filled: Store) -> None:
    with filled.reader() as s:
        old = fetch_letters(s, Folder.INCOMING, 0, 5, "1404")
        last = fetch_letters(s, Folder.INCOMING, 0, 10_000, "1404")[-1]
    with filled.session() as s:
        s.get(Letter, last.guid).archived = False  # any change: updated_at moves it to the top
        s.get(Letter, last.guid).incoming_number = "x-1"
    with filled.reader() as s:
        new = fetch_letters(s, Folder.INCOMING, 0, 5, "1404")
        assert [r.guid for r in new] == [last.guid] + [r.guid for r in old[:4]]
        keys = s.execute(text("SELECT count(*), count(DISTINCT search_key) FROM letters")).one()
        assert keys[0] == keys[1] == s.scalar(text("SELECT count(*) FROM letters_search"))
        assert s.scalar(text("SELECT count(*) FROM letters_fts")) == keys[0]  # every row reachable by key
    with filled.session() as s:
        s.delete(s.get(Letter, last.guid))
    with filled.reader() as s:
        assert s.scalar(text("SELECT count(*) FROM letters_search")) == keys[0] - 1
        assert last.guid not in [r.guid for r in fetch_letters(s, Folder.INCOMING, 0, 10_000, "1404")]
    _check_all(filled, offsets=((0, 100),))


def _insert_letters(
    conn: Connection, *, sender: Callable[[int], str], body: Callable[[int], str]
) -> list[tuple[dt.datetime, str, int]]:
    """60 incoming letters, raw (as an old revision's store holds them): (updated_at, guid, i)."""
    base = dt.datetime(2026, 3, 1, 8, 0, 0)
    rows = []
    for i in range(60):
        guid = f"00000000-0000-4000-8000-{i:012d}"
        when = base + dt.timedelta(seconds=i // 3, microseconds=(i % 2) * 10)  # ties within a second
        conn.execute(
            text(
                "INSERT INTO letters (guid, kind, state, subject, body, sender_agency, sender_unit,"
                " sender_person, sender_name, priority, classification, in_reply_to_shams,"
                " follow_up_of_shams, archived, letterhead, signatories, created_at, updated_at) VALUES"
                " (:g, 'incoming', 'received', :s, :b, '', '', '', :n, 'normal', 'normal', '', '',"
                " :a, '', '[]', :t, :t)"
            ),
            {
                "g": guid,
                "s": f"گزارش عملكرد {1403 + i % 3}",
                "b": body(i),
                "n": sender(i),
                "a": int(i % 10 == 0),
                "t": when.strftime("%Y-%m-%d %H:%M:%S.%f"),
            },
        )
        rows.append((when, guid, i))
    return rows


def test_migration_0005_keeps_the_search_results_of_a_0004_store(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "dabir.sqlite3")
    migrate(engine, "0004")
    with engine.begin() as conn:
        rows = _insert_letters(conn, sender=lambda _i: "استانداری", body=lambda _i: "")
        reindex(conn, [g for _, g, _ in rows])  # the 0004 index, keyed by rowid
        conn.execute(text("DELETE FROM letters WHERE guid = :g"), {"g": rows[5][1]})  # a gap in the rowids
    engine.dispose()
    store = Store(tmp_path)  # upgrades to head
    live = [r for r in rows if r[2] != 5]
    newest = sorted(live, reverse=True)
    with store.reader() as s:
        assert s.scalar(text("SELECT count(*) FROM letters_search")) == len(live)
        want = [g for _, g, i in newest if i % 10 != 0]
        assert [r.guid for r in fetch_letters(s, Folder.INCOMING, 0, 100, "عملکرد")] == want
        assert [r.guid for r in fetch_letters(s, Folder.INCOMING, 4, 9, "گزارش")] == want[4:13]
        assert [r.guid for r in fetch_letters(s, Folder.ARCHIVE, 0, 100, "استانداری")] == [
            g for _, g, i in newest if i % 10 == 0
        ]
        want_1404 = [g for _, g, i in newest if i % 10 != 0 and i % 3 == 1]
        assert [r.guid for r in fetch_letters(s, Folder.INCOMING, 0, 100, "1404")] == want_1404
        assert count_letters(s, Folder.INCOMING, "1404") == len(want_1404)
        assert count_letters(s, Folder.INCOMING, "عملکرد") == len(want)
    store.close()


SQL_0005 = (
    "CREATE VIRTUAL TABLE letters_search USING fts5("
    "subject, body, parties, shams, tokenize = 'unicode61 remove_diacritics 2')"
)
PREFIX_QUERIES = ["1404", "140", "1", "گزا", "گ", "عملکرد", "استانداری", "وزارت", "xyz"]


def _store_at_0005(tmp_path: Path) -> list[str]:
    """A 0005 store of 60 letters, keyed by its triggers; returns their guids."""
    engine = make_engine(tmp_path / "dabir.sqlite3")
    migrate(engine, "0005")
    with engine.begin() as conn:
        guids = [
            guid
            for _, guid, _ in _insert_letters(
                conn, sender=lambda i: "استانداری" if i % 4 else "وزارت کشور", body=lambda i: f"<p>نامه شماره {i}</p>"
            )
        ]
        reindex(conn, guids)  # through the letters_fts view, by the key the insert trigger set
        # Keys out of insertion order (the update trigger moves them), and a gap.
        conn.execute(text("UPDATE letters SET updated_at = '2026-04-01 09:00:00.000000' WHERE rowid % 7 = 0"))
        conn.execute(text("DELETE FROM letters WHERE guid = :g"), {"g": guids[5]})
    engine.dispose()
    return guids[:5] + guids[6:]


def _index_rows(engine: Engine) -> list[tuple]:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT rowid, * FROM letters_search ORDER BY rowid"))]


def _index_sql(engine: Engine) -> str:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'letters_search'"))


def _dependents(engine: Engine) -> set[tuple]:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return {
            tuple(r)
            for r in conn.execute(
                text("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('view', 'trigger')")
            )
        }


def _results(store: Store) -> dict[tuple, object]:  # type: ignore[type-arg]
    found: dict[tuple, object] = {}  # type: ignore[type-arg]
    with store.reader() as s:
        for folder in (Folder.INCOMING, Folder.ARCHIVE):
            for query in PREFIX_QUERIES:
                for offset, limit in ((0, 100), (4, 9)):
                    found[folder, query, offset] = [
                        r.guid for r in fetch_letters(s, folder, offset, limit, query)
                    ]
                found[folder, query] = count_letters(s, folder, query)
    return found


def _downgrade(engine: Engine, revision: str) -> None:
    """What migrate() does for an upgrade (it only upgrades)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_migration_0006_adds_prefix_indexes_and_keeps_rows_and_results(tmp_path: Path) -> None:
    live = _store_at_0005(tmp_path)
    before = Store(tmp_path, run_migrations=False)
    assert schema_version(before.engine) == "0005"
    assert _index_sql(before.engine) == SQL_0005
    rows, dependents, results = _index_rows(before.engine), _dependents(before.engine), _results(before)
    before.close()
    assert len(rows) == len(live)
    assert results[Folder.INCOMING, "1404"] > 0 and results[Folder.INCOMING, "گ"] > 0

    store = Store(tmp_path)  # upgrades to head
    assert schema_version(store.engine) == SCHEMA_HEAD
    assert "prefix = '1 2 3 4'" in _index_sql(store.engine)
    assert _index_rows(store.engine) == rows  # every row, under its own key (the letter's search_key)
    # the view and triggers, exactly as they were (later migrations add their own)
    assert dependents <= _dependents(store.engine)
    assert _results(store) == results

    # The triggers still keep the index: an edit moves the letter's key and its row...
    last = results[Folder.INCOMING, "1404", 0][-1]
    with store.session() as s:
        s.get(Letter, last).incoming_number = "x-1"  # any change: updated_at moves it to the top
    with store.reader() as s:
        assert fetch_letters(s, Folder.INCOMING, 0, 1, "140")[0].guid == last
        keys = s.execute(text("SELECT count(*), count(DISTINCT search_key) FROM letters")).one()
        assert keys[0] == keys[1] == len(live) == s.scalar(text("SELECT count(*) FROM letters_search"))
        assert s.scalar(
            text("SELECT count(*) FROM letters l JOIN letters_search m ON m.rowid = l.search_key")
        ) == len(live)
    # ...and a delete removes it.
    with store.session() as s:
        s.delete(s.get(Letter, last))
    with store.reader() as s:
        assert s.scalar(text("SELECT count(*) FROM letters_search")) == len(live) - 1
        assert last not in [r.guid for r in fetch_letters(s, Folder.INCOMING, 0, 100, "14")]
        assert count_letters(s, Folder.INCOMING, "1404") == results[Folder.INCOMING, "1404"] - 1
    store.close()


def test_migration_0006_downgrades_to_the_0005_index(tmp_path: Path) -> None:
    _store_at_0005(tmp_path)
    store = Store(tmp_path)
    _downgrade(store.engine, "0006")  # what later migrations added is theirs to take back
    rows, dependents, results = _index_rows(store.engine), _dependents(store.engine), _results(store)
    _downgrade(store.engine, "0005")
    assert schema_version(store.engine) == "0005"
    assert _index_sql(store.engine) == SQL_0005
    assert _index_rows(store.engine) == rows
    assert _dependents(store.engine) == dependents
    assert _results(store) == results
    store.close()
