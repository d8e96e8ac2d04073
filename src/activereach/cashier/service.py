"""Staff PINs: create or update staff (by name), list them for a till, verify a PIN.

Five wrong PINs in a row lock the staff member for five minutes, so a 4-digit PIN cannot be
guessed through the API.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.cashier.models import CashierStaff
from activereach.cashier.schemas import StaffIn
from activereach.catalog.inventory import resolve_location
from activereach.kit.db import utcnow
from activereach.kit.errors import AppError, NotFound, Unprocessable
from activereach.kit.ids import new_id

HASHER = PasswordHasher()
MAX_FAILS = 5
LOCK = dt.timedelta(minutes=5)


class PinLocked(AppError):
    status_code = 429
    code = "pin_locked"


def staff_out(row: CashierStaff) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "role": row.role, "location_id": row.location_id,
            "active": row.active}


async def upsert_staff(session: AsyncSession, ws: str, body: StaffIn) -> tuple[CashierStaff, bool]:
    """(staff, created). The name is the key: sending the same body again changes nothing."""
    location_id = (await resolve_location(session, ws, body.location)).id if body.location else None
    row = await session.scalar(select(CashierStaff).where(
        CashierStaff.workspace_id == ws, CashierStaff.name == body.name).with_for_update())
    if row is None:
        row = CashierStaff(workspace_id=ws, id=new_id("stf"), name=body.name, role=body.role,
                           location_id=location_id, pin_hash=HASHER.hash(body.pin),
                           active=body.active, failed_attempts=0, created_at=utcnow(),
                           updated_at=utcnow())
        session.add(row)
        await session.flush()
        return row, True
    if not _matches(row.pin_hash, body.pin):
        row.pin_hash = HASHER.hash(body.pin)
    row.role, row.location_id, row.active = body.role, location_id, body.active
    row.failed_attempts, row.locked_until, row.updated_at = 0, None, utcnow()
    return row, False


async def list_staff(session: AsyncSession, ws: str, location_id: str | None) -> list[dict[str, Any]]:
    query = select(CashierStaff).where(CashierStaff.workspace_id == ws,
                                       CashierStaff.active.is_(True))
    if location_id:
        query = query.where(or_(CashierStaff.location_id.is_(None),
                                CashierStaff.location_id == location_id))
    rows = (await session.execute(query.order_by(CashierStaff.name))).scalars()
    return [staff_out(row) for row in rows]


async def verify_pin(session: AsyncSession, ws: str, staff_id: str, pin: str,
                     location_id: str | None) -> dict[str, Any]:
    row = await session.scalar(select(CashierStaff).where(
        CashierStaff.workspace_id == ws, CashierStaff.id == staff_id).with_for_update())
    if row is None or not row.active or (row.location_id and location_id
                                         and row.location_id != location_id):
        raise NotFound(f"no staff {staff_id!r} at this outlet")
    now = utcnow()
    if row.locked_until and row.locked_until > now:
        raise PinLocked("too many wrong PINs; try again in a few minutes",
                        details={"locked_until": row.locked_until.isoformat()})
    if not _matches(row.pin_hash, pin):
        row.failed_attempts += 1
        if row.failed_attempts >= MAX_FAILS:
            row.failed_attempts, row.locked_until = 0, now + LOCK
        return {"ok": False, "attempts_left": MAX_FAILS - row.failed_attempts}
    row.failed_attempts, row.locked_until = 0, None
    return {"ok": True, **staff_out(row)}


def wrong_pin(result: dict[str, Any]) -> Unprocessable:
    return Unprocessable("pin: wrong PIN", code="pin_invalid",
                         details=[{"field": "pin", "message": "wrong PIN",
                                   "attempts_left": result["attempts_left"]}])


def _matches(pin_hash: str, pin: str) -> bool:
    try:
        return HASHER.verify(pin_hash, pin)
    except VerificationError:
        return False
