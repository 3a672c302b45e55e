"""The append-only audit log: every refusal of an authenticated write, every trust change and archive change.

:func:`record` adds one event inside the caller's write job (a trust change commits with the
change itself); :func:`record_refusal` is called by the error handlers for a refused write and
writes its event on its own (the refused job rolled back). Agency administrators list their
agency's events with :func:`listing`. Nothing updates or deletes a row.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import Connection, bindparam, insert, select

from app.protocol.receipt import format_time
from server.auth import Principal, Role
from server.context import ServerContext, as_utc
from server.errors import ApiError
from server.tables.base import audit_events

log = logging.getLogger("dabir.server")
T = TypeVar("T")
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
MAX_DETAIL = 500
# what the log calls each write endpoint (by route template)
ACTIONS = {
    "/api/v1/letters": "register",
    "/api/v1/payam/messages": "payam_send",
    "/api/v1/internal/messages": "internal_send",
    "/api/v1/inbox/{guid}/ack": "ack",
    "/api/v1/auth/logout": "logout",
    "/api/v1/admin/units": "unit_add",
    "/api/v1/admin/users": "user_add",
    "/api/v1/admin/users/{username}": "user_update",
    "/api/v1/admin/users/{username}/certificates": "certificate_add",
    "/api/v1/admin/trust-roots": "trust_root_add",
    "/api/v1/archive/folders": "archive_folder_add",
    "/api/v1/archive/folders/{guid}": "archive_folder_change",
    "/api/v1/archive/folders/{guid}/letters": "archive_file",
    "/api/v1/archive/folders/{guid}/letters/{letter_guid}/unfile": "archive_unfile",
}
_INSERT = insert(audit_events)


def record(conn: Connection, principal: Principal | None, *, at: dt.datetime, action: str, code: str,
           outcome: str = "done", guid: str | None = None, detail: str = "", agency_id: int | None = None) -> None:
    """One audit event, written with ``conn`` (inside the caller's write job). ``agency_id``
    defaults to the principal's agency: whose administrator sees the event."""
    who: dict[str, Any] = {"user_id": None, "username": None, "ip": None}
    if principal is not None:
        who = {"user_id": principal.user_id, "username": principal.username, "ip": principal.ip[:64] or None}
        agency_id = principal.agency_id if agency_id is None else agency_id
    conn.execute(_INSERT, {
        **who, "at": at, "agency_id": agency_id, "action": action[:40], "outcome": outcome, "code": code[:64],
        "guid": guid if guid and len(guid) <= 36 else None, "detail": detail[:MAX_DETAIL]})


def trust_change(ctx: ServerContext, conn: Connection, principal: Principal, code: str, result: T,
                 detail: str) -> T:
    """Record a trust change (certificate added, trust root added) in its own write; pass its result on."""
    record(conn, principal, at=ctx.clock(), action=code, code=code, detail=detail)
    return result


async def record_refusal(request: Request, error: ApiError) -> None:
    """Audit a 4xx answer to an authenticated write request. Never fails the answer itself."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None or request.method not in WRITE_METHODS or not 400 <= error.status < 500:
        return
    route = request.scope.get("route")
    template = getattr(route, "path", request.url.path)
    guid = getattr(request.state, "guid", None) or request.path_params.get("guid")
    ctx: ServerContext = request.app.state.ctx
    now = ctx.clock()

    def job(conn: Connection) -> None:
        record(conn, principal, at=now, action=ACTIONS.get(template, template), code=error.code, outcome="refused",
               guid=guid, detail=f"{error.status} {error.message_en}")
    try:
        await ctx.db.write(job)
    except Exception:  # the refusal is answered whatever happens to its audit line
        log.exception("could not write the audit event of a refused %s %s", request.method, template)


_LIST = (select(audit_events).where(audit_events.c.agency_id == bindparam("agency_id"),
                                    audit_events.c.id < bindparam("before"))
         .order_by(audit_events.c.id.desc()))


def listing(ctx: ServerContext, admin: Principal, before: int | None, limit: int, code: str | None) -> dict[str, Any]:
    """The agency's events, newest first; page on with ``before`` = the answer's ``cursor``."""
    admin.require(Role.AGENCY_ADMIN)
    query = _LIST.where(audit_events.c.code == code) if code else _LIST
    with ctx.db.read() as conn:
        rows = conn.execute(query.limit(limit), {"agency_id": admin.agency_id,
                                                 "before": before or 2**62}).mappings().all()
    items = [{"id": r["id"], "at": format_time(as_utc(r["at"])), "username": r["username"], "ip": r["ip"],
              "action": r["action"], "outcome": r["outcome"], "code": r["code"], "guid": r["guid"],
              "detail": r["detail"]} for r in rows]
    return {"items": items, "cursor": items[-1]["id"] if items else None, "more": len(items) == limit}
