"""The demo brand's loyalty program, seeded idempotently (keyed by names and scopes)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.loyalty import ledger, service
from activereach.loyalty.models import LoyaltyReward
from activereach.loyalty.schemas import ProgramIn, RewardIn, RuleIn, TierIn
from activereach.tenancy.models import Location, Workspace

REWARDS = [
    RewardIn(name="Free Masala Chai", kind="free_item", points_cost=50, sku="MASALA-CHAI",
             terms="One regular masala chai on your next visit."),
    RewardIn(name="₹100 off a bill of ₹500+", kind="fixed", points_cost=80, amount=10000,
             min_bill=50000),
    RewardIn(name="10% off your bill", kind="percent", points_cost=120, percent_bp=1000),
    RewardIn(name="Barista for a morning", kind="experience", points_cost=400, stock_cap=5,
             per_customer_cap=1, terms="Gold members: shadow our head barista for a morning."),
]


async def seed_demo_loyalty(session: AsyncSession, workspace: Workspace) -> None:
    """Bloom Points: 1 point per ₹100 pre-tax (2 at Bandra, merch excluded there), Silver/Gold."""
    if await ledger.program_of(session, workspace.id) is None:
        await service.put_program(session, workspace.id, ProgramIn(
            name="Bloom Points", points_name="Bloom Points", pending_days=7, expiry_months=12,
            min_redeem_points=10, max_redeem_share_bp=5000, point_value=100))
    await service.put_rule(session, workspace.id, RuleIn(points_per_unit=1, spend_unit=10000))
    bandra = await session.scalar(select(Location.id).where(
        Location.workspace_id == workspace.id, Location.code == "mum-bandra"))
    if bandra:
        await service.put_rule(session, workspace.id, RuleIn(
            location=bandra, points_per_unit=2, spend_unit=10000,
            excluded_categories=["Merch"]))
    await service.put_tier(session, workspace.id, TierIn(name="Silver", threshold=200000,
                                                         badge="silver"))
    gold = await service.put_tier(session, workspace.id, TierIn(
        name="Gold", threshold=1000000, multiplier_bp=15000, badge="gold"))
    names = set((await session.execute(select(LoyaltyReward.name).where(
        LoyaltyReward.workspace_id == workspace.id))).scalars())
    for reward in REWARDS:
        if reward.name in names:
            continue
        if reward.kind == "experience":
            reward = reward.model_copy(update={"min_tier_id": gold["id"]})
        await service.put_reward(session, workspace.id, reward)
