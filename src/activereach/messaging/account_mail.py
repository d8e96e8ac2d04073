"""Emails about a console account (an invite, a password reset) through the brand's email
channel, when one is configured with a provider that carries free text (SMTP, or the console
provider used by the demo and tests).

The email carries a one-time link. Like a member's code (``codes.py``) the link never rests
in the outbox: the row keeps the message with the link masked, and the provider gets the real
text from memory in the same request, after the transaction that issued the link commits.
Unlike a code, the console provider's row is masked too: the person who issued the link has
already seen it on their page, and the outbox is readable by every console role.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.kit.db import utcnow
from activereach.kit.ids import new_id
from activereach.messaging.channels import cached_channels
from activereach.messaging.codes import MASK, TEXT_PROVIDERS, CodeSend, deliver_code
from activereach.messaging.models import Message
from activereach.messaging.providers import Outbound, ProviderError, SendResult
from activereach.messaging.providers.base import kept_response
from activereach.messaging.service import record_status

PURPOSE = "console_account"

__all__ = ["deliver_code", "record_outcome", "start_account_email"]


async def start_account_email(session: AsyncSession, *, workspace_id: str, to: str,
                              content: dict[str, Any], secret: str,
                              dedupe: str) -> CodeSend | None:
    """The outbox row (``secret`` masked) and the send to make after commit; None when the
    brand has no email channel that can carry it."""
    resolved = (await cached_channels(session, workspace_id, None)).get("email")
    if resolved is None or resolved.provider not in TEXT_PROVIDERS["email"]:
        return None
    kept = {key: str(value).replace(secret, MASK) for key, value in content.items()}
    now = utcnow()
    msg = Message(
        workspace_id=workspace_id, id=new_id("msg"), dedupe_key=f"{PURPOSE}:{dedupe}",
        purpose=PURPOSE, order_id=None, contact_id=None, location_id=None, resend_of=None,
        channel="email", provider=resolved.provider, recipient=to, template=PURPOSE,
        params={}, content=kept, status="queued",
        status_history=[{"status": "queued", "at": now.isoformat(), "source": "console"}],
        attempts=1, created_at=now, updated_at=now)
    session.add(msg)
    outbound = Outbound(message_id=msg.id, channel="email", to=to, content=content,
                        callback_data=f"msg:{msg.id}",
                        status_callback_url=resolved.config.get("status_callback_url"))
    return CodeSend((workspace_id, msg.id), resolved.provider, outbound, resolved.config,
                    resolved.secrets)


async def record_outcome(session: AsyncSession, send: CodeSend,
                         outcome: SendResult | Exception) -> str:
    """Sent or failed on the outbox row; "" when sent, else the reason in words."""
    msg = await session.get(Message, send.key)
    if msg is None:
        return "the message row is gone"
    if isinstance(outcome, SendResult):
        msg.provider_message_id = outcome.provider_message_id
        msg.provider_response = kept_response(outcome.response)
        await record_status(session, msg, "sent", source="console")
        return ""
    code, text = ((outcome.code, outcome.message) if isinstance(outcome, ProviderError)
                  else ("send_error", type(outcome).__name__))
    await record_status(session, msg, "failed", source="console", error_code=code, error=text)
    return text
