"""citizen answers: the registered outgoing letter that answers a citizen's letter

- ``citizen_answers``: one row per (citizen's letter, answering letter): an outgoing letter
  registered (SHAMS) by the agency that registered the citizen's letter, linked to it by «عطف»
  (``in_reply_to``). Written in the registration's transaction; the status page reads it.
  Rows before this: none (answers registered earlier are not linked).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "citizen_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("letter_guid", sa.String(36), nullable=False),
        sa.Column("answer_guid", sa.String(36), sa.ForeignKey("letters.guid"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("letter_guid", "answer_guid", name="uq_citizen_answers_letter_answer"),
        sa.Index("ix_citizen_answers_agency_letter", "agency_id", "letter_guid"),
    )


def downgrade() -> None:
    op.drop_table("citizen_answers")
