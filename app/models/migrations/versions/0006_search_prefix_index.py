"""The search index gets prefix indexes, so a word still being typed is found at once.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

Search-as-you-type ends every query with a prefix token (``"word"*``, search.fts_query).
Without a prefix index FTS5 merges the doclists of every indexed term with that prefix before
it returns the first row, so the page-at-a-time stream of 0005 cannot stop early. With
``prefix = '1 2 3 4'`` each prefix of up to four characters has its own doclist, read newest
first like a whole word (a longer prefix is still merged). The figures are in bench/RESULTS.md.

The cost: a larger index, and since FTS5 options cannot be altered, the upgrade rebuilds
``letters_search`` once, at the first start after the update: the views and triggers that use it
are set aside, its rows are copied to a new table under their own rowid (the letter's
``search_key``, so nothing else changes), then put back exactly as they were. The old index's
pages stay in the file as free pages that the store reuses as it grows.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Frozen here (a migration must not change with the app): the table as revision 0005 made it.
_COLUMNS = "subject, body, parties, shams"
_TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"
_PREFIX = "prefix = '1 2 3 4'"
_TABLE = "letters_search"
_OLD = "letters_search_old"


def _dependents(conn: sa.Connection) -> list[tuple[str, str, str]]:
    """(type, name, sql) of every view and trigger that uses the table, in creation order.

    Views that use it, or use such a view, and every trigger whose body names one of them or
    that is defined on such a view (the INSTEAD OF triggers of ``letters_fts``).
    """
    rows = conn.execute(
        sa.text(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE type IN ('view', 'trigger') AND sql IS NOT NULL ORDER BY rowid"
        )
    ).all()
    names = {_TABLE}
    found: dict[str, tuple[str, str, str]] = {}
    while True:
        pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, names)) + r")(?!\w)", re.IGNORECASE)
        for kind, name, table, sql in rows:
            if name not in found and (pattern.search(sql) or (kind == "trigger" and table in names)):
                found[name] = (kind, name, sql)
        views = {name for kind, name, _ in found.values() if kind == "view"}
        if views <= names:
            break
        names |= views
    return [found[name] for _, name, _, _ in rows if name in found]


def _rebuild(options: str) -> None:
    """Recreate ``letters_search`` with these FTS5 options, keeping every row under its rowid."""
    conn = op.get_bind()
    saved = _dependents(conn)
    # Dropped first, so the rename below has nothing to rewrite or check.
    for kind, name, _ in reversed(saved):
        if kind == "trigger":
            op.execute(f'DROP TRIGGER IF EXISTS "{name}"')
    for kind, name, _ in reversed(saved):
        if kind == "view":
            op.execute(f'DROP VIEW IF EXISTS "{name}"')
    op.execute(f"ALTER TABLE {_TABLE} RENAME TO {_OLD}")
    op.execute(f"CREATE VIRTUAL TABLE {_TABLE} USING fts5({_COLUMNS}, {options})")
    op.execute(f"INSERT INTO {_TABLE}(rowid, {_COLUMNS}) SELECT rowid, {_COLUMNS} FROM {_OLD} ORDER BY rowid")
    op.execute(f"DROP TABLE {_OLD}")
    for kind in ("view", "trigger"):
        for k, _, sql in saved:
            if k == kind:
                op.execute(sql)
    # One segment, as a fresh index would be read fastest.
    op.execute(f"INSERT INTO {_TABLE}({_TABLE}) VALUES('optimize')")


def upgrade() -> None:
    _rebuild(f"{_TOKENIZE}, {_PREFIX}")


def downgrade() -> None:
    _rebuild(_TOKENIZE)
