"""A contact merge in the per-contact roll-ups: the old contact's days fold into the survivor's.

The rows are keyed by contact, so they cannot simply be re-pointed (the survivor may have a row
for the same day and outlet): each one is added onto the survivor's (``add_to``, like an order
would be) and then deleted; the first-order day keeps the earlier of the two.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.analytics.models import ContactFirstDay, DailyContactSales
from activereach.analytics.rollups import add_to, keep_min

_SUMS = ("orders", "gross", "refunds")


class AnalyticsMerge:
    tables: tuple[str, ...] = (DailyContactSales.__tablename__, ContactFirstDay.__tablename__)

    async def merge(self, session: AsyncSession, workspace_id: str, *, source: str,
                    target: str) -> None:
        days = (await session.execute(select(DailyContactSales.__table__).where(
            DailyContactSales.workspace_id == workspace_id,
            DailyContactSales.contact_id == source))).mappings().all()
        for day in days:
            await add_to(session, DailyContactSales, {**day, "contact_id": target}, *_SUMS)
        firsts = (await session.execute(select(ContactFirstDay.__table__).where(
            ContactFirstDay.workspace_id == workspace_id,
            ContactFirstDay.contact_id == source))).mappings().all()
        for first in firsts:
            await keep_min(session, ContactFirstDay, {**first, "contact_id": target}, "first_day")
        for model in (DailyContactSales, ContactFirstDay):
            await session.execute(delete(model).where(model.workspace_id == workspace_id,
                                                      model.contact_id == source))


CONTACT_MERGE = AnalyticsMerge()
