"""Provider callbacks: delivery statuses and inbound opt-out replies, verified before use.

The workspace slug is in the URL so that its secrets (WhatsApp app secret, Twilio auth token)
are found before the signature is checked; nothing is read from an unverified body.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.contacts.service import find_by_identity
from activereach.kit import crypto
from activereach.kit.errors import BadRequest, Forbidden, NotFound, Unauthorized
from activereach.kit.http import read, write
from activereach.messaging import rules
from activereach.messaging.channels import list_channels, workspace_secrets
from activereach.messaging.models import Message
from activereach.messaging.providers import twilio, whatsapp_cloud
from activereach.messaging.service import record_status, set_consent
from activereach.tenancy.models import Workspace

router = APIRouter(prefix="/v1/messaging/webhooks", tags=["messaging webhooks"])
WA_STATUS = {"sent": "sent", "delivered": "delivered", "read": "read", "played": "read",
             "failed": "failed"}


async def _workspace(session: AsyncSession, slug: str) -> Workspace:
    ws = await session.scalar(select(Workspace).where(Workspace.slug == slug))
    if ws is None:
        raise NotFound(f"workspace {slug!r} not found")
    return ws


async def _find_message(session: AsyncSession, workspace_id: str, provider_id: str,
                        callback: str | None) -> Message | None:
    own_id = callback.removeprefix("msg:") if callback and callback.startswith("msg:") else None
    clauses = [Message.provider_message_id == provider_id]
    if own_id:
        clauses.append(Message.id == own_id)
    return await session.scalar(select(Message).where(
        Message.workspace_id == workspace_id, or_(*clauses)).limit(1))


def _timestamp(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(value), dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


async def _opt(session: AsyncSession, workspace_id: str, phone: str, channel: str, text: str,
               source: str) -> str | None:
    """Record consent from an inbound STOP/START reply; the number must be a known contact."""
    word = rules.keyword(text)
    if word is None:
        return None
    contact = await find_by_identity(session, workspace_id, "phone", phone)
    if contact is None:
        return "unknown_contact"
    await set_consent(session, workspace_id, contact.id, channel,
                      "opted_out" if word == "opt_out" else "opted_in", source=source,
                      evidence=text.strip()[:500])
    return word


# ---- WhatsApp Cloud API ---------------------------------------------------------------------

@router.get("/whatsapp/{slug}")
async def whatsapp_verify(slug: str, request: Request) -> PlainTextResponse:
    """Meta's subscription handshake: echo ``hub.challenge`` when ``hub.verify_token`` matches."""
    params = request.query_params
    crypto.use_settings(request.app.state.settings)

    async def tokens(session: AsyncSession) -> list[str]:
        ws = await _workspace(session, slug)
        return await workspace_secrets(session, ws.id, "whatsapp", "whatsapp_cloud", "verify_token")

    token = params.get("hub.verify_token") or ""
    known = await read(request, tokens)
    if params.get("hub.mode") != "subscribe" or not any(
            hmac.compare_digest(token, value) for value in known):
        raise Forbidden("hub.verify_token does not match")
    return PlainTextResponse(params.get("hub.challenge") or "")


@router.post("/whatsapp/{slug}")
async def whatsapp_events(slug: str, request: Request) -> dict[str, Any]:
    raw = await request.body()
    signature = request.headers.get("x-hub-signature-256")
    crypto.use_settings(request.app.state.settings)

    async def body(session: AsyncSession) -> dict[str, Any]:
        ws = await _workspace(session, slug)
        secrets = await workspace_secrets(session, ws.id, "whatsapp", "whatsapp_cloud", "app_secret")
        if not any(whatsapp_cloud.verify_signature(s, raw, signature) for s in secrets):
            raise Unauthorized("X-Hub-Signature-256 does not match the body", code="bad_signature")
        try:
            payload = json.loads(raw)
        except ValueError as exc:
            raise BadRequest("body is not valid JSON", code="malformed_json") from exc
        statuses, inbound = whatsapp_cloud.parse_webhook(payload if isinstance(payload, dict) else {})
        applied = 0
        for status in statuses:
            applied += await _wa_status(session, ws.id, status)
        opted = [await _opt(session, ws.id, "+" + str(m.get("from", "")).lstrip("+"), "whatsapp",
                            whatsapp_cloud.inbound_text(m), "whatsapp_reply") for m in inbound]
        return {"statuses": len(statuses), "applied": applied,
                "consent": [o for o in opted if o]}

    return await write(request, body)


async def _wa_status(session: AsyncSession, workspace_id: str, status: dict[str, Any]) -> int:
    ours = WA_STATUS.get(str(status.get("status")))
    msg = await _find_message(session, workspace_id, str(status.get("id") or ""),
                              status.get("biz_opaque_callback_data"))
    if ours is None or msg is None:
        return 0
    errors = status.get("errors") or [{}]
    first = errors[0] if isinstance(errors[0], dict) else {}
    code = str(first["code"]) if ours == "failed" and first.get("code") else None
    message = first.get("message") or first.get("title")
    changed = await record_status(session, msg, ours, source="webhook",
                                  at=_timestamp(status.get("timestamp")), error_code=code,
                                  error=message, provider_status=str(status.get("status")))
    return int(changed)


# ---- Twilio ---------------------------------------------------------------------------------

@router.post("/twilio/{slug}")
async def twilio_events(slug: str, request: Request) -> Response:
    """Status callbacks (``MessageStatus``) and inbound SMS (STOP/START) for one workspace."""
    raw = await request.body()
    params = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    header = request.headers.get("x-twilio-signature")
    crypto.use_settings(request.app.state.settings)

    async def body(session: AsyncSession) -> dict[str, Any]:
        ws = await _workspace(session, slug)
        tokens = await workspace_secrets(session, ws.id, "sms", "twilio", "auth_token")
        urls = {str(request.url)} | set(await _callback_urls(session, ws.id))
        if not any(twilio.verify_signature(t, u, params, header) for t in tokens for u in urls):
            raise Unauthorized("X-Twilio-Signature does not match", code="bad_signature")
        if params.get("MessageStatus"):
            return await _twilio_status(session, ws.id, params)
        opted = await _opt(session, ws.id, params.get("From", ""), "sms", params.get("Body", ""),
                           "sms_reply")
        return {"consent": opted}

    result = await write(request, body)
    if "consent" in result:  # inbound: Twilio expects TwiML; an empty reply sends nothing back
        return Response('<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
                        media_type="application/xml")
    return Response(json.dumps(result), media_type="application/json")


async def _callback_urls(session: AsyncSession, workspace_id: str) -> list[str]:
    return [str(r.config["status_callback_url"]) for r in await list_channels(session, workspace_id)
            if r.provider == "twilio" and (r.config or {}).get("status_callback_url")]


async def _twilio_status(session: AsyncSession, workspace_id: str,
                         params: dict[str, str]) -> dict[str, Any]:
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    raw_status = params.get("MessageStatus", "")
    ours = twilio.STATUS_MAP.get(raw_status)
    msg = await _find_message(session, workspace_id, sid, None)
    if ours is None or msg is None:
        return {"applied": 0}
    code = params.get("ErrorCode") or None
    changed = await record_status(session, msg, ours, source="webhook",
                                  error_code=code if ours == "failed" else None,
                                  error=f"twilio {raw_status}" if code else None,
                                  provider_status=raw_status)
    return {"applied": int(changed)}
