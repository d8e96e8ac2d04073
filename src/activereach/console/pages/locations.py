"""Settings → Locations: outlets (create, edit; GSTIN and state checked) and their terminals
(create, one-time pairing code through post/redirect/get, the log of codes issued, revoke a code
or a terminal after a confirmation page, re-activate). Every write is audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.audit.service import Target
from activereach.console import locations as svc
from activereach.console.audit import audited
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.forms import trimmed, validate_model
from activereach.console.web import flash, page, redirect
from activereach.kit import crypto
from activereach.kit.errors import Conflict
from activereach.kit.http import read, write
from activereach.tenancy.models import PairingCode, Terminal
from activereach.tenancy.pairing import (IssuedCode, issue_logged_code, issued_codes,
                                         revoke_pairing_code, revoke_terminal)
from activereach.tenancy.schemas import TerminalIn
from activereach.tenancy.service import list_terminals

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
BASE = "/dashboard/{workspace}/settings/locations"
TERMINAL = BASE + "/{location_id}/terminals/{terminal_pk}"
OUTLET_FIELDS = ("code", "name", "address", "phone", "gstin", "state_code", "timezone")
EDIT_FIELDS = ("name", "address", "phone", "gstin", "state_code", "timezone", "status")


async def _listing(con: Console, status_code: int = 200, **extra: object) -> HTMLResponse:
    """The outlets in scope (all, or the selected one) with their terminals and issued codes."""
    async def load(session: AsyncSession) -> tuple[list[Terminal], dict[str, list[IssuedCode]]]:
        terms = await list_terminals(session, con.workspace.id,
                                     con.location.id if con.location else None)
        return terms, await issued_codes(session, con.workspace.id, terms)
    terminals, codes = await read(con.request, load)
    outlets = [con.location] if con.location else con.locations
    by_outlet = {loc.id: [t for t in terminals if t.location_id == loc.id] for loc in outlets}
    ctx = {"outlets": outlets, "terminals": by_outlet, "codes": codes, "values": {},
           "errors": {}, **extra}
    return page(con, "console/locations.html", "locations", status_code=status_code, **ctx)


def _terminal_target(term: Terminal, con: Console) -> Target:
    names = {loc.id: loc.name for loc in con.locations}
    return Target("terminal", term.id, f"{term.terminal_id} at {names.get(term.location_id, '')}")


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
        async def run(session: AsyncSession) -> str:
            loc = await svc.create_outlet(session, con.workspace.id, body)
            await audited(session, con, "outlet.create", Target("outlet", loc.id, loc.name),
                          after={"code": loc.code, **svc.outlet_state(loc)})
            return loc.name
        try:
            name = await write(con.request, run)
        except Conflict as exc:
            errors = {"code": exc.message.removeprefix("code: ")}
    if errors:
        return await _listing(con, 422, values=data, errors=errors)
    flash(con.request, f"Outlet {name} created.")
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

    async def run(session: AsyncSession) -> None:
        loc = await svc.outlet(session, con.workspace.id, location_id)
        before = svc.outlet_state(loc)
        await svc.update_outlet(session, con.workspace.id, location_id, data)
        await audited(session, con, "outlet.update", Target("outlet", loc.id, loc.name),
                      before=before, after=svc.outlet_state(loc))
    await write(con.request, run)
    flash(con.request, f"Outlet {data['name']} saved.")
    return redirect(con.url("settings/locations"))


@router.post(BASE + "/{location_id}/terminals", response_model=None)
async def create_terminal(location_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    con.require_write()
    data = trimmed(form, "terminal_id", "name")
    body, errors = validate_model(TerminalIn, data)
    if body is not None:
        async def run(session: AsyncSession) -> None:
            term = await svc.create_terminal(session, con.workspace.id, location_id, body)
            await audited(session, con, "terminal.create", _terminal_target(term, con),
                          after={"terminal_id": term.terminal_id, "name": term.name})
        try:
            await write(con.request, run)
        except Conflict as exc:
            errors = {"terminal_id": exc.message.removeprefix("terminal_id: ")}
    if errors:
        return await _listing(con, 422, terminal_errors={location_id: svc.in_words(errors)})
    flash(con.request, f"Terminal {body.terminal_id} added.")
    return redirect(con.url("settings/locations"))


@router.post(TERMINAL + "/pairing-code", response_model=None)
async def pairing_code(location_id: str, terminal_pk: str, con: Con) -> RedirectResponse:
    """Issue, then redirect (post/redirect/get): a reload of the page that shows the code never
    issues another. The code rides the redirect encrypted and is shown once."""
    await form_with_csrf(con.request)
    con.require_write()
    crypto.use_settings(con.request.app.state.settings)

    async def run(session: AsyncSession) -> tuple[str, str]:
        term = await svc.terminal(session, con.workspace.id, location_id, terminal_pk)
        code, expires, row = await issue_logged_code(session, term, issued_by=con.user.email)
        await audited(session, con, "terminal.pairing_code_issue", _terminal_target(term, con),
                      after={"pairing_code": "issued", "expires_at": expires.isoformat()})
        return code, row.id
    code, code_id = await write(con.request, run)
    ticket = svc.pairing_ticket(code, code_id, con.user.id)
    return redirect(con.url(f"settings/locations/{location_id}/terminals/{terminal_pk}"
                            f"/pairing/{code_id}", k=ticket))


@router.get(TERMINAL + "/pairing/{code_id}", response_class=HTMLResponse)
async def show_pairing_code(location_id: str, terminal_pk: str, code_id: str, con: Con,
                            k: str = "") -> HTMLResponse:
    crypto.use_settings(con.request.app.state.settings)
    carried = svc.read_ticket(k, code_id, con.user.id) if k else None

    async def run(session: AsyncSession) -> tuple[Terminal, PairingCode, str | None]:
        term = await svc.terminal(session, con.workspace.id, location_id, terminal_pk)
        row, code = await svc.show_once(session, term, code_id, carried)
        return term, row, code
    term, row, code = await write(con.request, run)
    return page(con, "console/terminal_pairing.html", "locations", terminal=term, row=row,
                code=code, outlet_id=location_id)


def _confirm(con: Console, *, title: str, message: str, action: str, button: str,
             testid: str) -> HTMLResponse:
    return page(con, "console/settings_confirm.html", "locations", title=title,
                message=message, action=con.url(action), button=button, testid=testid,
                back=con.url("settings/locations"))


@router.get(TERMINAL + "/revoke", response_class=HTMLResponse)
async def confirm_revoke_terminal(location_id: str, terminal_pk: str, con: Con) -> HTMLResponse:
    con.require_write()
    term = await read(con.request, lambda s: svc.terminal(
        s, con.workspace.id, location_id, terminal_pk))
    return _confirm(con, title=f"Revoke terminal {term.terminal_id}?",
                    message="The till paired to it stops working at its next contact (sales "
                            "it has not sent yet stay on the device). Pairing again needs a new "
                            "code after re-activating the terminal.",
                    action=f"settings/locations/{location_id}/terminals/{terminal_pk}/revoke",
                    button="Revoke terminal", testid="confirm-revoke-terminal")


@router.post(TERMINAL + "/revoke")
async def do_revoke_terminal(location_id: str, terminal_pk: str, con: Con) -> RedirectResponse:
    await form_with_csrf(con.request)
    con.require_write()
    label = await write(con.request, lambda s: _set_terminal(s, con, location_id, terminal_pk,
                                                             revoke=True))
    flash(con.request, f"Terminal {label} revoked.")
    return redirect(con.url("settings/locations"))


@router.post(TERMINAL + "/activate")
async def activate_terminal(location_id: str, terminal_pk: str, con: Con) -> RedirectResponse:
    await form_with_csrf(con.request)
    con.require_write()
    label = await write(con.request, lambda s: _set_terminal(s, con, location_id, terminal_pk,
                                                             revoke=False))
    flash(con.request, f"Terminal {label} re-activated.")
    return redirect(con.url("settings/locations"))


async def _set_terminal(session: AsyncSession, con: Console, location_id: str, terminal_pk: str,
                        *, revoke: bool) -> str:
    term = await svc.terminal(session, con.workspace.id, location_id, terminal_pk)
    before = {"status": term.status, "paired": term.device_token_hash is not None}
    if revoke:
        revoke_terminal(term)
    else:
        term.status = "active"
    await audited(session, con, "terminal.revoke" if revoke else "terminal.activate",
                  _terminal_target(term, con), before=before,
                  after={"status": term.status, "paired": term.device_token_hash is not None})
    return term.terminal_id


@router.get(TERMINAL + "/codes/{code_id}/revoke", response_class=HTMLResponse)
async def confirm_revoke_code(location_id: str, terminal_pk: str, code_id: str,
                              con: Con) -> HTMLResponse:
    con.require_write()
    term = await read(con.request, lambda s: svc.terminal(
        s, con.workspace.id, location_id, terminal_pk))
    return _confirm(con, title=f"Revoke the pairing code of terminal {term.terminal_id}?",
                    message="The code stops working at once; a till that has not used it yet "
                            "cannot pair with it. Tills already paired are not affected.",
                    action=f"settings/locations/{location_id}/terminals/{terminal_pk}"
                           f"/codes/{code_id}/revoke",
                    button="Revoke code", testid="confirm-revoke-code")


@router.post(TERMINAL + "/codes/{code_id}/revoke")
async def revoke_code(location_id: str, terminal_pk: str, code_id: str,
                      con: Con) -> RedirectResponse:
    await form_with_csrf(con.request)
    con.require_write()

    async def run(session: AsyncSession) -> tuple[str, str]:
        term = await svc.terminal(session, con.workspace.id, location_id, terminal_pk)
        state = await revoke_pairing_code(session, term, code_id)
        if state == "live":
            await audited(session, con, "terminal.pairing_code_revoke",
                          _terminal_target(term, con), before={"pairing_code": "live"},
                          after={"pairing_code": "revoked"})
        return term.terminal_id, state
    label, state = await write(con.request, run)
    flash(con.request, f"Pairing code of terminal {label} revoked." if state == "live"
          else f"That code of terminal {label} was already {state}; nothing changed.")
    return redirect(con.url("settings/locations"))
