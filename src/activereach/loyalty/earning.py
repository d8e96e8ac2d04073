"""Earning and its mirror: points for an order, proportional reversal and re-credit on refunds,
activation of pending lots and expiry of lapsed ones (both idempotent sweeps)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from activereach.jobs.service import enqueue
from activereach.kit import session_state
from activereach.kit.db import utcnow
from activereach.loyalty import ledger, rules
from activereach.loyalty.models import (
    LoyaltyAccount,
    LoyaltyEntry,
    LoyaltyLot,
    LoyaltyProgram,
    LoyaltyRule,
)
from activereach.loyalty.tiers import recompute_tier


def rule_view(row: LoyaltyRule) -> rules.PurchaseRule:
    return rules.PurchaseRule(
        id=row.id, location_id=row.location_id, event_name=row.event_name,
        points_per_unit=row.points_per_unit, spend_unit=row.spend_unit,
        excluded_skus=frozenset(row.excluded_skus or ()),
        excluded_categories=frozenset(row.excluded_categories or ()),
        exclude_discounted=row.exclude_discounted)


def _row(rule: LoyaltyRule, payload: Any = None) -> rules.RuleRow:
    return rules.RuleRow(rule.id, rule.kind, rule.event_name, rule.location_id, payload,
                         rule.valid_from, rule.valid_until)


async def _live_rows(session: AsyncSession, workspace_id: str, *, kind: str,
                     event_name: str) -> list[LoyaltyRule]:
    """Active, unretired rows of this kind and event, every scope and window."""
    return list((await session.execute(select(LoyaltyRule).where(
        LoyaltyRule.workspace_id == workspace_id, LoyaltyRule.kind == kind,
        LoyaltyRule.event_name == event_name, LoyaltyRule.active.is_(True),
        LoyaltyRule.retired_at.is_(None)))).scalars())


async def resolved_rules(session: AsyncSession, workspace_id: str, location_id: str | None, *,
                         kind: str, event_name: str,
                         at: dt.datetime | None = None) -> list[LoyaltyRule]:
    """Rows of this kind and event that apply at the outlet at ``at`` (default now): outlet
    beats brand, and a row outside its validity window does not apply."""
    rows = await _live_rows(session, workspace_id, kind=kind, event_name=event_name)
    by_id = {row.id: row for row in rows}
    chosen = rules.resolve_rules([_row(r) for r in rows], location_id, at or utcnow())
    return [by_id[row.id] for row in chosen]


# Purchase-rule candidates per (workspace, program version).  Every rule change touches the
# program's ``updated_at`` in the same transaction, and the program row is read on every order
# anyway, so a stale entry is never used; at most a few hundred entries per process.  The
# candidates are cached, not the resolved rule: validity windows make the choice depend on the
# sale's time, which no cache key can capture.
_PURCHASE_RULES: dict[tuple[str, str], list[rules.RuleRow]] = {}


async def purchase_rule(session: AsyncSession, program: LoyaltyProgram,
                        location_id: str | None,
                        at: dt.datetime | None = None) -> rules.PurchaseRule | None:
    """The purchase rule for a sale at the outlet at ``at`` (the sale's time: an order synced
    late from an offline till earns under the rules of the moment it was made)."""
    key = (program.workspace_id, program.updated_at.isoformat())
    if key not in _PURCHASE_RULES:
        found = await _live_rows(session, program.workspace_id, kind="purchase",
                                 event_name="order_completed")
        if len(_PURCHASE_RULES) > 512:
            _PURCHASE_RULES.clear()
        _PURCHASE_RULES[key] = [_row(r, rule_view(r)) for r in found]
    chosen = rules.resolve_rules(_PURCHASE_RULES[key], location_id, at or utcnow())
    payload: rules.PurchaseRule | None = chosen[0].payload if chosen else None
    return payload


async def schedule(session: AsyncSession, lot: LoyaltyLot) -> None:
    """The lot's next sweep: activation while pending (whose sweep then schedules the expiry),
    else expiry.  Bucketed per hour, so a busy day makes one job per workspace per hour."""
    if lot.status == "pending":
        await _sweep_job(session, "loyalty.activate", lot.workspace_id, lot.activates_at)
    elif lot.expires_at is not None:
        await _sweep_job(session, "loyalty.expire", lot.workspace_id, lot.expires_at)


async def _sweep_job(session: AsyncSession, kind: str, workspace_id: str,
                     when: dt.datetime) -> None:
    # A time already past goes into the current hour's sweep (a past bucket may have run).
    bucket = max(when, utcnow()).replace(minute=0, second=0, microsecond=0) \
        + dt.timedelta(hours=1)
    key = f"{kind}:{workspace_id}:{bucket:%Y%m%d%H}"
    # per database (an engine's or a connection's ``.engine`` has the URL: the same object)
    seen = f"{session.bind.engine.url if session.bind else ''}|{key}"
    if seen in _COMMITTED_JOBS:  # a committed job row with this dedupe key exists already
        return
    await enqueue(session, kind=kind, workspace_id=workspace_id,
                  payload={"until": bucket.isoformat()}, run_at=bucket, dedupe_key=key)
    session_state.state(session, _PendingKeys).keys.add(seen)


# Dedupe keys of sweep jobs this process has seen committed.  Job rows keep their dedupe key
# forever (a done job still blocks its key), so skipping the INSERT for a key in this set
# changes nothing but saves a statement on most orders.  Keys enter only after commit.
_COMMITTED_JOBS: set[str] = set()


@dataclass
class _PendingKeys:
    """Sweep-job dedupe keys this transaction enqueued, remembered once it commits."""

    keys: set[str] = field(default_factory=set)


@event.listens_for(Session, "after_commit")
def _remember_jobs(session: Session) -> None:
    pending = session_state.drop(session, _PendingKeys)
    keys = pending.keys if pending else None
    if keys:
        if len(_COMMITTED_JOBS) > 10_000:
            _COMMITTED_JOBS.clear()
        _COMMITTED_JOBS.update(keys)


@event.listens_for(Session, "after_rollback")
def _forget_jobs(session: Session) -> None:
    session_state.drop(session, _PendingKeys)


async def earn_for_order(session: AsyncSession, program: LoyaltyProgram,
                         account: LoyaltyAccount, *, order: Any, lines: list[Any],
                         points_paid: int, multiplier_bp: int) -> tuple[int, LoyaltyLot | None]:
    """Points for a completed order under the rules resolved at its outlet."""
    rule = await purchase_rule(session, program, order.location_id, order.occurred_at)
    if rule is None:
        return 0, None
    earn_lines = [rules.EarnLine(sku=line.sku, category=line.category, taxable=line.taxable,
                                 discount=line.discount) for line in lines]
    basis = rules.earn_basis(earn_lines, rule, order_discount=order.discount_total - sum(
        line.discount for line in lines), order_pretax=order.subtotal, points_paid=points_paid,
        order_total=order.total)
    points = rules.points_for(basis, rule, multiplier_bp)
    if points <= 0:
        return 0, None
    lot = await ledger.credit(
        session, program, account, kind="earn", points=points, key=f"earn:{order.id}",
        refs=ledger.Refs(order_id=order.id, location_id=order.location_id),
        start=order.occurred_at, basis=basis,
        meta={"rule_id": rule.id, "basis": basis, "multiplier_bp": multiplier_bp})
    await schedule(session, lot)
    return points, lot


async def _order_entries(session: AsyncSession, workspace_id: str,
                         order_id: str) -> list[LoyaltyEntry]:
    rows = await session.execute(select(LoyaltyEntry).where(
        LoyaltyEntry.workspace_id == workspace_id, LoyaltyEntry.order_id == order_id))
    return list(rows.scalars())


async def refund_order(session: AsyncSession, program: LoyaltyProgram, *, order: Any,
                       refund: Any, refunded_pretax: int) -> dict[str, Any] | None:
    """Reverse earned points and re-credit redeemed ones for a refund (idempotent on its id).

    Both are cumulative targets over all refunds of the order, floored, so piecewise refunds
    never reverse more than the order earned nor re-credit more than it redeemed.
    """
    entries = await _order_entries(session, order.workspace_id, order.id)
    if not entries or any(e.refund_id == refund.id for e in entries):
        return None
    account = await ledger.lock_account(session, order.workspace_id, entries[0].account_id)
    account = await _surviving(session, account)
    earned = sum(e.points for e in entries if e.kind == "earn")
    redeemed = -sum(e.points for e in entries if e.kind == "redeem")
    reversed_before = sum(int(e.meta.get("target", 0)) for e in entries if e.kind == "reverse")
    credited_before = sum(e.points for e in entries if e.kind == "refund_credit")
    whole = max(order.subtotal, 1)
    reverse = rules.proportional_target(earned, refunded_pretax, whole) - reversed_before
    credit_back = 0
    if program.recredit_redeemed == "proportional":
        credit_back = rules.proportional_target(redeemed, refunded_pretax, whole) - credited_before
    refs = ledger.Refs(order_id=order.id, refund_id=refund.id, location_id=order.location_id)
    earn = next((e for e in entries if e.kind == "earn"), None)
    basis = int(earn.meta.get("basis", 0)) if earn else 0
    left_for_tiers = (basis - rules.proportional_target(basis, refunded_pretax, whole),
                      earned - reversed_before - max(reverse, 0))
    applied = 0
    if reverse > 0:
        applied = await _reverse(session, account, order.id, reverse, refs, left_for_tiers)
    if credit_back > 0:
        lot = await ledger.credit(session, program, account, kind="refund_credit",
                                  points=credit_back, key=f"refund_credit:{refund.id}",
                                  refs=refs, start=utcnow(), pending_days=0)
        await schedule(session, lot)
    await recompute_tier(session, program, account, trigger=f"refund:{refund.id}")
    return {"reversed": applied, "recredited": max(credit_back, 0),
            "balance": account.available, "pending": account.pending, "tier": account.tier_name}


async def _surviving(session: AsyncSession, account: LoyaltyAccount) -> LoyaltyAccount:
    """Entries re-home on merge, but follow the pointer in case an old id is referenced."""
    for _ in range(8):
        if account.status != "merged" or not account.merged_into_id:
            return account
        account = await ledger.lock_account(session, account.workspace_id, account.merged_into_id)
    return account


async def _reverse(session: AsyncSession, account: LoyaltyAccount, order_id: str, points: int,
                   refs: ledger.Refs, left_for_tiers: tuple[int, int]) -> int:
    """Take back ``points``: from the order's own lot first (pending or not), then FEFO from
    available lots; what is left is debt (allow) or written off (clamp)."""
    lot = await session.scalar(select(LoyaltyLot).where(
        LoyaltyLot.workspace_id == account.workspace_id, LoyaltyLot.order_id == order_id,
        LoyaltyLot.kind == "earn").with_for_update())
    left, from_pending = points, 0
    if lot is not None:
        lot.basis, lot.qualifying = max(0, left_for_tiers[0]), max(0, left_for_tiers[1])
        part = min(lot.remaining, left)
        if part and lot.status in ("pending", "available"):
            lot.remaining -= part
            left -= part
            if lot.status == "pending":
                account.pending -= part
                from_pending = part
            else:
                account.available -= part
        if lot.remaining == 0 and lot.status == "available":
            lot.status = "spent"
    await session.flush()
    short = (await ledger.debit(session, account, left, allow_debt=account.allow_negative))[1] \
        if left else 0
    applied = points - (0 if account.allow_negative else short)
    await ledger.post(session, account, kind="reverse", points=-applied,
                      key=f"reverse:{refs.refund_id}", refs=refs, lot_id=lot.id if lot else None,
                      meta={"target": points, "from_pending": from_pending,
                            "written_off": 0 if account.allow_negative else short})
    return applied


async def activate_due(session: AsyncSession, workspace_id: str, now: dt.datetime) -> int:
    """Pending lots whose window has ended become available (idempotent)."""
    return await _sweep(session, workspace_id, now, "pending")


async def expire_due(session: AsyncSession, workspace_id: str, now: dt.datetime) -> int:
    """Available lots past their expiry write an ``expire`` entry for what remains."""
    return await _sweep(session, workspace_id, now, "available")


async def _sweep(session: AsyncSession, workspace_id: str, now: dt.datetime, status: str) -> int:
    due = LoyaltyLot.activates_at if status == "pending" else LoyaltyLot.expires_at
    accounts = list((await session.execute(select(LoyaltyLot.account_id).where(
        LoyaltyLot.workspace_id == workspace_id, LoyaltyLot.status == status,
        due.is_not(None), due <= now).distinct())).scalars())
    program = await ledger.program_of(session, workspace_id)
    done = 0
    for account_id in sorted(accounts):  # a fixed order so concurrent sweeps never deadlock
        account = await ledger.lock_account(session, workspace_id, account_id)
        done += await _sweep_account(session, account, now, status)
        if program is not None:
            await recompute_tier(session, program, account,
                                 trigger=f"{'activate' if status == 'pending' else 'expire'}:"
                                         f"{now:%Y%m%d%H%M%S}")
    return done


async def _sweep_account(session: AsyncSession, account: LoyaltyAccount, now: dt.datetime,
                         status: str) -> int:
    due = LoyaltyLot.activates_at if status == "pending" else LoyaltyLot.expires_at
    lots = (await session.execute(select(LoyaltyLot).where(
        LoyaltyLot.workspace_id == account.workspace_id, LoyaltyLot.account_id == account.id,
        LoyaltyLot.status == status, due <= now).with_for_update())).scalars().all()
    for lot in lots:
        if status == "pending":
            lot.status = "available"
            account.pending -= lot.remaining
            account.available += lot.remaining
            if lot.expires_at is not None:
                await _sweep_job(session, "loyalty.expire", lot.workspace_id, lot.expires_at)
            continue
        lost = lot.remaining
        lot.status, lot.remaining = "expired", 0
        account.available -= lost
        if lost:
            await ledger.post(session, account, kind="expire", points=-lost,
                              key=f"expire:{lot.id}", lot_id=lot.id, now=now,
                              refs=ledger.Refs(order_id=lot.order_id, reason="lot expired"))
    return len(lots)


async def account_totals(session: AsyncSession, account: LoyaltyAccount) -> dict[str, int]:
    """Σ remaining by lot status (the invariant the tests check against the cached row)."""
    await session.flush()
    rows = await session.execute(select(LoyaltyLot.status, func.sum(LoyaltyLot.remaining)).where(
        LoyaltyLot.workspace_id == account.workspace_id, LoyaltyLot.account_id == account.id)
        .group_by(LoyaltyLot.status))
    return {status: int(total or 0) for status, total in rows.all()}
