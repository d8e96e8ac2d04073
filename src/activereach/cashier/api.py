"""Staff PIN routes: admins manage staff; a paired till lists its staff and checks a PIN."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from activereach.cashier import service
from activereach.cashier.schemas import PinIn, StaffIn
from activereach.kit.http import read, write
from activereach.tenancy.auth import AdminAuth, DeviceAuth

router = APIRouter(prefix="/v1", tags=["pos"])


@router.post("/cashier/staff")
async def put_staff(body: StaffIn, principal: AdminAuth, request: Request) -> Any:
    """Create a staff member, or update the one with this name (PIN, role, outlet)."""
    row, created = await write(request, lambda s: service.upsert_staff(s, principal.workspace.id, body))
    return JSONResponse(service.staff_out(row), status_code=201 if created else 200)


@router.get("/cashier/staff")
async def all_staff(principal: AdminAuth, request: Request) -> dict[str, Any]:
    rows = await read(request, lambda s: service.list_staff(s, principal.workspace.id, None))
    return {"data": rows}


@router.get("/pos/staff")
async def till_staff(principal: DeviceAuth, request: Request) -> dict[str, Any]:
    """The staff who may sign in at this till's outlet (names and roles, never PIN hashes)."""
    rows = await read(request, lambda s: service.list_staff(s, principal.workspace.id,
                                                            principal.location_id))
    return {"data": rows}


@router.post("/pos/staff/{staff_id}/verify")
async def verify(staff_id: str, body: PinIn, principal: DeviceAuth, request: Request) -> Any:
    # committed even when the PIN is wrong: the failed-attempt count must stick
    result = await write(request, lambda s: service.verify_pin(
        s, principal.workspace.id, staff_id, body.pin, principal.location_id))
    if not result["ok"]:
        raise service.wrong_pin(result)
    return {k: v for k, v in result.items() if k != "ok"}
