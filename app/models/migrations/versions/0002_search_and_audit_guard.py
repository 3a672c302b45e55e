"""Full-text search index (FTS5, Persian-normalized) and the append-only audit guard.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The text is normalized in Python (app.protocol.persian.normalize), so the tokenizer only
    # has to split words; unicode61 also folds what normalization leaves.
    op.execute(
        "CREATE VIRTUAL TABLE letters_fts USING fts5("
        "subject, body, parties, shams, tokenize = 'unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER letters_fts_delete AFTER DELETE ON letters BEGIN "
        "DELETE FROM letters_fts WHERE rowid = old.rowid; END"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN "
        "SELECT RAISE(ABORT, 'audit log is append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN "
        "SELECT RAISE(ABORT, 'audit log is append-only'); END"
    )
    # Letters written by revision 0001 get indexed now.
    from app.models.search import reindex

    conn = op.get_bind()
    guids = [g for (g,) in conn.execute(sa.text("SELECT guid FROM letters"))]
    reindex(conn, guids)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    op.execute("DROP TRIGGER IF EXISTS letters_fts_delete")
    op.execute("DROP TABLE IF EXISTS letters_fts")
