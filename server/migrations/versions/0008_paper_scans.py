"""paper scans: a paper letter's registration keeps its scanned pages and its summary

- ``incoming_registrations.scans``: JSON list of the paper letter's scans in the documents system
  ({sha256, size, media_type, name}), so the colleagues it is referred to can fetch them; NULL for
  the rows before this (and electronic letters): no scans.
- ``incoming_registrations.summary``: what the desk wrote of the paper letter (its body at the
  desk), so the colleagues it is referred to read it too; NULL before this.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incoming_registrations") as batch:
        batch.add_column(sa.Column("scans", sa.Text(), nullable=True))
        batch.add_column(sa.Column("summary", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incoming_registrations") as batch:
        batch.drop_column("summary")
        batch.drop_column("scans")
