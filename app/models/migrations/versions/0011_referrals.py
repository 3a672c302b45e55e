"""Referrals (ارجاع) as the server carries them, and their events.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05

The first schema's ``referrals`` table (one row per recipient, never written by any release) is
replaced: a referral is the client's GUID with its recipients, instruction, postscript and due
date; ``synced_at`` is empty while it waits in the outbox. ``referral_events`` holds read,
answer, close and recall, each with its own GUID (its idempotency key).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_referrals_letter_guid", table_name="referrals")
    op.drop_table("referrals")
    op.create_table(
        "referrals",
        sa.Column("guid", sa.String(length=36), primary_key=True),
        sa.Column("letter_guid", sa.String(length=36), nullable=False),
        sa.Column("parent_guid", sa.String(length=36), nullable=True),
        sa.Column("from_person", sa.String(length=64), nullable=False),
        sa.Column("to_people", sa.JSON(), nullable=False),
        sa.Column("instruction", sa.String(length=100), nullable=False),
        sa.Column("postscript", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_referrals_letter_guid", "referrals", ["letter_guid"])
    op.create_table(
        "referral_events",
        sa.Column("guid", sa.String(length=36), primary_key=True),
        sa.Column("referral_guid", sa.String(length=36), sa.ForeignKey("referrals.guid", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("by_person", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("answer_guid", sa.String(length=36), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_referral_events_referral_guid", "referral_events", ["referral_guid"])


def downgrade() -> None:
    op.drop_index("ix_referral_events_referral_guid", table_name="referral_events")
    op.drop_table("referral_events")
    op.drop_index("ix_referrals_letter_guid", table_name="referrals")
    op.drop_table("referrals")
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("guid", sa.String(length=36), nullable=False, unique=True),
        sa.Column("letter_guid", sa.String(length=36), sa.ForeignKey("letters.guid", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("referrals.id"), nullable=True),
        sa.Column("from_person", sa.String(length=200), nullable=False),
        sa.Column("to_person", sa.String(length=200), nullable=False),
        sa.Column("instruction", sa.String(length=40), nullable=False),
        sa.Column("postscript", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_referrals_letter_guid", "referrals", ["letter_guid"])
