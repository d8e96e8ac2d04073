"""Staff PINs: create or update staff (by name), list them for a till, verify a PIN.

Wrong PINs are throttled per staff member *and till* (``kit/throttle.py``): five in a row lock
that person out on that till, for longer each time, so a 4-digit PIN cannot be guessed through
the API, while a stolen device token cannot lock the person out at the other tills. A new PIN
starts a fresh count (the throttle key includes the PIN hash's tail).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.cashier.models import CashierStaff
from activereach.cashier.schemas import StaffIn
from activereach.catalog.inventory import resolve_location
from activereach.kit.db import utcnow
from activereach.kit.errors import NotFound, Unprocessable
from activereach.kit.ids import new_id
from activereach.kit.passwords import hash_secret, verify_secret
from activereach.kit.throttle import SignInThrottle

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
                           location_id=location_id, pin_hash=await hash_secret(body.pin),
                           active=body.active, created_at=utcnow(),
                           updated_at=utcnow())
        session.add(row)
        await session.flush()
        return row, True
    if not await verify_secret(row.pin_hash, body.pin):
        row.pin_hash = await hash_secret(body.pin)
    row.role, row.location_id, row.active, row.updated_at = (body.role, location_id, body.active,
                                                              utcnow())
    return row, False


async def list_staff(session: AsyncSession, ws: str, location_id: str | None) -> list[dict[str, Any]]:
    query = select(CashierStaff).where(CashierStaff.workspace_id == ws,
                                       CashierStaff.active.is_(True))
    if location_id:
        query = query.where(or_(CashierStaff.location_id.is_(None),
                                CashierStaff.location_id == location_id))
    rows = (await session.execute(query.order_by(CashierStaff.name))).scalars()
    return [staff_out(row) for row in rows]


async def staff_for_till(session: AsyncSession, ws: str, staff_id: str,
                         location_id: str | None) -> dict[str, Any]:
    """The staff member as a till at ``location_id`` sees them, with the PIN hash to check
    (read-only: the check itself runs outside any transaction)."""
    row = await session.scalar(select(CashierStaff).where(
        CashierStaff.workspace_id == ws, CashierStaff.id == staff_id))
    if row is None or not row.active or (row.location_id and location_id
                                         and row.location_id != location_id):
        raise NotFound(f"no staff {staff_id!r} at this outlet")
    return {**staff_out(row), "pin_hash": row.pin_hash}


async def check_pin(staff: dict[str, Any], pin: str, till: str, guard: SignInThrottle) -> None:
    """Raise unless ``pin`` is this person's: 429 ``pin_locked`` while they are locked out on
    this ``till`` (a terminal's key), 422 ``pin_invalid`` with the attempts left. The throttle
    key includes the PIN hash's tail, so a new PIN starts a fresh count."""
    account = f"{staff['id']}:{staff['pin_hash'][-12:]}"
    left = await guard.attempt("pin", account, till, code="pin_locked")
    if not await verify_secret(staff["pin_hash"], pin):
        await guard.failed()
        raise wrong_pin(left)
    await guard.succeeded("pin", account, till)


def wrong_pin(attempts_left: int) -> Unprocessable:
    return Unprocessable("pin: wrong PIN", code="pin_invalid",
                         details=[{"field": "pin", "message": "wrong PIN",
                                   "attempts_left": attempts_left}])

