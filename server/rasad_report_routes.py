"""The Rasad reports' route: GET /api/v1/rasad/reports/{name} (read-only; scope from server.rasad_access).

No ``from __future__ import annotations``: FastAPI must see the closure's ``current`` dependency.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from server import rasad_reports
from server.auth import Principal
from server.context import ServerContext
from server.errors import ApiError
from server.rasad_access import scope_for
from server.route_deps import User, ctx_of

ReportName = Literal["open_referrals", "timing", "waiting", "instructions"]
MAX_DAYS = 3660  # ten years: a longer period is a typo
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(9999, 12, 30)  # a day's Tehran bounds in UTC stay in range


def _period_error() -> ApiError:
    return ApiError(422, "invalid_period", "تاریخ آغاز دوره پس از تاریخ پایان آن است یا دوره بیش از ده سال است.",
                    "The period's start is after its end, or the period is longer than ten years.", "from")


def build(ctx: ServerContext, user: Principal, name: str, agency: str | None, start: dt.date,
          end: dt.date) -> dict[str, Any]:
    """The report for ``user``'s scope (404 when they may not see the agency's reports)."""
    for field, day in (("from", start), ("to", end)):
        if not FIRST_DAY <= day <= LAST_DAY:  # (9999-12-31 gave 500: its next midnight is past datetime's range)
            raise ApiError(422, "invalid_period", "تاریخ دوره خارج از بازه پذیرفتنی است.",
                           f"The date {day} is outside {FIRST_DAY}..{LAST_DAY}.", field)
    if start > end or (end - start).days > MAX_DAYS:
        raise _period_error()
    with ctx.db.read() as conn:
        scope = scope_for(conn, user, agency)
        return rasad_reports.report(conn, scope, name, start, end, ctx.clock())


def add_routes(r: APIRouter) -> None:
    """The reports' route on the application's /api/v1 router."""

    @r.get("/rasad/reports/{name}", tags=["rasad"])
    async def get_rasad_report(
        request: Request, user: User,
        name: Annotated[ReportName, Path(description="open_referrals | timing | waiting | instructions")],
        start: Annotated[dt.date, Query(alias="from", description="first day (ISO date, Tehran)")],
        end: Annotated[dt.date, Query(alias="to", description="last day, inclusive (ISO date, Tehran)")],
        agency: Annotated[str | None, Query(max_length=11, description="agency national id (default: own)")] = None,
    ) -> dict[str, Any]:
        """A Rasad report on the referrals created in [from, to] (docs/rasad.md, «Reports»): agency
        administrators and observers (granted agencies) see an agency, unit managers their unit."""
        return await run_in_threadpool(build, ctx_of(request), user, name, agency, start, end)
