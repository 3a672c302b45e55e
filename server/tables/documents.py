"""Documents (attachments): the stored documents, resumable uploads and who may read each."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Integer, String, Table

from server.tables.base import metadata

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

# How each agency holds a document: uploaded it, or received it with a letter (one row per letter:
# inside the agency, those referred a letter may read what it brought; server/attachments.py).
UPLOADED = ""  # letter_guid of the agency's own upload
document_access = Table(
    "document_access", metadata,
    Column("sha256", String(64), ForeignKey("documents.sha256"), primary_key=True),
    Column("agency_id", Integer, ForeignKey("agencies.id"), primary_key=True),
    Column("letter_guid", String(36), primary_key=True),  # the letter that brought it, or UPLOADED
    Column("granted_at", DateTime(timezone=True), nullable=False),
)
