"""The loyalty participant of the ingest path: commit the held redemption, earn, and reverse
on refunds, all inside the order's (or refund's) own transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.events.service import append_event
from activereach.kit.errors import Unprocessable
from activereach.loyalty import earning, holds, ledger, offline, reward_orders
from activereach.loyalty.models import LoyaltyAccount, LoyaltyProgram, LoyaltyReward
from activereach.loyalty.tiers import multiplier_of, recompute_tier, tier_rows
from activereach.orders.models import OrderRefund
from activereach.orders.participants import BaseParticipant, CompletedOrder, RefundedOrder

POINTS_METHODS = {"points", "loyalty", "loyalty_points"}


class LoyaltyParticipant(BaseParticipant):
    name = "loyalty"

    async def completed(self, session: AsyncSession, completed: CompletedOrder) -> None:
        order, order_in = completed.order, completed.order_in
        hold_ref = order_in.loyalty.hold_id if order_in.loyalty else None
        points_paid = sum(p.amount for p in completed.payments if p.method in POINTS_METHODS)
        program = await ledger.cached_program(session, order.workspace_id)
        offline_points = order_in.loyalty.offline_points if order_in.loyalty else None
        offline_reward = order_in.loyalty.offline_reward_id if order_in.loyalty else None
        if offline_reward:
            await _offline_reward(session, completed, program, offline_reward, points_paid)
            return
        if offline_points:
            await _offline(session, completed, program, offline_points, points_paid, hold_ref)
            await _reward_without_hold(session, completed)
            return
        if program is None or not program.active:
            if hold_ref or points_paid:
                raise Unprocessable.field("loyalty.hold_id" if hold_ref else "payments",
                                          "this workspace has no active loyalty program")
            await _reward_without_hold(session, completed)
            return
        if order.contact_id is None:
            if hold_ref or points_paid:
                raise Unprocessable.field("customer", "a loyalty redemption needs the customer")
            await _reward_without_hold(session, completed)
            return
        account = await ledger.ensure_account(session, program, order.contact_id)
        hold, judgement = await _redeem(session, completed, account, hold_ref)
        _check_points_payment(points_paid, hold, program)
        redeemed = hold.points if hold else 0
        earned = await _earn(session, completed, program, account, points_paid)
        completed.result["loyalty"] = summary(account, program, earned=earned, redeemed=redeemed)
        if judgement is not None:
            completed.result["loyalty"]["reward"] = judgement.out()
        completed.event_properties["loyalty_points_earned"] = earned
        if redeemed:
            completed.event_properties["loyalty_points_redeemed"] = redeemed
        await _events(session, order, account, program, earned=earned, hold=hold,
                      judgement=judgement)

    async def refunded(self, session: AsyncSession, refunded: RefundedOrder) -> None:
        await _refunded(session, refunded)


async def _redeem(session: AsyncSession, completed: CompletedOrder, account: LoyaltyAccount,
                  hold_ref: str | None) -> tuple[Any, reward_orders.Judgement | None]:
    """Take the order's hold, judge its reward's discount against the lines, then spend the
    points: the ledger's redeem entry names the order and the reward."""
    order = completed.order
    hold_ref = hold_ref or await holds.free_item_for(session, account,
                                                     reward_orders.rewarded_skus(completed))
    hold = None
    if hold_ref:
        hold = await holds.take_hold(session, account, hold_ref, location_id=order.location_id,
                                     occurred_at=order.occurred_at)
    judgement = await reward_orders.judge(session, completed, hold.reward_id if hold else None,
                                          hold.points if hold else 0)
    reward_orders.enforce(completed, judgement)
    if hold is not None:
        reason, meta = judgement.ledger_note() if judgement else (None, None)
        given = sum(judgement.sent) if judgement and judgement.reward else None
        await holds.redeem(session, account, hold, order_id=order.id,
                           location_id=order.location_id, reason=reason, meta=meta, value=given)
    return hold, judgement


async def _reward_without_hold(session: AsyncSession, completed: CompletedOrder) -> None:
    """Lines that claim a reward discount on an order that redeems no reward: a mismatch."""
    judgement = await reward_orders.judge(session, completed, None)
    reward_orders.enforce(completed, judgement)
    if judgement is not None:
        completed.result["loyalty"] = {**(completed.result.get("loyalty") or {}),
                                       "reward": judgement.out()}


async def _earn(session: AsyncSession, completed: CompletedOrder, program: LoyaltyProgram,
                account: LoyaltyAccount, points_paid: int) -> int:
    """Earn for the order; the part paid in points earns nothing."""
    order = completed.order
    # Tiers are read only when they matter: a multiplier for a member with a tier, or a
    # recompute when points land available at once (pending points do not count yet).
    tiers = await tier_rows(session, order.workspace_id) if account.tier_id else None
    earned, lot = await earning.earn_for_order(
        session, program, account, order=order, lines=completed.lines,
        points_paid=points_paid, multiplier_bp=multiplier_of(tiers or [], account.tier_id))
    if lot is not None and lot.status == "available":
        await recompute_tier(session, program, account, trigger=f"earn:{order.id}", tiers=tiers)
    return earned


async def _offline(session: AsyncSession, completed: CompletedOrder,
                   program: LoyaltyProgram | None, points: int, points_paid: int,
                   hold_ref: str | None) -> None:
    """A redemption made offline: the order lands whatever the balance says now."""
    if hold_ref:
        raise Unprocessable.field("loyalty.offline_points", "give hold_id or offline_points, "
                                  "not both")
    order = completed.order
    if program is not None:
        offline.check_tender(points, points_paid, program.point_value)
    if program is None or not program.active or order.contact_id is None:
        why = ("the order has no customer" if program is not None and program.active
               else "this workspace has no active loyalty program")
        completed.result["loyalty"] = {"offline_redemption": offline.outcome(
            points, 0, points_paid, program.point_value if program else 0, why)}
        return
    account = await ledger.ensure_account(session, program, order.contact_id)
    settlement = await offline.settle(session, program, account, order=order, points=points,
                                      points_paid=points_paid)
    earned = await _earn(session, completed, program, account, points_paid)
    completed.result["loyalty"] = {**summary(account, program, earned=earned,
                                             redeemed=settlement["settled"]),
                                   "offline_redemption": settlement}
    completed.event_properties["loyalty_points_earned"] = earned
    if settlement["settled"]:
        completed.event_properties["loyalty_points_redeemed"] = settlement["settled"]
    await _events(session, order, account, program, earned=earned, hold=None)


async def _offline_reward(session: AsyncSession, completed: CompletedOrder,
                          program: LoyaltyProgram | None, reward_id: str,
                          points_paid: int) -> None:
    """A reward a till applied offline (no hold): the discount is recomputed from the reward
    and the lines (a mismatch: the till rules flag it), the points settle within the till's
    allowance; the order lands whatever the balance says now."""
    if points_paid:
        raise Unprocessable.field("payments", "a reward is a discount on the order's lines "
                                  "(lines[].reward_discount), not a points payment")
    order = completed.order
    reward = await session.get(LoyaltyReward, (order.workspace_id, reward_id))
    if reward is None and order.source != reward_orders.TILL_SOURCE:
        raise Unprocessable.field("loyalty.offline_reward_id", f"no reward {reward_id!r}")
    cost = reward.points_cost if reward else 0
    judgement = await reward_orders.judge(session, completed, reward_id if reward else None, cost)
    reward_orders.enforce(completed, judgement)
    # the money the reward stands behind: what the lines took, as far as the reward gives it
    backed = (sum(min(want, got) for want, got in zip(judgement.expected.lines, judgement.sent,
                                                      strict=True)) if judgement else 0)
    judged = {"reward": judgement.out()} if judgement else {}
    if reward is None or program is None or not program.active or order.contact_id is None:
        why = ("the reward is unknown" if reward is None else "the order has no customer"
               if program is not None and program.active
               else "this workspace has no active loyalty program")
        # (an unknown reward backs nothing: its discount is the mismatch the till rules flag)
        completed.result["loyalty"] = {**judged, "offline_redemption": offline.reward_outcome(
            reward, cost, 0, backed, why)}
        return
    account = await ledger.ensure_account(session, program, order.contact_id)
    settlement = await offline.settle(session, program, account, order=order, points=cost,
                                      points_paid=0, reward=reward, discount=backed)
    earned = await _earn(session, completed, program, account, 0)
    completed.result["loyalty"] = {**summary(account, program, earned=earned,
                                             redeemed=settlement["settled"]),
                                   **judged, "offline_redemption": settlement}
    completed.event_properties["loyalty_points_earned"] = earned
    if settlement["settled"]:
        completed.event_properties["loyalty_points_redeemed"] = settlement["settled"]
    await _events(session, order, account, program, earned=earned, hold=None)


def _check_points_payment(points_paid: int, hold: Any, program: LoyaltyProgram) -> None:
    """A ``points`` tender must be backed by a committed hold worth at least that much."""
    if not points_paid:
        return
    if hold is None:
        raise Unprocessable.field("payments", "a points payment needs loyalty.hold_id")
    if hold.reward_id:  # issue 20: a ₹0 POINTS tender stood in for the reward's discount
        raise Unprocessable.field("payments", "a reward is a discount on the order's lines "
                                  "(lines[].reward_discount), not a points payment")
    worth = hold.points * program.point_value
    if points_paid > worth:
        raise Unprocessable.field("payments", f"the points payment {points_paid} exceeds what "
                                  f"the hold covers ({worth})")


def summary(account: LoyaltyAccount, program: LoyaltyProgram, **extra: int) -> dict[str, Any]:
    return {**extra, "balance": account.available, "pending": account.pending,
            "held": account.held, "tier": account.tier_name, "member_id": account.id,
            "member_code": account.member_code, "points_name": program.points_name}


async def _events(session: AsyncSession, order: Any, account: LoyaltyAccount,
                  program: LoyaltyProgram, *, earned: int, hold: Any,
                  judgement: reward_orders.Judgement | None = None) -> None:
    """Timeline events; message ids derive from the ledger keys, so they are as unique."""
    common = {"order_id": order.id, "program": program.name, "balance": account.available,
              "pending": account.pending, "tier": account.tier_name}
    if earned:
        await append_event(session, workspace_id=order.workspace_id,
                           message_id=f"loyalty:earn:{order.id}", name="loyalty_points_earned",
                           timestamp=order.occurred_at, source="api", contact_id=order.contact_id,
                           location_id=order.location_id, properties={**common, "points": earned})
    if hold is not None:
        await append_event(session, workspace_id=order.workspace_id,
                           message_id=f"loyalty:redeem:{hold.id}",
                           name="loyalty_points_redeemed", timestamp=order.occurred_at,
                           source="api", contact_id=order.contact_id,
                           location_id=order.location_id,
                           properties={**common, "points": hold.points, "hold_id": hold.id,
                                       "reward_id": hold.reward_id, "value": hold.value,
                                       "reward_name": judgement.reward.name
                                       if judgement and judgement.reward else None})


async def _refunded(session: AsyncSession, refunded: RefundedOrder) -> None:
    order = refunded.order
    program = await ledger.cached_program(session, order.workspace_id)
    if program is None or order.contact_id is None:
        return
    total = await session.scalar(select(func.coalesce(func.sum(OrderRefund.taxable), 0)).where(
        OrderRefund.workspace_id == order.workspace_id, OrderRefund.order_id == order.id))
    outcome = await earning.refund_order(session, program, order=order, refund=refunded.refund,
                                         refunded_pretax=int(total or 0))
    if outcome is None:
        return
    refunded.result["loyalty"] = outcome
    if outcome["reversed"] or outcome["recredited"]:
        await append_event(session, workspace_id=order.workspace_id,
                           message_id=f"loyalty:refund:{refunded.refund.id}",
                           name="loyalty_points_reversed", timestamp=refunded.refund.occurred_at,
                           source="api", contact_id=order.contact_id,
                           location_id=order.location_id,
                           properties={"order_id": order.id, "refund_id": refunded.refund.id,
                                       **outcome})

