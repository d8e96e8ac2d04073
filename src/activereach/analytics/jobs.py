"""Roll-up jobs: fold each order and refund into ``daily_sales`` and the contact's summary.

Increments are safe because a job's writes commit together with its ``done`` flag, exactly once.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.analytics.models import DailySales
from activereach.analytics.rules import local_day
from activereach.contacts.models import Contact
from activereach.jobs.models import Job
from activereach.jobs.registry import job
from activereach.orders.models import Order, OrderRefund
from activereach.tenancy.models import Location, Workspace


async def _timezone(session: AsyncSession, order: Order) -> str:
    if order.location_id:
        location = await session.get(Location, (order.workspace_id, order.location_id))
        if location is not None and location.timezone:
            return location.timezone
    workspace = await session.get(Workspace, order.workspace_id)
    return workspace.timezone if workspace else "UTC"


async def _bump(session: AsyncSession, order: Order, day: str, *, orders: int = 0, gross: int = 0,
                refunds: int = 0, refund_count: int = 0) -> None:
    key = (order.workspace_id, day, order.location_id or "", order.channel, order.source, order.currency)
    row = await session.get(DailySales, key, with_for_update=True)
    if row is None:
        row = DailySales(workspace_id=key[0], day=day, location_id=key[2], channel=key[3],
                         source=key[4], currency=key[5], orders=0, gross=0, refunds=0, refund_count=0)
        session.add(row)
    row.orders += orders
    row.gross += gross
    row.refunds += refunds
    row.refund_count += refund_count


@job("analytics.apply_order")
async def apply_order(session: AsyncSession, job_row: Job) -> None:
    order = await session.get(Order, (job_row.workspace_id, job_row.payload["order_id"]))
    if order is None:
        return
    day = local_day(order.occurred_at, await _timezone(session, order))
    await _bump(session, order, day, orders=1, gross=order.total)
    if order.contact_id:
        contact = await session.get(Contact, (order.workspace_id, order.contact_id), with_for_update=True)
        if contact is not None:
            contact.orders_count += 1
            contact.total_spent += order.total
            if contact.first_order_at is None or order.occurred_at < contact.first_order_at:
                contact.first_order_at = order.occurred_at
            if contact.last_order_at is None or order.occurred_at > contact.last_order_at:
                contact.last_order_at = order.occurred_at


@job("analytics.apply_refund")
async def apply_refund(session: AsyncSession, job_row: Job) -> None:
    refund = await session.get(OrderRefund, (job_row.workspace_id, job_row.payload["refund_id"]))
    if refund is None:
        return
    order = await session.get(Order, (refund.workspace_id, refund.order_id))
    if order is None:
        return
    day = local_day(refund.occurred_at, await _timezone(session, order))
    await _bump(session, order, day, refunds=refund.amount, refund_count=1)
    if order.contact_id:
        await session.execute(
            update(Contact)
            .where(Contact.workspace_id == order.workspace_id, Contact.id == order.contact_id)
            .values(total_spent=Contact.total_spent - refund.amount)
        )


async def sales_rows(session: AsyncSession, workspace_id: str) -> list[DailySales]:
    rows = await session.execute(select(DailySales).where(DailySales.workspace_id == workspace_id))
    return list(rows.scalars())
