"""The ledger: accounts locked per change, lots credited and consumed FEFO, append-only entries.

Every balance change goes through this module, in the caller's transaction, while the account
row is locked (``SELECT … FOR UPDATE``; SQLite serialises writers anyway).  The cached
account obeys ``available + debt + pending == Σ remaining of live lots``; ``debt`` is only ever
non-zero when the program allows negative balances.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.contacts.service import created_here
from activereach.kit.cache import TenantCache, row_copy
from activereach.kit import session_state
from activereach.kit.db import utcnow
from activereach.kit.errors import NotFound
from activereach.kit.ids import new_id
from activereach.loyalty import rules
from activereach.loyalty.models import (
    LoyaltyAccount,
    LoyaltyEntry,
    LoyaltyHold,
    LoyaltyLot,
    LoyaltyProgram,
)

_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O/1/I/L: read aloud at the till


def random_code(length: int = 8) -> str:
    return "".join(_CODE_ALPHABET[b % len(_CODE_ALPHABET)] for b in os.urandom(length))


async def program_of(session: AsyncSession, workspace_id: str) -> LoyaltyProgram | None:
    return await session.scalar(select(LoyaltyProgram).where(
        LoyaltyProgram.workspace_id == workspace_id))


# Every order reads the program; it changes a few times a year (kit/cache.py bounds staleness).
_programs: TenantCache[LoyaltyProgram | None] = TenantCache("loyalty_program")
_programs.forget_on_write(LoyaltyProgram)


async def cached_program(session: AsyncSession, workspace_id: str) -> LoyaltyProgram | None:
    """``program_of`` for the order path: a read-only copy, never to be modified or saved."""
    async def load() -> LoyaltyProgram | None:
        return row_copy(await program_of(session, workspace_id))
    return await _programs.get((workspace_id,), load)


async def ensure_account(session: AsyncSession, program: LoyaltyProgram,
                         contact_id: str) -> LoyaltyAccount:
    """The contact's account, created if missing, returned locked."""
    opened = session_state.state(session, _Opened).by_contact
    if contact_id in opened:  # opened earlier in this transaction (a batch's second order)
        return opened[contact_id]
    if not created_here(session, contact_id):  # a contact made just now has no account
        await session.flush()  # populate_existing below must not discard unflushed changes
        query = (select(LoyaltyAccount).where(LoyaltyAccount.workspace_id == program.workspace_id,
                                              LoyaltyAccount.contact_id == contact_id)
                 .with_for_update().execution_options(populate_existing=True))
        account = await session.scalar(query)
        if account is not None:  # returning members (most orders): one statement
            return account
    now = utcnow()
    # A plain insert: a concurrent first order of the same member (or a member-code clash)
    # fails the unique key, and the unit of work retries against the winner's row.
    account = LoyaltyAccount(
        workspace_id=program.workspace_id, id=new_id("la"), contact_id=contact_id,
        member_code=random_code(), status="active", available=0, pending=0, held=0, debt=0,
        lifetime_earned=0, lifetime_redeemed=0,
        allow_negative=program.negative_policy == "allow", created_at=now, updated_at=now)
    session.add(account)
    await session.flush()
    opened[contact_id] = account
    return account


@dataclass
class _Opened:
    """Accounts this transaction opened, by contact (cleared when contacts merge)."""

    by_contact: dict[str, LoyaltyAccount] = field(default_factory=dict)


def forget_opened(session: AsyncSession) -> None:
    session_state.drop(session, _Opened)


async def lock_account(session: AsyncSession, workspace_id: str, account_id: str) -> LoyaltyAccount:
    await session.flush()  # populate_existing below must not discard unflushed changes
    account = await session.scalar(
        select(LoyaltyAccount).where(LoyaltyAccount.workspace_id == workspace_id,
                                     LoyaltyAccount.id == account_id)
        .with_for_update().execution_options(populate_existing=True))
    if account is None:
        raise NotFound(f"no loyalty member {account_id!r}")
    return account


async def entry_by_key(session: AsyncSession, workspace_id: str, key: str) -> LoyaltyEntry | None:
    return await session.scalar(select(LoyaltyEntry).where(
        LoyaltyEntry.workspace_id == workspace_id, LoyaltyEntry.idempotency_key == key))


@dataclass
class Refs:
    """What an entry belongs to: every entry is reachable from one of these."""

    order_id: str | None = None
    refund_id: str | None = None
    reward_id: str | None = None
    hold_id: str | None = None
    location_id: str | None = None
    actor: str | None = None
    reason: str | None = None


async def post(session: AsyncSession, account: LoyaltyAccount, *, kind: str, points: int,
               key: str, refs: Refs, lot_id: str | None = None,
               meta: dict[str, Any] | None = None, now: dt.datetime | None = None) -> str:
    """Append one entry reflecting the account's balance *after* the caller's change."""
    entry_id = new_id("le")
    now = now or utcnow()
    account.updated_at = now
    await session.execute(insert(LoyaltyEntry.__table__), [dict(
        workspace_id=account.workspace_id, id=entry_id, account_id=account.id, kind=kind,
        points=points, balance_after=account.available, pending_after=account.pending,
        idempotency_key=key, lot_id=lot_id, meta=meta or {}, created_at=now,
        order_id=refs.order_id, refund_id=refs.refund_id, reward_id=refs.reward_id,
        hold_id=refs.hold_id, location_id=refs.location_id, actor=refs.actor,
        reason=refs.reason)])
    return entry_id


def lot_dates(program: LoyaltyProgram, start: dt.datetime,
              pending_days: int | None = None) -> tuple[dt.datetime, dt.datetime | None]:
    """(activates_at, expires_at): the pending window first, then the lot's lifetime."""
    days = program.pending_days if pending_days is None else pending_days
    activates = start + dt.timedelta(days=days)
    expires = rules.add_months(activates, program.expiry_months) if program.expiry_months else None
    return activates, expires


async def credit(session: AsyncSession, program: LoyaltyProgram, account: LoyaltyAccount, *,
                 kind: str, points: int, key: str, refs: Refs, start: dt.datetime,
                 pending_days: int | None = None, basis: int = 0,
                 meta: dict[str, Any] | None = None) -> LoyaltyLot:
    """A new lot and its entry: pending until the window ends, then available."""
    now = utcnow()
    activates, expires = lot_dates(program, start, pending_days)
    status = "pending" if activates > now else "available"
    lot = LoyaltyLot(workspace_id=account.workspace_id, id=new_id("lot"), account_id=account.id,
                     entry_id="", order_id=refs.order_id, points=points, remaining=points,
                     basis=basis, qualifying=points if kind == "earn" else 0, kind=kind,
                     status=status, activates_at=activates, expires_at=expires, created_at=now)
    if status == "pending":
        account.pending += points
    else:
        account.available += points
    if kind in ("earn", "adjust"):
        account.lifetime_earned += points
    lot.entry_id = await post(session, account, kind=kind, points=points, key=key, refs=refs,
                              lot_id=lot.id, meta=meta, now=now)
    session.add(lot)
    return lot


async def live_lots(session: AsyncSession, account: LoyaltyAccount,
                    status: str = "available") -> list[LoyaltyLot]:
    rows = await session.execute(select(LoyaltyLot).where(
        LoyaltyLot.workspace_id == account.workspace_id, LoyaltyLot.account_id == account.id,
        LoyaltyLot.status == status, LoyaltyLot.remaining > 0).with_for_update())
    return list(rows.scalars())


async def consume(session: AsyncSession, account: LoyaltyAccount, points: int) -> int:
    """Take up to ``points`` from available lots, first-expiring first; returns points taken."""
    lots = await live_lots(session, account)
    by_id = {lot.id: lot for lot in lots}
    taken = 0
    for lot_id, part in rules.allocate_fefo(
            [rules.Lot(lot.id, lot.remaining, lot.expires_at, lot.created_at) for lot in lots],
            points):
        lot = by_id[lot_id]
        lot.remaining -= part
        if lot.remaining == 0:
            lot.status = "spent"
        taken += part
    account.available -= taken
    return taken


async def debit(session: AsyncSession, account: LoyaltyAccount, points: int, *,
                allow_debt: bool) -> tuple[int, int]:
    """Remove points from available lots; the shortfall becomes debt (allow policy) or is
    written off (clamp policy).  Returns (collected from lots, shortfall)."""
    collected = await consume(session, account, points)
    short = points - collected
    if short and allow_debt:
        account.debt += short
        account.available -= short
    return collected, short


async def open_holds_total(session: AsyncSession, account: LoyaltyAccount) -> int:
    total = await session.scalar(select(func.coalesce(func.sum(LoyaltyHold.points), 0)).where(
        LoyaltyHold.workspace_id == account.workspace_id, LoyaltyHold.account_id == account.id,
        LoyaltyHold.status == "held"))
    return int(total or 0)


async def recompute(session: AsyncSession, account: LoyaltyAccount) -> None:
    """Rebuild the cached balances from lots and holds (after a contact merge)."""
    await session.flush()
    sums = dict((await session.execute(
        select(LoyaltyLot.status, func.coalesce(func.sum(LoyaltyLot.remaining), 0))
        .where(LoyaltyLot.workspace_id == account.workspace_id,
               LoyaltyLot.account_id == account.id)
        .group_by(LoyaltyLot.status))).all())
    account.pending = int(sums.get("pending", 0))
    account.available = int(sums.get("available", 0)) - account.debt
    account.held = await open_holds_total(session, account)
    account.updated_at = utcnow()
