"""document access per letter: inside an agency, those referred a letter read what it brought

- ``document_access``: one row per (document, agency, letter that brought it); ``letter_guid`` is
  '' for the agency's own upload (it was NULL, and only the first letter was kept).
  Rows before this keep their first letter.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _create(letter_guid: sa.Column[str]) -> None:
    op.create_table(
        "document_access",
        sa.Column("sha256", sa.String(length=64), sa.ForeignKey("documents.sha256"), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), primary_key=True),
        letter_guid,
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    )


def _rebuild(letter_guid: sa.Column[str], rows: str) -> None:
    """Copy out, recreate (the primary key changes), copy back: the same on SQLite and PostgreSQL."""
    op.execute("CREATE TABLE document_access_old AS SELECT * FROM document_access")
    op.drop_table("document_access")
    _create(letter_guid)
    op.execute(f"INSERT INTO document_access (sha256, agency_id, letter_guid, granted_at) {rows}")
    op.drop_table("document_access_old")


def upgrade() -> None:
    _rebuild(sa.Column("letter_guid", sa.String(length=36), primary_key=True),
             "SELECT sha256, agency_id, COALESCE(letter_guid, ''), granted_at FROM document_access_old")


def downgrade() -> None:
    # one row per (document, agency): the agency's own upload if any, else its first letter
    _rebuild(sa.Column("letter_guid", sa.String(length=36), nullable=True),
             "SELECT sha256, agency_id, NULLIF(MIN(letter_guid), ''), MIN(granted_at) FROM document_access_old "
             "GROUP BY sha256, agency_id")
