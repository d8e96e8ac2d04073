"""Admin routes: the two config tiers, the resolved config, a bill as JSON and the live preview."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills import config as tiers
from activereach.bills.pages import security_headers
from activereach.bills.render import render_bill_html
from activereach.bills.sample import sample_snapshot
from activereach.bills.pool import top_up
from activereach.bills.schemas import BillConfigIn, CodePoolIn
from activereach.bills.service import bill_document, bill_url, find_bill_view
from activereach.kit.errors import NotFound
from activereach.kit.http import read, write
from activereach.tenancy.auth import AdminAuth, DeviceAuth
from activereach.tenancy.models import Location
from activereach.tenancy.service import find_location

router = APIRouter(prefix="/v1", tags=["bills"])


async def _location(session: AsyncSession, workspace_id: str, ref: str | None,
                    field: str = "location") -> Location | None:
    if not ref:
        return None
    location = await find_location(session, workspace_id, ref)
    if location is None:
        raise NotFound(f"{field}: no outlet with id or code {ref!r}")
    return location


@router.get("/bill-config")
async def get_brand_config(principal: AdminAuth, request: Request) -> dict[str, Any]:
    ws = principal.workspace.id
    row = await read(request, lambda s: tiers.get_tier(s, ws, None))
    return tiers.tier_document(row, None)


@router.put("/bill-config")
async def put_brand_config(body: BillConfigIn, principal: AdminAuth,
                           request: Request) -> dict[str, Any]:
    ws = principal.workspace.id
    row = await write(request, lambda s: tiers.put_tier(s, ws, None, body))
    tiers.forget(ws)  # again after the commit, so no page caches the old values meanwhile
    return tiers.tier_document(row, None)


@router.get("/bill-config/outlets/{location_id}")
async def get_outlet_config(location_id: str, principal: AdminAuth,
                            request: Request) -> dict[str, Any]:
    ws = principal.workspace.id

    async def body(session: AsyncSession) -> dict[str, Any]:
        loc = await _location(session, ws, location_id, "location_id")
        assert loc is not None
        return tiers.tier_document(await tiers.get_tier(session, ws, loc.id), loc.id)
    return await read(request, body)


@router.put("/bill-config/outlets/{location_id}")
async def put_outlet_config(location_id: str, body: BillConfigIn, principal: AdminAuth,
                            request: Request) -> dict[str, Any]:
    ws = principal.workspace.id

    async def run(session: AsyncSession) -> dict[str, Any]:
        loc = await _location(session, ws, location_id, "location_id")
        assert loc is not None
        return tiers.tier_document(await tiers.put_tier(session, ws, loc.id, body), loc.id)
    document = await write(request, run)
    tiers.forget(ws)
    return document


@router.delete("/bill-config/outlets/{location_id}", status_code=204)
async def delete_outlet_config(location_id: str, principal: AdminAuth,
                               request: Request) -> Response:
    ws = principal.workspace.id

    async def run(session: AsyncSession) -> None:
        loc = await _location(session, ws, location_id, "location_id")
        assert loc is not None
        await tiers.delete_tier(session, ws, loc.id)
    await write(request, run)
    tiers.forget(ws)
    return Response(status_code=204)


@router.get("/bill-config/resolved")
async def resolved(principal: AdminAuth, request: Request,
                   location: str | None = Query(default=None, max_length=40)) -> dict[str, Any]:
    ws = principal.workspace.id

    async def body(session: AsyncSession) -> dict[str, Any]:
        loc = await _location(session, ws, location)
        brand, outlet = await tiers.load_tiers(session, ws, loc.id if loc else None)
        return {"location_id": loc.id if loc else None, "values": tiers.resolve(brand, outlet),
                "origins": tiers.origins(brand, outlet)}
    return await read(request, body)


@router.get("/bills/{code}")
async def show_bill(code: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    ws = principal.workspace.id
    view = await read(request, lambda s: find_bill_view(s, code))
    if view is None or view.bill.workspace_id != ws:
        raise NotFound(f"no bill {code!r}")
    return bill_document(view.bill, view)


async def preview_html(session: AsyncSession, workspace: Any, location_ref: str | None,
                       nonce: str = "") -> str:
    """A sample bill with the resolved config of the brand or one outlet (console preview)."""
    loc = await _location(session, workspace.id, location_ref)
    config = await tiers.resolved_config(session, workspace.id, loc.id if loc else None)
    return render_preview(workspace, loc, config, nonce)


def render_preview(workspace: Any, location: Location | None, config: dict[str, Any],
                   nonce: str = "") -> str:
    """The sample bill for an already resolved config (the console previews unsaved edits)."""
    snapshot = sample_snapshot(workspace, location, config, bill_url(workspace.slug, "SAMPLE0000"))
    return render_bill_html(snapshot, config, nonce=nonce, state={"rating": 4})


@router.get("/bill-preview", response_class=HTMLResponse)
async def bill_preview(principal: AdminAuth, request: Request,
                       location: str | None = Query(default=None, max_length=40)) -> Response:
    nonce = secrets.token_urlsafe(16)
    html = await read(request, lambda s: preview_html(s, principal.workspace, location, nonce))
    return HTMLResponse(html, headers=security_headers(nonce))


@router.post("/pos/bill-codes", tags=["pos"])
async def reserve_bill_codes(body: CodePoolIn, principal: DeviceAuth,
                             request: Request) -> dict[str, Any]:
    """Top up this till's pool of pre-issued bill codes + invoice numbers to ``count``."""
    ws = principal.workspace
    assert principal.location_id and principal.terminal_pk

    def url_for(code: str) -> str:
        return bill_url(ws.slug, code)
    return await write(request, lambda s: top_up(s, ws, principal.location_id or "",
                                                 principal.terminal_pk or "", body.count, url_for))
