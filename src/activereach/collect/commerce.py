"""Segment e-commerce v2 events that change an order, through the same paths as the API.

- ``Order Completed`` ingests the order (``orders.service.ingest_order``, source ``online``).
- ``Order Refunded`` refunds it (``orders.refunds.refund_order``: points reversed, stock back),
  in full, by its ``products`` (sku or product_id, with quantities) or by a ``total``.
- ``Order Cancelled`` cancels it (``orders.cancel.cancel_order``).
- ``Order Updated`` goes on the timeline: the order model has no pending orders (an order
  exists once completed), so there is nothing to update (docs/decisions.md).

The event each path appends is the message's event: it takes the message's ``messageId`` and
envelope, so a retry finds it and is answered ``duplicate``. Other e-commerce events (Coupon
Applied, Product Viewed …) are plain timeline events (``collect.batch``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.collect import identity
from activereach.collect.calls import Call, record
from activereach.collect.segment import order_from_properties
from activereach.events.models import Event
from activereach.kit import deferred
from activereach.kit.errors import NotFound, Unprocessable
from activereach.kit.money import MoneyError, major_to_minor
from activereach.orders.cancel import cancel_order
from activereach.orders.models import Order, OrderLine, OrderRefund
from activereach.orders.read import find_order
from activereach.orders.refunds import refund_order
from activereach.orders.schemas import RefundIn
from activereach.orders.service import IngestSource, ingest_order, request_hash
from activereach.tenancy.models import Workspace

Handler = Callable[[AsyncSession, Workspace, Call], Awaitable[dict[str, Any]]]


async def order_completed(session: AsyncSession, workspace: Workspace,
                          call: Call) -> dict[str, Any]:
    order_in = order_from_properties(call.message.properties, currency=workspace.currency,
                                     occurred_at=call.timestamp, customer=call.customer)
    src = IngestSource(workspace=workspace, source="online",
                       message_id=call.message.message_id, event_source="sdk")
    result = await ingest_order(session, src, order_in)
    if not result["replayed"]:
        await _adopt(session, workspace, call, result["event_id"])
    return {"status": 200, "result": "duplicate" if result["replayed"] else "accepted",
            "order_id": result["order_id"], "contact_id": result["contact_id"]}


async def order_refunded(session: AsyncSession, workspace: Workspace,
                         call: Call) -> dict[str, Any]:
    props = call.message.properties
    order = await _order(session, workspace, props)
    refund_in = _refund_in(call, order, await _lines(session, order))
    result = await refund_order(session, order, refund_in, event_source="sdk")
    if not result["replayed"]:
        event_id = await session.scalar(select(OrderRefund.event_id).where(
            OrderRefund.workspace_id == workspace.id, OrderRefund.id == result["refund_id"]))
        await _adopt(session, workspace, call, event_id)
    return {"status": 200, "result": "duplicate" if result["replayed"] else "accepted",
            "order_id": order.id, "refund_id": result["refund_id"],
            "contact_id": order.contact_id}


async def order_cancelled(session: AsyncSession, workspace: Workspace,
                          call: Call) -> dict[str, Any]:
    order = await _order(session, workspace, call.message.properties)
    reason = call.message.properties.get("reason")
    result = await cancel_order(session, order, reason=None if reason is None else str(reason),
                                occurred_at=call.timestamp, event_source="sdk")
    if not result["replayed"]:
        event_id = await session.scalar(select(Event.id).where(
            Event.workspace_id == workspace.id,
            Event.message_id == f"order_cancelled:{order.id}"))
        await _adopt(session, workspace, call, event_id)
    return {"status": 200, "result": "duplicate" if result["replayed"] else "accepted",
            "order_id": order.id, "contact_id": order.contact_id}


async def order_updated(session: AsyncSession, workspace: Workspace,
                        call: Call) -> dict[str, Any]:
    """On the timeline of the order's customer (or of the message's, for an order we have not
    seen), naming our order when there is one."""
    props = dict(call.message.properties)
    order_id = props.get("order_id") or props.get("checkout_id")
    order = await find_order(session, workspace.id, source="online",
                             external_id=str(order_id)) if order_id else None
    if order is not None:
        props["canonical_order_id"] = order.id
        contact_id = order.contact_id
    else:
        contact_id = await identity.resolve(session, workspace, call)
    await record(session, workspace, call, contact_id, properties=props)
    verdict: dict[str, Any] = {"status": 200, "result": "accepted", "contact_id": contact_id}
    if order is not None:
        verdict["order_id"] = order.id
    return verdict


HANDLERS: dict[str, Handler] = {"order_completed": order_completed,
                                "order_refunded": order_refunded,
                                "order_cancelled": order_cancelled,
                                "order_updated": order_updated}


async def _order(session: AsyncSession, workspace: Workspace, props: dict[str, Any]) -> Order:
    order_id = props.get("order_id")
    if not order_id:
        raise Unprocessable.field("properties.order_id", "required")
    order = await find_order(session, workspace.id, source="online", external_id=str(order_id))
    if order is None:
        raise NotFound(f"no online order {order_id!r}: send its Order Completed first",
                       code="order_not_found",
                       details=[{"field": "properties.order_id", "message": "unknown order"}])
    return order


async def _lines(session: AsyncSession, order: Order) -> list[OrderLine]:
    return list((await session.execute(select(OrderLine).where(
        OrderLine.workspace_id == order.workspace_id, OrderLine.order_id == order.id)
        .order_by(OrderLine.line_no))).scalars())


def _refund_in(call: Call, order: Order, lines: list[OrderLine]) -> RefundIn:
    """The refund a message asks for: its products, else its ``total``, else everything left.
    The refund's id is the message's (or a ``refund_id`` it names), so a retry replays it."""
    props = call.message.properties
    body: dict[str, Any] = {"refund_id": str(props.get("refund_id") or call.message.message_id),
                            "occurred_at": call.timestamp, "reason": props.get("reason")}
    products = props.get("products")
    if products:
        body["lines"] = [_refund_line(index, product, lines)
                         for index, product in enumerate(products)]
    elif props.get("total") not in (None, ""):
        try:
            body["amount"] = major_to_minor(props["total"], order.currency, "properties.total")
        except MoneyError as exc:
            raise Unprocessable.field("properties.total", str(exc)) from exc
    try:
        return RefundIn.model_validate(body)
    except ValidationError as exc:
        raise Unprocessable("properties do not form a valid refund", details=[
            {"field": "properties." + ".".join(str(p) for p in err["loc"]), "message": err["msg"]}
            for err in exc.errors()]) from exc


def _refund_line(index: int, product: object, lines: list[OrderLine]) -> dict[str, Any]:
    field = f"properties.products[{index}]"
    if not isinstance(product, dict):
        raise Unprocessable.field(field, "must be an object")
    try:
        quantity = Decimal(str(product.get("quantity", 1)))
    except InvalidOperation as exc:
        raise Unprocessable.field(f"{field}.quantity", "not a number") from exc
    if product.get("sku"):
        return {"sku": str(product["sku"]), "quantity": quantity}
    wanted = product.get("product_id")
    line = next((line for line in lines if wanted and line.product_id == str(wanted)), None)
    if line is None:
        raise Unprocessable.field(field, "matches no line of the order (give sku or product_id)")
    return {"line_no": line.line_no, "quantity": quantity}


async def _adopt(session: AsyncSession, workspace: Workspace, call: Call,
                 event_id: str | None) -> None:
    """The event an order path appended becomes the message's: its messageId and envelope."""
    if event_id is None:
        return
    await deferred.release(session)  # never read or update a row this transaction may hold
    await session.execute(update(Event).where(Event.workspace_id == workspace.id,
                                              Event.id == event_id)
                          .values(message_id=call.message.message_id, **call.envelope),
                          execution_options={"synchronize_session": False})


async def same_as_legacy(session: AsyncSession, workspace: Workspace, call: Call,
                         stored: Event) -> bool:
    """For events stored before content digests: the comparison made then."""
    message = call.message
    if call.name == "order_completed" and stored.name == "order_completed":
        order_in = order_from_properties(message.properties, currency=workspace.currency,
                                         occurred_at=stored.timestamp, customer=call.customer)
        found = await session.scalar(select(Order.request_hash).where(
            Order.workspace_id == workspace.id,
            Order.id == (stored.properties or {}).get("canonical_order_id")))
        return found is not None and found == request_hash("online", order_in)
    same_time = call.claimed is None or call.claimed == stored.timestamp
    return (stored.type, stored.name) == (message.type, call.name) and same_time \
        and (stored.properties or {}) == call.properties
