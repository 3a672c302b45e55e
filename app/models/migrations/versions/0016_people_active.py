"""People in the directory carry whether they are active, so the pickers offer only active colleagues.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05

A deactivated person (someone who left, a channel account's user that can never log in) stays in
the directory for the names of the referrals they took part in, but is offered by no picker. The
directory cursor is reset so that the next sync reads every person again with the flag.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute(sa.text("DELETE FROM settings WHERE key = 'cursor:directory'"))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("active")
