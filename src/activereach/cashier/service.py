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
from activereach.cashier.staff_keys import revoke_keys
from activereach.cashier.schemas import StaffIn
from activereach.catalog.inventory import resolve_location
from activereach.kit.db import utcnow
from activereach.kit.errors import Conflict, NotFound, Unprocessable
from activereach.kit.ids import new_id
from activereach.kit.passwords import hash_secret, verify_secret
from activereach.kit.throttle import SignInThrottle


def staff_out(row: CashierStaff) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "role": row.role, "location_id": row.location_id,
            "active": row.active, "discount_limit_bp": row.discount_limit_bp}


async def upsert_staff(session: AsyncSession, ws: str, body: StaffIn) -> tuple[CashierStaff, bool]:
    """(staff, created). The name is the key: sending the same body again changes nothing."""
    location_id = (await resolve_location(session, ws, body.location)).id if body.location else None
    row = await session.scalar(select(CashierStaff).where(
        CashierStaff.workspace_id == ws, CashierStaff.name == body.name).with_for_update())
    if row is None:
        row = CashierStaff(workspace_id=ws, id=new_id("stf"), name=body.name, role=body.role,
                           location_id=location_id, pin_hash=await hash_secret(body.pin),
                           active=body.active, discount_limit_bp=body.discount_limit_bp,
                           created_at=utcnow(), updated_at=utcnow())
        session.add(row)
        await session.flush()
        return row, True
    if not await verify_secret(row.pin_hash, body.pin):
        row.pin_hash = await hash_secret(body.pin)
    row.role, row.location_id, row.active, row.updated_at = (body.role, location_id, body.active,
                                                              utcnow())
    row.discount_limit_bp = body.discount_limit_bp
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



# --- the console's staff page: one change at a time, by id ---------------------------------

async def all_staff(session: AsyncSession, ws: str) -> list[CashierStaff]:
    """Everyone, active first, then by name (the console lists the deactivated too)."""
    return list((await session.execute(select(CashierStaff).where(
        CashierStaff.workspace_id == ws).order_by(CashierStaff.active.desc(),
                                                  CashierStaff.name))).scalars())


async def get_staff(session: AsyncSession, ws: str, staff_id: str) -> CashierStaff:
    row = await session.get(CashierStaff, (ws, staff_id), with_for_update=True)
    if row is None:
        raise NotFound(f"staff: no staff member {staff_id!r}")
    return row


async def _name_free(session: AsyncSession, ws: str, name: str, staff_id: str = "") -> None:
    taken = await session.scalar(select(CashierStaff.id).where(
        CashierStaff.workspace_id == ws, CashierStaff.name == name, CashierStaff.id != staff_id))
    if taken:
        raise Conflict(f"name: someone called {name!r} is already on the staff list")


async def create_staff(session: AsyncSession, ws: str, *, name: str, role: str,
                       location_id: str | None, pin: str,
                       discount_limit_bp: int | None) -> CashierStaff:
    await _name_free(session, ws, name)
    now = utcnow()
    row = CashierStaff(workspace_id=ws, id=new_id("stf"), name=name, role=role,
                       location_id=location_id, pin_hash=await hash_secret(pin), active=True,
                       discount_limit_bp=discount_limit_bp, created_at=now, updated_at=now)
    session.add(row)
    await session.flush()
    return row


async def update_staff(session: AsyncSession, ws: str, staff_id: str, *, name: str, role: str,
                       location_id: str | None, discount_limit_bp: int | None) -> CashierStaff:
    """Name, role, outlet and discount limit (the PIN and active flag have their own paths).
    Keys stay: the server judges each signature by the person's current role and outlet
    (``participant._signer`` reads the live row)."""
    row = await get_staff(session, ws, staff_id)
    await _name_free(session, ws, name, staff_id)
    row.name, row.role, row.location_id = name, role, location_id
    row.discount_limit_bp, row.updated_at = discount_limit_bp, utcnow()
    return row


async def set_pin(session: AsyncSession, ws: str, staff_id: str, pin: str) -> CashierStaff:
    """A new PIN; the old PIN's till keys end (the till asks for the new PIN online)."""
    row = await get_staff(session, ws, staff_id)
    row.pin_hash, row.updated_at = await hash_secret(pin), utcnow()
    await revoke_keys(session, ws, row.id)
    return row


async def set_active(session: AsyncSession, ws: str, staff_id: str,
                     active: bool) -> CashierStaff:
    """Deactivate (their keys end: they can no longer sign in or sign sales) or re-activate."""
    row = await get_staff(session, ws, staff_id)
    row.active, row.updated_at = active, utcnow()
    if not active:
        await revoke_keys(session, ws, row.id)
    return row
