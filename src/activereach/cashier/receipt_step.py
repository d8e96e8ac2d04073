"""The till's receipt step after payment: how the receipt went, and sending it again.

A till asks about its own sales only, by the ``client_order_id`` it made them under, and only
within its outlet. The answer is in people's words: channel, status (queued, sent, delivered,
failed, or why nothing was sent), the masked address and when; never an internal id.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.contacts.rules import IdentityError, mask_email, mask_phone, normalize_email, \
    normalize_phone
from activereach.kit.errors import NotFound, Unprocessable
from activereach.messaging.models import Message, ReceiptDispatch
from activereach.messaging.on_request import send_receipt_on
from activereach.orders.models import Order
from activereach.tenancy.auth import Principal


async def _till_order(session: AsyncSession, principal: Principal, client_order_id: str) -> Order:
    order = await session.scalar(select(Order).where(
        Order.workspace_id == principal.workspace.id, Order.client_order_id == client_order_id))
    if order is None or order.location_id != principal.location_id:
        raise NotFound("this till has no synced sale with that id yet")
    return order


def _masked(channel: str, recipient: str) -> str:
    return mask_email(recipient) if channel == "email" else mask_phone(recipient)


async def receipt_status(session: AsyncSession, principal: Principal,
                         client_order_id: str) -> dict[str, Any]:
    order = await _till_order(session, principal, client_order_id)
    messages = (await session.scalars(select(Message).where(
        Message.workspace_id == order.workspace_id, Message.order_id == order.id)
        .order_by(Message.created_at))).all()
    dispatch = await session.get(ReceiptDispatch, (order.workspace_id, order.id))
    return {
        "outcome": dispatch.outcome if dispatch else "queued",
        "reason": dispatch.reason if dispatch and not messages else None,
        "messages": [{"channel": m.channel, "status": m.status, "to": _masked(m.channel, m.recipient),
                      "resend": m.resend_of is not None, "updated_at": m.updated_at.isoformat()}
                     for m in messages],
    }


def _recipient(channel: str, to: str | None, country: str) -> str | None:
    if not to:
        return None
    try:
        found = normalize_email(to) if channel == "email" else normalize_phone(to, country)
    except IdentityError as exc:
        raise Unprocessable.field("to", str(exc)) from exc
    if found is None:
        raise Unprocessable.field("to", "that address reaches nobody")
    return found


async def send_again(session: AsyncSession, principal: Principal, client_order_id: str, *,
                     channel: str, to: str | None, key: str) -> dict[str, Any]:
    """Resend on a channel the receipt went by, or send it on another; then the new status."""
    order = await _till_order(session, principal, client_order_id)
    recipient = _recipient(channel, to, principal.workspace.country)
    await send_receipt_on(session, order.workspace_id, order.id, channel=channel,
                          recipient=recipient, key=key)
    return await receipt_status(session, principal, client_order_id)
