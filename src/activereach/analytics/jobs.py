"""Roll-up jobs: fold each order and refund into the analytics roll-ups and the contact summary.

Increments are safe because a job's writes commit together with its ``done`` flag, exactly once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.analytics.models import ContactFirstDay, DailyContactSales, DailySales
from activereach.analytics.rollups import add_points, add_to, keep_min, timezone_of, upsert
from activereach.analytics.rules import local_day
from activereach.contacts.models import Contact
from activereach.jobs.models import Job
from activereach.jobs.registry import job
from activereach.kit import deferred
from activereach.kit.db import preload, statement
from activereach.orders.models import Order, OrderRefund


async def _bump(session: AsyncSession, order: Order, day: str, *, orders: int = 0, gross: int = 0,
                refunds: int = 0, refund_count: int = 0) -> None:
    row = {"workspace_id": order.workspace_id, "day": day, "location_id": order.location_id or "",
           "channel": order.channel, "source": order.source, "currency": order.currency,
           "orders": orders, "gross": gross, "refunds": refunds, "refund_count": refund_count}
    await add_to(session, DailySales, row, "orders", "gross", "refunds", "refund_count")


async def _bump_contact(session: AsyncSession, order: Order, day: str, *, orders: int = 0,
                        gross: int = 0, refunds: int = 0) -> None:
    """The per-contact roll-up; anonymous orders only count in ``daily_sales``."""
    if not order.contact_id:
        return
    row = {"workspace_id": order.workspace_id, "day": day, "location_id": order.location_id or "",
           "channel": order.channel, "currency": order.currency, "contact_id": order.contact_id,
           "orders": orders, "gross": gross, "refunds": refunds}
    await add_to(session, DailyContactSales, row, "orders", "gross", "refunds")


async def _first_day(session: AsyncSession, order: Order, day: str) -> None:
    """Keep the earliest local order day per contact and currency (orders may arrive late)."""
    if not order.contact_id:
        return
    row = {"workspace_id": order.workspace_id, "currency": order.currency,
           "contact_id": order.contact_id, "first_day": day}
    await keep_min(session, ContactFirstDay, row, "first_day")


def _summary_update(dialect: Any) -> Any:
    """The contact's order count, spend and first/last order times, moved by one order (a Core
    statement: executed with many rows it is a plain ``executemany``, not an ORM bulk update)."""
    table = Contact.__table__
    at = bindparam("at", type_=table.c.first_order_at.type)
    c = table.c
    return (update(table)
            .where(c.workspace_id == bindparam("ws"), c.id == bindparam("cid"))
            .values(orders_count=c.orders_count + 1, total_spent=c.total_spent + bindparam("total"),
                    first_order_at=case((or_(c.first_order_at.is_(None), c.first_order_at > at),
                                         at), else_=c.first_order_at),
                    last_order_at=case((or_(c.last_order_at.is_(None), c.last_order_at < at),
                                        at), else_=c.last_order_at)))


async def _bump_summary(session: AsyncSession, order: Order) -> None:
    """One ``UPDATE`` with no read first (deferred to the batch's end inside a worker batch)."""
    if not order.contact_id:
        return
    stmt = statement(session, ("contact_summary",), _summary_update)
    row = {"ws": order.workspace_id, "cid": order.contact_id, "total": order.total,
           "at": order.occurred_at}
    await deferred.write(session, stmt, row, key=(order.workspace_id, order.id))


async def _load_orders(session: AsyncSession, jobs: list[Job]) -> None:
    await preload(session, Order, [(j.workspace_id, j.payload["order_id"]) for j in jobs])


@job("analytics.apply_order", batch=True, prepare=_load_orders)
async def apply_order(session: AsyncSession, job_row: Job) -> None:
    order = await session.get(Order, (job_row.workspace_id, job_row.payload["order_id"]))
    if order is None:
        return
    day = local_day(order.occurred_at, await timezone_of(session, order.workspace_id, order.location_id))
    await _bump(session, order, day, orders=1, gross=order.total)
    await _bump_contact(session, order, day, orders=1, gross=order.total)
    await _first_day(session, order, day)
    await add_points(session, order.workspace_id, order.location_id, day,
                     (order.result or {}).get("loyalty"))
    await _bump_summary(session, order)


@job("analytics.apply_refund", batch=True)
async def apply_refund(session: AsyncSession, job_row: Job) -> None:
    refund = await session.get(OrderRefund, (job_row.workspace_id, job_row.payload["refund_id"]))
    if refund is None:
        return
    order = await session.get(Order, (refund.workspace_id, refund.order_id))
    if order is None:
        return
    day = local_day(refund.occurred_at, await timezone_of(session, order.workspace_id, order.location_id))
    await _bump(session, order, day, refunds=refund.amount, refund_count=1)
    await _bump_contact(session, order, day, refunds=refund.amount)
    await add_points(session, order.workspace_id, order.location_id, day,
                     (refund.result or {}).get("loyalty"))
    if order.contact_id:
        await session.execute(
            update(Contact)
            .where(Contact.workspace_id == order.workspace_id, Contact.id == order.contact_id)
            .values(total_spent=Contact.total_spent - refund.amount)
        )


async def sales_rows(session: AsyncSession, workspace_id: str) -> list[DailySales]:
    rows = await session.execute(select(DailySales).where(DailySales.workspace_id == workspace_id))
    return list(rows.scalars())
