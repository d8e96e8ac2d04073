"""Catalog → Tax classes: list with how many products use each, create, edit (name, rate,
inclusive, default HSN), retire an unused one after a confirmation.  Brand-wide, owner and
manager (like every catalog edit); every write audited."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.catalog import manage, rules
from activereach.catalog import service as catalog
from activereach.catalog.models import TaxClass
from activereach.catalog.schemas import TaxClassIn, TaxClassPatch
from activereach.console.audit import Target, audited
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.web import flash, page, redirect
from activereach.kit.errors import AppError
from activereach.kit.http import read, write

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
BASE = "/dashboard/{workspace}/catalog/tax-classes"


def parse(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Name, rate (%), inclusive, HSN in people's words; values ready for the schemas."""
    errors: dict[str, str] = {}
    name = form.get("name", "").strip()
    if not name:
        errors["name"] = "Enter a name, for example GST 5%"
    elif len(name) > 100:
        errors["name"] = "At most 100 characters"
    rate: Decimal | None = None
    text = form.get("rate", "").strip().removesuffix("%").strip()
    try:
        rate = Decimal(text) if text else None
    except InvalidOperation:
        errors["rate"] = "Enter the rate as a number, for example 5 or 12.5"
    if rate is None and "rate" not in errors:
        errors["rate"] = "Enter the rate in %, for example 5"
    elif rate is not None and not (0 <= rate <= 100 and rate == rate.quantize(Decimal("0.001"))):
        errors["rate"] = "A rate from 0 to 100 %, with at most three decimals"
    try:
        hsn = rules.validate_hsn(form.get("hsn", "").strip())
    except rules.RuleError:
        errors["hsn"] = "An HSN or SAC code is 2 to 8 digits (for example 2101)"
        hsn = None
    return {"name": name, "rate": rate, "inclusive": form.get("inclusive", "yes") != "no",
            "hsn": hsn}, errors


def _snapshot(row: TaxClass) -> dict[str, Any]:
    return {"name": row.name, "rate": rules.decimal_text(row.rate) + " %",
            "inclusive": row.inclusive, "hsn": row.hsn}


def _form_values(row: TaxClass) -> dict[str, str]:
    return {"name": row.name, "rate": rules.decimal_text(row.rate),
            "inclusive": "yes" if row.inclusive else "no", "hsn": row.hsn or ""}


def _message(exc: AppError) -> tuple[str, str]:
    if exc.status_code == 409:
        return "name", "Another tax class already has this name"
    field = exc.details.get("field", "name") if isinstance(exc.details, dict) else "name"
    return str(field), exc.message.split(": ", 1)[-1]


async def _list_page(con: Console, values: dict[str, str], errors: dict[str, str],
                     status_code: int = 200) -> HTMLResponse:
    ws = con.workspace.id

    async def load(session: AsyncSession) -> tuple[list[TaxClass], dict[str, manage.TaxUsage]]:
        return await manage.list_tax_classes(session, ws), await manage.tax_usage(session, ws)
    taxes, usage = await read(con.request, load)
    rows = [{"row": t, "rate": rules.decimal_text(t.rate),
             "usage": usage.get(t.id, manage.TaxUsage(0, 0))} for t in taxes]
    return page(con, "console/tax_classes.html", "catalog", status_code=status_code,
                rows=rows, values=values, errors=errors)


@router.get(BASE, response_class=HTMLResponse)
async def tax_classes(con: Con) -> HTMLResponse:
    return await _list_page(con, {"inclusive": "yes"}, {})


@router.post(BASE, response_model=None)
async def create(con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    con.require_write()
    data, errors = parse(form)
    if not errors:
        body = TaxClassIn(**data)

        async def run(session: AsyncSession) -> TaxClass:
            row, created = await catalog.create_tax_class(session, con.workspace.id, body)
            if not created:
                raise AppError("exists", details={"field": "name"})
            await audited(session, con, "catalog.tax_class.create",
                          Target("tax_class", row.id, row.name), after=_snapshot(row))
            return row
        try:
            row = await write(con.request, run)
        except AppError as exc:
            errors["name"] = ("Another tax class already has this name"
                              if exc.message == "exists" else _message(exc)[1])
        else:
            flash(con.request, f"Tax class {row.name} added.")
            return redirect(con.url("catalog/tax-classes"))
    return await _list_page(con, form, errors, 422)


async def _get(con: Console, tax_id: str) -> tuple[TaxClass, manage.TaxUsage]:
    async def load(session: AsyncSession) -> tuple[TaxClass, manage.TaxUsage]:
        row = await catalog.get_tax_class(session, con.workspace.id, tax_id)
        usage = await manage.tax_usage(session, con.workspace.id)
        return row, usage.get(row.id, manage.TaxUsage(0, 0))
    return await read(con.request, load)


def _edit_page(con: Console, row: TaxClass, usage: manage.TaxUsage, values: dict[str, str],
               errors: dict[str, str], status_code: int = 200) -> HTMLResponse:
    return page(con, "console/tax_class.html", "catalog", status_code=status_code, tax=row,
                usage=usage, values=values, errors=errors)


@router.get(BASE + "/{tax_id}", response_class=HTMLResponse)
async def edit(tax_id: str, con: Con) -> HTMLResponse:
    row, usage = await _get(con, tax_id)
    return _edit_page(con, row, usage, _form_values(row), {})


@router.post(BASE + "/{tax_id}", response_model=None)
async def save(tax_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    con.require_write()
    row, usage = await _get(con, tax_id)
    data, errors = parse(form)
    if not errors:
        patch = TaxClassPatch(**data)

        async def run(session: AsyncSession) -> TaxClass:
            current = await catalog.get_tax_class(session, con.workspace.id, tax_id)
            before = _snapshot(current)
            updated = await catalog.update_tax_class(session, con.workspace.id, tax_id, patch)
            await audited(session, con, "catalog.tax_class.update",
                          Target("tax_class", updated.id, updated.name), before=before,
                          after=_snapshot(updated))
            return updated
        try:
            saved = await write(con.request, run)
        except AppError as exc:
            name, message = _message(exc)
            errors[name] = message
        else:
            flash(con.request, f"Tax class {saved.name} saved; tills get the new rate on their "
                               "next sync.")
            return redirect(con.url("catalog/tax-classes"))
    return _edit_page(con, row, usage, form, errors, 422)


@router.get(BASE + "/{tax_id}/retire", response_class=HTMLResponse)
async def retire_confirm(tax_id: str, con: Con) -> HTMLResponse:
    con.require_write()
    row, usage = await _get(con, tax_id)
    if usage.used:
        return _edit_page(con, row, usage, _form_values(row), {})
    return page(con, "console/catalog_confirm.html", "catalog", title=f"Retire {row.name}?",
                text=f"{row.name} is not used by any product. Retiring it removes it from the "
                     "tax class list and from tills on their next sync.",
                action=con.url(f"catalog/tax-classes/{row.id}/retire"),
                back=con.url(f"catalog/tax-classes/{row.id}"), button="Retire tax class")


@router.post(BASE + "/{tax_id}/retire", response_model=None)
async def retire(tax_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    await form_with_csrf(con.request)
    con.require_write()

    async def run(session: AsyncSession) -> TaxClass:
        current = await catalog.get_tax_class(session, con.workspace.id, tax_id)
        before = _snapshot(current)
        row = await catalog.delete_tax_class(session, con.workspace.id, tax_id)
        await audited(session, con, "catalog.tax_class.retire",
                      Target("tax_class", row.id, row.name), before=before,
                      after={"retired": True})
        return row
    try:
        row = await write(con.request, run)
    except AppError:
        # Someone assigned it between the confirmation and the click: show why it stays.
        found, usage = await _get(con, tax_id)
        return _edit_page(con, found, usage, _form_values(found),
                          {"retire": "It is in use now; move its products first"}, 409)
    flash(con.request, f"Tax class {row.name} retired.")
    return redirect(con.url("catalog/tax-classes"))
