"""Cashier routes: staff PINs and keys, till settings/config, flagged orders, receipt channel
defaults, receipt gaps."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from activereach.cashier import flags, receipt_step, receipts, service, settings, staff_keys
from activereach.cashier.models import CashierStaff
from activereach.cashier.schemas import PinIn, ReceiptSendIn, SettingsIn, StaffIn
from activereach.catalog.inventory import resolve_location
from activereach.kit.error_docs import CREATED
from activereach.kit.http import read, write
from activereach.kit.throttle import throttle
from activereach.tenancy.auth import AdminAuth, DeviceAuth

router = APIRouter(prefix="/v1", tags=["pos"])


@router.post("/cashier/staff", responses=CREATED)
async def put_staff(body: StaffIn, principal: AdminAuth, request: Request) -> Any:
    """Create a staff member, or update the one with this name (PIN, role, outlet). A new PIN or
    deactivation ends the person's till keys (sales they signed before that still land)."""
    ws = principal.workspace.id

    async def run(s: Any) -> tuple[Any, bool]:
        before = await s.scalar(select(CashierStaff.pin_hash).where(
            CashierStaff.workspace_id == ws, CashierStaff.name == body.name))
        row, created = await service.upsert_staff(s, ws, body)
        if not created and (row.pin_hash != before or not row.active):
            await staff_keys.revoke_keys(s, ws, row.id)
        return row, created
    row, created = await write(request, run)
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
    """Check a PIN; a good one also returns this person's signing key for this till
    (``staff_key``: the till signs orders and approvals with it, online and offline)."""
    ws = principal.workspace.id
    staff = await read(request, lambda s: service.staff_for_till(s, ws, staff_id,
                                                                 principal.location_id))
    # argon2 and the failure pause run outside any transaction: a write lock held across them
    # would queue every sale behind a PIN guesser (SQLite has one writer).
    await service.check_pin(staff, body.pin, principal.terminal_pk or principal.key_id,
                            throttle(request))
    result = {k: v for k, v in staff.items() if k != "pin_hash"}
    if principal.terminal_pk:
        terminal = principal.terminal_pk
        result["staff_key"] = await write(request, lambda s: staff_keys.issue_key(
            s, ws, terminal, staff_id))
    return result


@router.get("/cashier/flags")
async def flagged_orders(principal: AdminAuth, request: Request,
                         status: str = Query(default="open", pattern="^(open|resolved|all)$"),
                         ) -> dict[str, Any]:
    """Till orders accepted although they broke a till rule (made offline), newest first."""
    rows = await read(request, lambda s: flags.list_flags(s, principal.workspace.id,
                                                          status=status))
    return {"data": rows}


@router.put("/cashier/settings")
async def put_settings(body: SettingsIn, principal: AdminAuth, request: Request) -> Any:
    """Workspace defaults, or one terminal's overrides, of the till settings."""
    return await write(request, lambda s: settings.put_settings(s, principal.workspace.id, body))


@router.get("/cashier/settings")
async def get_settings(principal: AdminAuth, request: Request) -> dict[str, Any]:
    rows = await read(request, lambda s: settings.list_settings(s, principal.workspace.id))
    return {"data": rows, "defaults": settings.DEFAULTS}


@router.get("/pos/config")
async def till_config(principal: DeviceAuth, request: Request) -> dict[str, Any]:
    """What this till needs to enforce offline: its effective settings and the point value."""
    return await read(request, lambda s: settings.till_config(
        s, principal.workspace.id, principal.terminal_pk))


@router.get("/pos/members/{member_id}/receipt-channel")
async def receipt_channel(member_id: str, principal: DeviceAuth, request: Request) -> Any:
    """The receipt channel the till preselects for this member (their preference if reachable)."""
    return await read(request, lambda s: receipts.receipt_channel(
        s, principal.workspace, principal.location_id, member_id))


@router.get("/pos/orders/{client_order_id}/receipt")
async def receipt_status(client_order_id: str, principal: DeviceAuth, request: Request) -> Any:
    """How this till's sale's receipt went: channel, status, masked address (the receipt step)."""
    return await read(request, lambda s: receipt_step.receipt_status(s, principal, client_order_id))


@router.post("/pos/orders/{client_order_id}/receipt", status_code=202)
async def send_receipt(client_order_id: str, body: ReceiptSendIn, principal: DeviceAuth,
                       request: Request) -> Any:
    """Send the receipt again, or on another channel (a phone or email typed at the till)."""
    return await write(request, lambda s: receipt_step.send_again(
        s, principal, client_order_id, channel=body.channel, to=body.to, key=body.request_id))


@router.get("/cashier/receipt-gaps")
async def receipt_gaps(principal: AdminAuth, request: Request,
                       location: str | None = Query(default=None, max_length=40),
                       days: int = Query(default=7, ge=1, le=366)) -> dict[str, Any]:
    """Gaps in each terminal's receipt sequence and pre-issued invoice numbers (ops view)."""
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)

    async def run(session: Any) -> list[dict[str, Any]]:
        loc = (await resolve_location(session, principal.workspace.id, location)).id if location else None
        return await receipts.receipt_gaps(session, principal.workspace.id, since=since,
                                           location_id=loc)
    rows = await read(request, run)
    return {"since": since.isoformat(), "data": rows,
            "terminals_with_gaps": sum(1 for row in rows if row["has_gaps"])}
