"""The search index is keyed in list order, so a search page can stop after one page.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25

FTS5 returns matches in rowid order. Keyed by the letter's rowid (0002), a broad word had to
be materialized whole (20,000 matches for «1404») before the folder walk could stop at a page.
Now each letter has a ``search_key`` that sorts like the list (``updated_at``), and the FTS
rows are keyed by it: ``ORDER BY rowid DESC`` on a match streams newest first and stops.

    search_key = (whole seconds of updated_at since 2000-01-01) * 2**30 + rowid % 2**30

so key order is ``updated_at`` order to the second; letters changed within the same second
tie on the high part and are put in exact list order by the query (app/models/folders.py).
SQL triggers keep the key, and move the letter's FTS row, whenever ``updated_at`` changes,
whoever writes (ORM, bulk inserts, the sync engine).

``letters_fts`` becomes a view keyed by the letter's rowid, as before, over the new FTS
table ``letters_search``: what writes or reads the index per letter (``search.reindex``, the
sample filler, migration 0002's back-fill) is unchanged.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Frozen here (a migration must not change with the app); app/models/search.py documents it.
_SECONDS_2000 = 946684800
_ROWID_SPAN = 1 << 30


def _key(row: str) -> str:
    return (
        f"((coalesce(CAST(strftime('%s', {row}.updated_at) AS INTEGER), {_SECONDS_2000}) - {_SECONDS_2000})"
        f" * {_ROWID_SPAN} + {row}.rowid % {_ROWID_SPAN})"
    )


_TRIGGERS = (
    # A new letter gets its key (its index row is written after, through letters_fts).
    "CREATE TRIGGER letters_search_key_insert AFTER INSERT ON letters BEGIN "
    f"UPDATE letters SET search_key = {_key('new')} WHERE rowid = new.rowid; END",
    # A changed letter moves up the list: its key and its index row follow.
    "CREATE TRIGGER letters_search_key_update AFTER UPDATE OF updated_at ON letters "
    f"WHEN {_key('new')} IS NOT old.search_key BEGIN "
    f"UPDATE letters_search SET rowid = {_key('new')} WHERE rowid = old.search_key; "
    f"UPDATE letters SET search_key = {_key('new')} WHERE rowid = new.rowid; END",
    "CREATE TRIGGER letters_search_delete AFTER DELETE ON letters BEGIN "
    "DELETE FROM letters_search WHERE rowid = old.search_key; END",
    # letters_fts: the index seen per letter rowid, as revisions 0002-0004 had it.
    "CREATE VIEW letters_fts(rowid, subject, body, parties, shams) AS "
    "SELECT l.rowid, s.subject, s.body, s.parties, s.shams "
    "FROM letters l JOIN letters_search s ON s.rowid = l.search_key",
    "CREATE TRIGGER letters_fts_view_insert INSTEAD OF INSERT ON letters_fts BEGIN "
    "SELECT RAISE(ABORT, 'letters_fts: no such letter') "
    "WHERE (SELECT search_key FROM letters WHERE rowid = new.rowid) IS NULL; "
    "INSERT INTO letters_search(rowid, subject, body, parties, shams) VALUES "
    "((SELECT search_key FROM letters WHERE rowid = new.rowid), new.subject, new.body, new.parties, new.shams); END",
    "CREATE TRIGGER letters_fts_view_delete INSTEAD OF DELETE ON letters_fts BEGIN "
    "DELETE FROM letters_search WHERE rowid = (SELECT search_key FROM letters WHERE rowid = old.rowid); END",
    "CREATE TRIGGER letters_fts_view_update INSTEAD OF UPDATE ON letters_fts BEGIN "
    "UPDATE letters_search SET subject = new.subject, body = new.body, parties = new.parties, shams = new.shams "
    "WHERE rowid = (SELECT search_key FROM letters WHERE rowid = old.rowid); END",
)


def upgrade() -> None:
    op.add_column("letters", sa.Column("search_key", sa.Integer(), nullable=True))
    op.execute(f"UPDATE letters SET search_key = {_key('letters')}")
    # The match stream joins back by key, tests the folder and reads the list order in the index.
    op.create_index("ix_letters_search_key", "letters", ["search_key", "archived", "state", "updated_at", "guid"])
    # The folder walk (0003) tests a row against the matches by key, inside the index.
    op.drop_index("ix_letters_folder_order", "letters")
    op.create_index("ix_letters_folder_order", "letters", ["archived", "updated_at", "guid", "state", "search_key"])
    op.execute(
        "CREATE VIRTUAL TABLE letters_search USING fts5("
        "subject, body, parties, shams, tokenize = 'unicode61 remove_diacritics 2')"
    )
    # Moved as stored (already normalized), in key order.
    op.execute(
        "INSERT INTO letters_search(rowid, subject, body, parties, shams) "
        "SELECT l.search_key, f.subject, f.body, f.parties, f.shams "
        "FROM letters_fts f JOIN letters l ON l.rowid = f.rowid ORDER BY l.search_key"
    )
    op.execute("DROP TRIGGER IF EXISTS letters_fts_delete")
    op.execute("DROP TABLE letters_fts")
    for statement in _TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    for name in ("letters_fts_view_update", "letters_fts_view_delete", "letters_fts_view_insert",
                 "letters_search_delete", "letters_search_key_update", "letters_search_key_insert"):  # fmt: skip
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("CREATE TABLE letters_fts_rows AS SELECT rowid AS r, subject, body, parties, shams FROM letters_fts")
    op.execute("DROP VIEW letters_fts")
    op.execute("DROP TABLE letters_search")
    op.execute(
        "CREATE VIRTUAL TABLE letters_fts USING fts5("
        "subject, body, parties, shams, tokenize = 'unicode61 remove_diacritics 2')"
    )
    op.execute(
        "INSERT INTO letters_fts(rowid, subject, body, parties, shams) "
        "SELECT r, subject, body, parties, shams FROM letters_fts_rows ORDER BY r"
    )
    op.execute("DROP TABLE letters_fts_rows")
    op.execute(
        "CREATE TRIGGER letters_fts_delete AFTER DELETE ON letters BEGIN "
        "DELETE FROM letters_fts WHERE rowid = old.rowid; END"
    )
    op.drop_index("ix_letters_folder_order", "letters")
    op.drop_index("ix_letters_search_key", "letters")
    # Not batch mode: recreating the table would renumber the rowids the index is keyed by.
    op.execute("ALTER TABLE letters DROP COLUMN search_key")
    op.create_index("ix_letters_folder_order", "letters", ["archived", "updated_at", "guid", "state"])
