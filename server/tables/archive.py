"""The archive (بایگانی): each agency's folders and the letters filed in them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from server.tables.base import metadata

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
