"""Flagged till orders: sales made offline that broke a till rule (no staff proof that holds,
a discount above the limit without a manager, an unpaid total, points nothing backed).  The
orders stand; a manager reads why each was flagged and marks it resolved."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.cashier import flags
from activereach.console.audit import Target, audited
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.web import flash, page, redirect
from activereach.kit.http import read, write

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
BASE = "/dashboard/{workspace}/flagged-orders"
STATUSES = ("open", "resolved", "all")


@router.get(BASE, response_class=HTMLResponse)
async def flagged_orders(con: Con, status: str = Query(default="open",
                                                      pattern="^(open|resolved|all)$"),
                         ) -> HTMLResponse:
    ws, location_id = con.workspace.id, con.location.id if con.location else None
    rows = await read(con.request, lambda s: flags.list_flags(s, ws, location_id=location_id,
                                                              status=status))
    return page(con, "console/flagged_orders.html", "flagged-orders", rows=rows, status=status,
                statuses=STATUSES, outlet_names={loc.id: loc.name for loc in con.locations})


@router.post(BASE + "/{flag_id}/resolve", response_model=None)
async def resolve(flag_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    await form_with_csrf(con.request)
    con.require_write()
    ws, who = con.workspace.id, con.user.email

    async def resolve_and_audit(session: AsyncSession) -> None:
        flag = await flags.resolve(session, ws, flag_id, who)
        await audited(session, con, "flagged_order.resolve",
                      Target("flagged_order", flag_id, "; ".join(
                          str(r.get("message", "")) for r in flag["reasons"] or [])),
                      before={"resolved": False}, after={"resolved": True})
    await write(con.request, resolve_and_audit)
    flash(con.request, "The flagged order is marked resolved.")
    return redirect(con.url("flagged-orders"))
