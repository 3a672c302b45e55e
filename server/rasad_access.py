"""Who sees what in Rasad (رصد): the one place that decides, for trees, reports and the web service.

- a user sees the trees of the letters they took part in (registered, referred, were referred to);
- a unit manager also those in which anyone of their unit took part, and their unit's reports;
- an agency administrator the whole agency's trees, reports and events;
- a Rasad observer only the agencies an active grant names (trees, reports and events).

Anything else is the 404 of a letter or agency that does not exist: nothing tells an outsider
what is there.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Select, exists, or_, select

from server.auth import Principal, Role
from server.errors import not_found
from server.referrals import letter_visible
from server.tables.accounts import agencies, users
from server.tables.letters import incoming_registrations
from server.tables.rasad import rasad_grants
from server.tables.referrals import referral_recipients, referrals


@dataclass(frozen=True)
class Scope:
    """What a report or an event feed may cover: one agency, or one unit of it."""

    agency_id: int
    unit_code: str | None = None  # None: the whole agency


def granted_agencies(conn: Connection, observer_id: int) -> set[int]:
    """The agencies an observer's active (not revoked) grants name; read on every request (no
    cache), so a revocation stops access at once."""
    return set(conn.execute(select(rasad_grants.c.agency_id).where(
        rasad_grants.c.observer_id == observer_id, rasad_grants.c.revoked_at.is_(None))).scalars())


def _agency_id(conn: Connection, national_id: str) -> int | None:
    return conn.execute(select(agencies.c.id).where(agencies.c.national_id == national_id)).scalar()


def scope_for(conn: Connection, principal: Principal, agency_nid: str | None = None,
              *, whole_agency: bool = False) -> Scope:
    """The scope of ``principal``'s reports (or, with ``whole_agency``, its event feed) in the agency
    ``agency_nid`` (their own when None); 404 when they may not look there."""
    roles = principal.roles
    if agency_nid is None or agency_nid == principal.agency_national_id:
        if Role.AGENCY_ADMIN.value in roles:
            return Scope(principal.agency_id)
        if Role.UNIT_MANAGER.value in roles and principal.unit_code and not whole_agency:
            return Scope(principal.agency_id, principal.unit_code)
    if Role.RASAD_OBSERVER.value in roles and agency_nid is not None:
        agency_id = _agency_id(conn, agency_nid)
        if agency_id is not None and agency_id in granted_agencies(conn, principal.user_id):
            return Scope(agency_id)
    raise not_found("agency")


def _took_part(conn: Connection, agency_id: int, letter_guid: str, user_ids: Select[tuple[int]]) -> bool:
    """Someone of ``user_ids`` registered the letter at the agency, referred it or was referred it."""
    registered = exists().where(incoming_registrations.c.agency_id == agency_id,
                                incoming_registrations.c.guid == letter_guid,
                                incoming_registrations.c.registered_by.in_(user_ids))
    referred = exists().where(referrals.c.agency_id == agency_id, referrals.c.letter_guid == letter_guid,
                              or_(referrals.c.from_user_id.in_(user_ids),
                                  exists().where(referral_recipients.c.referral_id == referrals.c.id,
                                                 referral_recipients.c.user_id.in_(user_ids))))
    return bool(conn.execute(select(or_(registered, referred))).scalar())


def tree_agency(conn: Connection, principal: Principal, letter_guid: str, agency_nid: str | None = None) -> int:
    """The agency whose tree of ``letter_guid`` the principal may see (their own unless an observer
    names another); 404 when they may not see it."""
    if agency_nid is not None and agency_nid != principal.agency_national_id:
        scope = scope_for(conn, principal, agency_nid)  # observers only
        if letter_visible(conn, scope.agency_id, letter_guid):
            return scope.agency_id
        raise not_found("guid")
    agency_id, roles = principal.agency_id, principal.roles
    if letter_visible(conn, agency_id, letter_guid):
        if Role.AGENCY_ADMIN.value in roles:
            return agency_id
        me = select(users.c.id).where(users.c.id == principal.user_id)
        if _took_part(conn, agency_id, letter_guid, me):
            return agency_id
        if Role.UNIT_MANAGER.value in roles and principal.unit_code:
            unit = select(users.c.id).where(users.c.agency_id == agency_id, users.c.unit_code == principal.unit_code)
            if _took_part(conn, agency_id, letter_guid, unit):
                return agency_id
    raise not_found("guid")
