"""Rasad (رصد): the agencies' event log and the observers' grants."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from server.tables.base import metadata

# Rasad (رصد): what happened to the agency's letters, append-only, paged by a per-agency cursor
# (counter ``rasad:<agency id>``, taken inside the write that did it, so cursors commit in order).
# ``id`` is the action's own GUID (the referral's, the referral event's, the registration's …): an
# action done again (a retry, a duplicate push) finds its event already there.
rasad_events = Table(
    "rasad_events", metadata,
    Column("agency_id", Integer, ForeignKey("agencies.id"), primary_key=True),
    Column("cursor", BigInteger, primary_key=True),
    Column("id", String(80), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # registered | referred | read | answered | closed | recalled | filed | unfiled
    Column("letter_guid", String(36), nullable=False),
    Column("referral_guid", String(36)),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("detail", Text, nullable=False, default="{}"),  # JSON, per kind (docs/rasad.md)
    Index("ix_rasad_events_letter", "agency_id", "letter_guid"),
)

# Which agencies a Rasad observer account may see: granted and revoked by the server's operator
# (``dabir-server rasad-grant`` / ``rasad-revoke``), audited; a revoked row stays as the record.
rasad_grants = Table(
    "rasad_grants", metadata,
    Column("id", Integer, primary_key=True),
    Column("observer_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("granted_at", DateTime(timezone=True), nullable=False),
    Column("granted_by", String(200), nullable=False),  # the operator (the OS user running the CLI)
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", String(200)),
    Index("ix_rasad_grants_observer", "observer_id", "agency_id"),
)
