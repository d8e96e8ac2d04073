"""Editing by id and retiring: earning rules, tiers and rewards.

Retiring never deletes: ledger entries, holds and orders keep naming the row, so history stays
readable.  A retired rule earns nothing, a retired tier is never reached, a retired reward is
offered nowhere (the till's list, eligibility, new holds).  Each can be restored; see
docs/decisions.md ("Loyalty: retiring rules, tiers and rewards") for what happens to members.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.kit.db import utcnow
from activereach.kit.errors import Conflict, NotFound, Unprocessable
from activereach.loyalty import ledger
from activereach.loyalty.models import LoyaltyAccount, LoyaltyReward, LoyaltyRule, LoyaltyTier
from activereach.loyalty.rewards import reward_out
from activereach.loyalty.schemas import RewardIn, RuleIn, TierIn
from activereach.loyalty.service import (
    apply_rule,
    put_reward,
    rule_out,
    tier_out,
    touch_program,
)
from activereach.loyalty.tiers import recompute_tier, tier_rows


async def _rule(session: AsyncSession, workspace_id: str, rule_id: str) -> LoyaltyRule:
    rule = await session.get(LoyaltyRule, (workspace_id, rule_id), with_for_update=True)
    if rule is None:
        raise NotFound(f"no earning rule {rule_id!r}")
    return rule


async def _tier(session: AsyncSession, workspace_id: str, tier_id: str) -> LoyaltyTier:
    tier = await session.get(LoyaltyTier, (workspace_id, tier_id), with_for_update=True)
    if tier is None:
        raise NotFound(f"no tier {tier_id!r}")
    return tier


async def _reward(session: AsyncSession, workspace_id: str, reward_id: str) -> LoyaltyReward:
    reward = await session.get(LoyaltyReward, (workspace_id, reward_id), with_for_update=True)
    if reward is None:
        raise NotFound(f"no reward {reward_id!r}")
    return reward


async def get_rule(session: AsyncSession, workspace_id: str, rule_id: str) -> dict[str, Any]:
    return rule_out(await _rule(session, workspace_id, rule_id))


async def get_tier(session: AsyncSession, workspace_id: str, tier_id: str) -> dict[str, Any]:
    return tier_out(await _tier(session, workspace_id, tier_id))


async def get_reward(session: AsyncSession, workspace_id: str, reward_id: str) -> dict[str, Any]:
    return reward_out(await _reward(session, workspace_id, reward_id))


async def update_rule(session: AsyncSession, workspace_id: str, rule_id: str,
                      body: RuleIn) -> dict[str, Any]:
    """Change a rule's numbers, exclusions and window; its kind, event and outlet are what
    identifies it (one row per scope), so changing those is a new rule."""
    rule = await _rule(session, workspace_id, rule_id)
    if (body.kind, body.event_name) != (rule.kind, rule.event_name):
        raise Unprocessable.field("kind", "a rule's kind and event cannot change; add a new rule")
    apply_rule(rule, body, utcnow())
    await touch_program(session, workspace_id)
    await session.flush()
    return rule_out(rule)


async def update_tier(session: AsyncSession, workspace_id: str, tier_id: str,
                      body: TierIn) -> dict[str, Any]:
    """Rename or re-price a tier; members are re-tiered on their next change (a threshold
    edit applies from each member's next order, refund or adjustment)."""
    tier = await _tier(session, workspace_id, tier_id)
    clash = await session.scalar(select(LoyaltyTier.id).where(
        LoyaltyTier.workspace_id == workspace_id, LoyaltyTier.name == body.name,
        LoyaltyTier.id != tier_id))
    if clash:
        raise Unprocessable.field("name", f"another tier is called {body.name!r}")
    tier.name, tier.threshold = body.name, body.threshold
    tier.multiplier_bp, tier.badge = body.multiplier_bp, body.badge
    # the tier's name is copied onto accounts (shown at the till); keep it in step
    for account in await _members_on(session, workspace_id, tier_id):
        account.tier_name = body.name
    await session.flush()
    return tier_out(tier)


async def update_reward(session: AsyncSession, workspace_id: str, reward_id: str,
                        body: RewardIn) -> dict[str, Any]:
    await _reward(session, workspace_id, reward_id)
    return await put_reward(session, workspace_id, body, reward_id)


async def retire_rule(session: AsyncSession, workspace_id: str, rule_id: str, *,
                      retired: bool = True) -> dict[str, Any]:
    """A retired rule earns nothing (an outlet rule hands the outlet back to the brand rule);
    restoring it makes it earn again from the next sale."""
    rule = await _rule(session, workspace_id, rule_id)
    rule.retired_at = utcnow() if retired else None
    rule.updated_at = utcnow()
    await touch_program(session, workspace_id)
    await session.flush()
    return rule_out(rule)


async def retire_reward(session: AsyncSession, workspace_id: str, reward_id: str, *,
                        retired: bool = True) -> dict[str, Any]:
    """A retired reward is no longer offered; holds already made for it still commit (the
    shopper was promised it) and offline sales that applied it still settle."""
    reward = await _reward(session, workspace_id, reward_id)
    if not retired and reward.min_tier_id:
        tier = await session.get(LoyaltyTier, (workspace_id, reward.min_tier_id))
        if tier is None or tier.retired_at is not None:
            raise Conflict("min_tier_id: the reward's minimum tier is retired; restore the tier "
                           "first", code="tier_retired")
    reward.retired_at = utcnow() if retired else None
    await session.flush()
    return reward_out(reward)


async def _members_on(session: AsyncSession, workspace_id: str,
                      tier_id: str) -> list[LoyaltyAccount]:
    rows = await session.execute(select(LoyaltyAccount).where(
        LoyaltyAccount.workspace_id == workspace_id, LoyaltyAccount.tier_id == tier_id,
        LoyaltyAccount.status == "active").with_for_update())
    return list(rows.scalars())


async def retire_tier(session: AsyncSession, workspace_id: str, tier_id: str, *,
                      retired: bool = True) -> dict[str, Any]:
    """Retire: refused while an unretired reward needs the tier (it would open to everyone);
    its members move at once to the highest remaining tier their spend or points reach (or
    none).  Restore: members reach it again from their next order, refund or adjustment."""
    tier = await _tier(session, workspace_id, tier_id)
    if retired:
        needing = list((await session.execute(select(LoyaltyReward.name).where(
            LoyaltyReward.workspace_id == workspace_id, LoyaltyReward.min_tier_id == tier_id,
            LoyaltyReward.retired_at.is_(None)))).scalars())
        if needing:
            raise Conflict(f"tier: {', '.join(needing)} need this tier; change or retire "
                           "those rewards first", code="tier_in_use")
    tier.retired_at = utcnow() if retired else None
    await session.flush()
    program = await ledger.program_of(session, workspace_id)
    if retired and program is not None:
        live = await tier_rows(session, workspace_id)
        # the retirement's moment makes the event's message id unique across retire/restore
        trigger = f"tier_retired:{tier_id}:{utcnow().timestamp()}"
        for account in await _members_on(session, workspace_id, tier_id):
            await recompute_tier(session, program, account, trigger=trigger, tiers=live)
    return tier_out(tier)
