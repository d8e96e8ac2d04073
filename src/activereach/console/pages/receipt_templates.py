"""Settings → Receipt templates: the Active Bill message each channel sends (WhatsApp template
name, language, parameters and its approved wording; the SMS DLT text and variables; the email
subject, text and HTML). "All outlets" edits the brand's template (owner); an outlet chip edits
that outlet's override, blank fields inheriting the brand's (owner or manager). Each card
previews the message as the shopper gets it, from the latest (in-store or online) bill; *Reset*
goes back to the default (brand) or to the brand's (outlet), after a confirmation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.console import receipt_forms as forms
from activereach.console.audit import Target, audited
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.messaging import LABELS
from activereach.console.web import flash, page, redirect
from activereach.kit.errors import AppError, NotFound
from activereach.kit.http import read, write
from activereach.messaging import rules, service
from activereach.messaging.models import BRAND_SCOPE
from activereach.messaging.templates import VARIABLES

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
BASE = "/dashboard/{workspace}/settings/receipt-templates"
# ?bill= picks the bill the previews render from.
BILL_KINDS = {"latest": None, "instore": "offline", "online": "online"}


def _require_tier(con: Console) -> None:
    """The brand's message is a brand setting (owner); an outlet's override is an outlet
    setting (owner or manager), as on Settings → Channels."""
    if con.location is None:
        con.require_owner()
    else:
        con.require_write()


def _can_edit(con: Console) -> bool:
    return con.is_owner if con.location is None else con.can_write


def _check(channel: str) -> None:
    if channel not in forms.SCHEMAS:
        raise NotFound(f"channel: no channel {channel!r}")


def _tier_label(con: Console) -> str:
    return con.location.name if con.location else "the brand"


def _target(con: Console, channel: str) -> Target:
    key = channel if con.location is None else f"{channel}@{con.location.id}"
    return Target("receipt_template", key, f"{LABELS[channel]} receipt template "
                  f"({_tier_label(con)})")


async def _page(con: Console, status_code: int = 200, **extra: Any) -> HTMLResponse:
    ws, location_id = con.workspace.id, con.location.id if con.location else None
    kind = con.params.get("bill", "latest")
    kind = kind if kind in BILL_KINDS else "latest"

    async def load(session: AsyncSession) -> dict[str, Any]:
        current = await service.get_templates(session, ws, location_id)
        order_id = await service.latest_billed_order(session, ws, BILL_KINDS[kind])
        preview = await service.preview(session, ws, order_id, None, None,
                                        scope=location_id or BRAND_SCOPE) if order_id else {}
        return {"current": current, "order_id": order_id, "preview": preview}
    data = await read(con.request, load)
    sms_preview = ((data["preview"].get("channels") or {}).get("sms") or {}).get("content")
    ctx = {"channels": rules.CHANNELS, "labels": LABELS, "variables": VARIABLES,
           "fields": forms.FIELDS, "shown": forms.shown_value, "can_edit": _can_edit(con),
           "bill_kind": kind, "sms_view": forms.sms_view(sms_preview) if sms_preview else None,
           "errors": {}, "error_channel": None, "values": {}, **data, **extra}
    return page(con, "console/receipt_templates.html", "receipt-templates",
                status_code=status_code, **ctx)


@router.get(BASE, response_class=HTMLResponse)
async def receipt_templates(con: Con) -> HTMLResponse:
    return await _page(con)


@router.post(BASE + "/{channel}", response_model=None)
async def save_template(channel: str, con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    _require_tier(con)
    _check(channel)
    ws, location_id = con.workspace.id, con.location.id if con.location else None
    values = {k: v for k, v in form.items() if k != "csrf_token"}

    async def run(session: AsyncSession) -> None:
        before = (await service.template_doc(session, ws, channel, location_id))
        tier_before = before["outlet"] if location_id else before["brand"]
        await service.put_template(session, ws, channel, content, location_id)
        await audited(session, con, "receipt_template.update", _target(con, channel),
                      before=tier_before or {"default": True}, after=content)
    try:
        content = forms.content_from_form(channel, values, location_id is not None)
        await write(con.request, run)
    except AppError as exc:
        detail = (exc.details or [{}])[0] if isinstance(exc.details, list) else {}
        errors = {forms.field_of(detail.get("field", "form")): detail.get("message", exc.message)}
        return await _page(con, 422, errors=errors, error_channel=channel, values=values)
    flash(con.request, f"{LABELS[channel]} receipt template saved for {_tier_label(con)}.")
    return redirect(con.url("settings/receipt-templates") + f"#template-{channel}")


@router.get(BASE + "/{channel}/reset", response_class=HTMLResponse)
async def confirm_reset(channel: str, con: Con) -> HTMLResponse:
    """The confirmation page: what the reset removes and what the channel sends afterwards."""
    _check(channel)
    ws, location_id = con.workspace.id, con.location.id if con.location else None
    doc = await read(con.request, lambda s: service.template_doc(s, ws, channel, location_id))
    stored = doc["outlet"] if location_id else doc["brand"]
    return page(con, "console/receipt_template_reset.html", "receipt-templates",
                channel=channel, labels=LABELS, stored=stored, tier=_tier_label(con),
                can_edit=_can_edit(con), field_labels=forms.LABELS[channel],
                shown=forms.shown_value)


@router.post(BASE + "/{channel}/reset")
async def reset_template(channel: str, con: Con) -> RedirectResponse:
    await form_with_csrf(con.request)
    _require_tier(con)
    _check(channel)
    ws, location_id = con.workspace.id, con.location.id if con.location else None

    async def run(session: AsyncSession) -> bool:
        before = await service.reset_template(session, ws, channel, location_id)
        if before is None:
            return False
        await audited(session, con, "receipt_template.reset", _target(con, channel),
                      before=before, after={"default": True} if location_id is None
                      else {"inherits": "brand"})
        return True
    done = await write(con.request, run)
    what = "the default" if location_id is None else "the brand's template"
    flash(con.request, f"{LABELS[channel]} receipt template reset to {what}." if done
          else f"{LABELS[channel]} already uses {what}.")
    return redirect(con.url("settings/receipt-templates") + f"#template-{channel}")
