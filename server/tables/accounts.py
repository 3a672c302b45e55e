"""Who: agencies, their units and users, signatory certificates and trust roots, sign-in tokens and
failed logins, and the channel accounts (portals, pishkhan offices)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
)

from server.tables.base import metadata

agencies = Table(
    "agencies", metadata,
    Column("id", Integer, primary_key=True),
    Column("national_id", String(11), nullable=False, unique=True),
    Column("name", String(500), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("change_seq", BigInteger, nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

units = Table(
    "units", metadata,
    Column("id", Integer, primary_key=True),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("code", String(64), nullable=False),
    Column("name", String(500), nullable=False),
    Column("parent_code", String(64)),
    Column("active", Boolean, nullable=False, default=True),
    Column("change_seq", BigInteger, nullable=False, index=True),
    UniqueConstraint("agency_id", "code", name="uq_units_agency_code"),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(500), nullable=False),
    Column("title", String(500), nullable=False, default=""),
    Column("national_code", String(10)),
    Column("unit_code", String(64)),
    Column("roles", String(200), nullable=False),  # comma-separated
    Column("password_hash", String(200), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("change_seq", BigInteger, nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

certificates = Table(
    "certificates", metadata,
    Column("id", Integer, primary_key=True),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("der", LargeBinary, nullable=False),
    Column("subject", String(1000), nullable=False),
    Column("not_after", DateTime(timezone=True), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("unbound_at", DateTime(timezone=True)),  # set when the user lost the role or was deactivated
    Column("unbound_reason", String(64)),
    UniqueConstraint("agency_id", "sha256", name="uq_certificates_agency_sha"),
)

trust_roots = Table(
    "trust_roots", metadata,
    Column("id", Integer, primary_key=True),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("der", LargeBinary, nullable=False),
    Column("subject", String(1000), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("agency_id", "sha256", name="uq_trust_roots_agency_sha"),
)

tokens = Table(
    "tokens", metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 of the bearer token
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

login_failures = Table(
    "login_failures", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_login_failures_user_ip_at", "username", "ip", "at"),
)

# Systems (portals, pishkhan offices) that register citizens' letters through the channel API (0013).
channel_accounts = Table(
    "channel_accounts", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),  # SHA-256 of the key (shown once)
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# The agencies a channel account serves, and the user row it acts as in each (cannot log in).
channel_agencies = Table(
    "channel_agencies", metadata,
    Column("account_id", Integer, ForeignKey("channel_accounts.id"), primary_key=True),
    Column("agency_id", Integer, ForeignKey("agencies.id"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
)
