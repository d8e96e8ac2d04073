"""Settings → Receipt templates: the Active Bill message each channel sends (WhatsApp template
name, language and parameters; the SMS DLT text and variables; the email subject, text and
HTML), edited by the owner, with a preview rendered from the brand's latest order."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.models import BillReceipt
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.messaging import LABELS
from activereach.console.web import flash, page, redirect
from activereach.kit.errors import AppError, NotFound, Unprocessable
from activereach.kit.http import read, write
from activereach.messaging import rules, service
from activereach.messaging.templates import VARIABLES
from activereach.messaging.schemas import EmailTemplateIn, SmsTemplateIn, WhatsAppTemplateIn

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
BASE = "/dashboard/{workspace}/settings/receipt-templates"
SCHEMAS: dict[str, type[BaseModel]] = {
    "whatsapp": WhatsAppTemplateIn, "sms": SmsTemplateIn, "email": EmailTemplateIn}
# Form fields holding one value per line (lists in the template).
LIST_FIELDS = {"body_params", "variables"}


def content_from_form(channel: str, form: dict[str, str]) -> dict[str, Any]:
    """The template fields the form posted for ``channel``; validation names any bad field."""
    fields = SCHEMAS[channel].model_fields
    raw: dict[str, Any] = {}
    for name in fields:
        value = form.get(name, "")
        if name in LIST_FIELDS:
            raw[name] = [line.strip() for line in value.splitlines() if line.strip()]
        elif value.strip():
            raw[name] = value.strip() if name not in ("text", "html") else value
    try:
        return SCHEMAS[channel].model_validate(raw).model_dump(exclude_none=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise Unprocessable.field(".".join(str(p) for p in first["loc"]) or "form",
                                  first["msg"]) from exc


async def _latest_billed_order(session: AsyncSession, ws: str) -> str | None:
    return await session.scalar(select(BillReceipt.order_id).where(
        BillReceipt.workspace_id == ws).order_by(BillReceipt.created_at.desc()).limit(1))


async def _page(con: Console, status_code: int = 200, **extra: Any) -> HTMLResponse:
    ws = con.workspace.id

    async def load(session: AsyncSession) -> dict[str, Any]:
        current = await service.get_templates(session, ws)
        order_id = await _latest_billed_order(session, ws)
        preview = await service.preview(session, ws, order_id, None, None) if order_id else {}
        return {"current": current, "order_id": order_id, "preview": preview}
    data = await read(con.request, load)
    ctx = {"channels": rules.CHANNELS, "labels": LABELS, "variables": VARIABLES, "can_edit": con.is_owner,
           "errors": {}, "error_channel": None, "values": {}, **data, **extra}
    return page(con, "console/receipt_templates.html", "receipt-templates",
                status_code=status_code, **ctx)


@router.get(BASE, response_class=HTMLResponse)
async def receipt_templates(con: Con) -> HTMLResponse:
    return await _page(con)


@router.post(BASE + "/{channel}", response_model=None)
async def save_template(channel: str, con: Con) -> HTMLResponse | RedirectResponse:
    """Owner only: the template is a brand setting (every outlet sends the same message)."""
    form = await form_with_csrf(con.request)
    con.require_owner()
    if channel not in SCHEMAS:
        raise NotFound(f"channel: no channel {channel!r}")
    values = {k: v for k, v in form.items() if k != "csrf_token"}
    try:
        content = content_from_form(channel, values)
        await write(con.request, lambda s: service.put_template(s, con.workspace.id, channel,
                                                                 content))
    except AppError as exc:
        detail = (exc.details or [{}])[0] if isinstance(exc.details, list) else {}
        errors = {detail.get("field", "form"): detail.get("message", exc.message)}
        return await _page(con, 422, errors=errors, error_channel=channel, values=values)
    flash(con.request, f"{LABELS[channel]} receipt template saved.")
    return redirect(con.url("settings/receipt-templates"))
