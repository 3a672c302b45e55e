"""Request bodies of the API: strict (unknown fields refused), bounded, no NUL characters."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.protocol.canonical import ATTACHMENT_TEXT, MAX_ATTACHMENT_SIZE, MAX_ATTACHMENTS, MAX_SUMMARY
from app.protocol.citizen import MAX_ADDRESS
from app.protocol.package_schema import UUID_PATTERN
from app.protocol.referral import MAX_INSTRUCTION, MAX_POSTSCRIPT, MAX_RECIPIENTS


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """PostgreSQL text cannot hold NUL (a 500 there): refused in every field, on every backend."""
        if any(isinstance(v, str) and "\x00" in v for v in (value if isinstance(value, list) else [value])):
            raise ValueError("must not contain NUL characters")
        return value


class LoginIn(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class AckIn(Strict):
    status: Literal["delivered", "registered"]
    incoming_number: str | None = Field(default=None, min_length=1, max_length=100)


class PaperSenderIn(Strict):
    kind: Literal["agency", "person", "company"]
    id: str = Field(min_length=1, max_length=20)  # checked by incoming.check_sender (Persian reason)
    name: str = Field(default="", max_length=500)
    # a person or a company: how to reach them (checked by incoming.citizen_fields, Persian reasons)
    mobile: str = Field(default="", max_length=20)
    postal_code: str = Field(default="", max_length=20)
    address: str = Field(default="", max_length=MAX_ADDRESS)


class ScanIn(Strict):
    """A paper letter's scanned page in the documents system, bounded as a letter's attachment is
    (app.protocol.canonical); the client knows its address from the hash."""

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0, le=MAX_ATTACHMENT_SIZE, strict=True)
    media_type: str = Field(min_length=1, max_length=ATTACHMENT_TEXT["media_type"], pattern=r"\S")
    name: str = Field(default="", max_length=ATTACHMENT_TEXT["name"])


class PaperIn(Strict):
    """A paper letter to number (ثبت نامه وارده): who sent it, their number and date, its subject,
    and its scanned pages (already uploaded)."""

    guid: str = Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    sender: PaperSenderIn
    sender_number: str = Field(default="", max_length=100)
    sender_date: dt.date | None = None
    subject: str = Field(min_length=1, max_length=500)
    summary: str = Field(default="", max_length=MAX_SUMMARY)
    scans: list[ScanIn] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)
    channel: str | None = Field(default=None, max_length=32)  # a person's or company's letter: its channel's code


class ReferralIn(Strict):
    """A referral (ارجاع): the client's GUID, the letter, colleagues by username, instruction, postscript."""

    id: str = Field(pattern=UUID_PATTERN)
    letter_guid: str = Field(pattern=UUID_PATTERN)
    parent: str | None = Field(default=None, pattern=UUID_PATTERN)  # the referral this one refers on
    to: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(min_length=1, max_length=MAX_RECIPIENTS)
    instruction: str = Field(min_length=1, max_length=MAX_INSTRUCTION)
    postscript: str = Field(default="", max_length=MAX_POSTSCRIPT)
    due_date: dt.date | None = None


class ReferralEventIn(Strict):
    id: str | None = Field(default=None, pattern=UUID_PATTERN)  # the client's GUID for the event
    kind: Literal["read", "answer", "close", "recall"]
    note: str = Field(default="", max_length=MAX_POSTSCRIPT)
    answer_guid: str | None = Field(default=None, pattern=UUID_PATTERN)


class UnitIn(Strict):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    name: str = Field(min_length=1, max_length=500)
    parent: str | None = Field(default=None, max_length=64)


class UserIn(Strict):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9_.\-]+$")
    display_name: str = Field(min_length=1, max_length=500)
    password: str = Field(min_length=8, max_length=1024)
    roles: list[str] = Field(min_length=1, max_length=5)
    unit: str | None = Field(default=None, max_length=64)
    national_code: str | None = Field(default=None, max_length=10)
    title: str = Field(default="", max_length=500)


class UserPatch(Strict):
    display_name: str | None = Field(default=None, min_length=1, max_length=500)
    title: str | None = Field(default=None, max_length=500)
    password: str | None = Field(default=None, min_length=8, max_length=1024)
    roles: list[str] | None = Field(default=None, min_length=1, max_length=5)
    unit: str | None = Field(default=None, max_length=64)
    active: bool | None = None


class CertIn(Strict):
    certificate_pem: str = Field(min_length=50, max_length=20000)
