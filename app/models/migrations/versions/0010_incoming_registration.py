"""Incoming letters carry their registration at this desk, and paper letters their sender.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05

``incoming_at`` is when the letter was registered as incoming: the server's time once it is
numbered (``incoming_number``), the local time while it waits for the next sync (provisional).
A paper letter (``channel`` = paper) keeps who sent it — an agency or company (national id) or
a person (national code) — with the sender's own number and date; its scans are attachments in
the local blob store (no remote address yet: not uploaded). (Another branch adds 0009; the two
are chained at merge.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = (
    ("incoming_at", sa.DateTime()),
    ("channel", sa.String(10)),
    ("sender_kind", sa.String(10)),
    ("sender_id", sa.String(11)),
    ("sender_number", sa.String(100)),
    ("sender_date", sa.Date()),
)


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch copy of ``letters`` would drop the search triggers on it.
    for name, type_ in COLUMNS:
        op.add_column("letters", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    for name, _type in reversed(COLUMNS):
        op.drop_column("letters", name)
