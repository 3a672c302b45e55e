"""Attachments keep how far their upload to the documents system got, so a restart or a dropped
connection resumes it from the last offset the server confirmed.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05

``upload_id`` is the server's upload (empty until one is created), ``uploaded`` the bytes it
confirmed, ``uploaded_at`` set once the server has the whole document. Attachments stored before
this revision have none of these: they upload from the start.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("attachments", sa.Column("upload_id", sa.String(200), nullable=True))
    op.add_column("attachments", sa.Column("uploaded", sa.BigInteger(), nullable=False, server_default="0"))
    op.add_column("attachments", sa.Column("uploaded_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("uploaded_at")
        batch.drop_column("uploaded")
        batch.drop_column("upload_id")
