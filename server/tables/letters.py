"""Letters: SHAMS numbers and registered letters, Payam deliveries and acknowledgements, the
incoming series, and the answers to citizens' letters."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from server.tables.base import metadata

shams_counters = Table(
    "shams_counters", metadata,
    Column("origin", String(11), primary_key=True),
    Column("domain", String(1), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
)

letters = Table(
    "letters", metadata,
    Column("guid", String(36), primary_key=True),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("origin", String(11), nullable=False),
    Column("domain", String(1), nullable=False),
    Column("year", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("shams", String(40), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("registered_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("signer_national_codes", Text, nullable=False, default=""),
    Column("receipt", Text, nullable=False),  # JSON
    Column("package", LargeBinary, nullable=False),  # letter package JSON incl. receipt
    Column("sent_at", DateTime(timezone=True)),
    Column("verify_code", String(32)),  # random, printed in the QR; public verification asks for it
    UniqueConstraint("origin", "domain", "year", "seq", name="uq_letters_shams_parts"),
)

deliveries = Table(
    "deliveries", metadata,
    Column("id", Integer, primary_key=True),
    Column("cursor", BigInteger, nullable=False, unique=True),
    Column("letter_guid", String(36), ForeignKey("letters.guid"), nullable=False),
    Column("sender_agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("recipient_agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("channel", String(16), nullable=False),  # payam | internal
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("letter_guid", "recipient_agency_id", name="uq_deliveries_letter_recipient"),
    Index("ix_deliveries_recipient_cursor", "recipient_agency_id", "cursor"),
)

acks = Table(
    "acks", metadata,
    Column("id", Integer, primary_key=True),
    Column("cursor", BigInteger, nullable=False, unique=True),
    Column("letter_guid", String(36), ForeignKey("letters.guid"), nullable=False),
    Column("sender_agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("recipient_agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("status", String(16), nullable=False),  # delivered | registered
    Column("incoming_number", String(100)),
    Column("at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("letter_guid", "recipient_agency_id", "status", name="uq_acks_letter_recipient_status"),
    Index("ix_acks_sender_cursor", "sender_agency_id", "cursor"),
)

# Each agency's incoming series (ثبت وارده): one counter per agency and Jalali year.
incoming_counters = Table(
    "incoming_counters", metadata,
    Column("agency_id", Integer, ForeignKey("agencies.id"), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
)

# A letter numbered in an agency's incoming series: electronic (the delivered letter's GUID) or
# paper (the client's GUID, with a minimal record of the letter; its scans stay with the client).
incoming_registrations = Table(
    "incoming_registrations", metadata,
    Column("id", Integer, primary_key=True),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("guid", String(36), nullable=False),
    Column("channel", String(16), nullable=False),  # electronic | paper
    Column("year", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("number", String(40), nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("registered_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("sender_kind", String(10)),  # paper: agency | person | company
    Column("sender_id", String(11)),  # national id (agency, company) or national code (person)
    Column("sender_name", String(500), nullable=False, default=""),
    Column("sender_number", String(100), nullable=False, default=""),
    Column("sender_date", String(10)),  # ISO date of the sender's letter
    Column("subject", String(500), nullable=False, default=""),
    Column("scans", Text),  # paper: JSON list of its scanned pages {sha256, size, media_type, name} (0008)
    Column("summary", Text),  # paper: what the desk wrote of it (0008)
    # A letter from a person or a company (0013): its tracking id, channel and the sender's contact details.
    Column("tracking_id", String(12)),
    Column("citizen_channel", String(32)),
    Column("sender_mobile", String(11)),
    Column("sender_postal_code", String(10)),
    Column("sender_address", String(500)),
    Column("channel_account_id", Integer, ForeignKey("channel_accounts.id")),  # registered through the channel API
    UniqueConstraint("agency_id", "guid", name="uq_incoming_agency_guid"),
    UniqueConstraint("tracking_id", name="uq_incoming_tracking_id"),
    UniqueConstraint("agency_id", "year", "seq", name="uq_incoming_agency_series"),
)

# A registered outgoing letter answering a citizen's letter of the same agency (its «عطف»), recorded
# in the registration's transaction: the status page shows its SHAMS and date (0014).
citizen_answers = Table(
    "citizen_answers", metadata,
    Column("id", Integer, primary_key=True),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("letter_guid", String(36), nullable=False),  # the citizen's letter
    Column("answer_guid", String(36), ForeignKey("letters.guid"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),  # the answer's registration time
    UniqueConstraint("letter_guid", "answer_guid", name="uq_citizen_answers_letter_answer"),
    Index("ix_citizen_answers_agency_letter", "agency_id", "letter_guid"),
)
