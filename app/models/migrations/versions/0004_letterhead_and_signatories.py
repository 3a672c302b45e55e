"""Letters get their letterhead and their designated signatories (not part of the signed content).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("letters") as batch:
        batch.add_column(sa.Column("letterhead", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("signatories", sa.JSON(), nullable=False, server_default="[]"))
    # Until now the editor kept these per draft in settings ("draft_extras:<guid>").
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT key, value FROM settings WHERE key LIKE 'draft_extras:%'")).all()
    for key, value in rows:
        data = json.loads(value) if isinstance(value, str) else value
        conn.execute(
            sa.text("UPDATE letters SET letterhead = :h, signatories = :s WHERE guid = :g"),
            {"h": data.get("letterhead", ""), "s": json.dumps(data.get("signatories", []), ensure_ascii=False),
             "g": key.split(":", 1)[1]},
        )
    conn.execute(sa.text("DELETE FROM settings WHERE key LIKE 'draft_extras:%'"))


def downgrade() -> None:
    with op.batch_alter_table("letters") as batch:
        batch.drop_column("signatories")
        batch.drop_column("letterhead")
