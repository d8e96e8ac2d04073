"""Connected products → Active Bill: the brand tier ("All outlets") or one outlet's overrides of
the bill configuration, with a server-rendered preview of a sample bill."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills import config as tiers
from activereach.bills.api import render_preview
from activereach.bills.pages import security_headers
from activereach.bills.render import render_message_html
from activereach.bills.schemas import SOCIAL_KEYS
from activereach.console import active_bill as form_rules
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.web import TEMPLATES, flash, page, redirect
from activereach.kit.http import read, write

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
PAGE = "connected-products/active-bill"
BASE = "/dashboard/{workspace}/" + PAGE
SCRIPT = TEMPLATES / "console" / "active_bill.js"


def _may_edit(con: Console) -> bool:
    """Brand tier: owner only (like Settings → General); outlet overrides: owner and manager."""
    return con.can_write if con.location else con.is_owner


def _require_edit(con: Console) -> None:
    if con.location:
        con.require_write()
    else:
        con.require_owner()


def _location_id(con: Console) -> str | None:
    return con.location.id if con.location else None


async def _tiers(con: Console) -> tuple[dict[str, Any], dict[str, Any]]:
    return await read(con.request, lambda s: tiers.load_tiers(
        s, con.workspace.id, _location_id(con)))


def _render(con: Console, brand: dict[str, Any], outlet: dict[str, Any], *,
            values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
            status_code: int = 200) -> HTMLResponse:
    """The page: the edited tier's form, inherited values as hints, and the saved preview."""
    editing = outlet if con.location else brand
    resolved = tiers.resolve(brand, outlet if con.location else None)
    preview = render_preview(con.workspace, con.location, resolved)
    return page(
        con, "console/active_bill.html", "active-bill", status_code=status_code,
        groups=form_rules.groups(bool(con.location)), social_keys=SOCIAL_KEYS,
        social_labels=form_rules.SOCIAL_LABELS, labels=form_rules.LABELS,
        values=values if values is not None else form_rules.form_values(editing),
        inherited=form_rules.inherited(tiers.resolve(brand, None)),
        origins=tiers.origins(brand, outlet if con.location else None),
        overrides=form_rules.overridden(outlet),
        errors=errors or {}, preview=preview, may_edit=_may_edit(con), page_path=PAGE)


@router.get(BASE, response_class=HTMLResponse)
async def active_bill(con: Con) -> HTMLResponse:
    brand, outlet = await _tiers(con)
    return _render(con, brand, outlet)


@router.post(BASE, response_model=None)
async def save_active_bill(con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    _require_edit(con)
    ws, location_id = con.workspace.id, _location_id(con)
    if location_id and con.location and form.get("action") == "reset":
        await write(con.request, lambda s: tiers.delete_tier(s, ws, location_id))
        tiers.forget(ws)
        flash(con.request, f"Overrides for {con.location.name} cleared: the brand values apply.")
        return redirect(con.url(PAGE))

    async def run(session: AsyncSession) -> Any:
        # Read and write in one transaction: the kept (not shown) fields are the stored ones.
        brand, outlet = await tiers.load_tiers(session, ws, location_id)
        body, shown, errors = form_rules.parse(
            form, outlet=bool(location_id), existing=outlet if location_id else brand)
        if body is None:
            return brand, outlet, shown, errors
        await tiers.put_tier(session, ws, location_id, body)
        return None
    failed = await write(con.request, run)
    tiers.forget(ws)  # again after the commit, so no bill page caches the old values meanwhile
    if failed is not None:
        brand, outlet, shown, errors = failed
        return _render(con, brand, outlet, values=shown, errors=errors, status_code=422)
    scope = f"for {con.location.name}" if con.location else "for all outlets (brand)"
    flash(con.request, f"Active Bill settings saved {scope}.")
    return redirect(con.url(PAGE))


def _preview_response(html: str, nonce: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status_code, headers=security_headers(nonce))


@router.get(BASE + "/preview", response_class=HTMLResponse)
async def saved_preview(con: Con) -> HTMLResponse:
    """The sample bill with the saved, resolved config of the selected scope."""
    brand, outlet = await _tiers(con)
    nonce = secrets.token_urlsafe(16)
    config = tiers.resolve(brand, outlet if con.location else None)
    return _preview_response(render_preview(con.workspace, con.location, config, nonce), nonce)


@router.post(BASE + "/preview", response_class=HTMLResponse)
async def draft_preview(con: Con) -> HTMLResponse:
    """The sample bill with the posted (unsaved) form values; nothing is stored, so every
    signed-in role may use it.  Invalid fields answer 422 with the fields named."""
    form = await form_with_csrf(con.request)
    brand, outlet = await _tiers(con)
    body, _, errors = form_rules.parse(form, outlet=bool(con.location),
                                       existing=outlet if con.location else brand)
    nonce = secrets.token_urlsafe(16)
    if body is None:
        message = "; ".join(f"{form_rules.LABELS.get(k, k)}: {v}" for k, v in errors.items())
        return _preview_response(render_message_html("Preview not updated", message,
                                                     nonce=nonce), nonce, 422)
    draft_brand, draft_outlet = form_rules.preview_config(brand, outlet, body,
                                                          bool(con.location))
    config = tiers.resolve(draft_brand, draft_outlet if con.location else None)
    return _preview_response(render_preview(con.workspace, con.location, config, nonce), nonce)


@router.get("/console-static/active-bill.js")
async def script() -> FileResponse:
    return FileResponse(Path(SCRIPT), media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=3600"})
