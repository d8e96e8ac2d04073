"""Till orders flagged for a manager: listed (open first) and resolved, for the console and API.

A flag is written by ``cashier/participant.py`` when an order made offline broke a till rule; the
order itself stands (the money was taken at the till).  Resolving a flag records who looked
at it; it changes nothing about the order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.cashier.models import CashierStaff, PosOrderFlag
from activereach.kit.db import utcnow
from activereach.kit.errors import Conflict, NotFound


async def list_flags(session: AsyncSession, ws: str, *, location_id: str | None = None,
                     status: str = "open", limit: int = 200) -> list[dict[str, Any]]:
    query = select(PosOrderFlag, CashierStaff.name).outerjoin(CashierStaff, (
        CashierStaff.workspace_id == PosOrderFlag.workspace_id)
        & (CashierStaff.id == PosOrderFlag.staff_id)).where(PosOrderFlag.workspace_id == ws)
    if location_id:
        query = query.where(PosOrderFlag.location_id == location_id)
    if status == "open":
        query = query.where(PosOrderFlag.resolved_at.is_(None))
    elif status == "resolved":
        query = query.where(PosOrderFlag.resolved_at.is_not(None))
    rows = await session.execute(query.order_by(PosOrderFlag.created_at.desc(),
                                                PosOrderFlag.id.desc()).limit(limit))
    return [flag_out(flag, name) for flag, name in rows.all()]


def flag_out(flag: PosOrderFlag, staff_name: str | None = None) -> dict[str, Any]:
    return {"id": flag.id, "order_id": flag.order_id, "location_id": flag.location_id,
            "terminal_id": flag.terminal_id, "staff_id": flag.staff_id, "staff_name": staff_name,
            "total": flag.total, "uncovered": flag.uncovered, "reasons": flag.reasons,
            "occurred_at": flag.occurred_at.isoformat(), "created_at": flag.created_at.isoformat(),
            "resolved_at": flag.resolved_at.isoformat() if flag.resolved_at else None,
            "resolved_by": flag.resolved_by}


async def resolve(session: AsyncSession, ws: str, flag_id: str, by: str) -> dict[str, Any]:
    flag = await session.get(PosOrderFlag, (ws, flag_id), with_for_update=True)
    if flag is None:
        raise NotFound(f"no flagged order {flag_id!r}")
    if flag.resolved_at is not None:
        raise Conflict("this flag was already resolved", code="already_resolved")
    flag.resolved_at, flag.resolved_by = utcnow(), by[:200]
    return flag_out(flag)
