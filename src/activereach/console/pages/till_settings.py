"""Settings → Till: the till rules every ActivePOS till enforces (idle lock, discount limit,
offline redemption cap, weighed-item prefixes). "All tills" edits the brand defaults (owner);
a terminal picked in the list (filtered by the chip strip's outlet) edits that terminal's
overrides (owner and manager), a blank input inheriting the brand value shown as placeholder.
Writes go through ``cashier.settings.put_settings`` and are audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.cashier import settings
from activereach.console import till as forms
from activereach.console.audit import Target, audited
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.web import flash, page, redirect
from activereach.kit.errors import NotFound
from activereach.kit.http import read, write
from activereach.tenancy.models import Terminal
from activereach.tenancy.service import list_terminals

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
BASE = "/dashboard/{workspace}/settings/till"


async def _load(con: Console) -> tuple[dict[str, dict[str, Any]], list[Terminal]]:
    async def run(s: AsyncSession) -> tuple[dict[str, dict[str, Any]], list[Terminal]]:
        rows = {row["scope"]: row for row in await settings.list_settings(s, con.workspace.id)}
        terms = await list_terminals(s, con.workspace.id,
                                     con.location.id if con.location else None)
        return rows, terms
    return await read(con.request, run)


def _pick(terminals: list[Terminal], terminal: str) -> Terminal | None:
    if not terminal:
        return None
    found = next((t for t in terminals if t.id == terminal), None)
    if found is None:
        raise NotFound(f"terminal: no terminal {terminal!r} here")
    return found


def _label(con: Console, term: Terminal | None) -> str:
    if term is None:
        return "All tills (brand default)"
    outlet = next((loc.name for loc in con.locations if loc.id == term.location_id), "")
    return f"Terminal {term.terminal_id}" + (f" at {outlet}" if outlet else "")


def _may_edit(con: Console, term: Terminal | None) -> bool:
    return con.is_owner if term is None else con.can_write


async def _render(con: Console, terminal: str, status_code: int = 200,
                  **extra: Any) -> HTMLResponse:
    rows, terminals = await _load(con)
    term = _pick(terminals, terminal)
    scope = term.id if term else settings.WORKSPACE
    parent = rows.get(settings.WORKSPACE) if term else None
    ctx: dict[str, Any] = {
        "terminals": terminals, "term": term, "label": _label(con, term),
        "values": forms.values_of(rows.get(scope)), "errors": {},
        "placeholders": forms.inherited(parent), "may_edit": _may_edit(con, term),
        "overridden": {t for t in rows if t != settings.WORKSPACE},
        "outlet_names": {loc.id: loc.name for loc in con.locations}}
    ctx.update(extra)
    return page(con, "console/till_settings.html", "till", status_code=status_code, **ctx)


@router.get(BASE, response_class=HTMLResponse)
async def till_settings(con: Con, terminal: str = "") -> HTMLResponse:
    return await _render(con, terminal)


@router.post(BASE, response_model=None)
async def save_till_settings(con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    terminal = form.get("terminal", "")
    _, terminals = await _load(con)
    term = _pick(terminals, terminal)
    con.require_write()
    if term is None:
        con.require_owner()
    body, errors = forms.parse(form, term.id if term else None)
    if body is None:
        kept = {name: form.get(name, "") for name in forms.INPUTS}
        return await _render(con, terminal, 422, values=kept, errors=errors)
    label = _label(con, term)

    async def run(s: AsyncSession) -> None:
        scope = term.id if term else settings.WORKSPACE
        before = next((row for row in await settings.list_settings(s, con.workspace.id)
                       if row["scope"] == scope), None)
        after = await settings.put_settings(s, con.workspace.id, body)
        await audited(s, con, "till_settings.update",
                      Target("till_settings", after["scope"], label),
                      before=forms.audit_state(before), after=forms.audit_state(after))
    await write(con.request, run)
    flash(con.request, f"Till settings saved for {label}. Tills pick them up with their next "
                       "config fetch.")
    return redirect(con.url("settings/till", terminal=terminal))
