"""Refunds through the same path: one transaction writes the refund, updates the order,
appends ``order_refunded`` and enqueues roll-ups; a replayed refund id changes nothing."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.events.service import append_event
from activereach.jobs.service import enqueue
from activereach.kit.db import utcnow
from activereach.kit.errors import Conflict, Unprocessable
from activereach.kit.ids import new_id
from activereach.kit.money import minor_to_major
from activereach.orders import rules
from activereach.orders.models import Order, OrderLine, OrderRefund
from activereach.orders.participants import RefundedOrder, participants
from activereach.orders.properties import order_refunded_properties
from activereach.orders.schemas import RefundIn


async def refund_order(session: AsyncSession, order: Order, refund_in: RefundIn, *,
                       event_source: str = "api") -> dict[str, Any]:
    digest = hashlib.sha256(refund_in.model_dump_json().encode()).hexdigest()
    replay = await _replay(session, order, refund_in, digest)
    if replay is not None:
        return replay
    if order.status in {"refunded", "cancelled"}:
        raise Conflict(f"order is {order.status}; nothing left to refund", code="order_closed")

    lines = list((await session.execute(
        select(OrderLine).where(OrderLine.workspace_id == order.workspace_id,
                                OrderLine.order_id == order.id)
        .order_by(OrderLine.line_no).with_for_update())).scalars())
    wanted: list[tuple[OrderLine, Decimal]] = []
    if refund_in.amount is not None and refund_in.lines is None:
        taxable, tax, products = _by_amount(order, refund_in.amount)
    else:
        taxable, tax, products, wanted = _by_lines(order, lines, refund_in)
    amount = taxable + tax
    remaining = order.total - order.refunded_total
    if amount <= 0:
        raise Unprocessable.field("lines", "nothing to refund")
    if amount > remaining:
        raise Unprocessable.field("amount", f"exceeds what remains refundable ({remaining})")

    refund_id, event_id = new_id("rf"), new_id("ev")
    occurred = refund_in.occurred_at or utcnow()
    order.refunded_total += amount
    order.status = "refunded" if order.refunded_total >= order.total else "partially_refunded"
    result = {"refund_id": refund_id, "order_id": order.id, "external_id": refund_in.refund_id,
              "amount": amount, "taxable": taxable, "tax": tax, "order_status": order.status,
              "refunded_total": order.refunded_total, "replayed": False}
    refund = OrderRefund(
        workspace_id=order.workspace_id, id=refund_id, order_id=order.id,
        external_id=refund_in.refund_id, request_hash=digest, amount=amount, taxable=taxable,
        tax=tax, lines=products, reason=refund_in.reason, occurred_at=occurred,
        created_at=utcnow(), event_id=event_id, result=dict(result))
    session.add(refund)
    await session.flush()
    refunded = RefundedOrder(workspace_id=order.workspace_id, order=order, refund=refund,
                             line_quantities=wanted, result=result)
    for participant in participants():
        await participant.refunded(session, refunded)
    # A new dict (the row holds a copy of the first one), so the ORM sees the participants'
    # additions as a change and stores them: a replay returns the same reply.
    refund.result = dict(refunded.result)
    await append_event(
        session, workspace_id=order.workspace_id, event_id=event_id,  # the refund row's event
        message_id=f"order_refunded:{refund_id}",
        name="order_refunded", timestamp=occurred, source=event_source,
        contact_id=order.contact_id, location_id=order.location_id,
        properties=order_refunded_properties(order, refund_id=refund_in.refund_id, amount=amount,
                                             taxable=taxable, tax=tax, lines=products))
    await enqueue(session, kind="analytics.apply_refund", workspace_id=order.workspace_id,
                  payload={"refund_id": refund_id})
    return result


async def _replay(session: AsyncSession, order: Order, refund_in: RefundIn,
                  digest: str) -> dict[str, Any] | None:
    """The stored reply of the same refund sent before; other content under its id is 409."""
    existing = await session.scalar(select(OrderRefund).where(
        OrderRefund.workspace_id == order.workspace_id, OrderRefund.order_id == order.id,
        OrderRefund.external_id == refund_in.refund_id))
    if existing is None:
        return None
    if existing.request_hash != digest:
        raise Conflict(f"refund {refund_in.refund_id!r} already exists with different content",
                       code="idempotency_conflict")
    return {**existing.result, "replayed": True}


def _amounts(line: OrderLine) -> rules.LineAmounts:
    return rules.LineAmounts(gross=line.total + line.discount, net=line.total,
                             taxable=line.taxable, tax=line.tax, total=line.total)


def _by_lines(order: Order, lines: list[OrderLine],
              refund_in: RefundIn,
              ) -> tuple[int, int, list[dict[str, Any]], list[tuple[OrderLine, Decimal]]]:
    """Refund the listed lines, or everything not yet refunded when no lines are listed."""
    wanted: list[tuple[OrderLine, Decimal]] = []
    if refund_in.lines is None:
        wanted = [(line, line.quantity - line.refunded_quantity) for line in lines
                  if line.quantity > line.refunded_quantity]
    else:
        for index, item in enumerate(refund_in.lines):
            line = _match_line(lines, item.line_no, item.sku, f"lines[{index}]")
            wanted.append((line, item.quantity))
    taxable = tax = 0
    products = []
    for line, quantity in wanted:
        if line.refunded_quantity + quantity > line.quantity:
            raise Unprocessable.field("lines", f"line {line.line_no} has only "
                                      f"{line.quantity - line.refunded_quantity} left to refund")
        part_taxable, part_tax = rules.refund_line_share(_amounts(line), line.quantity, quantity,
                                                         line.refunded_quantity)
        line.refunded_quantity += quantity
        taxable += part_taxable
        tax += part_tax
        products.append({"sku": line.sku, "name": line.name, "quantity": float(quantity),
                         "price": minor_to_major(line.unit_price, order.currency)})
    return taxable, tax, products, wanted


def _by_amount(order: Order, amount: int) -> tuple[int, int, list[dict[str, Any]]]:
    """A money-only refund (no lines): split into taxable and tax in the order's proportion."""
    if order.total <= 0:
        raise Unprocessable.field("amount", "the order has no value to refund")
    tax = rules.round_share(order.tax_total, amount, order.total)
    return amount - tax, tax, []


def _match_line(lines: list[OrderLine], line_no: int | None, sku: str | None,
                field: str) -> OrderLine:
    for line in lines:
        if (line_no is not None and line.line_no == line_no) or \
                (line_no is None and sku is not None and line.sku == sku):
            return line
    raise Unprocessable.field(field, "matches no line of the order (give line_no or sku)")
