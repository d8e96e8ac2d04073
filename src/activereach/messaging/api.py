"""Admin routes: channel settings and outlet pinning, templates and preview, outbox, consent.

The console's Settings → Channels and Messages pages are built on these routes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.kit import crypto
from activereach.kit.errors import NotFound, Unprocessable
from activereach.kit.http import read, write
from activereach.messaging import channels as tiers
from activereach.messaging import service
from activereach.messaging.schemas import (Channel, ChannelIn, ConsentIn, EmailTemplateIn,
                                           OutletEmailTemplateIn, OutletPinIn,
                                           OutletSmsTemplateIn, OutletWhatsAppTemplateIn,
                                           PreviewIn, SmsTemplateIn, WhatsAppTemplateIn)
from activereach.tenancy.auth import AdminAuth
from activereach.tenancy.service import find_location


async def _bind_settings(request: Request) -> None:
    # Credentials are encrypted with a key derived from this server's secret key.
    crypto.use_settings(request.app.state.settings)


router = APIRouter(prefix="/v1", tags=["messaging"], dependencies=[Depends(_bind_settings)])
TEMPLATE_SCHEMAS: dict[str, type[BaseModel]] = {
    "whatsapp": WhatsAppTemplateIn, "sms": SmsTemplateIn, "email": EmailTemplateIn}
STATUSES = ("queued", "sent", "delivered", "read", "failed")


async def _location_id(session: AsyncSession, workspace_id: str, ref: str | None,
                       field: str = "outlet") -> str | None:
    if not ref:
        return None
    location = await find_location(session, workspace_id, ref)
    if location is None:
        raise NotFound(f"{field}: no outlet with id or code {ref!r}")
    return location.id


# ---- channels -----------------------------------------------------------------------------

@router.get("/messaging/channels")
async def list_channels(principal: AdminAuth, request: Request) -> dict[str, Any]:
    ws = principal.workspace.id
    rows = await read(request, lambda s: tiers.list_channels(s, ws))
    return {"data": [tiers.document(r) for r in rows]}


@router.put("/messaging/channels/{channel}")
async def put_channel(channel: Channel, body: ChannelIn, principal: AdminAuth,
                      request: Request) -> dict[str, Any]:
    ws = principal.workspace.id
    row = await write(request, lambda s: tiers.put_channel(
        s, ws, channel, provider=body.provider, enabled=body.enabled, config=body.config,
        secrets=body.secrets))
    return tiers.document(row)


@router.delete("/messaging/channels/{channel}", status_code=204)
async def delete_channel(channel: Channel, principal: AdminAuth, request: Request) -> Response:
    ws = principal.workspace.id
    await write(request, lambda s: tiers.delete_channel(s, ws, channel))
    return Response(status_code=204)


@router.put("/messaging/channels/{channel}/outlets/{outlet}")
async def pin_outlet(channel: Channel, outlet: str, body: OutletPinIn, principal: AdminAuth,
                     request: Request) -> dict[str, Any]:
    ws = principal.workspace.id

    async def run(session: AsyncSession) -> Any:
        location_id = await _location_id(session, ws, outlet)
        return await tiers.put_channel(session, ws, channel, provider=None, enabled=body.enabled,
                                       config=body.config, secrets=body.secrets,
                                       location_id=location_id)

    return tiers.document(await write(request, run))


@router.delete("/messaging/channels/{channel}/outlets/{outlet}", status_code=204)
async def unpin_outlet(channel: Channel, outlet: str, principal: AdminAuth,
                       request: Request) -> Response:
    ws = principal.workspace.id

    async def run(session: AsyncSession) -> None:
        location_id = await _location_id(session, ws, outlet)
        await tiers.delete_channel(session, ws, channel, location_id)

    await write(request, run)
    return Response(status_code=204)


# ---- templates ----------------------------------------------------------------------------

OUTLET_TEMPLATE_SCHEMAS: dict[str, type[BaseModel]] = {
    "whatsapp": OutletWhatsAppTemplateIn, "sms": OutletSmsTemplateIn,
    "email": OutletEmailTemplateIn}


def template_content(channel: str, body: dict[str, Any], outlet: bool) -> dict[str, Any]:
    """The template body validated for its tier (an outlet's fields are all optional)."""
    schema = (OUTLET_TEMPLATE_SCHEMAS if outlet else TEMPLATE_SCHEMAS)[channel]
    try:
        return schema.model_validate(body).model_dump(exclude_none=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise Unprocessable.field(field, first["msg"]) from exc


@router.get("/messaging/templates")
async def get_templates(principal: AdminAuth, request: Request,
                        outlet: str | None = Query(default=None, max_length=40)
                        ) -> dict[str, Any]:
    ws = principal.workspace.id

    async def run(session: AsyncSession) -> dict[str, Any]:
        location_id = await _location_id(session, ws, outlet)
        return await service.get_templates(session, ws, location_id)

    return await read(request, run)


@router.get("/messaging/templates/{channel}")
async def get_template(channel: Channel, principal: AdminAuth, request: Request,
                       outlet: str | None = Query(default=None, max_length=40)
                       ) -> dict[str, Any]:
    ws = principal.workspace.id

    async def run(session: AsyncSession) -> dict[str, Any]:
        location_id = await _location_id(session, ws, outlet)
        return await service.template_doc(session, ws, channel, location_id)

    return await read(request, run)


@router.put("/messaging/templates/{channel}")
async def put_template(channel: Channel, body: dict[str, Any], principal: AdminAuth,
                       request: Request, outlet: str | None = Query(default=None, max_length=40)
                       ) -> dict[str, Any]:
    ws = principal.workspace.id
    content = template_content(channel, body, outlet is not None)

    async def run(session: AsyncSession) -> dict[str, Any]:
        location_id = await _location_id(session, ws, outlet)
        return await service.put_template(session, ws, channel, content, location_id)

    return await write(request, run)


@router.delete("/messaging/templates/{channel}", status_code=204)
async def reset_template(channel: Channel, principal: AdminAuth, request: Request,
                         outlet: str | None = Query(default=None, max_length=40)) -> Response:
    """Back to the built-in default (or, with ``outlet``, to the brand's); idempotent."""
    ws = principal.workspace.id

    async def run(session: AsyncSession) -> None:
        location_id = await _location_id(session, ws, outlet)
        await service.reset_template(session, ws, channel, location_id)

    await write(request, run)
    return Response(status_code=204)


@router.post("/messaging/preview")
async def preview(body: PreviewIn, principal: AdminAuth, request: Request) -> dict[str, Any]:
    ws = principal.workspace.id
    return await read(request, lambda s: service.preview(s, ws, body.order_id, body.channel,
                                                         body.template))


# ---- outbox -------------------------------------------------------------------------------

@router.get("/messages")
async def list_messages(principal: AdminAuth, request: Request,
                        order_id: str | None = Query(default=None, max_length=40),
                        status: str | None = Query(default=None),
                        channel: Channel | None = None,
                        outlet: str | None = Query(default=None, max_length=40),
                        since: dt.datetime | None = None, until: dt.datetime | None = None,
                        before: str | None = Query(default=None, max_length=40),
                        limit: int = Query(default=50, ge=1, le=200)) -> dict[str, Any]:
    ws = principal.workspace.id
    if status is not None and status not in STATUSES:
        raise Unprocessable.field("status", f"one of {', '.join(STATUSES)}")
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise Unprocessable.field(name, "needs a timezone offset")

    async def run(session: AsyncSession) -> dict[str, Any]:
        location_id = await _location_id(session, ws, outlet)
        rows = await service.list_messages(
            session, ws, order_id=order_id, status=status, channel=channel,
            location_id=location_id, since=since, until=until, before=before, limit=limit)
        out: dict[str, Any] = {"data": [service.document(m) for m in rows],
                               "next_before": rows[-1].id if len(rows) == limit else None}
        if order_id:
            out["dispatch"] = await service.get_dispatch(session, ws, order_id)
        return out

    return await read(request, run)


@router.get("/messages/{message_id}")
async def get_message(message_id: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    ws = principal.workspace.id
    msg = await read(request, lambda s: service.get_message(s, ws, message_id))
    return service.document(msg)


@router.post("/messages/{message_id}/resend", status_code=202)
async def resend(message_id: str, principal: AdminAuth, request: Request,
                 idempotency_key: str | None = Header(default=None, max_length=200)
                 ) -> dict[str, Any]:
    ws = principal.workspace.id
    msg = await write(request, lambda s: service.resend(s, ws, message_id, idempotency_key))
    return service.document(msg)


# ---- consent ------------------------------------------------------------------------------

@router.get("/messaging/consent/{contact_id}")
async def get_consent(contact_id: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    ws = principal.workspace.id
    return await read(request, lambda s: service.get_consent(s, ws, contact_id))


@router.put("/messaging/consent/{contact_id}/{channel}")
async def put_consent(contact_id: str, channel: Channel, body: ConsentIn, principal: AdminAuth,
                      request: Request) -> dict[str, Any]:
    ws = principal.workspace.id

    async def run(session: AsyncSession) -> dict[str, Any]:
        await service.set_consent(session, ws, contact_id, channel, body.status,
                                  source=body.source, evidence=body.evidence)
        return await service.get_consent(session, ws, contact_id)

    return await write(request, run)
