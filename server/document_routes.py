"""The documents' routes (attachments): resumable uploads and ranged downloads (server/documents.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request, Response

from server import documents
from server.route_deps import User, ctx_of, storage_of

UploadId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
Sha256 = Annotated[str, Path(pattern=documents.SHA256_PATTERN, description="the document's SHA-256 (lowercase hex)")]


def add_routes(r: APIRouter) -> None:
    """The documents' routes on the application's /api/v1 router."""

    @r.post("/uploads", tags=["documents"], status_code=201)
    async def post_upload(request: Request, user: User, body: documents.UploadIn) -> dict[str, Any]:
        """Start an upload (``complete`` at once if the agency has this content already)."""
        return await documents.create_upload(ctx_of(request), storage_of(request), user, body)

    @r.get("/uploads/{upload_id}", tags=["documents"])
    async def get_upload(request: Request, user: User, upload_id: UploadId) -> dict[str, Any]:
        """What is stored so far: ``received`` (contiguous from 0) and the ``missing`` ranges [start, end)."""
        return documents.upload_status(ctx_of(request), user, upload_id)

    @r.put("/uploads/{upload_id}", tags=["documents"])
    async def put_upload_chunk(request: Request, user: User, upload_id: UploadId,
                               content_range: Annotated[str | None, Header(alias="Content-Range")] = None
                               ) -> dict[str, Any]:
        """One chunk, raw bytes, ``Content-Range: bytes START-END/TOTAL``."""
        return await documents.put_chunk(ctx_of(request), storage_of(request), user, upload_id, content_range, request)

    @r.post("/uploads/{upload_id}/complete", tags=["documents"])
    async def post_upload_complete(request: Request, user: User, upload_id: UploadId) -> dict[str, Any]:
        """Check size, SHA-256 and media type; answers the document's address."""
        return await documents.complete(ctx_of(request), storage_of(request), user, upload_id)

    @r.get("/documents/{sha256}", tags=["documents"], response_class=Response,
           responses={200: {"content": {"application/octet-stream": {}}}, 206: {"description": "Partial content"},
                      416: {"description": "Range not satisfiable"}})
    async def get_document(request: Request, user: User, sha256: Sha256) -> Response:
        """The document's bytes (``Range`` supported); 404 without access, as for a missing one."""
        return await documents.download(ctx_of(request), storage_of(request), user, sha256,
                                        request.headers.get("range"))
