"""base schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 18:19:35.305519
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "agencies",
        sa.Column("national_id", sa.String(length=11), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("name_norm", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("national_id"),
    )
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agencies_name_norm"), ["name_norm"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("letter_guid", sa.String(length=36), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_letter_guid"), ["letter_guid"], unique=False)

    op.create_table(
        "letters",
        sa.Column("guid", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sender_agency", sa.String(length=11), nullable=False),
        sa.Column("sender_unit", sa.String(length=200), nullable=False),
        sa.Column("sender_person", sa.String(length=200), nullable=False),
        sa.Column("sender_name", sa.String(length=500), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("classification", sa.String(length=12), nullable=False),
        sa.Column("in_reply_to", sa.String(length=36), nullable=True),
        sa.Column("in_reply_to_shams", sa.String(length=40), nullable=False),
        sa.Column("follow_up_of", sa.String(length=36), nullable=True),
        sa.Column("follow_up_of_shams", sa.String(length=40), nullable=False),
        sa.Column("shams", sa.String(length=40), nullable=True),
        sa.Column("registered_at", sa.DateTime(), nullable=True),
        sa.Column("incoming_number", sa.String(length=40), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("source_package", sa.LargeBinary(), nullable=True),
        sa.Column("verification", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("guid"),
        sa.UniqueConstraint("shams"),
    )
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.create_index("ix_letters_kind_created", ["kind", "created_at"], unique=False)
        batch_op.create_index("ix_letters_state_updated", ["state", "updated_at"], unique=False)

    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_guid", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=200), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("remote_address", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(["letter_guid"], ["letters.guid"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("letter_guid", "position"),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_letter_guid"), ["letter_guid"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachments_sha256"), ["sha256"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_guid", sa.String(length=36), nullable=False),
        sa.Column("op", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["letter_guid"], ["letters.guid"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_letter_guid"), ["letter_guid"], unique=False)
        batch_op.create_index("ix_outbox_status_next", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=11), nullable=False),
        sa.Column("unit_code", sa.String(length=200), nullable=True),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("name_norm", sa.String(length=500), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("national_code", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency"],
            ["agencies.national_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency", "username"),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_agency"), ["agency"], unique=False)
        batch_op.create_index(batch_op.f("ix_people_name_norm"), ["name_norm"], unique=False)

    op.create_table(
        "receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_guid", sa.String(length=36), nullable=False),
        sa.Column("shams", sa.String(length=40), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["letter_guid"], ["letters.guid"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_receipts_letter_guid"), ["letter_guid"], unique=False)

    op.create_table(
        "recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_guid", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=4), nullable=False),
        sa.Column("agency", sa.String(length=11), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("ack_state", sa.String(length=16), nullable=True),
        sa.Column("ack_at", sa.DateTime(), nullable=True),
        sa.Column("ack_number", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["letter_guid"], ["letters.guid"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("letter_guid", "position"),
    )
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recipients_letter_guid"), ["letter_guid"], unique=False)

    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guid", sa.String(length=36), nullable=False),
        sa.Column("letter_guid", sa.String(length=36), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("from_person", sa.String(length=200), nullable=False),
        sa.Column("to_person", sa.String(length=200), nullable=False),
        sa.Column("instruction", sa.String(length=40), nullable=False),
        sa.Column("postscript", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["letter_guid"], ["letters.guid"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["referrals.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("guid"),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_letter_guid"), ["letter_guid"], unique=False)

    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_guid", sa.String(length=36), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("cms", sa.LargeBinary(), nullable=False),
        sa.Column("signer_subject", sa.String(length=1000), nullable=False),
        sa.Column("signer_national_code", sa.String(length=10), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["letter_guid"], ["letters.guid"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signatures_letter_guid"), ["letter_guid"], unique=False)

    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=11), nullable=False),
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("name_norm", sa.String(length=500), nullable=False),
        sa.Column("parent_code", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency"],
            ["agencies.national_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency", "code"),
    )
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_units_agency"), ["agency"], unique=False)
        batch_op.create_index(batch_op.f("ix_units_name_norm"), ["name_norm"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_units_name_norm"))
        batch_op.drop_index(batch_op.f("ix_units_agency"))

    op.drop_table("units")
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signatures_letter_guid"))

    op.drop_table("signatures")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_letter_guid"))

    op.drop_table("referrals")
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recipients_letter_guid"))

    op.drop_table("recipients")
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receipts_letter_guid"))

    op.drop_table("receipts")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_name_norm"))
        batch_op.drop_index(batch_op.f("ix_people_agency"))

    op.drop_table("people")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_next")
        batch_op.drop_index(batch_op.f("ix_outbox_letter_guid"))

    op.drop_table("outbox")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_sha256"))
        batch_op.drop_index(batch_op.f("ix_attachments_letter_guid"))

    op.drop_table("attachments")
    op.drop_table("settings")
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.drop_index("ix_letters_state_updated")
        batch_op.drop_index("ix_letters_kind_created")

    op.drop_table("letters")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_letter_guid"))

    op.drop_table("audit_log")
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agencies_name_norm"))

    op.drop_table("agencies")
