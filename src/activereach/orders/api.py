"""HTTP routes for server-to-server orders and refunds (admin key)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse

from activereach.kit.error_docs import REPLAYED
from activereach.kit.errors import NotFound
from activereach.kit.http import database, read, wake_worker, write
from activereach.orders import listing
from activereach.orders.read import find_order, get_order, order_document
from activereach.orders.refunds import refund_order
from activereach.orders.schemas import OrderIn, OrderResult, RefundIn
from activereach.orders.group_commit import IngestGroup
from activereach.orders.service import IngestSource
from activereach.tenancy.auth import AdminAuth

router = APIRouter(prefix="/v1/orders", tags=["orders"])


@router.post("", response_model=OrderResult, status_code=201,
             responses={200: {"description": "Replay of an order already ingested"}})
async def create_order(body: OrderIn, principal: AdminAuth, request: Request,
                       idempotency_key: str | None = Header(default=None, max_length=200)) -> Any:
    src = IngestSource(workspace=principal.workspace, source="api", idempotency_key=idempotency_key)
    result = await ingest_group(request).ingest(src, body)
    wake_worker(request)
    return JSONResponse(result, status_code=200 if result["replayed"] else 201)


def ingest_group(request: Request) -> IngestGroup:
    """The process's group commit for this app's database, made on first use."""
    group = getattr(request.app.state, "ingest_group", None)
    if group is None:
        group = request.app.state.ingest_group = IngestGroup(database(request))
    return group


@router.get("", responses={200: {"description": "With ``external_id``: that one order (as "
                                                 "before). Without: ``{data, next_cursor}``"},
                            422: {"description": "A bad filter, limit or cursor, named"}})
async def list_or_lookup_orders(
        principal: AdminAuth, request: Request,
        external_id: str | None = Query(default=None, max_length=200),
        source: str | None = Query(default=None, max_length=64),
        from_: str | None = Query(default=None, alias="from", max_length=40),
        to: str | None = Query(default=None, max_length=40),
        location: str | None = Query(default=None, max_length=200),
        terminal: str | None = Query(default=None, max_length=200),
        contact: str | None = Query(default=None, max_length=200),
        status: str | None = Query(default=None, max_length=40),
        channel: str | None = Query(default=None, max_length=40),
        limit: str | None = Query(default=None, max_length=10),
        cursor: str | None = Query(default=None, max_length=400)) -> dict[str, Any]:
    """``external_id`` looks one order up (``source`` defaults to ``api``), as it always has;
    without it the orders are listed newest first, filtered, cursor-paged (orders/listing.py)."""
    workspace = principal.workspace
    if external_id is not None:
        return await _lookup(request, workspace.id, source or "api", external_id)
    flt = listing.parse_filter(
        {"from": from_, "to": to, "location": location, "terminal": terminal, "source": source,
         "contact": contact, "status": status, "channel": channel, "limit": limit,
         "cursor": cursor}, workspace.timezone)

    async def body(session: AsyncSession) -> dict[str, Any]:
        rows, next_cursor = await listing.list_orders(session, workspace.id, flt)
        return {"data": [listing.order_summary(o) for o in rows], "next_cursor": next_cursor}
    return await read(request, body)


async def _lookup(request: Request, workspace_id: str, source: str,
                  external_id: str) -> dict[str, Any]:
    async def body(session: AsyncSession) -> dict[str, Any]:
        order = await find_order(session, workspace_id, source=source, external_id=external_id)
        if order is None:
            raise NotFound(f"no order {external_id!r} from source {source!r}")
        return await order_document(session, order)
    return await read(request, body)


@router.get("/{order_id}")
async def show_order(order_id: str, principal: AdminAuth, request: Request) -> dict[str, Any]:
    async def body(session: AsyncSession) -> dict[str, Any]:
        order = await get_order(session, principal.workspace.id, order_id)
        if order is None:
            raise NotFound(f"no order {order_id!r}")
        return await order_document(session, order)
    return await read(request, body)


@router.post("/{order_id}/refunds", status_code=201, responses=REPLAYED)
async def create_refund(order_id: str, body: RefundIn, principal: AdminAuth,
                        request: Request) -> Any:
    async def run(session: AsyncSession) -> Any:
        order = await get_order(session, principal.workspace.id, order_id)
        if order is None:
            raise NotFound(f"no order {order_id!r}")
        return await refund_order(session, order, body)
    result = await write(request, run)
    return JSONResponse(result, status_code=200 if result["replayed"] else 201)
