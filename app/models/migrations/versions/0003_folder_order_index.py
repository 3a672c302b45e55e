"""Index that lets a folder page be read newest-first and stop after one page.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # archived (equality) → updated_at, guid (the list order, walked backwards) → state (the
    # folder filter, checked inside the index): a page costs ~limit index steps, not a sort.
    op.create_index("ix_letters_folder_order", "letters", ["archived", "updated_at", "guid", "state"])


def downgrade() -> None:
    op.drop_index("ix_letters_folder_order", "letters")
