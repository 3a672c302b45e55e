"""citizen letters: tracking ids, channels, the sender's contact details, channel accounts

- ``incoming_registrations``: ``tracking_id`` (12 digits, unique; a letter from a person or a
  company), ``citizen_channel`` (the channel's code), the sender's ``sender_mobile``,
  ``sender_postal_code`` and ``sender_address``, and ``channel_account_id`` (set when a channel
  system registered it through the channel API; ``registered_by`` is then that account's user in
  the agency). Rows before this: none of these (NULL).
- ``channel_accounts``: systems (portals, pishkhan offices) that register letters through the
  channel API, each with its own key (stored as SHA-256) and channel.
- ``channel_agencies``: the agencies a channel account serves, each with the user row the account
  acts as there (no password, no role, cannot log in: it names the channel in cartables and Rasad).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 19:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(40), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "channel_agencies",
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("channel_accounts.id"), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
    )
    with op.batch_alter_table("incoming_registrations") as batch:
        batch.add_column(sa.Column("tracking_id", sa.String(12), nullable=True))
        batch.add_column(sa.Column("citizen_channel", sa.String(32), nullable=True))
        batch.add_column(sa.Column("sender_mobile", sa.String(11), nullable=True))
        batch.add_column(sa.Column("sender_postal_code", sa.String(10), nullable=True))
        batch.add_column(sa.Column("sender_address", sa.String(500), nullable=True))
        batch.add_column(sa.Column("channel_account_id", sa.Integer(), nullable=True))
        batch.create_unique_constraint("uq_incoming_tracking_id", ["tracking_id"])
        batch.create_foreign_key("fk_incoming_channel_account", "channel_accounts", ["channel_account_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("incoming_registrations") as batch:
        batch.drop_constraint("fk_incoming_channel_account", type_="foreignkey")
        batch.drop_constraint("uq_incoming_tracking_id", type_="unique")
        for column in ("channel_account_id", "sender_address", "sender_postal_code", "sender_mobile",
                       "citizen_channel", "tracking_id"):
            batch.drop_column(column)
    op.drop_table("channel_agencies")
    op.drop_table("channel_accounts")
