"""SQL over the roll-ups for one workspace, local-day range, currency and chip-strip scope.

Every function takes the same ``Scope``; ``location_id`` None means "All outlets".
Days are ``YYYY-MM-DD`` strings in each outlet's timezone, so a range is a string comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.analytics.models import ContactFirstDay, DailyContactSales, DailySales


@dataclass(frozen=True)
class Scope:
    workspace_id: str
    start: str  # first local day, inclusive
    end: str  # last local day, inclusive
    currency: str
    location_id: str | None = None


def _where(model: Any, scope: Scope) -> list[Any]:
    clauses = [model.workspace_id == scope.workspace_id, model.day >= scope.start,
               model.day <= scope.end, model.currency == scope.currency]
    if scope.location_id is not None:
        clauses.append(model.location_id == scope.location_id)
    return clauses


async def per_day(session: AsyncSession, scope: Scope) -> list[tuple[str, str, int, int, int]]:
    """(day, channel, orders, gross, refunds) rows, only days that had activity."""
    rows = await session.execute(
        select(DailySales.day, DailySales.channel, func.sum(DailySales.orders),
               func.sum(DailySales.gross), func.sum(DailySales.refunds))
        .where(*_where(DailySales, scope))
        .group_by(DailySales.day, DailySales.channel))
    return [(d, c, int(o or 0), int(g or 0), int(r or 0)) for d, c, o, g, r in rows.all()]


async def grouped(session: AsyncSession, scope: Scope,
                  column: str) -> list[tuple[str, int, int, int]]:
    """(key, orders, gross, refunds) grouped by ``location_id`` or ``source``."""
    key = getattr(DailySales, column)
    rows = await session.execute(
        select(key, func.sum(DailySales.orders), func.sum(DailySales.gross),
               func.sum(DailySales.refunds))
        .where(*_where(DailySales, scope)).group_by(key))
    return [(k, int(o or 0), int(g or 0), int(r or 0)) for k, o, g, r in rows.all()]


@dataclass(frozen=True)
class Customers:
    customers: int  # contacts with an order in scope and range
    returning: int  # of those, with a first order (this currency) before the range
    both_channels: int  # in-store in scope and online (anywhere) in range
    attributed_offline: int  # in-store net revenue in scope from orders with a known contact


async def customers(session: AsyncSession, scope: Scope) -> Customers:
    """Everything per contact in one grouped pass over the range of ``daily_contact_sales``."""
    t = DailyContactSales
    in_scope = t.location_id == scope.location_id if scope.location_id is not None else true()
    offline_here = and_(in_scope, t.channel == "offline")
    where = [t.workspace_id == scope.workspace_id, t.day >= scope.start, t.day <= scope.end,
             t.currency == scope.currency]
    if scope.location_id is not None:
        # Online orders anywhere still count for "bought online and in store".
        where.append(or_(t.location_id == scope.location_id, t.channel == "online"))
    per = (select(
        t.contact_id.label("contact_id"),
        func.max(case((and_(in_scope, t.orders > 0), 1), else_=0)).label("bought"),
        func.max(case((and_(offline_here, t.orders > 0), 1), else_=0)).label("offline"),
        func.max(case((and_(t.channel == "online", t.orders > 0), 1), else_=0)).label("online"),
        func.sum(case((offline_here, t.gross - t.refunds), else_=0)).label("attributed"),
    ).where(*where).group_by(t.contact_id).subquery())
    first = ContactFirstDay
    earlier = exists().where(first.workspace_id == scope.workspace_id,
                             first.currency == scope.currency,
                             first.contact_id == per.c.contact_id, first.first_day < scope.start)
    columns = [func.sum(per.c.bought), func.sum(per.c.offline * per.c.online),
               func.sum(per.c.attributed)]
    if scope.location_id is not None:
        columns.append(func.sum(case((and_(per.c.bought == 1, earlier), 1), else_=0)))
    row = (await session.execute(select(*columns).select_from(per))).one()
    bought = int(row[0] or 0)
    if scope.location_id is not None:
        returning = int(row[3] or 0)
    else:
        # Brand-wide, whoever's first order falls in the range bought in it: new needs no join.
        new = await session.scalar(select(func.count()).select_from(first).where(
            first.workspace_id == scope.workspace_id, first.currency == scope.currency,
            first.first_day >= scope.start, first.first_day <= scope.end))
        returning = bought - int(new or 0)
    return Customers(bought, returning, int(row[1] or 0), int(row[2] or 0))
