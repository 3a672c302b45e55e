"""Incoming letters carry their verification status (valid, invalid, unchecked) in a column, so
that the sync engine finds the ones still to check (revocation unknown offline, no trust roots
yet) without reading every verdict.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

Letters received before this revision were stored without a verifier («بررسی‌نشده»): they are
marked unchecked and verified on the next sync.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch copy of ``letters`` would drop the search triggers on it.
    op.add_column("letters", sa.Column("verify_status", sa.String(10), nullable=True))
    op.execute(sa.text(
        "UPDATE letters SET verify_status = CASE json_extract(verification, '$.valid') "
        "WHEN 1 THEN 'valid' WHEN 0 THEN 'invalid' ELSE 'unchecked' END WHERE kind = 'incoming'"))
    op.create_index("ix_letters_verify_status", "letters", ["verify_status"],
                    sqlite_where=sa.text("verify_status = 'unchecked'"))


def downgrade() -> None:
    op.drop_index("ix_letters_verify_status", "letters")
    op.drop_column("letters", "verify_status")
