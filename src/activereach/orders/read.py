"""Reading orders back in their canonical shape (GET /v1/orders…)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.orders.models import Order, OrderLine, OrderPayment, OrderRefund


async def get_order(session: AsyncSession, workspace_id: str, order_id: str) -> Order | None:
    return await session.get(Order, (workspace_id, order_id))


async def find_order(session: AsyncSession, workspace_id: str, *, source: str,
                     external_id: str) -> Order | None:
    return await session.scalar(select(Order).where(
        Order.workspace_id == workspace_id, Order.source == source,
        Order.external_id == external_id))


async def order_parts(session: AsyncSession, order: Order
                      ) -> tuple[list[OrderLine], list[OrderPayment], list[OrderRefund]]:
    """The order's lines (by line number), payments (in order) and refunds (oldest first)."""
    key = (OrderLine.workspace_id == order.workspace_id) & (OrderLine.order_id == order.id)
    lines = (await session.execute(select(OrderLine).where(key).order_by(OrderLine.line_no))).scalars()
    payments = (await session.execute(
        select(OrderPayment).where(OrderPayment.workspace_id == order.workspace_id,
                                   OrderPayment.order_id == order.id)
        .order_by(OrderPayment.seq))).scalars()
    refunds = (await session.execute(
        select(OrderRefund).where(OrderRefund.workspace_id == order.workspace_id,
                                  OrderRefund.order_id == order.id)
        .order_by(OrderRefund.created_at))).scalars()
    return list(lines), list(payments), list(refunds)


async def order_document(session: AsyncSession, order: Order) -> dict[str, Any]:
    lines, payments, refunds = await order_parts(session, order)
    return {
        "id": order.id, "source": order.source, "external_id": order.external_id,
        "client_order_id": order.client_order_id, "status": order.status,
        "channel": order.channel, "location_id": order.location_id,
        "terminal_id": order.terminal_id, "contact_id": order.contact_id,
        "currency": order.currency, "occurred_at": order.occurred_at.isoformat(),
        "created_at": order.created_at.isoformat(), "coupon": order.coupon,
        "customer": order.customer,
        "totals": {"subtotal": order.subtotal, "tax": order.tax_total,
                   "discount": order.discount_total, "shipping": order.shipping,
                   "total": order.total, "paid": order.paid_total, "change": order.change_due,
                   "refunded": order.refunded_total},
        "lines": [_line(line) for line in lines],
        "payments": [{"method": p.method, "amount": p.amount, "reference": p.reference}
                     for p in payments],
        "refunds": [{"id": r.id, "refund_id": r.external_id, "amount": r.amount,
                     "taxable": r.taxable, "tax": r.tax, "lines": r.lines, "reason": r.reason,
                     "occurred_at": r.occurred_at.isoformat()} for r in refunds],
        "bill": order.result.get("bill"),
        "loyalty": order.result.get("loyalty"),
        "event_id": order.event_id,
    }


def _line(line: OrderLine) -> dict[str, Any]:
    return {
        "line_no": line.line_no, "sku": line.sku, "product_id": line.product_id,
        "name": line.name, "variant": line.variant, "category": line.category,
        "quantity": str(line.quantity.normalize()), "unit_price": line.unit_price,
        "discount": line.discount, "tax_rate": str(line.tax_rate.normalize()),
        "tax_inclusive": line.tax_inclusive, "hsn": line.hsn, "taxable": line.taxable,
        "tax": line.tax, "total": line.total,
        "refunded_quantity": str(line.refunded_quantity.normalize()), "note": line.note,
        "tax_lines": [{"name": "GST", "rate": str(line.tax_rate.normalize()), "amount": line.tax,
                       "hsn": line.hsn}] if line.tax else [],
    }
