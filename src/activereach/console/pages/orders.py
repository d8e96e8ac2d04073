"""Orders: every order the brand took (tills, API, pipes, online), filtered like
``GET /v1/orders`` (local dates, the chip strip's outlet), 50 a page; and one order's page with
its lines, payments, bill, receipt messages, points and refunds.  Read-only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.console import orders as helpers
from activereach.console.auth import Console, console
from activereach.console.web import page
from activereach.kit.http import read
from activereach.orders import listing

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
BASE = "/dashboard/{workspace}/orders"
PAGE_SIZE = 50


@router.get(BASE, response_class=HTMLResponse)
async def orders(con: Con, cursor: str = Query(default="", max_length=400)) -> HTMLResponse:
    location_id = con.location.id if con.location else None
    found = helpers.list_query(con.params, con.workspace.timezone, location_id, cursor,
                               PAGE_SIZE)
    ws = con.workspace.id
    if found.errors:
        data = await read(con.request, lambda s: _sources_only(s, ws))
    else:
        data = await read(con.request, lambda s: helpers.list_page(s, ws, found.filter))
    query = {k: v for k, v in found.values.items() if v}
    return page(con, "console/orders.html", "orders", status_code=422 if found.errors else 200,
                **data, values=found.values, errors=found.errors, query=query,
                everyone={k: v for k, v in query.items() if k != "contact"},
                first_page=not cursor, statuses=listing.STATUSES, channels=listing.CHANNELS,
                status_labels=helpers.STATUS_LABELS, channel_labels=helpers.CHANNEL_LABELS,
                customer=helpers.customer_label,
                outlet_names={loc.id: loc.name for loc in con.locations},
                outlet_tz={loc.id: loc.timezone for loc in con.locations})


async def _sources_only(session: AsyncSession, ws: str) -> dict[str, Any]:
    return {"rows": [], "next_cursor": None, "invoices": {},
            "sources": await helpers.source_names(session, ws)}


@router.get(BASE + "/{order_id}", response_class=HTMLResponse)
async def order(order_id: str, con: Con) -> HTMLResponse:
    ws = con.workspace
    data = await read(con.request, lambda s: helpers.order_page(s, ws, order_id))
    outlet = next((loc for loc in con.locations if loc.id == data["order"].location_id), None)
    return page(con, "console/order.html", "orders", **data, outlet=outlet,
                status_labels=helpers.STATUS_LABELS, channel_labels=helpers.CHANNEL_LABELS,
                entry_labels=helpers.ENTRY_LABELS, payment_labels=helpers.PAYMENT_LABELS,
                customer=helpers.customer_label(data["order"]),
                refund_lines=helpers.refund_line_summary, qty=helpers.quantity)
