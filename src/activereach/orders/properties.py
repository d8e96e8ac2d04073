"""Pure builders of event properties: Segment e-commerce v2 names, money in major units."""

from __future__ import annotations

from typing import Any

from activereach.kit.money import minor_to_major
from activereach.orders.models import Order, OrderLine, OrderPayment


def order_completed_properties(order: Order, lines: list[OrderLine],
                               payments: list[OrderPayment]) -> dict[str, Any]:
    cur = order.currency
    return {
        "order_id": order.external_id,
        "canonical_order_id": order.id,
        "total": minor_to_major(order.total, cur),
        "revenue": minor_to_major(order.subtotal, cur),
        "subtotal": minor_to_major(order.subtotal, cur),
        "tax": minor_to_major(order.tax_total, cur),
        "discount": minor_to_major(order.discount_total, cur),
        "shipping": minor_to_major(order.shipping, cur),
        "coupon": order.coupon,
        "currency": cur,
        "products": [_product(line, cur) for line in lines],
        "channel": order.channel,
        "source": order.source,
        "location_id": order.location_id,
        "terminal_id": order.terminal_id,
        "payment_method": _payment_method(payments),
        "bill_code": None,
    }


def order_refunded_properties(order: Order, *, refund_id: str, amount: int, taxable: int, tax: int,
                              lines: list[dict[str, Any]]) -> dict[str, Any]:
    cur = order.currency
    return {
        "order_id": order.external_id,
        "canonical_order_id": order.id,
        "refund_id": refund_id,
        "total": minor_to_major(amount, cur),
        "revenue": minor_to_major(taxable, cur),
        "tax": minor_to_major(tax, cur),
        "currency": cur,
        "products": lines,
        "channel": order.channel,
        "source": order.source,
        "location_id": order.location_id,
        "terminal_id": order.terminal_id,
    }


def _product(line: OrderLine, currency: str) -> dict[str, Any]:
    return {
        "product_id": line.product_id or line.sku,
        "sku": line.sku,
        "name": line.name,
        "variant": line.variant,
        "category": line.category,
        "price": minor_to_major(line.unit_price, currency),
        "quantity": float(line.quantity),
    }


def _payment_method(payments: list[OrderPayment]) -> str | None:
    methods = sorted({payment.method for payment in payments})
    if not methods:
        return None
    return methods[0] if len(methods) == 1 else "split"
