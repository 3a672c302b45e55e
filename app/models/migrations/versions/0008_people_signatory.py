"""People in the directory carry the signatory role, so the signatory picker offers only them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

The directory cursor is reset so that the next sync reads every person again with the role
and the national code that the signing dialog matches against the token's certificate.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("signatory", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(sa.text("DELETE FROM settings WHERE key = 'cursor:directory'"))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("signatory")
