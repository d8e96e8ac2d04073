"""Settings → Locations: outlets (create, edit; GSTIN and state checked) and their terminals
(create, one-time pairing code, revoke, re-activate)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.console import locations as svc
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.forms import trimmed, validate_model
from activereach.console.web import flash, page, redirect
from activereach.kit.errors import Conflict, NotFound
from activereach.kit.http import read, write
from activereach.tenancy.pairing import issue_pairing_code, revoke_terminal
from activereach.tenancy.schemas import TerminalIn
from activereach.tenancy.service import list_terminals

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
BASE = "/dashboard/{workspace}/settings/locations"
OUTLET_FIELDS = ("code", "name", "address", "phone", "gstin", "state_code", "timezone")
EDIT_FIELDS = ("name", "address", "phone", "gstin", "state_code", "timezone", "status")


async def _listing(con: Console, status_code: int = 200, **extra: object) -> HTMLResponse:
    """The outlets in scope (all, or the selected one) with their terminals."""
    terminals = await read(con.request, lambda s: list_terminals(
        s, con.workspace.id, con.location.id if con.location else None))
    outlets = [con.location] if con.location else con.locations
    by_outlet = {loc.id: [t for t in terminals if t.location_id == loc.id] for loc in outlets}
    ctx = {"outlets": outlets, "terminals": by_outlet, "values": {}, "errors": {},
           "pairing": None, **extra}
    return page(con, "console/locations.html", "locations", status_code=status_code, **ctx)


@router.get(BASE, response_class=HTMLResponse)
async def locations(con: Con) -> HTMLResponse:
    return await _listing(con)


@router.post(BASE, response_model=None)
async def create_location(con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    con.require_write()
    data = trimmed(form, *OUTLET_FIELDS)
    body, errors = svc.outlet_errors(data)
    if body is not None:
        try:
            loc = await write(con.request, lambda s: svc.create_outlet(s, con.workspace.id, body))
        except Conflict as exc:
            errors = {"code": exc.message.removeprefix("code: ")}
    if errors:
        return await _listing(con, 422, values=data, errors=errors)
    flash(con.request, f"Outlet {loc.name} created.")
    return redirect(con.url("settings/locations"))


@router.get(BASE + "/{location_id}", response_class=HTMLResponse)
async def edit_location(location_id: str, con: Con) -> HTMLResponse:
    loc = await read(con.request, lambda s: svc.outlet(s, con.workspace.id, location_id))
    values = {"name": loc.name, "address": loc.address, "phone": loc.phone,
              "gstin": loc.gstin or "", "state_code": loc.state_code or "",
              "timezone": loc.timezone or "", "status": loc.status}
    return page(con, "console/location_edit.html", "locations", outlet=loc, values=values,
                errors={})


@router.post(BASE + "/{location_id}", response_model=None)
async def save_location(location_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    con.require_write()
    data = trimmed(form, *EDIT_FIELDS)
    errors = svc.edit_errors(data)
    if errors:
        loc = await read(con.request, lambda s: svc.outlet(s, con.workspace.id, location_id))
        return page(con, "console/location_edit.html", "locations", status_code=422, outlet=loc,
                    values=data, errors=errors)
    await write(con.request, lambda s: svc.update_outlet(s, con.workspace.id, location_id, data))
    flash(con.request, f"Outlet {data['name']} saved.")
    return redirect(con.url("settings/locations"))


@router.post(BASE + "/{location_id}/terminals", response_model=None)
async def create_terminal(location_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    con.require_write()
    data = trimmed(form, "terminal_id", "name")
    body, errors = validate_model(TerminalIn, data)
    if body is not None:
        try:
            await write(con.request, lambda s: svc.create_terminal(
                s, con.workspace.id, location_id, body))
        except Conflict as exc:
            errors = {"terminal_id": exc.message.removeprefix("terminal_id: ")}
    if errors:
        return await _listing(con, 422, terminal_errors={location_id: errors})
    flash(con.request, f"Terminal {body.terminal_id} added.")
    return redirect(con.url("settings/locations"))


@router.post(BASE + "/{location_id}/terminals/{terminal_pk}/pairing-code",
             response_class=HTMLResponse)
async def pairing_code(location_id: str, terminal_pk: str, con: Con) -> HTMLResponse:
    """The code is shown once, in this response, and stored only as a hash."""
    await form_with_csrf(con.request)
    con.require_write()

    async def run(session: AsyncSession) -> tuple[str, str, dt.datetime]:
        term = await svc.terminal(session, con.workspace.id, location_id, terminal_pk)
        code, expires = await issue_pairing_code(session, term)
        return term.terminal_id, code, expires
    label, code, expires = await write(con.request, run)
    return await _listing(con, pairing={"terminal_pk": terminal_pk, "terminal_id": label,
                                        "code": code, "expires_at": expires})


@router.post(BASE + "/{location_id}/terminals/{terminal_pk}/{action}")
async def terminal_status(location_id: str, terminal_pk: str, action: str,
                          con: Con) -> RedirectResponse:
    await form_with_csrf(con.request)
    con.require_write()
    if action not in {"revoke", "activate"}:
        raise NotFound(f"action: unknown terminal action {action!r}")

    async def run(session: AsyncSession) -> str:
        term = await svc.terminal(session, con.workspace.id, location_id, terminal_pk)
        if action == "revoke":
            revoke_terminal(term)
        else:
            term.status = "active"
        return term.terminal_id
    label = await write(con.request, run)
    flash(con.request, f"Terminal {label} {'revoked' if action == 'revoke' else 're-activated'}.")
    return redirect(con.url("settings/locations"))
