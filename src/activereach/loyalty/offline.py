"""Settling a redemption a till made offline (no hold): when the order lands, take the points
through the ledger if the balance still covers them; otherwise apply the program's negative
policy — ``allow`` takes them anyway (the shortfall becomes debt), ``clamp`` takes what is
spendable and refuses the rest.  The order always lands (the sale happened); the outcome goes
back to the till in the order reply as ``loyalty.offline_redemption``.

An ActivePOS till may redeem offline only within the allowance it was granted: its
``offline_redeem_cap`` points per member per day (UTC date of the sale), spent cumulatively
over all of that till's offline sales for the member (``OfflineAllowanceUse``).  So thirty
offline sales cannot each spend the same points, and ``allow`` cannot run up unbounded debt."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.cashier.models import OfflineAllowanceUse
from activereach.cashier.settings import till_config

from activereach.events.service import append_event
from activereach.kit.errors import Unprocessable
from activereach.kit.ids import new_id
from activereach.loyalty import holds, ledger
from activereach.loyalty.models import LoyaltyAccount, LoyaltyProgram
from activereach.tenancy.models import Terminal

TILL_SOURCE = "activepos"


def check_tender(points: int, points_paid: int, point_value: int) -> None:
    """The till's points tender must not be worth more than the points it redeemed."""
    if points_paid > points * point_value:
        raise Unprocessable.field("payments", f"the points payment {points_paid} exceeds the "
                                  f"value of loyalty.offline_points ({points * point_value})")


def outcome(requested: int, settled: int, points_paid: int, point_value: int,
            reason: str | None = None) -> dict[str, Any]:
    """The reply part: what was asked, what the ledger took, what was refused and its value."""
    status = "settled" if settled >= requested else ("clamped" if settled else "refused")
    return {"status": status, "requested": requested, "settled": settled,
            "refused": requested - settled,
            "refused_value": max(0, points_paid - settled * point_value),
            "reason": reason if status != "settled" else None}


async def settle(session: AsyncSession, program: LoyaltyProgram, account: LoyaltyAccount, *,
                 order: Any, points: int, points_paid: int) -> dict[str, Any]:
    """Redeem ``points`` for ``order`` (the account is locked by the caller's ensure_account)."""
    await holds.sweep_expired(session, account)
    # points held for other carts are promised already: an offline sale cannot take them
    spendable = max(0, account.available - account.held)
    allow = program.negative_policy == "allow"
    allowed, use, left = points, None, points
    if order.source == TILL_SOURCE:
        left, use = await _allowance(session, order, account)
        allowed = min(points, left)
    settled = allowed if allow else min(allowed, spendable)
    reason = None
    if settled < allowed:
        reason = (f"only {spendable} points were spendable when the order synced"
                  if spendable else "the member had no spendable points when the order synced")
    elif settled < points:
        reason = (f"only {left} points were left of this till's offline allowance for the "
                  "member that day")
    if use is not None:
        use.used += settled
    if settled:
        await ledger.debit(session, account, settled, allow_debt=allow)
        account.lifetime_redeemed += settled
        await ledger.post(session, account, kind="redeem", points=-settled,
                          key=f"redeem:offline:{order.id}",
                          refs=ledger.Refs(order_id=order.id, location_id=order.location_id,
                                           reason="offline redemption"),
                          meta={"offline": True, "requested": points})
        await append_event(session, workspace_id=order.workspace_id,
                           message_id=f"loyalty:redeem:offline:{order.id}",
                           name="loyalty_points_redeemed", timestamp=order.occurred_at,
                           source="api", contact_id=order.contact_id,
                           location_id=order.location_id,
                           properties={"order_id": order.id, "program": program.name,
                                       "points": settled, "offline": True,
                                       "requested": points, "balance": account.available})
    return outcome(points, settled, points_paid, program.point_value, reason)


async def _allowance(session: AsyncSession, order: Any,
                     account: LoyaltyAccount) -> tuple[int, OfflineAllowanceUse]:
    """(points left, the use row) of the till's allowance for this member on the sale's day."""
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
        OfflineAllowanceUse.account_id == account.id, OfflineAllowanceUse.day == day,
    ).with_for_update())
    if use is None:
        use = OfflineAllowanceUse(workspace_id=ws, id=new_id("oau"), location_id=order.location_id,
                                  terminal_id=order.terminal_id, account_id=account.id, day=day,
                                  used=0)
        session.add(use)
    return max(0, cap - use.used), use
