"""Settings → Staff: the people who sign in at ActivePOS tills with a PIN (cashiers and
managers): add, edit role / outlet / discount limit, set a new PIN, deactivate (confirmed) and
re-activate. Owner and manager write, analysts read. Every change is audited; a PIN never
reaches a page or the log (``{"pin": "changed"}``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.cashier import service
from activereach.cashier.models import CashierStaff
from activereach.console import staff as forms
from activereach.console.audit import Target, audited
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.web import flash, page, redirect
from activereach.kit.errors import Conflict, NotFound
from activereach.kit.http import read, write

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
BASE = "/dashboard/{workspace}/settings/staff"
ROLE_WORD = forms.ROLES


def _names(con: Console) -> dict[str, str]:
    return {loc.id: loc.name for loc in con.locations}


def _target(row: CashierStaff) -> Target:
    return Target("staff", row.id, row.name)


async def _listing(con: Console, status_code: int = 200, **extra: object) -> HTMLResponse:
    rows = await read(con.request, lambda s: service.all_staff(s, con.workspace.id))
    if con.location is not None:
        rows = [r for r in rows if r.location_id in (None, con.location.id)]
    values = {"role": "cashier", "location_id": con.location.id if con.location else ""}
    ctx: dict[str, object] = {"staff": rows, "values": values, "errors": {},
                              "outlet_names": _names(con), "percent": forms.percent_text}
    ctx.update(extra)
    return page(con, "console/staff.html", "staff", status_code=status_code, **ctx)


@router.get(BASE, response_class=HTMLResponse)
async def staff_list(con: Con) -> HTMLResponse:
    return await _listing(con)


@router.post(BASE, response_model=None)
async def add_staff(con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    con.require_write()
    body, errors = forms.staff_form(form, con.locations)
    pin = forms.pin_errors(form, errors)
    if body is not None and not errors:
        async def run(s: AsyncSession) -> CashierStaff:
            row = await service.create_staff(
                s, con.workspace.id, name=body.name, role=body.role,
                location_id=body.location_id, pin=pin, discount_limit_bp=body.discount_limit_bp)
            await audited(s, con, "staff.create", _target(row),
                          after={**forms.audit_state(row, _names(con)), "pin": "set"})
            return row
        try:
            row = await write(con.request, run)
        except Conflict as exc:
            errors["name"] = exc.message.removeprefix("name: ").capitalize()
    if errors:
        kept = {k: form.get(k, "") for k in ("name", "role", "location_id", "discount_limit")}
        return await _listing(con, 422, values=kept, errors=errors)
    flash(con.request, f"{ROLE_WORD[row.role]} {row.name} added. They can sign in at the till "
                       "with their PIN now.")
    return redirect(con.url("settings/staff"))


async def _person(con: Console, staff_id: str) -> CashierStaff:
    return await read(con.request, lambda s: service.get_staff(s, con.workspace.id, staff_id))


def _edit_page(con: Console, row: CashierStaff, status_code: int = 200,
               **extra: object) -> HTMLResponse:
    ctx: dict[str, object] = {"person": row, "values": forms.values_of(row), "errors": {},
                              "pin_errors": {}, "outlet_names": _names(con)}
    ctx.update(extra)
    return page(con, "console/staff_edit.html", "staff", status_code=status_code, **ctx)


@router.get(BASE + "/{staff_id}", response_class=HTMLResponse)
async def edit_staff(staff_id: str, con: Con) -> HTMLResponse:
    return _edit_page(con, await _person(con, staff_id))


@router.post(BASE + "/{staff_id}", response_model=None)
async def save_staff(staff_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    con.require_write()
    body, errors = forms.staff_form(form, con.locations)
    if body is not None:
        async def run(s: AsyncSession) -> CashierStaff:
            row = await service.get_staff(s, con.workspace.id, staff_id)
            before = forms.audit_state(row, _names(con))
            row = await service.update_staff(
                s, con.workspace.id, staff_id, name=body.name, role=body.role,
                location_id=body.location_id, discount_limit_bp=body.discount_limit_bp)
            await audited(s, con, "staff.update", _target(row), before=before,
                          after=forms.audit_state(row, _names(con)))
            return row
        try:
            row = await write(con.request, run)
        except Conflict as exc:
            errors = {"name": exc.message.removeprefix("name: ").capitalize()}
    if errors:
        kept = {k: form.get(k, "") for k in ("name", "role", "location_id", "discount_limit")}
        return _edit_page(con, await _person(con, staff_id), 422, values=kept, errors=errors)
    flash(con.request, f"{row.name} saved.")
    return redirect(con.url("settings/staff"))


@router.post(BASE + "/{staff_id}/pin", response_model=None)
async def new_pin(staff_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    con.require_write()
    errors: dict[str, str] = {}
    pin = forms.pin_errors(form, errors)
    if errors:
        return _edit_page(con, await _person(con, staff_id), 422, pin_errors=errors)

    async def run(s: AsyncSession) -> CashierStaff:
        row = await service.set_pin(s, con.workspace.id, staff_id, pin)
        await audited(s, con, "staff.pin", _target(row), before={"pin": "old"},
                      after={"pin": "changed"}, note="new PIN; the old PIN's till keys ended")
        return row
    row = await write(con.request, run)
    flash(con.request, f"New PIN set for {row.name}. They sign in at the till with it online.")
    return redirect(con.url("settings/staff"))


@router.get(BASE + "/{staff_id}/deactivate", response_class=HTMLResponse)
async def confirm_deactivate(staff_id: str, con: Con) -> HTMLResponse:
    con.require_write()
    row = await _person(con, staff_id)
    return page(con, "console/staff_confirm.html", "staff", person=row, error="")


@router.post(BASE + "/{staff_id}/{action}", response_model=None)
async def set_active(staff_id: str, action: str, con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    con.require_write()
    if action not in {"deactivate", "activate"}:
        raise NotFound(f"action: unknown staff action {action!r}")
    if action == "deactivate" and form.get("confirm") != "yes":
        row = await _person(con, staff_id)
        return page(con, "console/staff_confirm.html", "staff", status_code=422, person=row,
                    error="Tick the box to confirm, or go back")
    active = action == "activate"

    async def run(s: AsyncSession) -> CashierStaff:
        row = await service.set_active(s, con.workspace.id, staff_id, active)
        await audited(s, con, f"staff.{action}", _target(row), before={"active": not active},
                      after={"active": active})
        return row
    row = await write(con.request, run)
    done = "re-activated" if active else "deactivated: they can no longer sign in at the till"
    flash(con.request, f"{row.name} {done}.")
    return redirect(con.url("settings/staff"))
