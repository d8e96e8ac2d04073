"""Invoice numbers: one gap-free series per outlet (or the brand, for online) per financial year.

The counter row is locked (by its UPDATE) inside the ingest transaction, so concurrent orders of
one outlet queue on it and a rolled-back order gives its number back (no gaps, no duplicates).
On SQLite the database-wide write lock gives the same guarantee.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.models import BillInvoiceCounter
from activereach.kit.db import insert_ignore


async def next_sequence(session: AsyncSession, workspace_id: str, series_key: str,
                        fiscal_year: str) -> int:
    return (await reserve_range(session, workspace_id, series_key, fiscal_year, 1))[0]


async def reserve_range(session: AsyncSession, workspace_id: str, series_key: str,
                        fiscal_year: str, count: int) -> list[int]:
    """``count`` consecutive sequence numbers (1 per order; more for the POS pre-issue pool)."""
    key = (
        (BillInvoiceCounter.workspace_id == workspace_id)
        & (BillInvoiceCounter.series_key == series_key)
        & (BillInvoiceCounter.fiscal_year == fiscal_year)
    )
    # One statement: the UPDATE takes the row lock and returns the new high-water mark.
    bump = (update(BillInvoiceCounter).where(key)
            .values(last_value=BillInvoiceCounter.last_value + count)
            .returning(BillInvoiceCounter.last_value))
    last = await session.scalar(bump)
    if last is None:
        # First order of the series this year: create the row (a concurrent creator wins
        # harmlessly), then bump it like everyone else.
        await session.execute(insert_ignore(session, BillInvoiceCounter).values(
            workspace_id=workspace_id, series_key=series_key, fiscal_year=fiscal_year,
            last_value=0))
        last = await session.scalar(bump)
    return list(range(int(last) - count + 1, int(last) + 1))
