"""Invoice numbers: one gap-free series per outlet (or the brand, for online) per financial year.

The counter row is locked (by its UPDATE) inside the ingest transaction, so concurrent orders of
one outlet queue on it and a rolled-back order gives its number back (no gaps, no duplicates).
On SQLite the database-wide write lock gives the same guarantee.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.models import BillInvoiceCounter
from activereach.kit.db import insert_ignore, statement


def _bump_query(_: Any) -> Any:
    c = BillInvoiceCounter.__table__.c
    return (update(BillInvoiceCounter.__table__)
            .where(c.workspace_id == bindparam("ws"), c.series_key == bindparam("series"),
                   c.fiscal_year == bindparam("fy"))
            .values(last_value=c.last_value + bindparam("count"))
            .returning(c.last_value))


async def next_sequence(session: AsyncSession, workspace_id: str, series_key: str,
                        fiscal_year: str) -> int:
    return (await reserve_range(session, workspace_id, series_key, fiscal_year, 1))[0]


async def reserve_range(session: AsyncSession, workspace_id: str, series_key: str,
                        fiscal_year: str, count: int) -> list[int]:
    """``count`` consecutive sequence numbers (1 per order; more for the POS pre-issue pool)."""
    # One statement: the UPDATE takes the row lock and returns the new high-water mark.
    bump = statement(session, ("invoice_counter.bump",), _bump_query)
    params = {"ws": workspace_id, "series": series_key, "fy": fiscal_year, "count": count}
    last = await session.scalar(bump, params)
    if last is None:
        # First order of the series this year: create the row (a concurrent creator wins
        # harmlessly), then bump it like everyone else.
        await session.execute(insert_ignore(session, BillInvoiceCounter).values(
            workspace_id=workspace_id, series_key=series_key, fiscal_year=fiscal_year,
            last_value=0))
        last = await session.scalar(bump, params)
    return list(range(int(last) - count + 1, int(last) + 1))
