"""referral summary: one row per (referral, recipient) for the Rasad reports, filled from the referral tables

The table is created here as it stands in this revision and filled by server.rasad_summary.backfill
(the function the write path uses), so existing referrals read in the reports as new ones do. The
two indexes 0011 made for the reports' former queries on the referral tables go: nothing reads by
them now, and every referral write paid for them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "referral_summary",
        sa.Column("referral_id", sa.Integer, sa.ForeignKey("referrals.id"), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("letter_guid", sa.String(36), nullable=False),
        sa.Column("from_user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("unit_code", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_date", sa.String(10)),
        sa.Column("read_at", sa.DateTime(timezone=True)),
        sa.Column("first_at", sa.DateTime(timezone=True)),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("recalled_at", sa.DateTime(timezone=True)),
        sa.Column("first_s", sa.Integer),
        sa.Column("close_s", sa.Integer),
    )
    from server.rasad_summary import backfill

    backfill(op.get_bind())
    pending = sa.text("recalled_at IS NULL AND answered_at IS NULL AND closed_at IS NULL")
    op.create_index("ix_referral_summary_pending", "referral_summary",
                    ["agency_id", "created_at", "unit_code", "user_id", "due_date", "letter_guid"],
                    sqlite_where=pending, postgresql_where=pending)
    op.create_index("ix_referral_summary_timing", "referral_summary",
                    ["agency_id", "unit_code", "created_at", "first_s", "close_s", "recalled_at"])
    op.create_index("ix_referral_summary_sender", "referral_summary", ["agency_id", "from_user_id", "created_at"])
    op.drop_index("ix_referral_events_referral_user", "referral_events")
    op.drop_index("ix_referrals_agency_created", "referrals")


def downgrade() -> None:
    op.create_index("ix_referrals_agency_created", "referrals", ["agency_id", "created_at"])
    op.create_index("ix_referral_events_referral_user", "referral_events", ["referral_id", "user_id", "kind", "at"])
    for name in ("ix_referral_summary_sender", "ix_referral_summary_timing", "ix_referral_summary_pending"):
        op.drop_index(name, "referral_summary")
    op.drop_table("referral_summary")
