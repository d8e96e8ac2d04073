"""Cancelling an order (a provider void): status ``cancelled`` plus an ``order_cancelled`` event.

Idempotent: cancelling a cancelled order changes nothing.  Loyalty and bills have no cancel
hook yet, so a void after completion is recorded here and left to those domains to follow.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.events.service import append_event
from activereach.kit.db import utcnow
from activereach.kit.money import minor_to_major
from activereach.orders.models import Order


async def cancel_order(session: AsyncSession, order: Order, *, reason: str | None = None,
                       occurred_at: dt.datetime | None = None,
                       event_source: str = "api") -> dict[str, Any]:
    if order.status == "cancelled":
        return {"order_id": order.id, "status": "cancelled", "replayed": True}
    order.status = "cancelled"
    await append_event(
        session, workspace_id=order.workspace_id, message_id=f"order_cancelled:{order.id}",
        name="order_cancelled", timestamp=occurred_at or utcnow(), source=event_source,
        contact_id=order.contact_id, location_id=order.location_id,
        properties={"order_id": order.external_id, "canonical_order_id": order.id,
                    "total": minor_to_major(order.total, order.currency),
                    "currency": order.currency, "reason": reason, "channel": order.channel,
                    "source": order.source, "location_id": order.location_id})
    return {"order_id": order.id, "status": "cancelled", "replayed": False}
