"""The rewards catalog: eligibility with reasons, and reserving a reward for a hold."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.kit.db import utcnow
from activereach.kit.errors import Conflict, NotFound
from activereach.loyalty import rules
from activereach.loyalty.models import LoyaltyAccount, LoyaltyHold, LoyaltyProgram, LoyaltyReward
from activereach.loyalty.tiers import rank_of, tier_rows

REASON_TEXT = {
    "retired": "the reward has been retired",
    "inactive": "the reward is switched off",
    "window": "outside the reward's validity window",
    "membership": "members only: enrol first",
    "tier": "needs a higher tier",
    "balance": "not enough points",
    "stock": "out of stock",
    "cap": "per-customer limit reached",
}


def reward_out(reward: LoyaltyReward) -> dict[str, Any]:
    return {"id": reward.id, "name": reward.name, "kind": reward.kind,
            "points_cost": reward.points_cost, "percent_bp": reward.percent_bp,
            "amount": reward.amount, "min_bill": reward.min_bill, "sku": reward.sku,
            "item_quantity": reward.item_quantity,
            "min_tier_id": reward.min_tier_id, "members_only": reward.members_only,
            "stock_cap": reward.stock_cap, "issued": reward.issued_count,
            "per_customer_cap": reward.per_customer_cap,
            "valid_from": reward.valid_from.isoformat() if reward.valid_from else None,
            "valid_until": reward.valid_until.isoformat() if reward.valid_until else None,
            "terms": reward.terms, "active": reward.active,
            "retired": reward.retired_at is not None,
            "retired_at": reward.retired_at.isoformat() if reward.retired_at else None}


async def _used_by(session: AsyncSession, account: LoyaltyAccount | None) -> dict[str, int]:
    if account is None:
        return {}
    rows = await session.execute(
        select(LoyaltyHold.reward_id, func.count()).where(
            LoyaltyHold.workspace_id == account.workspace_id,
            LoyaltyHold.account_id == account.id, LoyaltyHold.reward_id.is_not(None),
            LoyaltyHold.status.in_(("held", "committed"))).group_by(LoyaltyHold.reward_id))
    # reward_id IS NOT NULL above: the test only tells the type checker so
    return {reward_id: count for reward_id, count in rows.all() if reward_id is not None}


def _view(reward: LoyaltyReward, ranks: dict[str, int]) -> rules.RewardView:
    return rules.RewardView(
        points_cost=reward.points_cost,
        tier_rank=ranks.get(reward.min_tier_id) if reward.min_tier_id else None,
        members_only=reward.members_only, stock_cap=reward.stock_cap,
        issued=reward.issued_count, per_customer_cap=reward.per_customer_cap,
        valid_from=reward.valid_from, valid_until=reward.valid_until, active=reward.active,
        retired=reward.retired_at is not None)


async def eligibility(session: AsyncSession, workspace_id: str,
                      account: LoyaltyAccount | None) -> list[dict[str, Any]]:
    """Every reward still offered with ``eligible`` and, when locked, the reasons (so tills
    show what unlocks it).  ``account`` None means the shopper is not a member.  Retired
    rewards are left out: nothing unlocks them, so a till should not list them at all."""
    tiers = await tier_rows(session, workspace_id)
    ranks = {t.id: rank_of(tiers, t.id) or 0 for t in tiers}
    used = await _used_by(session, account)
    now = utcnow()
    rows = await session.execute(select(LoyaltyReward).where(
        LoyaltyReward.workspace_id == workspace_id, LoyaltyReward.retired_at.is_(None))
        .order_by(LoyaltyReward.points_cost, LoyaltyReward.id))
    out = []
    for reward in rows.scalars():
        member = rules.MemberView(
            is_member=account is not None,
            spendable=(account.available - account.held) if account else 0,
            tier_rank=rank_of(tiers, account.tier_id) if account else None,
            redeemed_by_member=used.get(reward.id, 0))
        reasons = rules.reward_reasons(_view(reward, ranks), member, now)
        out.append({**reward_out(reward), "eligible": not reasons, "reasons": reasons,
                    "reason_text": [REASON_TEXT[r] for r in reasons],
                    "points_short": max(0, reward.points_cost - member.spendable)})
    return out


async def reserve_reward(session: AsyncSession, program: LoyaltyProgram, account: LoyaltyAccount,
                         reward_id: str, spendable: int, now: dt.datetime) -> LoyaltyReward:
    """Lock the reward, check every condition and take one from its stock."""
    reward = await session.get(LoyaltyReward, (program.workspace_id, reward_id),
                               with_for_update=True)
    if reward is None:
        raise NotFound(f"no reward {reward_id!r}")
    tiers = await tier_rows(session, program.workspace_id)
    ranks = {t.id: rank_of(tiers, t.id) or 0 for t in tiers}
    used = (await _used_by(session, account)).get(reward.id, 0)
    member = rules.MemberView(is_member=True, spendable=spendable,
                              tier_rank=rank_of(tiers, account.tier_id), redeemed_by_member=used)
    reasons = rules.reward_reasons(_view(reward, ranks), member, now)
    if reasons:
        raise Conflict(f"reward_id: {'; '.join(REASON_TEXT[r] for r in reasons)}",
                       code="reward_unavailable",
                       details=[{"field": "reward_id", "reason": r, "message": REASON_TEXT[r]}
                                for r in reasons])
    reward.issued_count += 1
    return reward


async def reward_names(session: AsyncSession, workspace_id: str,
                       reward_ids: set[str]) -> dict[str, str]:
    """Each reward's name by id (one query; none for no ids): what people read, never the id."""
    if not reward_ids:
        return {}
    rows = await session.execute(select(LoyaltyReward.id, LoyaltyReward.name).where(
        LoyaltyReward.workspace_id == workspace_id, LoyaltyReward.id.in_(reward_ids)))
    return {reward_id: name for reward_id, name in rows.all()}
