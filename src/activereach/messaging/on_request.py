"""Receipts sent on request after the sale: the same receipt again, or on another channel.

The till's receipt step (and the console) ask for these. A channel the order has no receipt on
yet gets a new outbox row rendered like the first (``dispatch``'s one row per order and
channel); a channel it has one on gets a resend of that row. Either way the send is a
``messaging.deliver`` job committed with the request, and an opted-out channel is refused.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.jobs.service import enqueue
from activereach.kit.errors import Conflict, NotFound, Unprocessable
from activereach.messaging import rules
from activereach.messaging.dispatch import create_receipt_message
from activereach.messaging.models import Message
from activereach.messaging.routing import load_context
from activereach.messaging.service import resend


async def send_receipt_on(session: AsyncSession, workspace_id: str, order_id: str, *,
                          channel: str, recipient: str | None, key: str) -> Message:
    """Send the order's receipt on ``channel`` (to ``recipient``, or the address on file)."""
    if channel not in rules.CHANNELS:
        raise Unprocessable.field("channel", "one of whatsapp, sms, email")
    ctx = await load_context(session, workspace_id, order_id)
    if ctx is None:
        raise NotFound(f"no order {order_id!r}")
    if channel not in ctx.channels:
        raise Unprocessable.field("channel", f"{channel} is not set up for this outlet")
    if channel in ctx.reach.opted_out:
        raise Conflict(f"the customer opted out of {channel}", code="opted_out")
    earlier = next((m for m in ctx.previous if m.channel == channel), None)
    to = recipient or (earlier.recipient if earlier else rules.address_for(channel, ctx.reach))
    if not to:
        raise Unprocessable.field("to", f"no {'email' if channel == 'email' else 'phone'} "
                                        "on file: give one")
    if earlier is not None and earlier.recipient == to:
        return await resend(session, workspace_id, earlier.id, key)
    if earlier is not None:
        raise Conflict(f"this receipt already went by {channel} to another address",
                       code="already_sent")
    msg = await create_receipt_message(session, ctx, channel, to)
    if msg is None:   # another request created it a moment ago
        found = await session.scalar(select(Message).where(
            Message.workspace_id == workspace_id, Message.dedupe_key == f"receipt:{order_id}:{channel}"))
        assert found is not None
        return found
    await session.flush()
    if msg.status != "failed":
        await enqueue(session, kind="messaging.deliver", workspace_id=workspace_id,
                      payload={"message_id": msg.id}, dedupe_key=f"messaging.deliver:{msg.id}:0")
    return msg
