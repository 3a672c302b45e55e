"""rasad: the append-only event log of the agencies' letters and the observers' grants

- ``rasad_events``: one row per registration, referral, read, answer, close, recall and filing,
  keyed by (agency, cursor); ``id`` is the action's GUID, unique, so an action recorded twice is
  one event. Rows from before this revision are not back-filled: the log starts here.
- ``rasad_grants``: which agencies a Rasad observer account may see; revoked rows stay.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rasad_events",
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), primary_key=True),
        sa.Column("cursor", sa.BigInteger(), primary_key=True),
        sa.Column("id", sa.String(80), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("letter_guid", sa.String(36), nullable=False),
        sa.Column("referral_guid", sa.String(36)),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_rasad_events_letter", "rasad_events", ["agency_id", "letter_guid"])
    op.create_table(
        "rasad_grants",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("observer_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_by", sa.String(200), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_by", sa.String(200)),
    )
    op.create_index("ix_rasad_grants_observer", "rasad_grants", ["observer_id", "agency_id"])


def downgrade() -> None:
    op.drop_index("ix_rasad_grants_observer", "rasad_grants")
    op.drop_table("rasad_grants")
    op.drop_index("ix_rasad_events_letter", "rasad_events")
    op.drop_table("rasad_events")
