"""rasad_tree: index referrals by (agency, letter) — a letter's incoming tree reads all its referrals

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 17:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_referrals_agency_letter", "referrals", ["agency_id", "letter_guid"])


def downgrade() -> None:
    op.drop_index("ix_referrals_agency_letter", "referrals")
