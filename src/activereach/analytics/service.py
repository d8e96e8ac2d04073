"""The unified dashboard: online vs offline revenue, outlets, sources and customers, from roll-ups.

Definitions (docs/console.md): gross = order totals on the order's local day; refunds land on the
refund's local day; net = gross − refunds; AOV = net ÷ orders, rounded half up to a minor unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.analytics import queries
from activereach.analytics.engagement import LoyaltyFigures, ReceiptRow, loyalty_figures, receipt_rows
from activereach.analytics.queries import Scope
from activereach.kit.db import is_postgres


@dataclass
class DayRow:
    day: str
    online: int = 0
    offline: int = 0
    refunds: int = 0
    orders: int = 0

    @property
    def gross(self) -> int:
        return self.online + self.offline

    @property
    def net(self) -> int:
        return self.gross - self.refunds


@dataclass
class Breakdown:
    key: str
    orders: int
    gross: int
    refunds: int

    @property
    def net(self) -> int:
        return self.gross - self.refunds


@dataclass
class Dashboard:
    scope: Scope
    days: list[DayRow] = field(default_factory=list)
    by_outlet: list[Breakdown] = field(default_factory=list)
    by_source: list[Breakdown] = field(default_factory=list)
    offline_net: int = 0
    attributed_offline_net: int = 0
    customers: int = 0
    returning_customers: int = 0
    both_channels: int = 0
    loyalty: LoyaltyFigures = field(default_factory=LoyaltyFigures)
    receipts: list[ReceiptRow] = field(default_factory=list)

    @property
    def orders(self) -> int:
        return sum(d.orders for d in self.days)

    @property
    def gross(self) -> int:
        return sum(d.gross for d in self.days)

    @property
    def refunds(self) -> int:
        return sum(d.refunds for d in self.days)

    @property
    def net(self) -> int:
        return self.gross - self.refunds

    @property
    def online_gross(self) -> int:
        return sum(d.online for d in self.days)

    @property
    def offline_gross(self) -> int:
        return sum(d.offline for d in self.days)

    @property
    def new_customers(self) -> int:
        return self.customers - self.returning_customers

    @property
    def aov(self) -> int | None:
        return ratio_minor(self.net, self.orders)

    @property
    def attributed_share(self) -> Decimal | None:
        """Percent of offline net revenue from orders with a known contact, to 0.1 %."""
        if self.offline_net <= 0:
            return None
        share = Decimal(self.attributed_offline_net * 100) / Decimal(self.offline_net)
        return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def ratio_minor(total: int, count: int) -> int | None:
    if count <= 0:
        return None
    return int((Decimal(total) / Decimal(count)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def day_range(start: dt.date, end: dt.date) -> list[str]:
    return [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


async def dashboard(session: AsyncSession, scope: Scope) -> Dashboard:
    """Every figure for the analytics page in a handful of grouped queries."""
    if is_postgres(session):
        # The per-contact pass groups ~100k roll-up rows for a 90-day range; with the default
        # 4 MB of work_mem PostgreSQL spills that hash to disk.  Local to this read transaction.
        await session.execute(text("SET LOCAL work_mem = '64MB'"))
    start, end = dt.date.fromisoformat(scope.start), dt.date.fromisoformat(scope.end)
    days = {day: DayRow(day) for day in day_range(start, end)}
    for day, channel, orders, gross, refunds in await queries.per_day(session, scope):
        row = days[day]
        row.orders += orders
        row.refunds += refunds
        if channel == "online":
            row.online += gross
        else:
            row.offline += gross
    result = Dashboard(scope=scope, days=list(days.values()))
    for column, target in (("location_id", result.by_outlet), ("source", result.by_source)):
        rows = await queries.grouped(session, scope, column)
        target.extend(sorted((Breakdown(*row) for row in rows), key=lambda b: (-b.net, b.key)))
    offline = await queries.grouped(session, scope, "channel")
    result.offline_net = sum(g - r for key, _, g, r in offline if key == "offline")
    people = await queries.customers(session, scope)
    result.attributed_offline_net = people.attributed_offline
    result.customers, result.returning_customers = people.customers, people.returning
    result.both_channels = people.both_channels
    result.loyalty = await loyalty_figures(session, scope)
    result.receipts = await receipt_rows(session, scope)
    return result


def csv_rows(board: Dashboard) -> list[list[str]]:
    """The per-day table twin of the chart, as CSV rows (amounts in minor units)."""
    rows = [["day", "currency", "orders", "online_gross", "offline_gross", "refunds", "net"]]
    for day in board.days:
        rows.append([day.day, board.scope.currency, str(day.orders), str(day.online),
                     str(day.offline), str(day.refunds), str(day.net)])
    return rows
