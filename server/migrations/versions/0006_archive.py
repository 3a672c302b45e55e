"""archive: each agency's tree of archive folders (پرونده) and the letters filed in them

- ``archive_folders``: a folder of one agency (the client's GUID), its parent, title and file
  number (unique within the agency once folded: ``file_number_key``), with the cursor of its
  last change (the folders feed).
- ``archive_filings``: a letter filed in a folder; unfiling keeps the row (who, when, why) and
  filing again revives it; the cursor of its last change (the filings feed).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_folders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("guid", sa.String(length=36), nullable=False, unique=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("archive_folders.id"), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("file_number", sa.String(length=40), nullable=False),
        sa.Column("file_number_key", sa.String(length=40), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("agency_id", "file_number_key", name="uq_archive_folders_file_number"),
    )
    op.create_index("ix_archive_folders_agency_cursor", "archive_folders", ["agency_id", "cursor"])
    op.create_table(
        "archive_filings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("folder_id", sa.Integer(), sa.ForeignKey("archive_folders.id"), nullable=False),
        sa.Column("letter_guid", sa.String(length=36), nullable=False),
        sa.Column("filed", sa.Boolean(), nullable=False),
        sa.Column("filed_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unfiled_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("unfiled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("folder_id", "letter_guid", name="uq_archive_filings_folder_letter"),
    )
    op.create_index("ix_archive_filings_agency_cursor", "archive_filings", ["agency_id", "cursor"])


def downgrade() -> None:
    op.drop_index("ix_archive_filings_agency_cursor", table_name="archive_filings")
    op.drop_table("archive_filings")
    op.drop_index("ix_archive_folders_agency_cursor", table_name="archive_folders")
    op.drop_table("archive_folders")
