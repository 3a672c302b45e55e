"""The archive's routes (بایگانی): /api/v1/archive/… — folders and filings, each write idempotent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Connection

from server.archive import (
    EDITORS,
    FilingIn,
    FolderIn,
    FolderPatch,
    UnfilingIn,
    create_folder,
    file_letter,
    filings_feed,
    folders_feed,
    unfile_letter,
    update_folder,
)
from server.auth import Principal
from server.idempotency import request_digest, run_idempotent
from server.route_deps import After, Guid, IdemKey, Limit, User, ctx_of


def add_routes(r: APIRouter) -> None:
    """The archive's routes on the application's /api/v1 router (whose route templates the audit log names)."""

    async def idempotent(request: Request, user: Principal, key: str | None, status: int,
                         work: Callable[[Connection], Any]) -> Response:
        digest = request_digest(request, await request.body())
        return await run_idempotent(ctx_of(request), user, key, digest, status, work)

    @r.get("/archive/folders", tags=["archive"])
    async def get_folders(request: Request, user: User, after: After = 0,
                          limit: Limit = 500) -> dict[str, Any]:
        """The agency's archive tree, changed folders after ``after`` (cursor order)."""
        return folders_feed(ctx_of(request), user, after, limit)

    @r.post("/archive/folders", tags=["archive"], status_code=201)
    async def post_folder(request: Request, user: User, body: FolderIn,
                          key: IdemKey = None) -> Response:
        """Create a folder (secretaries and agency administrators)."""
        user.require(*EDITORS)
        return await idempotent(request, user, key, 201, lambda conn: create_folder(ctx_of(request), conn, user, body))

    @r.patch("/archive/folders/{guid}", tags=["archive"])
    async def patch_folder(request: Request, user: User, guid: Guid,
                           body: FolderPatch, key: IdemKey = None) -> Response:
        """Rename a folder (title, file number) or move it (``parent``; null: to the top)."""
        user.require(*EDITORS)
        changes = body.model_dump(exclude_unset=True)
        return await idempotent(request, user, key, 200, lambda conn: update_folder(
            ctx_of(request), conn, user, guid, changes))

    @r.post("/archive/folders/{guid}/letters", tags=["archive"], status_code=201)
    async def post_filing(request: Request, user: User, guid: Guid,
                          body: FilingIn, key: IdemKey = None) -> Response:
        """File a letter of the agency into the folder."""
        user.require(*EDITORS)
        request.state.guid = body.letter_guid
        return await idempotent(request, user, key, 201, lambda conn: file_letter(
            ctx_of(request), conn, user, guid, body.letter_guid))

    @r.post("/archive/folders/{guid}/letters/{letter_guid}/unfile", tags=["archive"])
    async def post_unfiling(request: Request, user: User, guid: Guid,
                            letter_guid: Guid, body: UnfilingIn, key: IdemKey = None) -> Response:
        """Take a letter out of the folder («خروج از بایگانی»), with the reason."""
        user.require(*EDITORS)
        request.state.guid = letter_guid
        return await idempotent(request, user, key, 200, lambda conn: unfile_letter(
            ctx_of(request), conn, user, guid, letter_guid, body.reason))

    @r.get("/archive/filings", tags=["archive"])
    async def get_filings(request: Request, user: User, after: After = 0,
                          limit: Limit = 500) -> dict[str, Any]:
        """Letters filed in (or taken out of) the agency's folders after ``after`` (cursor order)."""
        return filings_feed(ctx_of(request), user, after, limit)
