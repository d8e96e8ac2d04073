"""Members at the register and in the console: lookup, enrolment, summary, quotes, manual
adjustments, event points, the ledger view, and folding accounts together on a contact merge."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.contacts.models import Contact, ContactIdentity
from activereach.contacts.rules import IdentityError, normalize_phone
from activereach.contacts.service import find_by_identity, resolve_contact
from activereach.events.service import append_event
from activereach.kit.db import utcnow
from activereach.kit.errors import Conflict, NotFound, Unprocessable
from activereach.loyalty import earning, holds, ledger, rules
from activereach.loyalty.models import (
    LoyaltyAccount,
    LoyaltyEntry,
    LoyaltyHold,
    LoyaltyLot,
    LoyaltyProgram,
    LoyaltyReward,
)
from activereach.loyalty.rewards import eligibility
from activereach.loyalty.schemas import AdjustIn, EventIn, MemberIn, QuoteIn
from activereach.loyalty.tiers import recompute_tier
from activereach.tenancy.models import Workspace


def member_out(account: LoyaltyAccount, program: LoyaltyProgram) -> dict[str, Any]:
    return {"member_id": account.id, "contact_id": account.contact_id,
            "member_code": account.member_code, "qr": f"loyalty:{account.member_code}",
            "status": account.status, "available": account.available,
            "spendable": account.available - account.held, "pending": account.pending,
            "held": account.held, "lifetime_earned": account.lifetime_earned,
            "lifetime_redeemed": account.lifetime_redeemed, "tier": account.tier_name,
            "tier_id": account.tier_id, "points_name": program.points_name,
            "point_value": program.point_value}


def _phone(ws: Workspace, raw: str) -> str:
    try:
        value = normalize_phone(raw, ws.country)
    except IdentityError as exc:
        raise Unprocessable.field("phone", str(exc)) from exc
    if value is None:
        raise Unprocessable.field("phone", "a placeholder number identifies nobody")
    return value


async def account_of_contact(session: AsyncSession, workspace_id: str,
                             contact_id: str) -> LoyaltyAccount | None:
    return await session.scalar(select(LoyaltyAccount).where(
        LoyaltyAccount.workspace_id == workspace_id, LoyaltyAccount.contact_id == contact_id))


async def find_member(session: AsyncSession, ws: Workspace, *, phone: str | None = None,
                      code: str | None = None, member_id: str | None = None) -> LoyaltyAccount:
    """By phone (normalised with the workspace's country), member code / QR text, or id."""
    account = None
    if member_id:
        account = await session.get(LoyaltyAccount, (ws.id, member_id))
    elif code:
        code = code.strip().upper().removeprefix("LOYALTY:")
        account = await session.scalar(select(LoyaltyAccount).where(
            LoyaltyAccount.workspace_id == ws.id, LoyaltyAccount.member_code == code))
    elif phone:
        contact = await find_by_identity(session, ws.id, "phone", _phone(ws, phone))
        account = await account_of_contact(session, ws.id, contact.id) if contact else None
    else:
        raise Unprocessable.field("phone", "give phone, code or member_id")
    while account is not None and account.status == "merged" and account.merged_into_id:
        account = await session.get(LoyaltyAccount, (ws.id, account.merged_into_id))
    if account is None:
        raise NotFound("no loyalty member matches", code="member_not_found")
    return account


async def member_summary(session: AsyncSession, program: LoyaltyProgram,
                         account: LoyaltyAccount) -> dict[str, Any]:
    expiring = await session.execute(select(LoyaltyLot.expires_at, LoyaltyLot.remaining).where(
        LoyaltyLot.workspace_id == account.workspace_id, LoyaltyLot.account_id == account.id,
        LoyaltyLot.status == "available", LoyaltyLot.expires_at.is_not(None),
        LoyaltyLot.remaining > 0).order_by(LoyaltyLot.expires_at).limit(5))
    contact = await session.get(Contact, (account.workspace_id, account.contact_id))
    # the phone lets a till that scanned the member's code name the order's customer
    phone = await session.scalar(select(ContactIdentity.value).where(
        ContactIdentity.workspace_id == account.workspace_id,
        ContactIdentity.contact_id == account.contact_id, ContactIdentity.kind == "phone"))
    return {**member_out(account, program), "name": contact.name if contact else None,
            "phone": phone,
            "expiring": [{"points": points, "expires_at": when.isoformat()}
                         for when, points in expiring.all() if when is not None],
            "rewards": await eligibility(session, account.workspace_id, account)}


async def enroll(session: AsyncSession, ws: Workspace, program: LoyaltyProgram,
                 body: MemberIn) -> tuple[dict[str, Any], bool]:
    """A member from a phone at checkout: finds or creates the contact, then the account."""
    phone = _phone(ws, body.phone)
    contact_id = await resolve_contact(session, ws.id, identities={"phone": phone},
                                       source="loyalty", name=body.name)
    assert contact_id is not None
    existed = await account_of_contact(session, ws.id, contact_id) is not None
    account = await ledger.ensure_account(session, program, contact_id)
    await session.flush()
    return await member_summary(session, program, account), not existed


async def quote(session: AsyncSession, ws: Workspace, program: LoyaltyProgram,
                body: QuoteIn) -> dict[str, Any]:
    """What N points or a reward are worth on this cart, and the most points it can take."""
    account = await find_member(session, ws, member_id=body.member_id)
    spendable = account.available - account.held
    limits = holds.limits_of(program)
    out: dict[str, Any] = {"member_id": account.id, "spendable": spendable,
                           "bill_total": body.bill_total, "point_value": program.point_value,
                           "max_points": rules.max_redeemable(limits, spendable, body.bill_total)}
    if body.points is not None:
        reason = rules.check_points_redemption(limits, body.points, spendable, body.bill_total)
        out.update(points=body.points, value=body.points * program.point_value,
                   ok=reason is None, reason=reason)
    if body.reward_id:
        reward = await session.get(LoyaltyReward, (ws.id, body.reward_id))
        if reward is None:
            raise NotFound(f"no reward {body.reward_id!r}")
        value = rules.reward_value(reward.kind, bill_total=body.bill_total,
                                   percent_bp=reward.percent_bp, amount=reward.amount,
                                   min_bill=reward.min_bill)
        listed = next((r for r in await eligibility(session, ws.id, account)
                       if r["id"] == reward.id), None)  # None: retired, so not offered
        out.update(reward_id=reward.id, value=value, ok=bool(listed and listed["eligible"]),
                   reasons=listed["reasons"] if listed else ["retired"])
    return out


async def adjust(session: AsyncSession, program: LoyaltyProgram, member_id: str, body: AdjustIn,
                 *, actor: str) -> dict[str, Any]:
    """A manual correction (with reason and actor), idempotent on the caller's key."""
    key = f"adjust:{body.idempotency_key}"
    account = await ledger.lock_account(session, program.workspace_id, member_id)
    if await ledger.entry_by_key(session, program.workspace_id, key) is not None:
        return {**member_out(account, program), "replayed": True}
    refs = ledger.Refs(actor=actor, reason=body.reason)
    if body.points > 0:
        lot = await ledger.credit(session, program, account, kind="adjust", points=body.points,
                                  key=key, refs=refs, start=utcnow(), pending_days=0)
        await earning.schedule(session, lot)
    else:
        wanted, allow = -body.points, program.negative_policy == "allow"
        if not allow and account.available - account.held < wanted:
            raise Conflict(f"points: only {max(0, account.available - account.held)} points "
                           "can be taken without going negative", code="insufficient_points")
        await ledger.debit(session, account, wanted, allow_debt=allow)
        await ledger.post(session, account, kind="adjust", points=body.points, key=key, refs=refs)
    # on the contact's timeline too, so the profile says why the balance moved
    await append_event(session, workspace_id=account.workspace_id,
                       message_id=f"loyalty:{key}", name="loyalty_points_adjusted",
                       timestamp=utcnow(), source="api", contact_id=account.contact_id,
                       properties={"program": program.name, "points": body.points,
                                   "reason": body.reason, "balance": account.available,
                                   "pending": account.pending})
    await recompute_tier(session, program, account, trigger=key)
    return {**member_out(account, program), "replayed": False}


async def event_points(session: AsyncSession, program: LoyaltyProgram, body: EventIn, *,
                       location_id: str | None, actor: str) -> dict[str, Any]:
    """Fixed points for a named event under the rule resolved at the outlet, with a cooldown."""
    found = await earning.resolved_rules(session, program.workspace_id, location_id,
                                         kind="event", event_name=body.event_name)
    if not found:
        raise Unprocessable.field("event_name", f"no active event rule for {body.event_name!r}")
    rule = found[0]
    key = f"event:{rule.event_name}:{body.idempotency_key}"
    account = await ledger.lock_account(session, program.workspace_id, body.member_id)
    if await ledger.entry_by_key(session, program.workspace_id, key) is not None:
        return {**member_out(account, program), "earned": 0, "replayed": True}
    if rule.cooldown_hours:
        since = utcnow() - dt.timedelta(hours=rule.cooldown_hours)
        recent = await session.scalar(select(LoyaltyEntry.id).where(
            LoyaltyEntry.workspace_id == account.workspace_id,
            LoyaltyEntry.account_id == account.id,
            LoyaltyEntry.reason == f"event:{rule.event_name}",
            LoyaltyEntry.created_at >= since).limit(1))
        if recent:
            raise Conflict(f"event_name: {body.event_name!r} earned points less than "
                           f"{rule.cooldown_hours} h ago", code="cooldown")
    lot = await ledger.credit(session, program, account, kind="earn", points=rule.fixed_points,
                              key=key, start=utcnow(), pending_days=0,
                              refs=ledger.Refs(location_id=location_id, actor=actor,
                                               reason=f"event:{rule.event_name}"),
                              meta={"rule_id": rule.id})
    await earning.schedule(session, lot)
    await recompute_tier(session, program, account, trigger=key)
    return {**member_out(account, program), "earned": rule.fixed_points, "replayed": False}


async def member_ledger(session: AsyncSession, workspace_id: str, member_id: str,
                        limit: int) -> list[dict[str, Any]]:
    rows = await session.execute(select(LoyaltyEntry).where(
        LoyaltyEntry.workspace_id == workspace_id, LoyaltyEntry.account_id == member_id)
        .order_by(LoyaltyEntry.created_at.desc(), LoyaltyEntry.id.desc()).limit(limit))
    return [{"id": e.id, "kind": e.kind, "points": e.points, "balance_after": e.balance_after,
             "pending_after": e.pending_after, "idempotency_key": e.idempotency_key,
             "order_id": e.order_id, "refund_id": e.refund_id, "reward_id": e.reward_id,
             "hold_id": e.hold_id, "location_id": e.location_id, "actor": e.actor,
             "reason": e.reason, "meta": e.meta or {}, "created_at": e.created_at.isoformat()}
            for e in rows.scalars()]


async def contact_summary(session: AsyncSession, workspace_id: str,
                          contact_id: str) -> dict[str, Any] | None:
    """The ``loyalty`` block of ``GET /v1/contacts/{id}`` (None when not a member)."""
    program = await ledger.program_of(session, workspace_id)
    account = await account_of_contact(session, workspace_id, contact_id)
    if program is None or account is None:
        return None
    return member_out(account, program)


async def merge_accounts(session: AsyncSession, workspace_id: str, *, source: str,
                         target: str) -> None:
    """Called from the contact merge: the source contact's points follow it to the target."""
    ledger.forget_opened(session)
    old = await account_of_contact(session, workspace_id, source)
    if old is None or old.status != "active":
        return
    new = await account_of_contact(session, workspace_id, target)
    if new is None:  # just re-home the whole account
        old = await ledger.lock_account(session, workspace_id, old.id)
        old.contact_id = target
        await session.execute(update(LoyaltyHold).where(
            LoyaltyHold.workspace_id == workspace_id, LoyaltyHold.account_id == old.id)
            .values(contact_id=target), execution_options={"synchronize_session": False})
        return
    # Lock both in id order so two merges never deadlock.
    first, second = sorted([old.id, new.id])
    locked = {a: await ledger.lock_account(session, workspace_id, a) for a in (first, second)}
    old, new = locked[old.id], locked[new.id]
    for model in (LoyaltyLot, LoyaltyEntry, LoyaltyHold):
        values: dict[str, Any] = {"account_id": new.id}
        if model is LoyaltyHold:
            values["contact_id"] = target
        await session.execute(update(model).where(
            model.workspace_id == workspace_id, model.account_id == old.id).values(**values),
            execution_options={"synchronize_session": False})
    new.debt += old.debt
    new.lifetime_earned += old.lifetime_earned
    new.lifetime_redeemed += old.lifetime_redeemed
    new.allow_negative = new.allow_negative or old.allow_negative
    old.status, old.merged_into_id = "merged", new.id
    old.available = old.pending = old.held = old.debt = 0
    await ledger.recompute(session, new)
    program = await ledger.program_of(session, workspace_id)
    if program is not None:
        await recompute_tier(session, program, new, trigger=f"merge:{old.id}")


class LoyaltyMerge:
    """The contact merge's loyalty part: points, lots and holds follow the person. The old
    account, when both had one, stays behind as a ``merged`` tombstone pointing at the new."""

    tables = (LoyaltyAccount.__tablename__, LoyaltyHold.__tablename__)

    async def merge(self, session: AsyncSession, workspace_id: str, *, source: str,
                    target: str) -> None:
        await merge_accounts(session, workspace_id, source=source, target=target)
        await session.execute(update(LoyaltyHold).where(
            LoyaltyHold.workspace_id == workspace_id, LoyaltyHold.contact_id == source)
            .values(contact_id=target), execution_options={"synchronize_session": False})


CONTACT_MERGE = LoyaltyMerge()


async def list_members(session: AsyncSession, workspace_id: str, *, location_id: str | None,
                       before: str | None, limit: int) -> list[tuple[LoyaltyAccount, str | None]]:
    """Newest members first (keyset on the time-ordered id), with the contact's name; with an
    outlet, only members with a ledger entry there (the console's chip strip)."""
    query = select(LoyaltyAccount, Contact.name).outerjoin(Contact, (
        Contact.workspace_id == LoyaltyAccount.workspace_id) & (
        Contact.id == LoyaltyAccount.contact_id)).where(
        LoyaltyAccount.workspace_id == workspace_id, LoyaltyAccount.status == "active")
    if location_id:
        query = query.where(LoyaltyAccount.id.in_(select(LoyaltyEntry.account_id).where(
            LoyaltyEntry.workspace_id == workspace_id, LoyaltyEntry.location_id == location_id)))
    if before:
        query = query.where(LoyaltyAccount.id < before)
    rows = await session.execute(query.order_by(LoyaltyAccount.id.desc()).limit(limit))
    return [(account, name) for account, name in rows.all()]
