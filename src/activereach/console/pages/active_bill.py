"""Connected products → Active Bill: the brand tier ("All outlets") or one outlet's overrides of
the bill configuration, with a server-rendered preview of a sample bill."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.audit.service import Target
from activereach.bills import assets
from activereach.bills import config as tiers
from activereach.bills.api import render_preview
from activereach.bills.pages import security_headers
from activereach.bills.render import render_message_html
from activereach.bills.schemas import SOCIAL_KEYS
from activereach.console import active_bill as form_rules
from activereach.console.audit import audited
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.web import TEMPLATES, flash, page, redirect
from activereach.kit.http import read, write
from activereach.tenancy.models import Workspace

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


def _target(con: Console) -> Target:
    if con.location:
        return Target("bill_config", con.location.id, f"Active Bill · {con.location.name}")
    return Target("bill_config", "brand", "Active Bill · all outlets (brand)")


async def _tiers(con: Console) -> tuple[dict[str, Any], dict[str, Any]]:
    return await read(con.request, lambda s: tiers.load_tiers(
        s, con.workspace.id, _location_id(con)))


def _render(con: Console, brand: dict[str, Any], outlet: dict[str, Any], *,
            values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
            status_code: int = 200, logo_error: str = "") -> HTMLResponse:
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
        errors=errors or {}, preview=preview, may_edit=_may_edit(con), page_path=PAGE,
        logo_error=logo_error, max_logo_kib=assets.MAX_LOGO_BYTES // 1024)


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
        await write(con.request, lambda s: _clear_overrides(s, con, location_id))
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
        await audited(session, con, "bill_config.update", _target(con),
                      before=outlet if location_id else brand, after=body.tier_values())
        return None
    failed = await write(con.request, run)
    tiers.forget(ws)  # again after the commit, so no bill page caches the old values meanwhile
    if failed is not None:
        brand, outlet, shown, errors = failed
        return _render(con, brand, outlet, values=shown, errors=errors, status_code=422)
    scope = f"for {con.location.name}" if con.location else "for all outlets (brand)"
    flash(con.request, f"Active Bill settings saved {scope}.")
    return redirect(con.url(PAGE))


async def _clear_overrides(session: AsyncSession, con: Console, location_id: str) -> None:
    _, outlet = await tiers.load_tiers(session, con.workspace.id, location_id)
    await tiers.delete_tier(session, con.workspace.id, location_id)
    await audited(session, con, "bill_config.clear_overrides", _target(con), before=outlet,
                  after={}, note="the outlet follows the brand tier entirely")


@router.get(BASE + "/reset", response_model=None)
async def confirm_reset(con: Con) -> HTMLResponse | RedirectResponse:
    """The no-JavaScript confirmation before an outlet's overrides are deleted."""
    if con.location is None:
        return redirect(con.url(PAGE))  # only an outlet has overrides to clear
    con.require_write()
    _, outlet = await _tiers(con)
    names = ", ".join(form_rules.LABELS.get(n, n) for n in form_rules.overridden(outlet))
    return page(con, "console/settings_confirm.html", "active-bill",
                title=f"Clear all Active Bill overrides of {con.location.name}?",
                message=("The outlet then follows the brand tier for every field"
                         + (f" (overridden now: {names})." if names else
                            "; it overrides nothing at the moment.")),
                action=con.url(PAGE), hidden={"action": "reset"}, button="Clear all overrides",
                testid="confirm-clear-overrides", back=con.url(PAGE))


@router.post(BASE + "/logo", response_model=None)
async def upload_logo(con: Con) -> HTMLResponse | RedirectResponse:
    """A logo image for the edited tier (checked by its bytes, at most 512 KiB); the tier's
    logo URL then points at it. At the brand tier the console header uses it too."""
    await form_with_csrf(con.request)
    _require_edit(con)
    upload = (await con.request.form()).get("logo_file")
    data = b""
    if upload is not None and not isinstance(upload, str):
        data = await upload.read(assets.MAX_LOGO_BYTES + 1)
    problem = assets.image_problem(data)
    if problem:
        brand, outlet = await _tiers(con)
        return _render(con, brand, outlet, logo_error=problem, status_code=422)
    await write(con.request, lambda s: _store_logo(s, con, data))
    tiers.forget(con.workspace.id)
    flash(con.request, "Logo uploaded; the bill " + ("of " + con.location.name if con.location
                                                      else "and the console header") + " use it.")
    return redirect(con.url(PAGE))


async def _store_logo(session: AsyncSession, con: Console, data: bytes) -> None:
    asset = await assets.store_image(session, con.workspace.id, data)
    url = assets.asset_path(asset)
    location_id = _location_id(con)
    brand, outlet = await tiers.load_tiers(session, con.workspace.id, location_id)
    tier = outlet if location_id else brand
    body = form_rules.with_logo(tier, url)
    await tiers.put_tier(session, con.workspace.id, location_id, body)
    await audited(session, con, "bill_config.logo_upload", _target(con),
                  before={"logo_url": tier.get("logo_url")}, after={"logo_url": url},
                  note=f"{asset.content_type}, {asset.size // 1024 or 1} KiB")
    if location_id is None:
        ws = await session.get(Workspace, con.workspace.id, with_for_update=True)
        assert ws is not None  # the console dependency loaded it for this request
        old = (ws.branding or {}).get("logo_url", "")
        ws.branding = {**(ws.branding or {}), "logo_url": url}  # reassign: JSON column
        await audited(session, con, "brand.update", Target("brand", ws.id, ws.name),
                      before={"logo_url": old}, after={"logo_url": url},
                      note="logo uploaded on Active Bill")


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
