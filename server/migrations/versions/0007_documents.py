"""documents: resumable uploads, content-addressed documents and who may read them

- ``uploads``: one resumable upload (name, size, declared type and SHA-256, chunk size, the
  storage's handle); ``upload_parts``: the chunks stored so far (the bytes are in the storage).
- ``documents``: one row per content (SHA-256), stored once.
- ``document_access``: the agencies that may read a document: the uploader's, and each agency a
  letter listing it was sent to (``letter_guid``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("sha256", sa.String(length=64), primary_key=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "uploads",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("handle", sa.String(length=1024), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "upload_parts",
        sa.Column("upload_id", sa.String(length=32), sa.ForeignKey("uploads.id"), primary_key=True),
        sa.Column("idx", sa.Integer(), primary_key=True),
        sa.Column("tag", sa.String(length=200), nullable=False),
    )
    op.create_table(
        "document_access",
        sa.Column("sha256", sa.String(length=64), sa.ForeignKey("documents.sha256"), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), primary_key=True),
        sa.Column("letter_guid", sa.String(length=36), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("document_access")
    op.drop_table("upload_parts")
    op.drop_table("uploads")
    op.drop_table("documents")
