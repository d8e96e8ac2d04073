"""Field mapping: per-field JMESPath overrides over the provider's payload, validated on save.

Every provider has a default mapping (its ``to_canonical``); a pipe may override any field
below with an expression evaluated against the provider's order document.  ``custom`` pipes are
mapped entirely by expressions (``CUSTOM_DEFAULTS`` plus the pipe's overrides).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError

from activereach.kit.money import MoneyError
from activereach.pipes import rules
from activereach.pipes.providers.base import Canonical, RefundSpec

# canonical field → what the expression must produce
FIELDS: dict[str, str] = {
    "external_id": "text", "status": "text", "version": "integer or timestamp",
    "location": "text", "occurred_at": "timestamp", "currency": "ISO 4217 code",
    "terminal": "text", "coupon": "text", "event_id": "text",
    "customer.phone": "text", "customer.email": "text", "customer.name": "text",
    "customer.external_id": "text", "customer.user_id": "text",
    "lines": "list of line objects", "payments": "list of payment objects",
    "order_discount": "amount", "shipping": "amount", "refunds": "list of {refund_id, amount}",
}
ORDER_FIELDS = {"occurred_at", "currency", "terminal", "coupon", "lines", "payments",
                "order_discount", "shipping"}
CUSTOM_DEFAULTS: dict[str, str] = {
    "external_id": "external_id", "status": "status", "version": "version",
    "location": "location", "occurred_at": "occurred_at", "currency": "currency",
    "terminal": "terminal", "coupon": "coupon", "event_id": "event_id",
    "customer.phone": "customer.phone", "customer.email": "customer.email",
    "customer.name": "customer.name", "customer.external_id": "customer.external_id",
    "lines": "lines", "payments": "payments", "order_discount": "order_discount",
    "shipping": "shipping", "refunds": "refunds",
}
STATES = {"completed", "open", "cancelled", "refund"}


class MappingError(ValueError):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


def validate_mapping(mapping: Any) -> list[dict[str, str]]:
    """Per-field errors (empty when the mapping is valid)."""
    if not isinstance(mapping, dict):
        return [{"field": "mapping", "message": "must be an object of field → expression"}]
    errors = []
    for name, expression in mapping.items():
        field = f"mapping.{name}"
        if name not in FIELDS:
            errors.append({"field": field, "message": f"unknown field; one of {sorted(FIELDS)}"})
        elif not isinstance(expression, str) or not expression.strip():
            errors.append({"field": field, "message": "must be a non-empty JMESPath expression"})
        else:
            try:
                jmespath.compile(expression)
            except JMESPathError as exc:
                errors.append({"field": field, "message": f"invalid JMESPath: {exc}"})
    return errors


def plain(value: Any) -> Any:
    """JSON-safe values: providers parsed with ``Decimal`` hand Decimals to expressions."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _search(expression: str, document: Any, field: str) -> Any:
    try:
        return plain(jmespath.search(expression, document))
    except JMESPathError as exc:
        raise MappingError([{"field": f"mapping.{field}", "message": str(exc)}]) from exc


def apply_overrides(canonical: Canonical, overrides: dict[str, str], document: Any) -> Canonical:
    """Apply a pipe's per-field overrides to a provider's default mapping."""
    order = canonical.order
    for field, expression in overrides.items():
        value = _search(expression, document, field)
        if field == "external_id" and value is not None:
            canonical.external_id = str(value)
            if order is not None:
                order["external_id"] = str(value)
        elif field == "location":
            canonical.location_key = None if value is None else str(value)
        elif field == "version":
            canonical.version = _version(value)
        elif field == "status" and value is not None:
            canonical.state = _state(value)
        elif field == "refunds":
            canonical.refunds = _refunds(value)
        elif order is not None and field.startswith("customer."):
            customer = order.get("customer") or {}
            customer[field.split(".", 1)[1]] = None if value is None else str(value)
            order["customer"] = customer
        elif order is not None and field in ORDER_FIELDS and value is not None:
            order[field] = value
    return canonical


def custom_canonical(document: Any, mapping: dict[str, str], currency: str,
                     amounts: str = "minor") -> Canonical:
    """A ``custom`` pipe: every field comes from an expression."""
    exprs = {**CUSTOM_DEFAULTS, **mapping}
    values = {field: _search(expr, document, field) for field, expr in exprs.items()}
    if values["external_id"] in (None, ""):
        raise MappingError([{"field": "mapping.external_id", "message": "found no value"}])
    cur = str(values["currency"] or currency)
    order: dict[str, Any] = {
        "external_id": str(values["external_id"]), "currency": cur, "channel": "offline",
        "occurred_at": values["occurred_at"], "lines": values["lines"] or [],
        "payments": values["payments"] or [],
    }
    for key in ("terminal", "coupon", "order_discount", "shipping"):
        if values[key] is not None:
            order[key] = values[key]
    customer = {k.split(".", 1)[1]: str(v) for k, v in values.items()
                if k.startswith("customer.") and v not in (None, "")}
    if customer:
        order["customer"] = customer
    if amounts == "major":
        _to_minor(order, cur)
    return Canonical(external_id=order["external_id"], state=_state(values["status"] or "completed"),
                     version=_version(values["version"]),
                     location_key=None if values["location"] is None else str(values["location"]),
                     order=order, refunds=_refunds(values["refunds"], cur if amounts == "major" else None),
                     reason=f"status {values['status']}")


def _to_minor(order: dict[str, Any], cur: str) -> None:
    try:
        for line in order["lines"]:
            for key in ("unit_price", "discount"):
                if isinstance(line, dict) and line.get(key) is not None:
                    line[key] = rules.to_minor(line[key], cur, key)
        for payment in order["payments"]:
            if isinstance(payment, dict) and payment.get("amount") is not None:
                payment["amount"] = rules.to_minor(payment["amount"], cur, "amount")
        for key in ("order_discount", "shipping"):
            if order.get(key) is not None:
                order[key] = rules.to_minor(order[key], cur, key)
    except MoneyError as exc:
        raise MappingError([{"field": "amounts", "message": str(exc)}]) from exc


def _version(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.isdigit():
        return int(text)
    stamp = rules.epoch_ms(text)
    if stamp is None:
        raise MappingError([{"field": "mapping.version",
                             "message": f"{value!r} is neither an integer nor a timestamp"}])
    return stamp


def _state(value: Any) -> str:
    text = str(value).lower()
    aliases = {"paid": "completed", "closed": "completed", "complete": "completed",
               "canceled": "cancelled", "voided": "cancelled", "void": "cancelled",
               "refunded": "refund"}
    text = aliases.get(text, text)
    if text not in STATES:
        raise MappingError([{"field": "mapping.status",
                             "message": f"{value!r} is not one of {sorted(STATES)}"}])
    return text


def _refunds(value: Any, currency: str | None = None) -> list[RefundSpec]:
    if value in (None, []):
        return []
    if not isinstance(value, list):
        raise MappingError([{"field": "mapping.refunds", "message": "must produce a list"}])
    specs = []
    for index, item in enumerate(value):
        try:
            amount = item["amount"]
            amount = rules.to_minor(amount, currency) if currency else int(amount)
            specs.append(RefundSpec(str(item["refund_id"]), amount, item.get("order_id")))
        except (KeyError, TypeError, ValueError) as exc:
            raise MappingError([{"field": f"refunds[{index}]",
                                 "message": "needs refund_id and amount"}]) from exc
    return specs
