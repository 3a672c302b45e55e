"""Letters from persons and companies keep their tracking id, channel and the sender's contact details.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05

``tracking_id`` comes from the server with the incoming number (NULL until then, and for every
other letter); ``citizen_channel`` is the channel's code; mobile, postal code and address are
what the desk took down. Letters stored before this revision have none of these.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("letters", sa.Column("tracking_id", sa.String(12), nullable=True))
    op.add_column("letters", sa.Column("citizen_channel", sa.String(32), nullable=True))
    op.add_column("letters", sa.Column("sender_mobile", sa.String(11), nullable=True))
    op.add_column("letters", sa.Column("sender_postal_code", sa.String(10), nullable=True))
    op.add_column("letters", sa.Column("sender_address", sa.String(500), nullable=True))
    op.create_index("ix_letters_tracking_id", "letters", ["tracking_id"],
                    sqlite_where=sa.text("tracking_id IS NOT NULL"))


def downgrade() -> None:
    # Plain DROP COLUMNs (SQLite ≥ 3.35): a batch copy of ``letters`` would break the search view on it.
    op.drop_index("ix_letters_tracking_id", table_name="letters")
    for column in ("sender_address", "sender_postal_code", "sender_mobile", "citizen_channel", "tracking_id"):
        op.drop_column("letters", column)
