"""trust and audit: signer certificates can be unbound, letters carry a verification code, an audit log

- ``certificates.unbound_at`` / ``unbound_reason``: a signatory who lost the role or was
  deactivated no longer signs for the agency; the row stays (who signed what stays readable).
- ``letters.verify_code``: the random code printed in the letter's QR, asked by public verification.
- ``letters.signer_national_codes``: text (a varchar(200) refused letters with many signers).
- ``audit_events``: append-only record of refusals and trust changes an agency admin can list.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("unbound_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("unbound_reason", sa.String(length=64), nullable=True))
    with op.batch_alter_table("letters") as batch:
        batch.add_column(sa.Column("verify_code", sa.String(length=32), nullable=True))
        batch.alter_column("signer_national_codes", type_=sa.Text(), existing_type=sa.String(length=200),
                           existing_nullable=False)
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("guid", sa.String(length=36), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_audit_events_agency_id", "audit_events", ["agency_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_agency_id", table_name="audit_events")
    op.drop_table("audit_events")
    with op.batch_alter_table("letters") as batch:
        batch.alter_column("signer_national_codes", type_=sa.String(length=200), existing_type=sa.Text(),
                           existing_nullable=False)
        batch.drop_column("verify_code")
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("unbound_reason")
        batch.drop_column("unbound_at")
