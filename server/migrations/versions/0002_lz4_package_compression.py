"""PostgreSQL: compress stored letter packages with lz4

A registered letter's package (content and signatures, ~5–12 KB of JSON) is compressed when it
is stored (TOAST), once per registration; lz4 compresses much faster than PostgreSQL's default,
pglz, a little less tightly. Rows already stored keep their compression; both are read alike.
SQLite and PostgreSQL builds without lz4: nothing to do.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 02:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _has_lz4() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    return bool(bind.execute(sa.text(
        "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)")).first())


def upgrade() -> None:
    if _has_lz4():
        op.execute("ALTER TABLE letters ALTER COLUMN package SET COMPRESSION lz4")


def downgrade() -> None:
    if _has_lz4():
        op.execute("ALTER TABLE letters ALTER COLUMN package SET COMPRESSION pglz")
