"""Pure mapping from Segment e-commerce v2 ``Order Completed`` properties to the canonical order.

Segment sends money as decimal major units and tax/discount/shipping at order level, so lines
carry no tax rate and the order-level amounts go to ``order_tax``/``order_discount``/``shipping``.
A ``total`` the sender states is checked against ours rather than trusted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError

from activereach.kit.errors import Unprocessable
from activereach.kit.money import MoneyError, major_to_minor
from activereach.orders.schemas import OrderIn


def canonical_event_name(name: str) -> str:
    """"Order Completed" and "order_completed" are the same event."""
    return "_".join(name.strip().lower().replace("-", " ").split())


def order_from_properties(props: dict[str, Any], *, currency: str, occurred_at: dt.datetime,
                          customer: dict[str, Any]) -> OrderIn:
    currency = str(props.get("currency") or currency).upper()
    order_id = props.get("order_id") or props.get("checkout_id")
    if not order_id:
        raise Unprocessable.field("properties.order_id", "required for order_completed")

    def minor(key: str) -> int:
        value = props.get(key)
        if value in (None, ""):
            return 0
        try:
            return major_to_minor(value, currency, f"properties.{key}")
        except MoneyError as exc:
            raise Unprocessable.field(f"properties.{key}", str(exc)) from exc

    lines = []
    for index, product in enumerate(props.get("products") or []):
        if not isinstance(product, dict):
            raise Unprocessable.field(f"properties.products[{index}]", "must be an object")
        try:
            price = major_to_minor(product.get("price", 0), currency, "price")
        except MoneyError as exc:
            raise Unprocessable.field(f"properties.products[{index}].price", str(exc)) from exc
        lines.append({
            "sku": product.get("sku"), "product_id": _text(product.get("product_id")),
            "name": product.get("name") or product.get("sku") or "Item",
            "variant": product.get("variant"), "category": product.get("category"),
            "quantity": str(product.get("quantity", 1)), "unit_price": price,
            "tax_rate": "0", "tax_inclusive": False,
        })
    tax, discount, shipping = minor("tax"), minor("discount"), minor("shipping")
    if not lines:
        base = minor("subtotal") or (minor("total") - tax - shipping + discount)
        lines.append({"name": "Online order", "quantity": "1", "unit_price": max(base, 0),
                      "tax_rate": "0", "tax_inclusive": False})
    body: dict[str, Any] = {
        "external_id": str(order_id), "channel": props.get("channel") or "online",
        "occurred_at": occurred_at, "currency": currency, "customer": customer or None,
        "lines": lines, "order_tax": tax, "order_discount": discount, "shipping": shipping,
        "coupon": _text(props.get("coupon")), "location": props.get("location_id"),
    }
    if props.get("total") not in (None, ""):
        body["totals"] = {"total": minor("total")}
    try:
        return OrderIn.model_validate(body)
    except ValidationError as exc:
        raise Unprocessable("properties do not form a valid order", details=[
            {"field": "properties." + ".".join(str(p) for p in err["loc"]), "message": err["msg"]}
            for err in exc.errors()]) from exc


def _text(value: object) -> str | None:
    return None if value is None else str(value)
