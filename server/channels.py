"""Channel accounts: portals and pishkhan offices that register citizens' letters through the API.

The server's operator creates an account (``dabir-server channel-add``) for one channel code and
the agencies it serves; its key is shown once and stored only as SHA-256. In each agency served
the account acts through a user row of its own (``channel.<name>.<agency>``): no roles, a password
hash that never verifies and ``active`` false, so nobody can log in as it and no picker offers it.
A letter the account sends is numbered as the agency's desk numbers a paper letter (tracking id
included) and referred to the agency's active secretaries in the same write, so it reaches their
cartables like any letter. Every operator change is audited in the log of each agency concerned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from app.protocol.tracking import display_tracking_id
from server import audit, incoming, referrals
from server.admin import agency_id_of
from server.auth import Principal, Role
from server.context import ServerContext
from server.directory import touch
from server.errors import ApiError
from server.tables.accounts import agencies, channel_accounts, channel_agencies, users
from server.tables.base import idempotency_keys

log = logging.getLogger("dabir.server")
PREFIX = "/api/v1/channel/"
KEY_PREFIX = "dabir_ch_"  # recognisable in a configuration file or a leaked log
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
NO_PASSWORD = "!channel-account"  # not an argon2 hash: verify_password answers False, always
# A channel letter at its largest (100,000 characters of body, JSON-escaped) fits well within this.
MAX_BODY_BYTES = 1024 * 1024


class ChannelError(ValueError):
    """A change the operator asked for that cannot be made (English, for the CLI)."""


@dataclass(frozen=True)
class ChannelAccount:
    """The caller of a channel path, found by its key."""

    id: int
    name: str
    display_name: str
    channel: str


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("ascii", "replace")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def invalid_key() -> ApiError:
    return ApiError(401, "invalid_channel_key", "کلید دسترسی مجرا معتبر نیست یا لغو شده است.",
                    "Missing, wrong or revoked channel key.", headers={"WWW-Authenticate": "Bearer"})


_BY_KEY = select(channel_accounts).where(channel_accounts.c.key_hash == bindparam("h"))


def authenticate(ctx: ServerContext, key: str) -> ChannelAccount:
    """The active account this key belongs to (401 otherwise); read on every request, so a revoked
    account or a replaced key stops at once."""
    with ctx.db.read() as conn:
        row = conn.execute(_BY_KEY, {"h": key_hash(key)}).mappings().first()
    if row is None or not row["active"]:
        raise invalid_key()
    return ChannelAccount(row["id"], row["name"], row["display_name"], row["channel"])


_SERVED = (select(channel_agencies.c.user_id, users.c.username, agencies.c.id, agencies.c.active)
           .join(users, users.c.id == channel_agencies.c.user_id)
           .join(agencies, agencies.c.id == channel_agencies.c.agency_id)
           .where(channel_agencies.c.account_id == bindparam("account"), agencies.c.national_id == bindparam("nid")))


async def acting_for(ctx: ServerContext, account: ChannelAccount, national_id: str, ip: str) -> Principal:
    """The account's user in the agency, as the principal its letter is numbered and referred by:
    the agency's desk for this letter (a role held only in memory; the row has none). An agency it
    does not serve is refused with 403 and an audit event in that agency's log."""
    with ctx.db.read() as conn:
        row = conn.execute(_SERVED, {"account": account.id, "nid": national_id}).first()
        target = None if row else conn.execute(select(agencies.c.id).where(agencies.c.national_id == national_id)).scalar()
    if row is None or not row.active:
        detail = f"channel account {account.name} ({ip}) may not register letters for agency {national_id[:20]}"
        log.warning("refused: %s", detail)

        def refused(conn: Connection) -> None:
            """In the log of the agency asked for; of one that does not exist: of those the account serves."""
            seen_by = [row.id] if row else [target] if target else [a for a, _ in _served(conn, account.id)]
            for agency_id in seen_by:
                audit.record(conn, None, at=ctx.clock(), action="channel_letter", code="channel_agency_not_served",
                             outcome="refused", agency_id=agency_id, detail=detail)

        await ctx.db.write(refused)
        raise ApiError(403, "agency_not_served", "این مجرا برای ثبت نامه در این دستگاه مجاز نیست.",
                       "This channel account does not serve that agency.", "agency")
    return Principal(row.user_id, row.username, row.id, national_id, frozenset({Role.SECRETARY.value}), None, ip)


_OTHER_KEYS = (select(idempotency_keys.c.user_id).join(channel_agencies, channel_agencies.c.user_id
                                                        == idempotency_keys.c.user_id)
               .where(channel_agencies.c.account_id == bindparam("account"), idempotency_keys.c.key == bindparam("key"),
                      idempotency_keys.c.user_id != bindparam("user")))


def key_used_elsewhere(ctx: ServerContext, account: ChannelAccount, acting: Principal, key: str) -> None:
    """Keys are scoped to the account: one already used for another agency is a different request (409)."""
    with ctx.db.read() as conn:
        if conn.execute(_OTHER_KEYS, {"account": account.id, "key": key, "user": acting.user_id}).first():
            raise ApiError(409, "idempotency_key_reused", "این کلید یکتایی پیش‌تر برای درخواست دیگری به کار رفته است.",
                           "This Idempotency-Key was already used for a different request.", "Idempotency-Key")


_SECRETARIES = select(users.c.username, users.c.roles).where(users.c.agency_id == bindparam("agency"),
                                                             users.c.active.is_(True)).order_by(users.c.username)


def register(ctx: ServerContext, conn: Connection, account: ChannelAccount, acting: Principal,
             record: dict[str, Any]) -> dict[str, Any]:
    """Number the letter (tracking id included) and refer it to the agency's active secretaries, in
    the caller's write; the answer the channel gets."""
    guid = str(uuid.uuid4())
    view = incoming.register_paper(ctx, conn, acting, guid, {
        **record, "citizen_channel": account.channel, "channel_account_id": account.id, "scans": []})
    desk = [name for name, roles in conn.execute(_SECRETARIES, {"agency": acting.agency_id})
            if Role.SECRETARY.value in roles.split(",")]
    if desk:  # an agency without a secretary finds the letter in Rasad (registered) until it has one
        referrals.create(ctx, conn, acting, {"id": str(uuid.uuid4()), "letter_guid": guid, "parent": None, "to": desk,
                                             "instruction": ctx.settings.instructions[0], "postscript": "",
                                             "due_date": None})
    return {"tracking_id": view["tracking_id"], "incoming_number": view["incoming_number"],
            "registered_at": view["registered_at"], "registered_at_jalali": view["registered_at_jalali"],
            "agency": acting.agency_national_id, "channel": account.channel, "guid": guid,
            # what the portal shows the citizen: the id as printed, and where to look the status up
            "tracking_id_display": display_tracking_id(view["tracking_id"], persian=False),
            "status_url": f"{ctx.settings.public_url.rstrip('/')}/track?t={view['tracking_id']}"}


# -- the operator's commands ---------------------------------------------------------------------
def _now(ctx: ServerContext) -> dt.datetime:
    return ctx.clock().astimezone(dt.UTC).replace(microsecond=0)


def _account(conn: Connection, name: str) -> Any:
    row = conn.execute(select(channel_accounts).where(channel_accounts.c.name == name)).mappings().first()
    if row is None:
        raise ChannelError(f"no channel account {name!r}")
    return row


def _agency(conn: Connection, national_id: str) -> int:
    aid = agency_id_of(conn, national_id)
    if aid is None:
        raise ChannelError(f"no agency with national id {national_id!r}")
    return aid


def _served(conn: Connection, account_id: int) -> list[tuple[int, str]]:
    """(agency id, national id) of each agency the account serves."""
    return [(int(a), str(n)) for a, n in conn.execute(
        select(agencies.c.id, agencies.c.national_id).join(channel_agencies, channel_agencies.c.agency_id == agencies.c.id)
        .where(channel_agencies.c.account_id == account_id).order_by(agencies.c.national_id))]


def _audit(ctx: ServerContext, conn: Connection, account_id: int, code: str, detail: str,
           only: int | None = None) -> None:
    """One event in the log of each agency the account serves (or only the one named)."""
    for agency_id, _nid in _served(conn, account_id):
        if only is None or agency_id == only:
            audit.record(conn, None, at=_now(ctx), action="channel_account", code=code, agency_id=agency_id,
                         detail=detail)


def _serve(ctx: ServerContext, conn: Connection, account: Any, national_id: str) -> int:
    """Add the agency and the account's (inactive, role-less) user in it."""
    agency_id = _agency(conn, national_id)
    username = f"channel.{account['name']}.{national_id}"
    if conn.execute(select(users.c.id).where(users.c.username == username)).first() is not None:
        raise ChannelError(f"a user {username!r} exists already")
    user_id = conn.execute(insert(users).values(
        agency_id=agency_id, username=username, display_name=account["display_name"], title="", national_code=None,
        unit_code=None, roles="", password_hash=NO_PASSWORD, active=False, change_seq=touch(ctx, conn),
        created_at=_now(ctx)).returning(users.c.id)).scalar_one()
    conn.execute(insert(channel_agencies).values(account_id=account["id"], agency_id=agency_id, user_id=user_id))
    return agency_id


def add(ctx: ServerContext, conn: Connection, name: str, channel: str, display_name: str, national_ids: list[str],
        operator: str) -> str:
    """Create the account serving these agencies; returns its key (shown once, never stored)."""
    if not NAME.fullmatch(name):
        raise ChannelError(f"account name {name!r}: lowercase letters, digits, '_' or '-', at most 40")
    if channel not in ctx.settings.channels:
        raise ChannelError(f"channel {channel!r} is not one of this server's channels: "
                           f"{', '.join(ctx.settings.channels)}")
    if not display_name.strip() or len(display_name) > 200:
        raise ChannelError("the display name must have 1 to 200 characters")
    if not national_ids:
        raise ChannelError("name at least one agency (--agency)")
    if conn.execute(select(channel_accounts.c.id).where(channel_accounts.c.name == name)).first() is not None:
        raise ChannelError(f"a channel account {name!r} exists already")
    key = new_key()
    account_id = conn.execute(insert(channel_accounts).values(
        name=name, display_name=display_name.strip(), channel=channel, key_hash=key_hash(key), active=True,
        created_at=_now(ctx)).returning(channel_accounts.c.id)).scalar_one()
    account = _account(conn, name)
    for nid in dict.fromkeys(national_ids):
        _serve(ctx, conn, account, nid)
    _audit(ctx, conn, account_id, "channel_account_added",
           f"channel account {name} ({channel}) may register letters for this agency (by operator {operator})")
    return key


def serve(ctx: ServerContext, conn: Connection, name: str, national_id: str, operator: str) -> bool:
    """Let the account register letters for one more agency; False when it serves it already."""
    account = _account(conn, name)
    if national_id in {nid for _aid, nid in _served(conn, account["id"])}:
        return False
    agency_id = _serve(ctx, conn, account, national_id)
    _audit(ctx, conn, account["id"], "channel_account_added",
           f"channel account {name} ({account['channel']}) may register letters for this agency "
           f"(by operator {operator})", only=agency_id)
    return True


def revoke(ctx: ServerContext, conn: Connection, name: str, operator: str) -> bool:
    """Deactivate the account (its key stops at the next request); False when it is already."""
    account = _account(conn, name)
    if not account["active"]:
        return False
    conn.execute(update(channel_accounts).where(channel_accounts.c.id == account["id"]).values(active=False))
    _audit(ctx, conn, account["id"], "channel_account_revoked", f"channel account {name} revoked (by operator {operator})")
    return True


def rekey(ctx: ServerContext, conn: Connection, name: str, operator: str) -> str:
    """Replace the account's key (the old one stops at once); returns the new key, shown once."""
    account = _account(conn, name)
    if not account["active"]:
        raise ChannelError(f"channel account {name!r} is revoked")
    key = new_key()
    conn.execute(update(channel_accounts).where(channel_accounts.c.id == account["id"]).values(key_hash=key_hash(key)))
    _audit(ctx, conn, account["id"], "channel_account_rekeyed",
           f"channel account {name}: key replaced (by operator {operator})")
    return key


def listing(conn: Connection) -> list[dict[str, Any]]:
    """Every account, active and revoked, oldest first, with the agencies it serves."""
    rows = conn.execute(select(channel_accounts).order_by(channel_accounts.c.id)).mappings().all()
    return [{"name": r["name"], "channel": r["channel"], "display_name": r["display_name"], "active": r["active"],
             "created_at": r["created_at"], "agencies": [nid for _aid, nid in _served(conn, r["id"])]} for r in rows]
