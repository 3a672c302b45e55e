"""Referrals (ارجاع): who referred a letter to whom, what happened to each, Rasad's summary of them
and each user's cartable feed."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text, text

from server.tables.base import metadata

# A referral (ارجاع) of a letter from one user to colleagues of the same agency; the client picks its GUID.
referrals = Table(
    "referrals", metadata,
    Column("id", Integer, primary_key=True),
    Column("guid", String(36), nullable=False, unique=True),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("letter_guid", String(36), nullable=False),
    Column("parent_guid", String(36)),  # the referral this one refers on
    Column("from_user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("instruction", String(100), nullable=False),
    Column("postscript", Text, nullable=False, default=""),
    Column("due_date", String(10)),  # ISO date
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_referrals_agency_letter", "agency_id", "letter_guid"),  # a letter's tree (0010)
)

referral_recipients = Table(
    "referral_recipients", metadata,
    Column("referral_id", Integer, ForeignKey("referrals.id"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
)

# What happened to a referral: read, answer (with the answering letter), close (with a note), recall.
referral_events = Table(
    "referral_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("guid", String(36), nullable=False, unique=True),  # the client's (or the server's if none given)
    Column("referral_id", Integer, ForeignKey("referrals.id"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("answer_guid", String(36)),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_referral_events_referral", "referral_id"),
)

# Rasad's summary of the referrals (server/rasad_summary.py): one row per (referral, recipient) with
# the times the reports need, rewritten in the same transaction as each change of the referral, so a
# report reads one narrow table instead of every referral of its period with its events (0012).
PENDING_PAIR = "recalled_at IS NULL AND answered_at IS NULL AND closed_at IS NULL"
referral_summary = Table(
    "referral_summary", metadata,
    Column("referral_id", Integer, ForeignKey("referrals.id"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),  # the recipient
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("letter_guid", String(36), nullable=False),
    Column("from_user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("unit_code", String(64)),  # the recipient's unit when the referral was made
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("due_date", String(10)),  # ISO date
    Column("read_at", DateTime(timezone=True)),
    Column("first_at", DateTime(timezone=True)),  # the recipient's first read, answer or close
    Column("answered_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("recalled_at", DateTime(timezone=True)),  # the sender took the referral back
    Column("first_s", Integer),  # whole seconds from created_at to first_at
    Column("close_s", Integer),  # whole seconds from created_at to closed_at
    # the reports: pending pairs of a period (open_referrals, waiting), read from the index alone
    Index("ix_referral_summary_pending", "agency_id", "created_at", "unit_code", "user_id", "due_date", "letter_guid",
          sqlite_where=text(PENDING_PAIR), postgresql_where=text(PENDING_PAIR)),
    # durations per unit (timing), read from the index alone
    Index("ix_referral_summary_timing", "agency_id", "unit_code", "created_at", "first_s", "close_s", "recalled_at"),
    Index("ix_referral_summary_sender", "agency_id", "from_user_id", "created_at"),  # instructions
)

# Each user's cartable feed: one row per (user, change) for the sender and every recipient,
# pulled by cursor like the inbox.
cartable_entries = Table(
    "cartable_entries", metadata,
    Column("cursor", BigInteger, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("referral_id", Integer, ForeignKey("referrals.id"), nullable=False),
    Column("event_id", Integer, ForeignKey("referral_events.id")),
    Index("ix_cartable_entries_user_cursor", "user_id", "cursor"),
)
