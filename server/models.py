"""Database tables (SQLAlchemy Core). The schema is created by the Alembic migrations in
``server/migrations``; keep the two in step (a new column = a new migration)."""

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
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
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

# The archive (بایگانی): each agency's tree of folders (پرونده) with a file number unique within
# the agency once folded (app.protocol.archive.file_number_key); the client picks a folder's GUID.
archive_folders = Table(
    "archive_folders", metadata,
    Column("id", Integer, primary_key=True),
    Column("guid", String(36), nullable=False, unique=True),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("parent_id", Integer, ForeignKey("archive_folders.id")),
    Column("title", String(200), nullable=False),
    Column("file_number", String(40), nullable=False),
    Column("file_number_key", String(40), nullable=False),
    Column("cursor", BigInteger, nullable=False),  # of its last change: the folders feed
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("agency_id", "file_number_key", name="uq_archive_folders_file_number"),
    Index("ix_archive_folders_agency_cursor", "agency_id", "cursor"),
)

# A letter filed in a folder; unfiling keeps the row with who, when and why, filing again revives it.
archive_filings = Table(
    "archive_filings", metadata,
    Column("id", Integer, primary_key=True),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("folder_id", Integer, ForeignKey("archive_folders.id"), nullable=False),
    Column("letter_guid", String(36), nullable=False),
    Column("filed", Boolean, nullable=False),
    Column("filed_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("filed_at", DateTime(timezone=True), nullable=False),
    Column("unfiled_by", Integer, ForeignKey("users.id")),
    Column("unfiled_at", DateTime(timezone=True)),
    Column("reason", Text, nullable=False, default=""),  # why it was taken out (the last time)
    Column("cursor", BigInteger, nullable=False),  # of its last change: the filings feed
    UniqueConstraint("folder_id", "letter_guid", name="uq_archive_filings_folder_letter"),
    Index("ix_archive_filings_agency_cursor", "agency_id", "cursor"),
)

# Documents (attachments): content-addressed, stored once in the storage (server/storage.py).
documents = Table(
    "documents", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("media_type", String(200), nullable=False),  # found in the content
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# A resumable upload; its bytes are in the storage, its chunks received so far in upload_parts.
uploads = Table(
    "uploads", metadata,
    Column("id", String(32), primary_key=True),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("name", String(500), nullable=False),  # sanitized
    Column("size", BigInteger, nullable=False),
    Column("media_type", String(200), nullable=False),  # declared; checked against the content on completion
    Column("sha256", String(64), nullable=False),  # declared; checked on completion
    Column("chunk_size", Integer, nullable=False),
    Column("handle", String(1024), nullable=False),  # the storage's (S3 multipart upload id)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True)),
)

upload_parts = Table(
    "upload_parts", metadata,
    Column("upload_id", String(32), ForeignKey("uploads.id"), primary_key=True),
    Column("idx", Integer, primary_key=True),  # chunk k = bytes [k·chunk_size, (k+1)·chunk_size)
    Column("tag", String(200), nullable=False),  # the storage's tag for the part (S3 ETag)
)

# Who may read a document: the uploader's agency, and every agency a letter listing it was sent to.
document_access = Table(
    "document_access", metadata,
    Column("sha256", String(64), ForeignKey("documents.sha256"), primary_key=True),
    Column("agency_id", Integer, ForeignKey("agencies.id"), primary_key=True),
    Column("letter_guid", String(36)),  # the letter that brought it (None: uploaded by the agency)
    Column("granted_at", DateTime(timezone=True), nullable=False),
)

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
