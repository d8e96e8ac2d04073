"""Per-staff signing keys: issued to one till for one staff member when the server has just
checked that person's PIN, stored encrypted, looked up when an order signed with one lands.

A key is reused while more than half its lifetime is left, so signing in again does not
leave a trail of keys; older keys stay valid until they expire, because sales signed with
them may still be waiting in a till's outbox.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.cashier.models import CashierStaff, CashierStaffKey
from activereach.cashier.proofs import b64decode, b64encode
from activereach.kit import crypto
from activereach.kit.db import utcnow
from activereach.kit.ids import new_id

# How long a till may sign with a key before the person must type their PIN online again.
# Sales signed offline with an expired key still land, flagged for a manager.
STAFF_KEY_TTL = dt.timedelta(hours=72)


@dataclass(frozen=True)
class KeyHolder:
    """A verified signer: the key's row and the staff member it belongs to."""

    key: CashierStaffKey
    staff: CashierStaff
    secret: bytes


async def issue_key(session: AsyncSession, ws: str, terminal_pk: str, staff_id: str,
                    now: dt.datetime | None = None) -> dict[str, Any]:
    """The key this till should sign with for this person (reused, or a fresh one)."""
    now = now or utcnow()
    current = await session.scalar(select(CashierStaffKey).where(
        CashierStaffKey.workspace_id == ws, CashierStaffKey.terminal_pk == terminal_pk,
        CashierStaffKey.staff_id == staff_id, CashierStaffKey.revoked_at.is_(None),
        CashierStaffKey.expires_at > now + STAFF_KEY_TTL / 2,
    ).order_by(CashierStaffKey.expires_at.desc()).limit(1))
    if current is not None:
        secret = crypto.decrypt(current.secret_enc)
    else:
        secret = b64encode(secrets.token_bytes(32))
        current = CashierStaffKey(workspace_id=ws, id=new_id("skey"), staff_id=staff_id,
                                  terminal_pk=terminal_pk, secret_enc=crypto.encrypt(secret),
                                  issued_at=now, expires_at=now + STAFF_KEY_TTL)
        session.add(current)
        await session.flush()
    return {"id": current.id, "secret": secret, "expires_at": current.expires_at.isoformat()}


async def holders(session: AsyncSession, ws: str, terminal_pk: str | None,
                  key_ids: set[str]) -> dict[str, KeyHolder]:
    """The keys among ``key_ids`` issued to this till, with their staff (others are absent:
    a key from another till, another workspace or nowhere proves nothing)."""
    if not key_ids or not terminal_pk:
        return {}
    rows = await session.execute(select(CashierStaffKey, CashierStaff).join(
        CashierStaff, (CashierStaff.workspace_id == CashierStaffKey.workspace_id)
        & (CashierStaff.id == CashierStaffKey.staff_id),
    ).where(CashierStaffKey.workspace_id == ws, CashierStaffKey.terminal_pk == terminal_pk,
            CashierStaffKey.id.in_(sorted(key_ids))))
    found = {}
    for key, staff in rows.all():
        secret = b64decode(crypto.decrypt(key.secret_enc))
        found[key.id] = KeyHolder(key=key, staff=staff, secret=secret)
    return found


async def revoke_keys(session: AsyncSession, ws: str, staff_id: str) -> None:
    """End every key of a staff member (deactivated, PIN changed): they sign nothing more."""
    now = utcnow()
    rows = await session.execute(select(CashierStaffKey).where(
        CashierStaffKey.workspace_id == ws, CashierStaffKey.staff_id == staff_id,
        CashierStaffKey.revoked_at.is_(None)))
    for key in rows.scalars():
        key.revoked_at = now
