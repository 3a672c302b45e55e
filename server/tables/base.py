"""The metadata every table is in, and the tables every area writes: the cursor counters, the
idempotency records and the audit log."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# Cursors (directory, inbox, acks) come from named counter rows updated inside the writing
# transaction: the row lock orders commits, so a reader that saw cursor N never later finds
# a row with a smaller cursor appear (an autoincrement id does not guarantee that on PostgreSQL).
sequences = Table(
    "sequences", metadata,
    Column("name", String(40), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys", metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Append-only: refusals (who, when, which letter, why) and trust changes (certificates bound and
# unbound, trust roots added), listed by the agency's administrator.
audit_events = Table(
    "audit_events", metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("agency_id", Integer, ForeignKey("agencies.id")),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("username", String(64)),
    Column("ip", String(64)),
    Column("action", String(40), nullable=False),  # register | payam_send | internal_send | user_update | …
    Column("outcome", String(16), nullable=False),  # refused | done
    Column("code", String(64), nullable=False),  # reason or event code, e.g. invalid_signature, certificate_unbound
    Column("guid", String(36)),
    Column("detail", Text, nullable=False),  # English, bounded
    Index("ix_audit_events_agency_id", "agency_id", "id"),
)
