"""Settling a redemption a till made offline (no hold): when the order lands, take the points
through the ledger if the balance still covers them; otherwise apply the program's negative
policy — ``allow`` takes them anyway (the shortfall becomes debt), ``clamp`` takes what is
spendable and refuses the rest.  The order always lands (the sale happened); the outcome goes
back to the till in the order reply as ``loyalty.offline_redemption``.

An ActivePOS till may redeem offline only within the allowance it was granted
(``cashier.allowance``: points per member per day), so thirty offline sales cannot each spend
the same points, and ``allow`` cannot run up unbounded debt.

A reward applied offline (``loyalty.offline_reward_id``, no hold) settles the same way: its
``points_cost`` counts against the allowance and the ledger, the ``redeem`` entry names the order
and the reward, and the money at stake is the reward's discount on the lines (as the server
recomputes it, ``reward_orders``), not a points tender."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.events.service import append_event
from activereach.kit.errors import Unprocessable
from activereach.loyalty import holds, ledger
from activereach.loyalty.models import LoyaltyAccount, LoyaltyProgram, LoyaltyReward

TILL_SOURCE = "activepos"

# (session, order, account id) -> (points left of the till's allowance for the member that day,
# a callback that records the points this sale used). The till's allowance is ActivePOS's
# setting (``cashier.allowance``), registered at start-up by ``activereach.wiring``.
TillAllowance = Callable[[AsyncSession, Any, str], Awaitable[tuple[int, Callable[[int], None]]]]
_till_allowance: list[TillAllowance] = []


def use_till_allowance(allowance: TillAllowance) -> None:
    _till_allowance[:] = [allowance]


async def _allowance(session: AsyncSession, order: Any,
                     account: LoyaltyAccount) -> tuple[int, Callable[[int], None]]:
    if not _till_allowance:
        raise RuntimeError("no till allowance registered: call activereach.wiring.install() at "
                           "start-up")
    return await _till_allowance[0](session, order, account.id)


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


def reward_outcome(reward: LoyaltyReward | None, requested: int, settled: int, discount: int,
                   reason: str | None = None) -> dict[str, Any]:
    """The reply part for a reward redeemed offline: ``refused_value`` is the share of the
    reward's discount whose points the ledger did not cover (rounded up: the store's loss)."""
    part = outcome(requested, settled, 0, 0, reason)
    if reward is None:  # a reward the server does not know (its discount: a mismatch)
        part.update(status="refused", refused_value=discount)
    elif requested:
        part["refused_value"] = -(-discount * part["refused"] // requested)
    part.update(reward_id=reward.id if reward else None,
                reward_name=reward.name if reward else None)
    return part


async def settle(session: AsyncSession, program: LoyaltyProgram, account: LoyaltyAccount, *,
                 order: Any, points: int, points_paid: int,
                 reward: LoyaltyReward | None = None, discount: int = 0) -> dict[str, Any]:
    """Redeem ``points`` for ``order`` (the account is locked by the caller's ensure_account);
    with ``reward``, the points are its cost and ``discount`` what it took off the lines."""
    await holds.sweep_expired(session, account)
    # points held for other carts are promised already: an offline sale cannot take them
    spendable = max(0, account.available - account.held)
    allow = program.negative_policy == "allow"
    allowed, record, left = points, None, points
    if order.source == TILL_SOURCE:
        left, record = await _allowance(session, order, account)
        allowed = min(points, left)
    settled = allowed if allow else min(allowed, spendable)
    reason = None
    if settled < allowed:
        reason = (f"only {spendable} points were spendable when the order synced"
                  if spendable else "the member had no spendable points when the order synced")
    elif settled < points:
        reason = (f"only {left} points were left of this till's offline allowance for the "
                  "member that day")
    if record is not None:
        record(settled)
    if settled:
        await _redeem(session, program, account, order, settled, points, reward, discount,
                      allow=allow)
    if reward is not None:
        return reward_outcome(reward, points, settled, discount, reason)
    return outcome(points, settled, points_paid, program.point_value, reason)


async def _redeem(session: AsyncSession, program: LoyaltyProgram, account: LoyaltyAccount,
                  order: Any, settled: int, points: int, reward: LoyaltyReward | None,
                  discount: int, *, allow: bool) -> None:
    """The ledger's redeem entry (naming the order, and the reward if any) and the event."""
    await ledger.debit(session, account, settled, allow_debt=allow)
    account.lifetime_redeemed += settled
    meta: dict[str, Any] = {"offline": True, "requested": points}
    if reward is not None:
        meta.update(reward_name=reward.name, reward_kind=reward.kind, discount=discount)
    await ledger.post(session, account, kind="redeem", points=-settled,
                      key=f"redeem:offline:{order.id}",
                      refs=ledger.Refs(order_id=order.id, location_id=order.location_id,
                                       reward_id=reward.id if reward else None,
                                       reason=f"Reward: {reward.name}" if reward
                                       else "offline redemption"),
                      meta=meta)
    extra = {"reward_id": reward.id, "reward_name": reward.name} if reward else {}
    await append_event(session, workspace_id=order.workspace_id,
                       message_id=f"loyalty:redeem:offline:{order.id}",
                       name="loyalty_points_redeemed", timestamp=order.occurred_at,
                       source="api", contact_id=order.contact_id,
                       location_id=order.location_id,
                       properties={"order_id": order.id, "program": program.name,
                                   "points": settled, "offline": True, **extra,
                                   "requested": points, "balance": account.available})
