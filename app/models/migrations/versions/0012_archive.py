"""The archive (بایگانی): the agency's folder tree as the server carries it, and the letters filed in it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05

``archive_folders`` is this client's copy of the agency's tree (a folder's GUID, parent, title,
file number and its folded form, the server cursor of its last change). ``archive_filings`` says
which letter is filed in which folder (or was, with who took it out, when and why); the letter
list of a folder reads it through ``ix_archive_filings_folder``. ``archive_changes`` holds what a
filing or unfiling made here asks the server (an outbox operation points at it by its GUID).
Letters already marked archived stay in «بایگانی» without a folder.
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
        "archive_folders",
        sa.Column("guid", sa.String(length=36), primary_key=True),
        sa.Column("parent_guid", sa.String(length=36), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("file_number", sa.String(length=40), nullable=False),
        sa.Column("file_key", sa.String(length=200), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_archive_folders_parent", "archive_folders", ["parent_guid"])
    op.create_table(
        "archive_filings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("folder_guid", sa.String(length=36), nullable=False),
        sa.Column("letter_guid", sa.String(length=36), nullable=False),
        sa.Column("filed", sa.Boolean(), nullable=False),
        sa.Column("filed_by", sa.String(length=64), nullable=False),
        sa.Column("filed_at", sa.DateTime(), nullable=False),
        sa.Column("unfiled_by", sa.String(length=64), nullable=True),
        sa.Column("unfiled_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.UniqueConstraint("folder_guid", "letter_guid", name="uq_archive_filings_folder_letter"),
    )
    op.create_index("ix_archive_filings_folder", "archive_filings", ["folder_guid", "filed", "letter_guid"])
    op.create_index("ix_archive_filings_letter", "archive_filings", ["letter_guid"])
    op.create_table(
        "archive_changes",
        sa.Column("guid", sa.String(length=36), primary_key=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("folder_guid", sa.String(length=36), nullable=False),
        sa.Column("letter_guid", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by_person", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reject_reason", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("archive_changes")
    op.drop_index("ix_archive_filings_letter", table_name="archive_filings")
    op.drop_index("ix_archive_filings_folder", table_name="archive_filings")
    op.drop_table("archive_filings")
    op.drop_index("ix_archive_folders_parent", table_name="archive_folders")
    op.drop_table("archive_folders")
