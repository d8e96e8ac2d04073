"""One-time codes to a contact's phone or email (the member page's sign-in), on the receipt
channels the workspace already configured.

Only providers that carry free text send codes: SMS through Twilio or the console provider,
email through SMTP or the console provider. WhatsApp Cloud and MSG91 send only templates the
brand registered (an authentication template, a DLT flow), which no workspace has yet.

The code is never stored in the clear: the outbox row keeps the message with the code masked
and the provider gets the real text from memory, in the same request (no job, so nothing holds
the code between the request and the send; a failed send is answered at once and the shopper
asks again). The console provider is the exception: it sends nothing, its outbox row *is* the
delivery, so its row keeps the text as sent (demo and tests only).

A contact's opt-out of a channel is honoured here too: no code goes where they said stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.contacts.rules import mask_email, mask_phone
from activereach.kit.db import utcnow
from activereach.kit.ids import new_id
from activereach.messaging.channels import ResolvedChannel, cached_channels
from activereach.messaging import dispatch
from activereach.messaging.models import Message
from activereach.messaging.providers import Outbound, ProviderError, SendResult, get_provider
from activereach.messaging.providers.base import kept_response, shared_client
from activereach.messaging.routing import reach_of
from activereach.messaging.service import record_status

log = structlog.get_logger(__name__)

PURPOSE = "member_code"
TEXT_PROVIDERS = {"sms": ("twilio", "console"), "email": ("smtp", "console")}
CHANNEL_WORDS = {"sms": "text message", "email": "email"}
MASK = "••••••"


@dataclass(frozen=True)
class CodeChannel:
    """A channel a code can go out on now, and where to, masked for the page."""

    channel: str
    recipient: str
    masked: str


@dataclass(frozen=True)
class CodeSend:
    """The provider call for one code message; ``outbound`` holds the real text (memory only)."""

    key: tuple[str, str]
    provider: str
    outbound: Outbound
    config: dict[str, Any]
    secrets: dict[str, str]


async def code_channels(session: AsyncSession, workspace_id: str, contact_id: str,
                        location_id: str | None) -> list[CodeChannel]:
    """SMS, then email: each where configured for a free-text provider, with an address on
    the contact's profile and no opt-out."""
    found, opted_out = await reach_of(session, workspace_id, contact_id)
    channels = await cached_channels(session, workspace_id, location_id)
    out = []
    for channel, kind, mask in (("sms", "phone", mask_phone), ("email", "email", mask_email)):
        resolved, address = channels.get(channel), found.get(kind)
        if (resolved is None or resolved.provider not in TEXT_PROVIDERS[channel]
                or not address or channel in opted_out):
            continue
        out.append(CodeChannel(channel, address, mask(address)))
    return out


def code_content(channel: str, brand: str, code: str, minutes: int) -> dict[str, Any]:
    """The message: short, says what the code is for and that nobody should ask for it."""
    line = (f"{code} is your {brand} code to see your points history and preferences. "
            f"It expires in {minutes} minutes. Never share it.")
    if channel == "sms":
        return {"text": line}
    return {"subject": f"Your {brand} code",
            "text": f"{line}\n\nIf you did not ask for it, ignore this email.\n\n{brand}\n",
            "html": (f"<!doctype html><html><body style=\"font-family:sans-serif;color:#222\">"
                     f"<p>Your code: <strong style=\"font-size:22px;letter-spacing:3px\">{code}"
                     f"</strong></p><p>It expires in {minutes} minutes. Never share it.</p>"
                     f"<p>If you did not ask for it, ignore this email.</p></body></html>")}


def _masked(content: dict[str, Any], code: str) -> dict[str, Any]:
    return {key: value.replace(code, MASK) for key, value in content.items()}


async def start_code_message(session: AsyncSession, *, workspace_id: str, contact_id: str,
                             location_id: str | None, target: CodeChannel, brand: str,
                             code: str, minutes: int, dedupe: str) -> CodeSend:
    """The outbox row (code masked, except for the console provider) and the call to make
    once this transaction commits."""
    channels = await cached_channels(session, workspace_id, location_id)
    resolved: ResolvedChannel = channels[target.channel]
    content = code_content(target.channel, brand, code, minutes)
    kept = content if resolved.provider == "console" else _masked(content, code)
    now = utcnow()
    msg = Message(
        workspace_id=workspace_id, id=new_id("msg"), dedupe_key=f"{PURPOSE}:{dedupe}",
        purpose=PURPOSE, order_id=None, contact_id=contact_id, location_id=location_id,
        resend_of=None, channel=target.channel, provider=resolved.provider,
        recipient=target.recipient, template=PURPOSE, params={}, content=kept,
        status="queued", status_history=[{"status": "queued", "at": now.isoformat(),
                                          "source": "member_page"}],
        attempts=1, created_at=now, updated_at=now)
    session.add(msg)
    outbound = Outbound(message_id=msg.id, channel=target.channel, to=target.recipient,
                        content=content, callback_data=f"msg:{msg.id}",
                        status_callback_url=resolved.config.get("status_callback_url"))
    return CodeSend((workspace_id, msg.id), resolved.provider, outbound, resolved.config,
                    resolved.secrets)


async def deliver_code(send: CodeSend) -> SendResult | Exception:
    """The provider call, with no transaction open; any failure is returned, not raised."""
    try:
        return await get_provider(send.provider).send(
            send.outbound, send.config, send.secrets, dispatch.client_override or shared_client())
    except Exception as exc:  # noqa: BLE001 (recorded as the send's outcome)
        return exc


async def record_code_outcome(session: AsyncSession, send: CodeSend,
                              outcome: SendResult | Exception) -> bool:
    """Sent or failed on the outbox row (no retry: the shopper asks for a new code)."""
    msg = await session.get(Message, send.key)
    if msg is None:
        return False
    if isinstance(outcome, SendResult):
        msg.provider_message_id = outcome.provider_message_id
        msg.provider_response = kept_response(outcome.response)
        await record_status(session, msg, "sent", source="member_page")
        return True
    if isinstance(outcome, ProviderError):
        code, text = outcome.code, outcome.message
        msg.provider_response = kept_response(outcome.response)
    else:   # not the provider's answer (a bug, a broken connection pool): say so in the log
        code, text = "send_error", type(outcome).__name__
        log.warning("member code send failed", message_id=msg.id, error_type=text)
    await record_status(session, msg, "failed", source="member_page", error_code=code,
                        error=text)
    return False
