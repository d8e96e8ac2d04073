"""Tiers: recomputed from active qualifying spend or points over a rolling window."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.events.service import append_event
from activereach.kit.db import utcnow
from activereach.loyalty import rules
from activereach.loyalty.models import LoyaltyAccount, LoyaltyLot, LoyaltyProgram, LoyaltyTier


async def tier_rows(session: AsyncSession, workspace_id: str) -> list[LoyaltyTier]:
    """The tiers members can reach (retired ones are not)."""
    rows = await session.execute(select(LoyaltyTier).where(
        LoyaltyTier.workspace_id == workspace_id, LoyaltyTier.retired_at.is_(None))
        .order_by(LoyaltyTier.threshold, LoyaltyTier.id))
    return list(rows.scalars())


def rank_of(tiers: list[LoyaltyTier], tier_id: str | None) -> int | None:
    """1-based rank by threshold (None for no tier)."""
    for index, tier in enumerate(sorted(tiers, key=lambda t: (t.threshold, t.id)), start=1):
        if tier.id == tier_id:
            return index
    return None


def multiplier_of(tiers: list[LoyaltyTier], tier_id: str | None) -> int:
    return next((t.multiplier_bp for t in tiers if t.id == tier_id), rules.BP)


async def tier_metric(session: AsyncSession, program: LoyaltyProgram,
                      account: LoyaltyAccount, now: dt.datetime) -> int:
    """Active (not pending) qualifying spend or points earned inside the window."""
    column = LoyaltyLot.basis if program.tier_basis == "spend" else LoyaltyLot.qualifying
    since = now - dt.timedelta(days=program.tier_window_days)
    value = await session.scalar(select(func.coalesce(func.sum(column), 0)).where(
        LoyaltyLot.workspace_id == account.workspace_id, LoyaltyLot.account_id == account.id,
        LoyaltyLot.status != "pending", LoyaltyLot.created_at >= since))
    return int(value or 0)


async def recompute_tier(session: AsyncSession, program: LoyaltyProgram, account: LoyaltyAccount,
                         *, trigger: str, tiers: list[LoyaltyTier] | None = None) -> bool:
    """Set the account's tier; a change appends ``loyalty_tier_changed``.  Returns changed."""
    tiers = tiers if tiers is not None else await tier_rows(session, account.workspace_id)
    if not tiers and account.tier_id is None:
        return False
    now = utcnow()
    await session.flush()
    metric = await tier_metric(session, program, account, now)
    views = [rules.TierRow(t.id, t.name, t.threshold, t.multiplier_bp) for t in tiers]
    chosen = rules.pick_tier(views, metric)
    new_id = chosen.id if chosen else None
    if new_id == account.tier_id:
        return False
    previous = account.tier_name
    account.tier_id, account.tier_name = new_id, chosen.name if chosen else None
    await append_event(
        session, workspace_id=account.workspace_id, name="loyalty_tier_changed",
        message_id=f"loyalty_tier:{account.id}:{trigger}", timestamp=now, source="api",
        contact_id=account.contact_id,
        properties={"previous_tier": previous, "tier": account.tier_name, "metric": metric,
                    "basis": program.tier_basis, "trigger": trigger})
    return True
