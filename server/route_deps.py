"""What the routes of every area share: the request's context, document storage and signature
checker, the authenticated caller, and the validated types of their parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request

from app.protocol.package_schema import UUID_PATTERN
from server.auth import Principal
from server.context import ServerContext
from server.errors import unauthenticated
from server.signatures import SignatureChecker
from server.storage import Storage

API = "/api/v1"


def ctx_of(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx


def storage_of(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


def checker_of(request: Request) -> SignatureChecker:
    checker: SignatureChecker = request.app.state.checker
    return checker


async def raw_body(request: Request) -> bytes:
    return await request.body()


async def current(request: Request) -> Principal:
    """The caller the Authenticate middleware found for this (protected) path."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise unauthenticated()
    return principal


User = Annotated[Principal, Depends(current)]
Raw = Annotated[bytes, Depends(raw_body)]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key")]
After = Annotated[int, Query(ge=0, le=2**63 - 1)]  # cursors are 64-bit database integers
Limit = Annotated[int, Query(ge=1, le=500)]
Guid = Annotated[str, Path(pattern=UUID_PATTERN, description="letter GUID, canonical lowercase form")]
