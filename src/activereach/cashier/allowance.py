"""A till's offline redemption allowance: ``offline_redeem_cap`` points per member per day.

An ActivePOS till may redeem points offline only within the allowance it was granted, spent
cumulatively over all of that till's offline sales for the member (``OfflineAllowanceUse``), so
thirty offline sales cannot each spend the same points. The loyalty ledger settles offline
redemptions (``loyalty.offline``) and asks this module, registered at start-up, what is left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.cashier.models import OfflineAllowanceUse
from activereach.cashier.settings import till_config
from activereach.kit.ids import new_id
from activereach.tenancy.models import Terminal


async def offline_allowance(session: AsyncSession, order: Any,
                            account_id: str) -> tuple[int, Callable[[int], None]]:
    """(points left, a callback recording what the sale used) of the till's allowance for this
    member on the sale's day (UTC date): ``loyalty.offline.TillAllowance``."""
    ws = order.workspace_id
    terminal = await session.scalar(select(Terminal).where(
        Terminal.workspace_id == ws, Terminal.location_id == order.location_id,
        Terminal.terminal_id == order.terminal_id))
    cap = (await till_config(session, ws, terminal.id if terminal else None))["offline_redeem_cap"]
    day = order.occurred_at.astimezone(dt.UTC).date().isoformat()
    use = await session.scalar(select(OfflineAllowanceUse).where(
        OfflineAllowanceUse.workspace_id == ws,
        OfflineAllowanceUse.location_id == order.location_id,
        OfflineAllowanceUse.terminal_id == order.terminal_id,
        OfflineAllowanceUse.account_id == account_id, OfflineAllowanceUse.day == day,
    ).with_for_update())
    if use is None:
        use = OfflineAllowanceUse(workspace_id=ws, id=new_id("oau"), location_id=order.location_id,
                                  terminal_id=order.terminal_id, account_id=account_id, day=day,
                                  used=0)
        session.add(use)

    def record(points: int) -> None:
        use.used += points
    return max(0, cap - use.used), record
