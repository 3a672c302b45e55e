"""rasad report indexes: the reports read a period of an agency's referrals and each recipient's events

- ``ix_referrals_agency_created``: the referrals an agency created in a period (every report);
- ``ix_referral_events_referral_user``: a recipient's events on a referral, covering kind and time
  (first action, answer, close), so the reports never read the events' rows.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 17:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_referrals_agency_created", "referrals", ["agency_id", "created_at"])
    op.create_index("ix_referral_events_referral_user", "referral_events", ["referral_id", "user_id", "kind", "at"])


def downgrade() -> None:
    op.drop_index("ix_referral_events_referral_user", "referral_events")
    op.drop_index("ix_referrals_agency_created", "referrals")
