"""Rasad's read-only routes (tag "rasad"): a letter's incoming tree, the web service's event feed
(article 3 of the circular) and the agencies an account may look at. Who may see what is decided
by server.rasad_access alone; anything else is 404 (docs/rasad.md)."""

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from server import rasad_events, rasad_tree
from server.auth import Role
from server.idempotency import json_response
from server.rasad_access import granted_agencies, scope_for, tree_agency
from server.route_deps import Guid, User, ctx_of
from server.tables.accounts import agencies


class Person(BaseModel):
    username: str
    name: str
    unit: str | None
    unit_name: str


class Event(BaseModel):
    cursor: int = Field(description="increases in commit order within the agency")
    id: str = Field(description="the action's own id: the same action is never two events")
    kind: Literal["registered", "referred", "read", "answered", "closed", "recalled", "filed", "unfiled"]
    at: str = Field(description="ISO-8601 UTC")
    letter_guid: str
    referral_guid: str | None
    actor: Person
    detail: dict[str, Any] = Field(description="per kind: docs/rasad.md")


class EventsPage(BaseModel):
    events: list[Event]
    next: int | None = Field(description="ask again with after=next; null: nothing more now")


Status = Literal["open", "read", "answered", "closed", "recalled", "overdue"]


class TreeLetter(BaseModel):
    guid: str
    subject: str
    shams: str | None
    incoming_number: str | None
    sender_name: str
    registered_at: str | None
    registered_by: Person | None


class Recipient(BaseModel):
    person: Person
    status: Status
    read_at: str | None
    answered_at: str | None
    closed_at: str | None


class Answer(BaseModel):
    guid: str
    shams: str | None
    subject: str
    at: str
    by: Person


class TreeReferral(BaseModel):
    guid: str
    parent_guid: str | None
    from_: Person = Field(alias="from")
    to: list[Recipient]
    instruction: str
    postscript: str
    due_date: str | None = Field(description="ISO date")
    created_at: str
    status: Status
    recalled_at: str | None
    close_note: str | None
    answers: list[Answer]


class Tree(BaseModel):
    agency: str
    letter: TreeLetter
    referrals: list[TreeReferral] = Field(description="by created_at, then guid; the tree follows parent_guid")
    as_of: str


class Agency(BaseModel):
    national_id: str
    name: str


# The models document the answers in the OpenAPI document; the routes return plain dicts (a page
# of a thousand events is not validated again on its way out).
AgencyNid = Annotated[str | None, Query(pattern=r"^[0-9]{11}$", description="the agency's national id")]
After = Annotated[int, Query(ge=0, le=2**63 - 1, description="the cursor of the last event already read")]
Limit = Annotated[int, Query(ge=1, le=1000)]


def add_routes(r: APIRouter) -> None:
    """Rasad's routes on the application's /api/v1 router."""

    @r.get("/rasad/letters/{guid}/tree", tags=["rasad"], response_model=None, responses={200: {"model": Tree}})
    async def get_tree(request: Request, user: User, guid: Guid,
                       agency: AgencyNid = None) -> Response:
        """The letter's incoming tree (درخت وارده) in the caller's agency, or (observers) in a granted
        agency named by ``agency``; 404 when the caller may not see it."""
        ctx = ctx_of(request)
        with ctx.db.read() as conn:
            agency_id = tree_agency(conn, user, guid, agency)
            tree = rasad_tree.build(ctx, conn, agency_id, guid)
        # A tree of thousands of nodes is megabytes: encoded once, not walked by FastAPI's encoder first.
        return json_response(200, orjson.dumps(tree))

    @r.get("/rasad/events", tags=["rasad"], response_model=None, responses={200: {"model": EventsPage}})
    async def get_events(request: Request, user: User, agency: AgencyNid = None,
                         after: After = 0, limit: Limit = 500) -> Response:
        """The web service: an agency's events after the cursor ``after``, oldest first, at most
        ``limit``; ask again with ``after=next`` until ``next`` is null. Agency administrators read
        their agency, observers the agencies granted to them; anyone else gets 404."""
        with ctx_of(request).db.read() as conn:
            scope = scope_for(conn, user, agency, whole_agency=True)
            page = rasad_events.page(conn, scope.agency_id, after, limit)
        return json_response(200, orjson.dumps(page))

    @r.get("/rasad/agencies", tags=["rasad"], response_model=None, responses={200: {"model": list[Agency]}})
    async def get_agencies(request: Request, user: User) -> list[dict[str, str]]:
        """The agencies this account may look at in Rasad: its own for administrators and unit
        managers, the granted ones for observers (empty for anyone else)."""
        with ctx_of(request).db.read() as conn:
            ids = set()
            if user.roles & {Role.AGENCY_ADMIN.value, Role.UNIT_MANAGER.value}:
                ids.add(user.agency_id)
            if Role.RASAD_OBSERVER.value in user.roles:
                ids |= granted_agencies(conn, user.user_id)
            if not ids:
                return []
            rows = conn.execute(select(agencies.c.national_id, agencies.c.name).where(agencies.c.id.in_(sorted(ids)))
                                .order_by(agencies.c.national_id)).all()
        return [{"national_id": nid, "name": name} for nid, name in rows]
