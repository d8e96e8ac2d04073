"""Settings → Channels: WhatsApp, SMS and email providers at the workspace tier ("All outlets",
owner only) and an outlet's own sender (outlet chip, owner or manager). Secrets are write-only:
the page shows only whether each one is set."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse

from activereach.console import messaging as helpers
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.web import flash, page, redirect
from activereach.kit import crypto
from activereach.kit.errors import NotFound, Unprocessable
from activereach.kit.http import read, write
from activereach.messaging import channels as tiers
from activereach.messaging.providers import PROVIDERS

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
BASE = "/dashboard/{workspace}/settings/channels"


def _require_tier(con: Console) -> None:
    """The brand (workspace) tier is owner-only, like every brand setting; outlet senders are
    outlet settings, which managers may edit (docs/console.md → Roles)."""
    if con.location is None:
        con.require_owner()
    else:
        con.require_write()


async def _page(con: Console, status_code: int = 200, **extra: Any) -> HTMLResponse:
    crypto.use_settings(con.request.app.state.settings)
    rows = await read(con.request, lambda s: tiers.list_channels(s, con.workspace.id))
    views = helpers.channel_views(rows, con.location.id if con.location else None)
    fields = {p: {"brand": helpers.provider_fields(p, False),
                  "outlet": helpers.provider_fields(p, True),
                  "defaults": {k: v for k, v in spec.optional.items() if v is not None}}
              for p, spec in PROVIDERS.items()}
    can_edit = con.is_owner if con.location is None else con.can_write
    ctx = {"views": views, "fields": fields, "labels": helpers.LABELS, "can_edit": can_edit,
           "errors": {}, "error_channel": None, "values": {}, **extra}
    return page(con, "console/channels.html", "channels", status_code=status_code, **ctx)


@router.get(BASE, response_class=HTMLResponse)
async def channels(con: Con) -> HTMLResponse:
    return await _page(con)


def _check_channel(channel: str) -> None:
    if channel not in helpers.CHANNELS:
        raise NotFound(f"channel: no channel {channel!r}")


@router.post(BASE + "/{channel}", response_model=None)
async def save_channel(channel: str, con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    _require_tier(con)
    _check_channel(channel)
    crypto.use_settings(con.request.app.state.settings)
    ws = con.workspace.id
    location_id = con.location.id if con.location else None
    brand = await read(con.request, lambda s: tiers.get_row(s, ws, channel, None))
    parsed = helpers.parse_channel_form(form, channel, brand, location_id is not None)
    if location_id is not None and brand is None:
        parsed.errors["channel"] = f"configure {channel} under All outlets first"
    if not parsed.errors:
        try:
            await write(con.request, lambda s: tiers.put_channel(
                s, ws, channel, provider=parsed.provider, enabled=parsed.enabled,
                config=parsed.config, secrets=parsed.secrets, location_id=location_id))
        except Unprocessable as exc:
            detail = (exc.details or [{}])[0] if isinstance(exc.details, list) else {}
            parsed.errors[detail.get("field", "form")] = detail.get("message", exc.message)
    if parsed.errors:
        values = {k: v for k, v in form.items() if k != "csrf_token" and not k.startswith("sec.")}
        return await _page(con, 422, errors=parsed.errors, error_channel=channel, values=values)
    tier = con.location.name if con.location else "the workspace"
    flash(con.request, f"{helpers.LABELS[channel]} saved for {tier}.")
    return redirect(con.url("settings/channels"))


@router.post(BASE + "/{channel}/delete")
async def remove_channel(channel: str, con: Con) -> RedirectResponse:
    """All outlets: remove the channel (and every outlet's pinning); outlet: drop the pinning."""
    await form_with_csrf(con.request)
    _require_tier(con)
    _check_channel(channel)
    ws = con.workspace.id
    location_id = con.location.id if con.location else None
    await write(con.request, lambda s: tiers.delete_channel(s, ws, channel, location_id))
    tier = con.location.name if con.location else "the workspace"
    flash(con.request, f"{helpers.LABELS[channel]} removed for {tier}.")
    return redirect(con.url("settings/channels"))
