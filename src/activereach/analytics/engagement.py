"""Loyalty and receipt-delivery figures for the dashboard, from their roll-ups.

Points are brand-wide currency-free counts; the outstanding liability is a point-in-time figure
(balances now, not in the range) valued at the program's ``point_value`` in the brand currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.analytics.models import DailyLoyalty, DailyReceipts
from activereach.analytics.queries import Scope
from activereach.loyalty.models import LoyaltyAccount, LoyaltyProgram


@dataclass(frozen=True)
class LoyaltyFigures:
    earned: int = 0
    redeemed: int = 0
    reversed: int = 0
    recredited: int = 0
    # now, brand-wide (accounts belong to the brand, not an outlet)
    available: int = 0
    pending: int = 0
    point_value: int | None = None  # minor units of the brand currency per point
    points_name: str = "points"

    @property
    def issued(self) -> int:
        return self.earned - self.reversed

    @property
    def net_redeemed(self) -> int:
        return self.redeemed - self.recredited

    @property
    def liability(self) -> int | None:
        """What the outstanding points (available + pending) are worth, in minor units."""
        return None if self.point_value is None else (self.available + self.pending) * self.point_value


@dataclass(frozen=True)
class ReceiptRow:
    channel: str
    attempted: int
    sent: int
    delivered: int
    failed: int

    def rate(self, count: int) -> Decimal | None:
        if self.attempted <= 0:
            return None
        return (Decimal(count * 100) / Decimal(self.attempted)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def sent_rate(self) -> Decimal | None:
        return self.rate(self.sent)

    @property
    def delivered_rate(self) -> Decimal | None:
        return self.rate(self.delivered)


def _range(model: type[DailyLoyalty] | type[DailyReceipts],
           scope: Scope) -> list[ColumnElement[bool]]:
    clauses = [model.workspace_id == scope.workspace_id, model.day >= scope.start,
               model.day <= scope.end]
    if scope.location_id is not None:
        clauses.append(model.location_id == scope.location_id)
    return clauses


async def loyalty_figures(session: AsyncSession, scope: Scope) -> LoyaltyFigures:
    t = DailyLoyalty
    moved = (await session.execute(select(
        func.sum(t.earned), func.sum(t.redeemed), func.sum(t.reversed), func.sum(t.recredited))
        .where(*_range(t, scope)))).one()
    program = (await session.execute(select(LoyaltyProgram.point_value, LoyaltyProgram.points_name)
                                     .where(LoyaltyProgram.workspace_id == scope.workspace_id))).first()
    balances = (await session.execute(select(
        func.sum(LoyaltyAccount.available), func.sum(LoyaltyAccount.pending))
        .where(LoyaltyAccount.workspace_id == scope.workspace_id,
               LoyaltyAccount.status == "active"))).one()
    earned, redeemed, reversed_, recredited = (int(value or 0) for value in moved)
    return LoyaltyFigures(
        earned, redeemed, reversed_, recredited, available=int(balances[0] or 0),
        pending=int(balances[1] or 0), point_value=program[0] if program else None,
        points_name=program[1] if program else "points")


async def receipt_rows(session: AsyncSession, scope: Scope) -> list[ReceiptRow]:
    t = DailyReceipts
    rows = await session.execute(
        select(t.channel, func.sum(t.attempted), func.sum(t.sent), func.sum(t.delivered),
               func.sum(t.failed)).where(*_range(t, scope)).group_by(t.channel)
        .order_by(t.channel))
    return [ReceiptRow(channel, *(int(v or 0) for v in values)) for channel, *values in rows.all()]
