"""Invoice numbers: one gap-free series per outlet (or the brand, for online) per financial year.

The counter row is locked ``FOR UPDATE`` inside the ingest transaction, so concurrent orders of
one outlet queue on it and a rolled-back order gives its number back (no gaps, no duplicates).
On SQLite the database-wide write lock gives the same guarantee.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.models import BillInvoiceCounter
from activereach.kit.db import insert_ignore


async def next_sequence(session: AsyncSession, workspace_id: str, series_key: str,
                        fiscal_year: str) -> int:
    key = (
        (BillInvoiceCounter.workspace_id == workspace_id)
        & (BillInvoiceCounter.series_key == series_key)
        & (BillInvoiceCounter.fiscal_year == fiscal_year)
    )
    last = await session.scalar(
        select(BillInvoiceCounter.last_value).where(key).with_for_update())
    if last is None:
        # First order of the series this year: create the row (a concurrent creator wins
        # harmlessly), then lock it like everyone else.
        await session.execute(insert_ignore(session, BillInvoiceCounter).values(
            workspace_id=workspace_id, series_key=series_key, fiscal_year=fiscal_year,
            last_value=0))
        last = await session.scalar(
            select(BillInvoiceCounter.last_value).where(key).with_for_update())
    value = int(last or 0) + 1
    await session.execute(update(BillInvoiceCounter).where(key).values(last_value=value))
    return value


async def reserve_range(session: AsyncSession, workspace_id: str, series_key: str,
                        fiscal_year: str, count: int) -> list[int]:
    """``count`` consecutive sequence numbers at once (the POS pre-issue pool)."""
    first = await next_sequence(session, workspace_id, series_key, fiscal_year)
    if count > 1:
        key = (
            (BillInvoiceCounter.workspace_id == workspace_id)
            & (BillInvoiceCounter.series_key == series_key)
            & (BillInvoiceCounter.fiscal_year == fiscal_year)
        )
        await session.execute(update(BillInvoiceCounter).where(key)
                              .values(last_value=first + count - 1))
    return list(range(first, first + count))
