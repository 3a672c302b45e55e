"""referrals: letters referred between users of one agency, their events and each user's cartable feed

- ``referrals`` / ``referral_recipients``: who referred which letter to whom, with which
  instruction, postscript and due date (the client's GUID).
- ``referral_events``: read, answer (the answering letter's GUID), close (a note), recall.
- ``cartable_entries``: one row per (user, change), pulled by cursor.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("guid", sa.String(length=36), nullable=False, unique=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("letter_guid", sa.String(length=36), nullable=False),
        sa.Column("parent_guid", sa.String(length=36), nullable=True),
        sa.Column("from_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("instruction", sa.String(length=100), nullable=False),
        sa.Column("postscript", sa.Text(), nullable=False),
        sa.Column("due_date", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "referral_recipients",
        sa.Column("referral_id", sa.Integer(), sa.ForeignKey("referrals.id"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), primary_key=True),
    )
    op.create_table(
        "referral_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("guid", sa.String(length=36), nullable=False, unique=True),
        sa.Column("referral_id", sa.Integer(), sa.ForeignKey("referrals.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("answer_guid", sa.String(length=36), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_referral_events_referral", "referral_events", ["referral_id"])
    op.create_table(
        "cartable_entries",
        sa.Column("cursor", sa.BigInteger(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("referral_id", sa.Integer(), sa.ForeignKey("referrals.id"), nullable=False),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("referral_events.id"), nullable=True),
    )
    op.create_index("ix_cartable_entries_user_cursor", "cartable_entries", ["user_id", "cursor"])


def downgrade() -> None:
    op.drop_index("ix_cartable_entries_user_cursor", table_name="cartable_entries")
    op.drop_table("cartable_entries")
    op.drop_index("ix_referral_events_referral", table_name="referral_events")
    op.drop_table("referral_events")
    op.drop_table("referral_recipients")
    op.drop_table("referrals")
