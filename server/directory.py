"""Directory for the clients' recipient pickers: agencies, units, people, synced by change cursor.

Every directory write takes the next value of the ``directory`` counter as the row's
``change_seq`` inside the same transaction, so cursors increase in commit order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from server.context import ServerContext
from server.db import next_value
from server.tables.accounts import agencies, units, users


def touch(ctx: ServerContext, conn: Connection) -> int:
    return next_value(ctx.db, conn, "directory")


def changes(ctx: ServerContext, after: int, limit: int) -> dict[str, Any]:
    with ctx.db.read() as conn:
        ags = conn.execute(select(agencies).where(agencies.c.change_seq > after)
                           .order_by(agencies.c.change_seq).limit(limit)).mappings().all()
        nid = {r["id"]: r["national_id"] for r in conn.execute(select(agencies.c.id, agencies.c.national_id)).mappings()}
        uns = conn.execute(select(units).where(units.c.change_seq > after)
                           .order_by(units.c.change_seq).limit(limit)).mappings().all()
        ppl = conn.execute(select(users).where(users.c.change_seq > after)
                           .order_by(users.c.change_seq).limit(limit)).mappings().all()
    items: list[tuple[int, str, dict[str, Any]]] = []
    items += [(r["change_seq"], "agencies", {"national_id": r["national_id"], "name": r["name"],
                                             "active": r["active"]}) for r in ags]
    items += [(r["change_seq"], "units", {"agency": nid[r["agency_id"]], "code": r["code"], "name": r["name"],
                                          "parent": r["parent_code"], "active": r["active"]}) for r in uns]
    items += [(r["change_seq"], "people", _person(r, nid[r["agency_id"]])) for r in ppl]
    items.sort(key=lambda t: t[0])
    items = items[:limit]
    out: dict[str, Any] = {"agencies": [], "units": [], "people": []}
    for _seq, kind, item in items:
        out[kind].append(item)
    out["cursor"] = items[-1][0] if items else after
    out["more"] = len(items) == limit
    # the channels citizens' letters come through: on every page, so a desk has the list after any sync
    out["citizen_channels"] = [{"code": code, "name": name} for code, name in ctx.settings.channels.items()]
    # likewise the limits on attachments, so a client refuses a file before its letter is signed
    out["documents"] = {"max_bytes": ctx.settings.document_max_bytes,
                        "media_types": sorted(ctx.settings.allowed_media_types)}
    return out


def _person(r: Any, agency: str) -> dict[str, Any]:
    signatory = "signatory" in r["roles"].split(",")
    return {"agency": agency, "username": r["username"], "display_name": r["display_name"], "title": r["title"],
            "unit": r["unit_code"], "active": r["active"], "signatory": signatory,
            # A signatory's national code is in every letter they sign (their certificate); the
            # client matches it against the token's certificate. Nobody else's is sent.
            "national_code": r["national_code"] if signatory else None}


def set_seq(ctx: ServerContext, conn: Connection, table: Any, row_id: int) -> None:
    conn.execute(update(table).where(table.c.id == row_id).values(change_seq=touch(ctx, conn)))
