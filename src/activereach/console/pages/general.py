"""Settings → General: brand identity and region (brand tier), or the outlet's own details when
the chip strip selects one outlet (outlet tier)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.audit.service import Target
from activereach.console.audit import audited
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.forms import brand_errors, check_timezone, trimmed
from activereach.console.web import flash, page, redirect
from activereach.kit.db import utcnow
from activereach.kit.http import write
from activereach.tenancy.models import Location, Workspace

router = APIRouter(include_in_schema=False)
BRAND_FIELDS = ("name", "logo_url", "primary_color", "accent_color", "country", "currency",
                "timezone")
OUTLET_FIELDS = ("name", "address", "phone", "timezone")
Con = Annotated[Console, Depends(console)]


def _values(con: Console) -> dict[str, str]:
    if con.location is not None:
        loc = con.location
        return {"name": loc.name, "address": loc.address, "phone": loc.phone,
                "timezone": loc.timezone or ""}
    ws, branding = con.workspace, con.workspace.branding or {}
    return {"name": ws.name, "logo_url": branding.get("logo_url", ""),
            "primary_color": branding.get("primary_color", ""),
            "accent_color": branding.get("accent_color", ""), "country": ws.country,
            "currency": ws.currency, "timezone": ws.timezone}


@router.get("/dashboard/{workspace}/settings/general", response_class=HTMLResponse)
async def general(con: Con) -> HTMLResponse:
    return page(con, "console/general.html", "general", values=_values(con), errors={})


@router.post("/dashboard/{workspace}/settings/general", response_model=None)
async def save_general(con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    if con.location is None:
        con.require_owner()
        data = trimmed(form, *BRAND_FIELDS)
        errors = brand_errors(data)
    else:
        con.require_write()
        data = trimmed(form, *OUTLET_FIELDS)
        errors = ({} if 1 <= len(data["name"]) <= 200
                  else {"name": "Enter a name (at most 200 characters)"})
        check_timezone(data["timezone"], errors)
    if errors:
        return page(con, "console/general.html", "general", status_code=422, values=data,
                    errors=errors)
    if con.location is None:
        await write(con.request, lambda s: _save_brand(s, con, data))
        flash(con.request, "Brand settings saved.")
    else:
        location_id = con.location.id
        await write(con.request, lambda s: _save_outlet(s, con, location_id, data))
        flash(con.request, f"Saved for {data['name']}.")
    return redirect(con.url("settings/general"))


def _brand_state(ws: Workspace) -> dict[str, str]:
    branding = ws.branding or {}
    return {"name": ws.name, "logo_url": branding.get("logo_url", ""),
            "primary_color": branding.get("primary_color", ""),
            "accent_color": branding.get("accent_color", ""), "country": ws.country,
            "currency": ws.currency, "timezone": ws.timezone}


async def _save_brand(session: AsyncSession, con: Console, data: dict[str, str]) -> None:
    ws = await session.get(Workspace, con.workspace.id, with_for_update=True)
    assert ws is not None  # the console dependency loaded it for this request
    before = _brand_state(ws)
    ws.name, ws.country = data["name"], data["country"].upper()
    ws.currency, ws.timezone = data["currency"].upper(), data["timezone"]
    # A new dict: JSON columns only notice reassignment, not in-place mutation.
    ws.branding = {**(ws.branding or {}), "logo_url": data["logo_url"],
                   "primary_color": data["primary_color"], "accent_color": data["accent_color"]}
    await audited(session, con, "brand.update", Target("brand", ws.id, ws.name),
                  before=before, after=_brand_state(ws))


def _outlet_state(loc: Location) -> dict[str, str]:
    return {"name": loc.name, "address": loc.address, "phone": loc.phone,
            "timezone": loc.timezone or ""}


async def _save_outlet(session: AsyncSession, con: Console, location_id: str,
                       data: dict[str, str]) -> None:
    loc = await session.get(Location, (con.workspace.id, location_id), with_for_update=True)
    assert loc is not None  # one of the console's outlets, loaded for this request
    before = _outlet_state(loc)
    loc.name, loc.address, loc.phone = data["name"], data["address"], data["phone"]
    loc.timezone = data["timezone"] or None
    loc.updated_at = utcnow()
    await audited(session, con, "outlet.update", Target("outlet", loc.id, loc.name),
                  before=before, after=_outlet_state(loc))
