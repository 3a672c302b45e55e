"""Registered letters keep the server's verification code, printed in their QR code.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

The server draws a random code at registration; without it its public verification tells a
stranger no more than whether a letter exists. Letters registered before have none (NULL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch copy of ``letters`` would drop the search triggers on it.
    op.add_column("letters", sa.Column("verify_code", sa.String(32), nullable=True))


def downgrade() -> None:
    op.drop_column("letters", "verify_code")
