"""Rasad observer grants: which agencies an observer account may see, set by the server's operator.

Granting and revoking happen on the server machine (``dabir-server rasad-grant`` / ``rasad-revoke``),
not through the API: a monitoring body's access is the operator's decision. Each change is one row
change plus one audit event in the granted agency's log (its administrator sees who watches it);
a revoked grant keeps its row as the record and stops access at the observer's next request.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, insert, select, update

from server import audit
from server.admin import agency_id_of
from server.context import ServerContext
from server.tables.accounts import agencies, users
from server.tables.rasad import rasad_grants


class GrantError(ValueError):
    """A grant the operator asked for that cannot be made (English, for the CLI)."""


def _observer(conn: Connection, username: str) -> Any:
    row = conn.execute(select(users.c.id, users.c.roles, users.c.agency_id).where(users.c.username == username)).first()
    if row is None:
        raise GrantError(f"no user {username!r}")
    if "rasad_observer" not in row.roles.split(","):
        raise GrantError(f"user {username!r} does not have the rasad_observer role")
    return row


def _agency(conn: Connection, national_id: str) -> int:
    aid = agency_id_of(conn, national_id)
    if aid is None:
        raise GrantError(f"no agency with national id {national_id!r}")
    return aid


def _active(conn: Connection, observer_id: int, agency_id: int) -> Any:
    return conn.execute(select(rasad_grants.c.id).where(
        rasad_grants.c.observer_id == observer_id, rasad_grants.c.agency_id == agency_id,
        rasad_grants.c.revoked_at.is_(None))).first()


def _now(ctx: ServerContext) -> dt.datetime:
    return ctx.clock().astimezone(dt.UTC).replace(microsecond=0)


def grant(ctx: ServerContext, conn: Connection, username: str, national_id: str, operator: str) -> bool:
    """Let the observer see the agency; False when an active grant already does."""
    observer, agency_id = _observer(conn, username), _agency(conn, national_id)
    if _active(conn, observer.id, agency_id) is not None:
        return False
    now = _now(ctx)
    conn.execute(insert(rasad_grants).values(observer_id=observer.id, agency_id=agency_id, granted_at=now,
                                             granted_by=operator[:200]))
    audit.record(conn, None, at=now, action="rasad_grant", code="rasad_granted", agency_id=agency_id,
                 detail=f"observer {username} may see agency {national_id} (by operator {operator})")
    return True


def revoke(ctx: ServerContext, conn: Connection, username: str, national_id: str, operator: str) -> bool:
    """Stop the observer seeing the agency; False when no active grant did."""
    observer, agency_id = _observer(conn, username), _agency(conn, national_id)
    row = _active(conn, observer.id, agency_id)
    if row is None:
        return False
    now = _now(ctx)
    conn.execute(update(rasad_grants).where(rasad_grants.c.id == row.id).values(revoked_at=now,
                                                                              revoked_by=operator[:200]))
    audit.record(conn, None, at=now, action="rasad_revoke", code="rasad_revoked", agency_id=agency_id,
                 detail=f"observer {username} may no longer see agency {national_id} (by operator {operator})")
    return True


def listing(conn: Connection) -> list[dict[str, Any]]:
    """Every grant, active and revoked, oldest first."""
    rows = conn.execute(select(rasad_grants, users.c.username, agencies.c.national_id)
                        .join(users, users.c.id == rasad_grants.c.observer_id)
                        .join(agencies, agencies.c.id == rasad_grants.c.agency_id)
                        .order_by(rasad_grants.c.id)).mappings().all()
    return [{"observer": r["username"], "agency": r["national_id"], "granted_at": r["granted_at"],
             "granted_by": r["granted_by"], "revoked_at": r["revoked_at"], "revoked_by": r["revoked_by"]}
            for r in rows]
