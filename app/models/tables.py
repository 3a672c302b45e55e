"""Tables of the local store (SQLAlchemy 2). The schema itself is owned by Alembic migrations."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use aware UTC datetimes")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_guid() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    pass


class Letter(Base):
    __tablename__ = "letters"

    guid: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_guid)
    kind: Mapped[str] = mapped_column(String(10))  # outgoing | internal | incoming
    state: Mapped[str] = mapped_column(String(24), default="draft")
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")
    sender_agency: Mapped[str] = mapped_column(String(11), default="")
    sender_unit: Mapped[str] = mapped_column(String(200), default="")
    sender_person: Mapped[str] = mapped_column(String(200), default="")
    sender_name: Mapped[str] = mapped_column(String(500), default="")
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    classification: Mapped[str] = mapped_column(String(12), default="normal")
    in_reply_to: Mapped[str | None] = mapped_column(String(36))
    in_reply_to_shams: Mapped[str] = mapped_column(String(40), default="")
    follow_up_of: Mapped[str | None] = mapped_column(String(36))
    follow_up_of_shams: Mapped[str] = mapped_column(String(40), default="")
    shams: Mapped[str | None] = mapped_column(String(40), unique=True)
    registered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    verify_code: Mapped[str | None] = mapped_column(String(32))  # from the server; printed in the QR code
    incoming_number: Mapped[str | None] = mapped_column(String(40))
    # Incoming registration at this desk: numbered when incoming_number is set, else provisional.
    incoming_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    channel: Mapped[str | None] = mapped_column(String(10))  # paper (by post or by hand); else electronic
    sender_kind: Mapped[str | None] = mapped_column(String(10))  # paper: agency | person | company
    sender_id: Mapped[str | None] = mapped_column(String(11))  # national id, or a person's national code
    sender_number: Mapped[str | None] = mapped_column(String(100))  # the sender's own letter number
    sender_date: Mapped[dt.date | None] = mapped_column(Date)  # and its date
    # A letter from a person or a company (0015): its tracking id (from the server), channel, contact.
    tracking_id: Mapped[str | None] = mapped_column(String(12))
    citizen_channel: Mapped[str | None] = mapped_column(String(32))
    sender_mobile: Mapped[str | None] = mapped_column(String(11))
    sender_postal_code: Mapped[str | None] = mapped_column(String(10))
    sender_address: Mapped[str | None] = mapped_column(String(500))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    # Not signed content: the layout it is printed on and who is to sign it.
    letterhead: Mapped[str] = mapped_column(String(100), default="")
    signatories: Mapped[list] = mapped_column(JSON, default=list)
    # Incoming letters keep the exact package bytes received, whatever their verdict.
    source_package: Mapped[bytes | None] = mapped_column(LargeBinary)
    verification: Mapped[dict | None] = mapped_column(JSON)
    verify_status: Mapped[str | None] = mapped_column(String(10))  # incoming: valid | invalid | unchecked
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    recipients: Mapped[list[Recipient]] = relationship(
        back_populates="letter", cascade="all, delete-orphan", order_by="Recipient.position"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="letter", cascade="all, delete-orphan", order_by="Attachment.position"
    )
    signatures: Mapped[list[Signature]] = relationship(back_populates="letter", cascade="all, delete-orphan")
    receipts: Mapped[list[Receipt]] = relationship(back_populates="letter", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_letters_state_updated", "state", "updated_at"),
        Index("ix_letters_kind_created", "kind", "created_at"),
        # Migration 0005 appends letters.search_key to this index; that column, its index
        # ix_letters_search_key and the search table are SQL-only (triggers keep them), not mapped.
        Index("ix_letters_folder_order", "archived", "updated_at", "guid", "state"),
        Index("ix_letters_tracking_id", "tracking_id", sqlite_where=text("tracking_id IS NOT NULL")),
        Index("ix_letters_verify_status", "verify_status", sqlite_where=text("verify_status = 'unchecked'")),
    )


class Recipient(Base):
    __tablename__ = "recipients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_guid: Mapped[str] = mapped_column(ForeignKey("letters.guid", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(4), default="to")  # to | cc
    agency: Mapped[str] = mapped_column(String(11))
    unit: Mapped[str] = mapped_column(String(200), default="")
    person: Mapped[str] = mapped_column(String(200), default="")
    name: Mapped[str] = mapped_column(String(500), default="")
    ack_state: Mapped[str | None] = mapped_column(String(16))  # delivered | registered
    ack_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ack_number: Mapped[str | None] = mapped_column(String(40))

    letter: Mapped[Letter] = relationship(back_populates="recipients")
    __table_args__ = (UniqueConstraint("letter_guid", "position"),)


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_guid: Mapped[str] = mapped_column(ForeignKey("letters.guid", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(500), default="")
    remote_address: Mapped[str | None] = mapped_column(String(2000))
    # Not content: how far the upload to the documents system got (migration 0012).
    upload_id: Mapped[str | None] = mapped_column(String(200))
    uploaded: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    uploaded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    letter: Mapped[Letter] = relationship(back_populates="attachments")
    __table_args__ = (UniqueConstraint("letter_guid", "position"),)


class Signature(Base):
    __tablename__ = "signatures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_guid: Mapped[str] = mapped_column(ForeignKey("letters.guid", ondelete="CASCADE"), index=True)
    content_sha256: Mapped[str] = mapped_column(String(64))
    cms: Mapped[bytes] = mapped_column(LargeBinary)
    signer_subject: Mapped[str] = mapped_column(String(1000), default="")
    signer_national_code: Mapped[str | None] = mapped_column(String(10))
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    letter: Mapped[Letter] = relationship(back_populates="signatures")


class Receipt(Base):
    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_guid: Mapped[str] = mapped_column(ForeignKey("letters.guid", ondelete="CASCADE"), index=True)
    shams: Mapped[str] = mapped_column(String(40))
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    content_sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON)  # the server-signed receipt as received

    letter: Mapped[Letter] = relationship(back_populates="receipts")


class OutboxOperation(Base):
    """A unit of sync work; advanced in the same transaction that stores its result."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_guid: Mapped[str] = mapped_column(ForeignKey("letters.guid", ondelete="CASCADE"), index=True)
    op: Mapped[str] = mapped_column(String(16))  # register | send | collect_acks
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | done | failed
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)


class Referral(Base):
    """A referral (ارجاع) this user sent or received: a letter to colleagues with an instruction.
    ``synced_at`` is None while it waits in the outbox (made offline)."""

    __tablename__ = "referrals"

    guid: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_guid)
    letter_guid: Mapped[str] = mapped_column(String(36), index=True)  # the letter may arrive later
    parent_guid: Mapped[str | None] = mapped_column(String(36))  # the referral this one refers on
    from_person: Mapped[str] = mapped_column(String(64))
    to_people: Mapped[list[str]] = mapped_column(JSON)  # usernames
    instruction: Mapped[str] = mapped_column(String(100))
    postscript: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    synced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(Text)  # the server refused it (Persian)


class ReferralEvent(Base):
    """What happened to a referral: read, answer (the answering letter), close (a note), recall."""

    __tablename__ = "referral_events"

    guid: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_guid)
    referral_guid: Mapped[str] = mapped_column(ForeignKey("referrals.guid", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    by_person: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    answer_guid: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    synced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(Text)


class Agency(Base):
    __tablename__ = "agencies"

    national_id: Mapped[str] = mapped_column(String(11), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    name_norm: Mapped[str] = mapped_column(String(500), index=True)


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency: Mapped[str] = mapped_column(ForeignKey("agencies.national_id"), index=True)
    code: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(500))
    name_norm: Mapped[str] = mapped_column(String(500), index=True)
    parent_code: Mapped[str | None] = mapped_column(String(200))
    __table_args__ = (UniqueConstraint("agency", "code"),)


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency: Mapped[str] = mapped_column(ForeignKey("agencies.national_id"), index=True)
    unit_code: Mapped[str | None] = mapped_column(String(200))
    username: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(500))
    name_norm: Mapped[str] = mapped_column(String(500), index=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    national_code: Mapped[str | None] = mapped_column(String(10))
    signatory: Mapped[bool] = mapped_column(Boolean, default=False)  # may be listed as a letter's signatory
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # inactive: kept for names, offered by no picker
    __table_args__ = (UniqueConstraint("agency", "username"),)


class AuditEvent(Base):
    """Append-only: triggers in the migration refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(60))
    letter_guid: Mapped[str | None] = mapped_column(String(36), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)


class ArchiveFolder(Base):
    """This client's copy of a folder (پرونده) of the agency's archive tree, as the server carries it."""

    __tablename__ = "archive_folders"

    guid: Mapped[str] = mapped_column(String(36), primary_key=True)
    parent_guid: Mapped[str | None] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(200))
    file_number: Mapped[str] = mapped_column(String(40))
    file_key: Mapped[str] = mapped_column(String(200))  # app.models.archive.file_sort_key
    cursor: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_archive_folders_parent", "parent_guid"),)


class ArchiveFiling(Base):
    """A letter filed in a folder (``filed``), or taken out of it (who, when, why)."""

    __tablename__ = "archive_filings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    folder_guid: Mapped[str] = mapped_column(String(36))
    letter_guid: Mapped[str] = mapped_column(String(36))  # the letter may reach this store later
    filed: Mapped[bool] = mapped_column(Boolean)
    filed_by: Mapped[str] = mapped_column(String(64))
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    unfiled_by: Mapped[str | None] = mapped_column(String(64))
    unfiled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        UniqueConstraint("folder_guid", "letter_guid", name="uq_archive_filings_folder_letter"),
        Index("ix_archive_filings_folder", "folder_guid", "filed", "letter_guid"),
        Index("ix_archive_filings_letter", "letter_guid"),
    )


class ArchiveChange(Base):
    """A filing or unfiling made here, as its outbox operation (``archive:<guid>``) sends it."""

    __tablename__ = "archive_changes"

    guid: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_guid)
    kind: Mapped[str] = mapped_column(String(8))  # file | unfile
    folder_guid: Mapped[str] = mapped_column(String(36))
    letter_guid: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(Text, default="")
    by_person: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reject_reason: Mapped[str | None] = mapped_column(Text)  # the server refused it (Persian)
