"""The ActivePOS pre-issue pool: codes and invoice numbers reserved by a till in advance.

A till that prints its receipt before (or without) reaching the server needs the QR and the
invoice number up front.  It tops up a small pool; an order whose ``metadata`` carries a reserved
``bill_code`` + ``invoice_number`` of its outlet gets exactly those.  Numbers a till never uses
stay reserved (a visible gap in the series that the reservation rows account for).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills import rules
from activereach.bills.codes import new_unique_code
from activereach.bills.config import resolved_config
from activereach.bills.invoices import reserve_range
from activereach.bills.models import BillCodeReservation
from activereach.bills.snapshot import local_time
from activereach.kit.db import utcnow
from activereach.kit.ids import new_id
from activereach.orders.models import Order
from activereach.tenancy.models import Location, Workspace


def _doc(row: BillCodeReservation, url_for: Any) -> dict[str, Any]:
    return {"code": row.code, "invoice_number": row.invoice_number, "url": url_for(row.code),
            "fiscal_year": row.fiscal_year}


async def top_up(session: AsyncSession, workspace: Workspace, location_id: str, terminal_pk: str,
                 count: int, url_for: Any) -> dict[str, Any]:
    """Make the till's pool hold ``count`` unused reservations (idempotent: a repeat returns the
    same pool) and return them, oldest first."""
    location = await session.get(Location, (workspace.id, location_id))
    assert location is not None
    fy = rules.fiscal_year(local_time(dt.datetime.now(dt.UTC),
                                      location.timezone or workspace.timezone).date())
    rows = await _unused(session, workspace.id, terminal_pk, fy)
    missing = count - len(rows)
    if missing > 0:
        config = await resolved_config(session, workspace.id, location_id)
        prefix = config.get("invoice_prefix") or rules.default_prefix(location.code)
        taken: set[str] = set()
        values = []
        for seq in await reserve_range(session, workspace.id, location_id, fy, missing):
            code = await new_unique_code(session, taken=taken)
            taken.add(code)
            values.append({"workspace_id": workspace.id, "id": new_id("bres"),
                           "terminal_pk": terminal_pk, "location_id": location_id, "code": code,
                           "fiscal_year": fy, "invoice_seq": seq,
                           "invoice_number": rules.invoice_number(prefix, fy, seq),
                           "status": "reserved", "order_id": None, "created_at": utcnow()})
        await session.execute(insert(BillCodeReservation), values)
        rows = await _unused(session, workspace.id, terminal_pk, fy)
    return {"fiscal_year": fy, "codes": [_doc(row, url_for) for row in rows[:max(count, 0)]],
            "unused": len(rows)}


async def _unused(session: AsyncSession, workspace_id: str, terminal_pk: str,
                  fy: str) -> list[BillCodeReservation]:
    return list((await session.execute(select(BillCodeReservation).where(
        BillCodeReservation.workspace_id == workspace_id,
        BillCodeReservation.terminal_pk == terminal_pk,
        BillCodeReservation.status == "reserved", BillCodeReservation.fiscal_year == fy)
        .order_by(BillCodeReservation.invoice_seq))).scalars())


async def claim(session: AsyncSession, order: Order) -> BillCodeReservation | None:
    """The reservation named by the order's metadata, if it is this outlet's and still unused."""
    meta = (order.extra or {}).get("metadata")
    if not isinstance(meta, dict) or not order.location_id:
        return None
    code, number = meta.get("bill_code"), meta.get("invoice_number")
    if not isinstance(code, str) or not isinstance(number, str):
        return None
    row = await session.scalar(select(BillCodeReservation).where(
        BillCodeReservation.workspace_id == order.workspace_id,
        BillCodeReservation.code == code, BillCodeReservation.invoice_number == number,
        BillCodeReservation.location_id == order.location_id,
        BillCodeReservation.status == "reserved").with_for_update())
    if row is None:
        return None
    await session.execute(update(BillCodeReservation).where(
        BillCodeReservation.workspace_id == row.workspace_id, BillCodeReservation.id == row.id)
        .values(status="used", order_id=order.id))
    return row
