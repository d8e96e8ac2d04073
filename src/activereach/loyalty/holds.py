"""Holds: points or a reward reserved for one cart, committed by the order that carries the
hold id (or its redemption code), released on void, expired after their TTL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.jobs.service import enqueue
from activereach.kit.db import utcnow
from activereach.kit.errors import Conflict, NotFound, Unprocessable
from activereach.kit.ids import new_id
from activereach.loyalty import ledger, rules
from activereach.loyalty.models import LoyaltyAccount, LoyaltyHold, LoyaltyProgram, LoyaltyReward

MAX_TTL = dt.timedelta(days=30)
# A till's hold lives at most this long: the till releases it the moment its payment screen
# closes or its cart is cleared, so the TTL only frees what a till that vanished left behind
# (docs/decisions.md).  An order rung up while the hold was live still commits it when it
# reaches the server later (``take_hold``).
TILL_TTL = dt.timedelta(minutes=5)


@dataclass
class HoldRequest:
    account_id: str
    points: int | None = None
    reward_id: str | None = None
    bill_total: int | None = None
    cart_ref: str | None = None
    request_key: str | None = None
    ttl_seconds: int | None = None
    location_id: str | None = None
    terminal_id: str | None = None   # the till's terminal (trm_…) when a till makes the hold


def limits_of(program: LoyaltyProgram) -> rules.RedeemLimits:
    return rules.RedeemLimits(program.min_redeem_points, program.max_redeem_share_bp,
                              program.point_value)


def hold_out(hold: LoyaltyHold) -> dict[str, Any]:
    return {"hold_id": hold.id, "member_id": hold.account_id, "contact_id": hold.contact_id,
            "points": hold.points, "value": hold.value, "reward_id": hold.reward_id,
            "code": hold.code, "status": hold.status, "location_id": hold.location_id,
            "cart_ref": hold.cart_ref, "order_id": hold.order_id,
            "expires_at": hold.expires_at.isoformat(),
            # the till times the hold on its own clock, which need not agree with ours
            "expires_in": max(0, int((hold.expires_at - utcnow()).total_seconds()))}


async def sweep_expired(session: AsyncSession, account: LoyaltyAccount,
                        now: dt.datetime | None = None) -> int:
    """Expire this (locked) account's lapsed holds so their points count again."""
    now = now or utcnow()
    rows = await session.execute(select(LoyaltyHold).where(
        LoyaltyHold.workspace_id == account.workspace_id, LoyaltyHold.account_id == account.id,
        LoyaltyHold.status == "held", LoyaltyHold.expires_at <= now).with_for_update())
    count = 0
    for hold in rows.scalars():
        await _close(session, account, hold, "expired", now)
        count += 1
    return count


async def _close(session: AsyncSession, account: LoyaltyAccount, hold: LoyaltyHold, status: str,
                 now: dt.datetime) -> None:
    hold.status, hold.closed_at = status, now
    account.held -= hold.points
    if hold.reward_id:  # a reward that was not used goes back into stock
        reward = await session.get(LoyaltyReward, (hold.workspace_id, hold.reward_id),
                                   with_for_update=True)
        if reward is not None and reward.issued_count > 0:
            reward.issued_count -= 1


async def create_hold(session: AsyncSession, program: LoyaltyProgram,
                      req: HoldRequest) -> dict[str, Any]:
    if not program.active:
        raise Conflict("the loyalty program is paused", code="program_inactive")
    if req.request_key:
        existing = await session.scalar(select(LoyaltyHold).where(
            LoyaltyHold.workspace_id == program.workspace_id,
            LoyaltyHold.request_key == req.request_key))
        if existing is not None:
            return {**hold_out(existing), "replayed": True}
    if (req.points is None) == (req.reward_id is None):
        raise Unprocessable.field("points", "give exactly one of points or reward_id")
    account = await ledger.lock_account(session, program.workspace_id, req.account_id)
    if account.status != "active":
        raise Conflict("this member was merged into another; look the member up again",
                       code="member_merged")
    now = utcnow()
    await sweep_expired(session, account, now)
    spendable = account.available - account.held
    if req.reward_id:
        reward, points, value, code = await _reward_terms(session, program, account, req,
                                                          spendable, now)
    else:
        reward, points, code = None, int(req.points or 0), None
        value = _points_value(program, points, spendable, req.bill_total)
    ttl = min(dt.timedelta(seconds=req.ttl_seconds or program.hold_ttl_seconds), MAX_TTL)
    if req.terminal_id:
        ttl = min(ttl, TILL_TTL)
    hold = LoyaltyHold(
        workspace_id=program.workspace_id, id=new_id("lh"), account_id=account.id,
        contact_id=account.contact_id, location_id=req.location_id,
        terminal_id=req.terminal_id, points=points,
        reward_id=reward.id if reward else None, code=code, request_key=req.request_key,
        cart_ref=req.cart_ref, bill_total=req.bill_total, value=value, status="held",
        expires_at=now + ttl, created_at=now)
    session.add(hold)
    account.held += points
    account.updated_at = now
    await enqueue(session, kind="loyalty.expire_hold", workspace_id=program.workspace_id,
                  payload={"hold_id": hold.id}, dedupe_key=f"loyalty.hold:{hold.id}",
                  run_at=hold.expires_at)
    await session.flush()
    return {**hold_out(hold), "replayed": False}


async def find_hold(session: AsyncSession, workspace_id: str, ref: str, *,
                    lock: bool = True) -> LoyaltyHold | None:
    """A hold by id or by its redemption code (codes are typed at checkout)."""
    query = select(LoyaltyHold).where(
        LoyaltyHold.workspace_id == workspace_id,
        or_(LoyaltyHold.id == ref, LoyaltyHold.code == ref.strip().upper()))
    if lock:  # re-read under the lock: an earlier unlocked read may be stale
        query = query.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(query)


async def release_hold(session: AsyncSession, workspace_id: str, ref: str, *,
                       location_id: str | None = None,
                       terminal_id: str | None = None) -> dict[str, Any]:
    """Release a hold (void at the till). Releasing twice is a no-op; a used hold is a 409.
    A till (``terminal_id``) may release only the holds it made itself."""
    found = await find_hold(session, workspace_id, ref, lock=False)
    if found is None or (location_id and found.location_id and found.location_id != location_id):
        raise NotFound(f"no hold {ref!r}")
    if terminal_id and found.terminal_id != terminal_id:
        raise NotFound(f"no hold {ref!r} made by this till")
    # Account first, then the hold: the same lock order as a committing order (no deadlock).
    account = await ledger.lock_account(session, workspace_id, found.account_id)
    hold = await find_hold(session, workspace_id, found.id)
    assert hold is not None
    if hold.status in ("released", "expired"):
        return hold_out(hold)
    if hold.status == "committed":
        raise Conflict("this hold was already used by an order", code="hold_used",
                       details={"order_id": hold.order_id})
    await _close(session, account, hold, "released", utcnow())
    await session.flush()
    return hold_out(hold)


async def expire_hold(session: AsyncSession, workspace_id: str, hold_id: str) -> bool:
    """The TTL job: expire the hold if it is still open and past its time (idempotent)."""
    hold = await session.get(LoyaltyHold, (workspace_id, hold_id))
    if hold is None or hold.status != "held" or hold.expires_at > utcnow():
        return False
    account = await ledger.lock_account(session, workspace_id, hold.account_id)
    return await sweep_expired(session, account) > 0


async def _reward_terms(session: AsyncSession, program: LoyaltyProgram, account: LoyaltyAccount,
                        req: HoldRequest, spendable: int,
                        now: dt.datetime) -> tuple[LoyaltyReward, int, int, str | None]:
    """(reward, points, money value on this bill, redemption code) for a reward hold."""
    from activereach.loyalty.rewards import reserve_reward  # noqa: PLC0415 (import cycle)
    reward = await reserve_reward(session, program, account, str(req.reward_id), spendable, now)
    value = rules.reward_value(reward.kind, bill_total=req.bill_total or 0,
                               percent_bp=reward.percent_bp, amount=reward.amount,
                               min_bill=reward.min_bill) if req.bill_total else 0
    code = ledger.random_code(10) if reward.kind in ("percent", "fixed", "free_item") else None
    return reward, reward.points_cost, value, code


def _points_value(program: LoyaltyProgram, points: int, spendable: int,
                  bill_total: int | None) -> int:
    """Money the points pay, after the program's limits (409 for balance, 422 for limits)."""
    reason = rules.check_points_redemption(limits_of(program), points, spendable, bill_total)
    if reason and "available" in reason:
        raise Conflict(f"points: {reason}", code="insufficient_points",
                       details=[{"field": "points", "message": reason}])
    if reason:
        raise Unprocessable.field("points", reason)
    return points * program.point_value


def _refuse(message: str, code: str) -> Conflict:
    return Conflict(f"loyalty.hold_id: {message}", code=code,
                    details=[{"field": "loyalty.hold_id", "message": message}])


async def take_hold(session: AsyncSession, account: LoyaltyAccount, ref: str, *,
                    location_id: str | None, occurred_at: dt.datetime) -> LoyaltyHold:
    """The hold an order names, locked and checked (inside the order's transaction): this
    member's, made at this outlet, still held.  A hold that lapsed *after* the sale was rung up
    is taken back: the sale was made while it was live and only reached the server late."""
    hold = await find_hold(session, account.workspace_id, ref)
    if hold is None:
        raise Unprocessable.field("loyalty.hold_id", f"no hold or redemption code {ref!r}")
    if hold.account_id != account.id:
        raise _refuse("the hold belongs to another member", "hold_foreign")
    if hold.location_id and location_id and hold.location_id != location_id:
        raise _refuse("the hold was made at another outlet", "hold_foreign")
    if hold.status == "committed":
        raise _refuse("the hold was already used by another order", "hold_used")
    late = hold.created_at <= occurred_at < hold.expires_at
    if hold.status == "expired" and late:
        await _revive(session, account, hold)
    elif hold.status != "held" or (hold.expires_at <= utcnow() and not late):
        raise _refuse(f"the hold is {'expired' if hold.status == 'held' else hold.status}",
                      "hold_expired")
    if account.available < hold.points:
        raise _refuse(f"only {account.available} points are available", "insufficient_points")
    return hold


async def _revive(session: AsyncSession, account: LoyaltyAccount, hold: LoyaltyHold) -> None:
    """Hold an expired hold's points (and reward) again, if nothing took them meanwhile."""
    if account.available - account.held < hold.points:
        raise _refuse("the hold expired and its points were spent since", "hold_expired")
    if hold.reward_id:
        reward = await session.get(LoyaltyReward, (hold.workspace_id, hold.reward_id),
                                   with_for_update=True)
        if reward is not None and reward.stock_cap is not None and \
                reward.issued_count >= reward.stock_cap:
            raise _refuse("the hold expired and the reward ran out since", "hold_expired")
        if reward is not None:
            reward.issued_count += 1
    hold.status, hold.closed_at = "held", None
    account.held += hold.points


async def redeem(session: AsyncSession, account: LoyaltyAccount, hold: LoyaltyHold, *,
                 order_id: str, location_id: str | None, reason: str | None = None,
                 meta: dict[str, Any] | None = None, value: int | None = None) -> None:
    """Spend a taken hold's points for this order and write the ``redeem`` entry, which names
    the order and the reward (``reason``/``meta``: what the reward took off the bill)."""
    now = utcnow()
    account.held -= hold.points
    await ledger.consume(session, account, hold.points)
    account.lifetime_redeemed += hold.points
    hold.status, hold.closed_at, hold.order_id = "committed", now, order_id
    if value is not None:  # a reward's hold is worth the discount it gave on this order
        hold.value = value
    await ledger.post(session, account, kind="redeem", points=-hold.points,
                      key=f"redeem:{hold.id}", now=now, meta=meta,
                      refs=ledger.Refs(order_id=order_id, hold_id=hold.id,
                                       reward_id=hold.reward_id, location_id=location_id,
                                       reason=reason))


async def free_item_for(session: AsyncSession, account: LoyaltyAccount,
                        skus: set[str]) -> str | None:
    """An open free-item reward of this member whose item the order gives away (``skus``: the
    lines rung at zero or carrying a reward discount): it attaches itself to the member's next
    such order, without the till sending its code."""
    if not skus or account.held <= 0:
        return None
    return await session.scalar(
        select(LoyaltyHold.id).join(LoyaltyReward, (LoyaltyReward.workspace_id ==
                                                    LoyaltyHold.workspace_id)
                                    & (LoyaltyReward.id == LoyaltyHold.reward_id))
        .where(LoyaltyHold.workspace_id == account.workspace_id,
               LoyaltyHold.account_id == account.id, LoyaltyHold.status == "held",
               LoyaltyHold.expires_at > utcnow(), LoyaltyReward.kind == "free_item",
               LoyaltyReward.sku.in_(skus))
        .order_by(LoyaltyHold.expires_at).limit(1))
