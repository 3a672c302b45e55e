"""incoming series: each agency's gap-free incoming numbers per Jalali year, paper letters' records

- ``incoming_counters``: one row per (agency, year), taken with UPDATE … RETURNING.
- ``incoming_registrations``: a letter numbered in the series, electronic or paper (a paper
  letter's minimal record: sender, the sender's number and date, subject).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incoming_counters",
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "incoming_registrations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("guid", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("sender_kind", sa.String(length=10), nullable=True),
        sa.Column("sender_id", sa.String(length=11), nullable=True),
        sa.Column("sender_name", sa.String(length=500), nullable=False),
        sa.Column("sender_number", sa.String(length=100), nullable=False),
        sa.Column("sender_date", sa.String(length=10), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.UniqueConstraint("agency_id", "guid", name="uq_incoming_agency_guid"),
        sa.UniqueConstraint("agency_id", "year", "seq", name="uq_incoming_agency_series"),
    )


def downgrade() -> None:
    op.drop_table("incoming_registrations")
    op.drop_table("incoming_counters")
