"""Admin configuration: the program, earning rules (brand or outlet rows), tiers and rewards."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.kit.db import utcnow
from activereach.kit.errors import NotFound, Unprocessable
from activereach.kit.ids import new_id
from activereach.loyalty import ledger
from activereach.loyalty.models import (
    LoyaltyAccount,
    LoyaltyProgram,
    LoyaltyReward,
    LoyaltyRule,
    LoyaltyTier,
)
from activereach.loyalty.rewards import reward_out
from activereach.loyalty.schemas import ProgramIn, RewardIn, RuleIn, TierIn
from activereach.tenancy.service import find_location

PROGRAM_FIELDS = tuple(ProgramIn.model_fields)


def program_out(program: LoyaltyProgram) -> dict[str, Any]:
    return {"id": program.id, **{name: getattr(program, name) for name in PROGRAM_FIELDS},
            "updated_at": program.updated_at.isoformat()}


async def require_program(session: AsyncSession, workspace_id: str) -> LoyaltyProgram:
    program = await ledger.program_of(session, workspace_id)
    if program is None:
        raise NotFound("this workspace has no loyalty program; PUT /v1/loyalty/program first",
                       code="no_program")
    return program


async def put_program(session: AsyncSession, workspace_id: str, body: ProgramIn) -> dict[str, Any]:
    """Create or replace the one program of the workspace (idempotent: same body, same row)."""
    program = await ledger.program_of(session, workspace_id)
    now = utcnow()
    if program is None:
        program = LoyaltyProgram(workspace_id=workspace_id, id=new_id("lp"), created_at=now)
        session.add(program)
    for name in PROGRAM_FIELDS:
        setattr(program, name, getattr(body, name))
    program.updated_at = now
    # The policy is copied onto accounts for the CHECK constraint; an account already below
    # zero keeps allowing it (its debt is real) until it is back to zero or more.
    allow = body.negative_policy == "allow"
    await session.execute(update(LoyaltyAccount).where(
        LoyaltyAccount.workspace_id == workspace_id, LoyaltyAccount.allow_negative != allow,
        or_(LoyaltyAccount.available >= 0, literal(allow))).values(allow_negative=allow),
        execution_options={"synchronize_session": False})
    await session.flush()
    return program_out(program)


def rule_out(rule: LoyaltyRule) -> dict[str, Any]:
    return {"id": rule.id, "kind": rule.kind, "event_name": rule.event_name,
            "location_id": rule.location_id, "scope": "brand" if rule.location_id is None
            else "outlet", "points_per_unit": rule.points_per_unit, "spend_unit": rule.spend_unit,
            "fixed_points": rule.fixed_points, "cooldown_hours": rule.cooldown_hours,
            "excluded_skus": rule.excluded_skus, "excluded_categories": rule.excluded_categories,
            "exclude_discounted": rule.exclude_discounted, "active": rule.active,
            "valid_from": _iso(rule.valid_from), "valid_until": _iso(rule.valid_until),
            "retired": rule.retired_at is not None, "retired_at": _iso(rule.retired_at)}


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


async def put_rule(session: AsyncSession, workspace_id: str, body: RuleIn) -> dict[str, Any]:
    """One row per (kind, event, scope): sending the same scope again replaces that row (and
    brings a retired one back)."""
    location_id = None
    if body.location:
        location = await find_location(session, workspace_id, body.location)
        if location is None:
            raise Unprocessable.field("location", f"no outlet with id or code {body.location!r}")
        location_id = location.id
    scope = location_id or "brand"
    rule = await session.scalar(select(LoyaltyRule).where(
        LoyaltyRule.workspace_id == workspace_id, LoyaltyRule.kind == body.kind,
        LoyaltyRule.event_name == body.event_name, LoyaltyRule.scope == scope))
    now = utcnow()
    if rule is None:
        rule = LoyaltyRule(workspace_id=workspace_id, id=new_id("lr"), kind=body.kind,
                           event_name=body.event_name, scope=scope, location_id=location_id,
                           created_at=now)
        session.add(rule)
    apply_rule(rule, body, now)
    await touch_program(session, workspace_id)
    await session.flush()
    return rule_out(rule)


RULE_FIELDS = ("points_per_unit", "spend_unit", "fixed_points", "cooldown_hours",
               "excluded_skus", "excluded_categories", "exclude_discounted", "active",
               "valid_from", "valid_until")


def apply_rule(rule: LoyaltyRule, body: RuleIn, now: dt.datetime) -> None:
    """The body's editable fields onto the row; saving a rule un-retires it."""
    for name in RULE_FIELDS:
        setattr(rule, name, getattr(body, name))
    rule.retired_at = None
    rule.updated_at = now


async def touch_program(session: AsyncSession, workspace_id: str) -> None:
    """A new program version: caches keyed by ``updated_at`` (earning.purchase_rule) refresh."""
    program = await ledger.program_of(session, workspace_id)
    if program is not None:
        program.updated_at = utcnow()


async def list_rules(session: AsyncSession, workspace_id: str) -> list[dict[str, Any]]:
    rows = await session.execute(select(LoyaltyRule).where(LoyaltyRule.workspace_id == workspace_id)
                                 .order_by(LoyaltyRule.kind, LoyaltyRule.event_name,
                                           LoyaltyRule.scope))
    return [rule_out(rule) for rule in rows.scalars()]


def tier_out(tier: LoyaltyTier) -> dict[str, Any]:
    return {"id": tier.id, "name": tier.name, "threshold": tier.threshold,
            "multiplier_bp": tier.multiplier_bp, "badge": tier.badge,
            "retired": tier.retired_at is not None, "retired_at": _iso(tier.retired_at)}


async def put_tier(session: AsyncSession, workspace_id: str, body: TierIn) -> dict[str, Any]:
    """Tiers are keyed by name; sending a name again updates it (a retired one stays retired:
    restoring it re-tiers members, which ``manage.restore_tier`` does)."""
    tier = await session.scalar(select(LoyaltyTier).where(
        LoyaltyTier.workspace_id == workspace_id, LoyaltyTier.name == body.name))
    if tier is None:
        tier = LoyaltyTier(workspace_id=workspace_id, id=new_id("lt"), name=body.name,
                           created_at=utcnow())
        session.add(tier)
    tier.threshold, tier.multiplier_bp, tier.badge = body.threshold, body.multiplier_bp, body.badge
    await session.flush()
    return tier_out(tier)


async def list_tiers(session: AsyncSession, workspace_id: str) -> list[dict[str, Any]]:
    rows = await session.execute(select(LoyaltyTier).where(LoyaltyTier.workspace_id == workspace_id)
                                 .order_by(LoyaltyTier.threshold))
    return [tier_out(tier) for tier in rows.scalars()]


async def put_reward(session: AsyncSession, workspace_id: str, body: RewardIn,
                     reward_id: str | None = None) -> dict[str, Any]:
    tier_id = body.min_tier_id
    tier = await session.get(LoyaltyTier, (workspace_id, tier_id)) if tier_id else None
    if tier_id and (tier is None or tier.retired_at is not None):
        raise Unprocessable.field("min_tier_id", f"no tier {body.min_tier_id!r}")
    reward = None
    if reward_id:
        reward = await session.get(LoyaltyReward, (workspace_id, reward_id), with_for_update=True)
        if reward is None:
            raise NotFound(f"no reward {reward_id!r}")
    else:
        reward = LoyaltyReward(workspace_id=workspace_id, id=new_id("rw"), issued_count=0,
                               created_at=utcnow())
        session.add(reward)
    for name in RewardIn.model_fields:
        setattr(reward, name, getattr(body, name))
    if reward.stock_cap is not None and reward.issued_count > reward.stock_cap:
        raise Unprocessable.field("stock_cap", f"{reward.issued_count} are already issued")
    await session.flush()
    return reward_out(reward)


async def list_rewards(session: AsyncSession, workspace_id: str, *,
                       retired: bool = True) -> list[dict[str, Any]]:
    """Every reward; ``retired=False`` leaves retired ones out (what a till is offered)."""
    query = select(LoyaltyReward).where(LoyaltyReward.workspace_id == workspace_id)
    if not retired:
        query = query.where(LoyaltyReward.retired_at.is_(None))
    rows = await session.execute(query.order_by(LoyaltyReward.points_cost))
    return [reward_out(reward) for reward in rows.scalars()]
