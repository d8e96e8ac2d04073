"""Reading the delivery log: a destination's deliveries, newest first, and their reply shape."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.destinations.models import OutboundDelivery
from activereach.destinations.schemas import DeliveryOut
from activereach.kit.errors import NotFound

STATUSES = ("pending", "waiting", "delivered", "failed")


async def list_deliveries(session: AsyncSession, workspace_id: str, destination_id: str, *,
                          status: str | None, limit: int) -> list[OutboundDelivery]:
    query = select(OutboundDelivery).where(OutboundDelivery.workspace_id == workspace_id,
                                           OutboundDelivery.destination_id == destination_id)
    if status:
        query = query.where(OutboundDelivery.status == status)
    rows = await session.scalars(
        query.order_by(OutboundDelivery.created_at.desc(), OutboundDelivery.seq.desc())
        .limit(limit))
    return list(rows)


async def get_delivery(session: AsyncSession, workspace_id: str, destination_id: str,
                       delivery_id: str) -> OutboundDelivery:
    found = await session.get(OutboundDelivery, (workspace_id, delivery_id))
    if found is None or found.destination_id != destination_id:
        raise NotFound(f"no delivery {delivery_id!r}")
    return found


async def counts(session: AsyncSession, workspace_id: str,
                 destination_id: str) -> dict[str, int]:
    """Deliveries by status (the console's summary line)."""
    rows = await session.execute(
        select(OutboundDelivery.status, func.count())
        .where(OutboundDelivery.workspace_id == workspace_id,
               OutboundDelivery.destination_id == destination_id)
        .group_by(OutboundDelivery.status))
    found = {row[0]: int(row[1]) for row in rows}
    return {name: found.get(name, 0) for name in STATUSES}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def delivery_out(delivery: OutboundDelivery) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id, destination_id=delivery.destination_id, event_id=delivery.event_id,
        event_name=delivery.event_name, contact_id=delivery.contact_id, status=delivery.status,
        attempts=delivery.attempts, last_status_code=delivery.last_status_code,
        last_error=delivery.last_error, next_attempt_at=_iso(delivery.next_attempt_at),
        created_at=delivery.created_at.isoformat(), delivered_at=_iso(delivery.delivered_at),
        attempt_log=list(delivery.attempt_log or []))
