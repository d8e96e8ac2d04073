"""Till sync routes (snapshot and changes) and CSV import/export routes.

A device token sees only the outlet its terminal is pinned to; an admin key names the outlet.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.catalog import changes, sync
from activereach.catalog.csv_export import export_text
from activereach.catalog.imports import create_import, get_import, import_doc
from activereach.catalog.inventory import resolve_location
from activereach.kit.errors import Forbidden, Unprocessable
from activereach.kit.http import database, read, write
from activereach.tenancy.auth import AdminAuth, AdminOrDeviceAuth, Principal
from activereach.tenancy.models import Location
from activereach.tenancy.service import find_location

router = APIRouter(prefix="/v1/catalog", tags=["catalog sync"])


async def _outlet(session: AsyncSession, principal: Principal, ref: str | None) -> Location:
    ws = principal.workspace.id
    if principal.kind == "device":
        if ref:
            asked = await find_location(session, ws, ref)
            if asked is None or asked.id != principal.location_id:
                raise Forbidden(f"this till is pinned to its own outlet; it cannot read {ref!r}")
        pinned = await session.get(Location, (ws, principal.location_id))
        # The device token was authenticated against this outlet; a miss stays a 500, as before.
        assert pinned is not None
        return pinned
    if not ref:
        raise Unprocessable.field("location", "required (an outlet id or code)")
    return await resolve_location(session, ws, ref)


@router.get("/snapshot", responses={304: {"description": "Unchanged since the ETag"}})
async def snapshot(principal: AdminOrDeviceAuth, request: Request,
                   location: str | None = Query(default=None, max_length=40),
                   if_none_match: str | None = Header(default=None, max_length=500),
                   accept_encoding: str = Header(default="", max_length=500)) -> Response:
    """Every live variant with its effective price, tax and stock at the outlet; streamed."""
    ws = principal.workspace.id

    async def head(session: AsyncSession) -> tuple[Location, int]:
        outlet = await _outlet(session, principal, location)
        return outlet, await changes.head(session, ws)
    outlet, cursor = await read(request, head)
    encoding = sync.negotiate(accept_encoding)
    tag = sync.etag(ws, outlet.id, cursor, encoding)
    headers = {"ETag": tag, "Vary": "Accept-Encoding", "Cache-Control": "no-cache",
               "X-Catalog-Cursor": str(cursor)}
    if sync.etag_matches(if_none_match, tag):
        return Response(status_code=304, headers=headers)
    if encoding != "identity":
        headers["Content-Encoding"] = encoding
    doc_location = {"id": outlet.id, "code": outlet.code, "name": outlet.name,
                    "currency": principal.workspace.currency}
    body = sync.compress(sync.snapshot_rows(database(request), ws, doc_location, cursor), encoding)
    return StreamingResponse(body, media_type="application/json", headers=headers)


@router.get("/changes")
async def catalog_changes(principal: AdminOrDeviceAuth, request: Request,
                          cursor: str = Query(max_length=20),
                          location: str | None = Query(default=None, max_length=40),
                          limit: int = Query(default=1000, ge=1, le=5000)) -> dict[str, Any]:
    """Everything changed or deleted at the outlet after ``cursor``; 410 when too old."""
    position = sync.parse_cursor(cursor)

    async def run(session: AsyncSession) -> dict[str, Any]:
        outlet = await _outlet(session, principal, location)
        return await sync.changes_page(session, principal.workspace.id, outlet.id, position, limit)
    return await read(request, run)


@router.post("/imports", status_code=202)
async def upload_import(principal: AdminAuth, request: Request) -> dict[str, Any]:
    """Upload a CSV (multipart field ``file``, or a ``text/csv`` body); it runs as a job."""
    content_type = request.headers.get("content-type", "")
    filename = request.headers.get("x-filename", "upload.csv")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise Unprocessable.field("file", "attach the CSV as the multipart field 'file'")
        content = await upload.read()
        filename = upload.filename or filename
    elif content_type.startswith(("text/csv", "text/plain", "application/octet-stream")):
        content = await request.body()
    else:
        raise Unprocessable.field("content-type", "send multipart/form-data or text/csv")
    if not content:
        raise Unprocessable.field("file", "the CSV is empty")
    row = await write(request, lambda s: create_import(
        s, principal.workspace, filename=filename, content=content, size=len(content),
        source="api"))
    return import_doc(row)


@router.get("/imports/{import_id}")
async def show_import(import_id: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    row = await read(request, lambda s: get_import(s, principal.workspace.id, import_id))
    return import_doc(row)


@router.get("/export", response_class=StreamingResponse, responses={200: {
    "description": "The catalog as CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}})
async def export_csv(principal: AdminAuth, request: Request) -> StreamingResponse:
    """The catalog in the import format (streamed)."""
    db = database(request)

    async def body() -> AsyncIterator[bytes]:
        async with db.read_session() as session:
            async for text in export_text(session, principal.workspace):
                yield text.encode()
    return StreamingResponse(body(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{principal.workspace.slug}-catalog.csv"'})
