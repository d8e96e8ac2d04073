"""Roll-up writes shared by the analytics jobs and other domains: upserts that add, local days.

Every increment runs inside the transaction of the change it counts (a job flipped ``done``
exactly once, or the messaging transaction that moves a message's status), so counts are exact.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.analytics.models import DailyLoyalty, DailyReceipts
from activereach.analytics.rules import local_day
from activereach.kit import deferred
from activereach.kit.cache import TenantCache
from activereach.kit.db import Base, statement
from activereach.tenancy.models import Location, Workspace

_zones: TenantCache[str] = TenantCache("analytics_timezones")
_zones.forget_on_write(Location)
_zones.forget_on_write(Workspace, key="id")


def upsert(session: AsyncSession, model: type[Base], set_: Any, key: str) -> Any:
    """``INSERT … ON CONFLICT (primary key) DO UPDATE``, built once per model and ``key``: two
    jobs creating the same roll-up row at once both succeed instead of one failing on the key.
    ``set_(table, excluded)`` gives the update; execute with the row as parameters."""
    table = model.__table__

    def build(dialect: Any) -> Any:
        stmt = dialect.insert(table)
        keys = [column.name for column in table.primary_key.columns]
        return stmt.on_conflict_do_update(index_elements=keys, set_=set_(table, stmt.excluded))
    return statement(session, ("upsert", model, key), build)


async def add_to(session: AsyncSession, model: type[Base], row: dict[str, Any],
                 *names: str) -> None:
    """Insert ``row``, or add its ``names`` columns to the existing row (at the end of the
    transaction when a worker batch defers it, see ``kit.deferred``)."""
    stmt = upsert(session, model, lambda table, excluded: {
        name: table.c[name] + excluded[name] for name in names}, "add:" + ",".join(names))
    key = tuple(row[column.name] for column in model.__table__.primary_key.columns)
    await deferred.write(session, stmt, row, key=key, duplicate=deferred.Merge(sums=names))


async def keep_min(session: AsyncSession, model: type[Base], row: dict[str, Any],
                   name: str) -> None:
    """Insert ``row``, or keep the smaller ``name`` of it and the existing row."""
    stmt = upsert(session, model, lambda table, excluded: {name: case(
        (excluded[name] < table.c[name], excluded[name]), else_=table.c[name])}, "min:" + name)
    key = tuple(row[column.name] for column in model.__table__.primary_key.columns)
    await deferred.write(session, stmt, row, key=key, duplicate=deferred.Merge(mins=(name,)))


async def timezone_of(session: AsyncSession, workspace_id: str, location_id: str | None) -> str:
    """The outlet's timezone, else the brand's (online orders), else UTC."""
    async def load() -> str:
        if location_id:
            location = await session.get(Location, (workspace_id, location_id))
            if location is not None and location.timezone:
                return location.timezone
        workspace = await session.get(Workspace, workspace_id)
        return workspace.timezone if workspace and workspace.timezone else "UTC"
    return await _zones.get((workspace_id, location_id or ""), load)


async def add_points(session: AsyncSession, workspace_id: str, location_id: str | None, day: str,
                     loyalty: dict[str, Any] | None) -> None:
    """Fold an order's or refund's loyalty summary (from its stored reply) into the roll-up."""
    if not loyalty:
        return
    values = {name: int(loyalty.get(name) or 0)
              for name in ("earned", "redeemed", "reversed", "recredited")}
    if not any(values.values()):
        return
    row = {"workspace_id": workspace_id, "day": day, "location_id": location_id or "", **values}
    await add_to(session, DailyLoyalty, row, *values)


RECEIPT_COUNTERS = ("attempted", "sent", "delivered", "failed")


async def count_receipt(session: AsyncSession, *, workspace_id: str, location_id: str | None,
                        channel: str, sold_at: dt.datetime, counters: list[str]) -> None:
    """Add one to each of ``counters`` (attempted/sent/delivered/failed) on the sale's local day
    (a cohort: the range's rate is "of the receipts for these sales, how many arrived")."""
    zone = await timezone_of(session, workspace_id, location_id)
    row = {"workspace_id": workspace_id, "day": local_day(sold_at, zone),
           "location_id": location_id or "", "channel": channel,
           **{name: int(name in counters) for name in RECEIPT_COUNTERS}}
    await add_to(session, DailyReceipts, row, *counters)
