"""Square: id-only order webhooks, full payment/refund objects; the order is always fetched.

Signature: base64 HMAC-SHA256 of the configured notification URL + raw body, keyed by the
subscription's signature key, in ``x-square-hmacsha256-signature``.  Dedupe on ``event_id``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import httpx2

from activereach.pipes import rules
from activereach.pipes.providers.base import (
    Canonical, Context, Event, JsonProvider, RefundSpec, Verdict, freshness_window, get_json,
    header, post_json, segment, shape_checked)
from activereach.pipes.providers.spec import PIPE_SETTINGS, SampleOrder, Setting, api_settings

SQUARE_VERSION = "2025-10-16"
# Square retries a failed delivery for up to 72 hours: the signed ``created_at`` may be that old.
RESEND_WINDOW = 72 * 3600


class Square(JsonProvider):
    name = "square"
    label = "Square"
    settings = (
        Setting("signature_key", "text", "Signature key", required=True, secret=True,
                help="Square Developer Dashboard → Webhooks → Signature key",
                example="Ibxx5Zr8fYpXr3dEjL6W1A"),
        # Square signs over the URL it posts to, so the exact URL is part of the check.
        Setting("notification_url", "url", "Notification URL", required=True,
                blank_default="webhook_url",
                help="the URL Square posts to (it signs over it); blank = this pipe's own "
                     "webhook URL", example="https://pos.example.com/v1/pipes/pipe_…/webhook"),
        *api_settings("https://connect.squareup.com", required=True),
        *PIPE_SETTINGS,
    )
    signing_secret = "signature_key"
    hosts = ("connect.squareup.com", "connect.squareupsandbox.com")
    # Square's documented completed order (the "pay order" response), and the webhook about it.
    sample = SampleOrder("square_order.json", kind="order", delivery="square_order_updated.json")
    needs_fetch = True

    def verify(self, raw: bytes, headers: Mapping[str, str], secrets: list[str],
               settings: Mapping[str, Any]) -> Verdict:
        given = header(headers, "x-square-hmacsha256-signature")
        if not given:
            return Verdict(False, "missing x-square-hmacsha256-signature header")
        url = str(settings.get("notification_url", "")).encode()
        for key in secrets:
            if rules.same(rules.b64(rules.hmac_digest(key.encode(), url + raw)), given):
                return _fresh(raw) or Verdict(True, "x-square-hmacsha256-signature matches")
        return Verdict(False, "x-square-hmacsha256-signature does not match")

    def events(self, payload: Any, headers: Mapping[str, str]) -> list[Event]:
        data = payload.get("data") or {}
        obj = data.get("object") or {}
        inner: Any = next(iter(obj.values()), {}) if isinstance(obj, dict) and obj else {}
        kind = str(payload.get("type", "")).split(".")[0] or "unknown"
        ref = inner.get("order_id") if isinstance(inner, dict) else None
        if kind == "order":
            ref = ref or data.get("id")
        return [Event(dedupe_key=str(payload["event_id"]), kind=kind, ref=ref,
                      event_time=rules.parse_time(payload.get("created_at")),
                      extra={"type": payload.get("type")})]

    async def fetch(self, client: httpx2.AsyncClient, event: Event,
                    settings: Mapping[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        if event.document is not None:   # the reconciler already has the order
            return event.document, None
        if not event.ref:
            return None, None
        auth = {"Authorization": f"Bearer {settings.get('access_token', '')}",
                "Square-Version": SQUARE_VERSION}
        order = (await get_json(client, f"/v2/orders/{segment(event.ref)}", headers=auth)).get("order")
        customer = None
        customer_id = (order or {}).get("customer_id")
        if customer_id:
            customer = (await get_json(client, f"/v2/customers/{segment(customer_id)}",
                                       headers=auth)).get("customer")
        return order, customer

    async def poll(self, client: httpx2.AsyncClient, settings: Mapping[str, Any],
                   cursor: dict[str, Any]) -> tuple[list[Event], dict[str, Any]]:
        """SearchOrders on the mapped locations, updated since the last run, oldest first."""
        since = cursor.get("updated_at", "1970-01-01T00:00:00Z")
        body: dict[str, Any] = {
            "location_ids": list(settings.get("location_map") or {}), "limit": 500,
            "query": {"filter": {"date_time_filter": {"updated_at": {"start_at": since}}},
                      "sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"}}}
        auth = {"Authorization": f"Bearer {settings.get('access_token', '')}",
                "Square-Version": SQUARE_VERSION}
        events: list[Event] = []
        for _ in range(20):
            page = await post_json(client, "/v2/orders/search", body, headers=auth)
            for order in page.get("orders") or []:
                events.append(Event(dedupe_key=f"poll:{order['id']}:{order.get('version')}",
                                    kind="order", ref=order["id"], version=order.get("version"),
                                    event_time=rules.parse_time(order.get("updated_at")),
                                    document=order))
                since = max(since, order.get("updated_at") or since)
            if not page.get("cursor"):
                break
            body["cursor"] = page["cursor"]
        return events, {"updated_at": since}

    @shape_checked
    def to_canonical(self, document: dict[str, Any], ctx: Context) -> Canonical:
        order = document.get("order", document)
        state = _state(order)
        currency = (order.get("total_money") or {}).get("currency") or ctx.currency
        refunds = [RefundSpec(refund_id=r["id"], amount=int(r["amount_money"]["amount"]))
                   for r in order.get("refunds") or [] if r.get("status") == "COMPLETED"]
        returns = order.get("returns") or []
        if returns and not order.get("line_items"):
            source = returns[0].get("source_order_id")
            amount = int(((order.get("return_amounts") or {}).get("total_money") or {})
                         .get("amount", 0))
            return Canonical(external_id=order["id"], state="refund",
                             version=order.get("version"), location_key=order.get("location_id"),
                             order=None, refunds=[RefundSpec(order["id"], amount, source)])
        inclusive = {t.get("uid") for t in order.get("taxes") or [] if t.get("type") == "INCLUSIVE"}
        body = {
            "external_id": order["id"], "currency": currency, "channel": "offline",
            "occurred_at": order.get("closed_at") or order.get("updated_at") or order["created_at"],
            "lines": [_line(item, inclusive) for item in order.get("line_items") or []],
            "payments": [_payment(t) for t in order.get("tenders") or []],
            "customer": _customer(order, ctx.customer),
            "metadata": {"provider": "square", "source": (order.get("source") or {}).get("name")},
        }
        service = _money(order.get("total_service_charge_money"))
        if service:
            body["lines"].append({"name": "Service charge", "quantity": "1", "unit_price": service,
                                  "tax_inclusive": True})
        tip = _money(order.get("total_tip_money"))
        rules.reconcile_total(body, _money(order.get("total_money")) - tip)
        return Canonical(external_id=order["id"], state=state, version=order.get("version"),
                         location_key=order.get("location_id"), order=body, refunds=refunds,
                         reason=f"order state {order.get('state')}")


def _fresh(raw: bytes) -> Verdict | None:
    """A refusal when the signed body's ``created_at`` is outside the resend window."""
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return None   # no event at all: parsing refuses it (400), as for any malformed body
    stale = rules.stale_reason(body.get("created_at"), freshness_window(RESEND_WINDOW))
    return Verdict(False, stale) if stale else None


def _money(value: dict[str, Any] | None) -> int:
    return int((value or {}).get("amount", 0))


def _state(order: dict[str, Any]) -> str:
    state = order.get("state")
    if state == "COMPLETED":
        return "completed"
    if state == "CANCELED":
        return "cancelled"
    due = order.get("net_amount_due_money")
    if state == "OPEN" and order.get("tenders") and due is not None and _money(due) == 0:
        return "completed"   # a completed payment with nothing due (Square's own advice)
    return "open"


def _line(item: dict[str, Any], inclusive_taxes: set[Any]) -> dict[str, Any]:
    quantity = Decimal(str(item.get("quantity", "1")))
    gross = _money(item.get("gross_sales_money")) or _money(item.get("base_price_money")) * quantity
    unit = Decimal(gross) / quantity if quantity else Decimal(0)
    if unit != unit.to_integral_value():   # fractional units: price per unit incl. modifiers
        unit = Decimal(_money(item.get("base_price_money")) + sum(
            _money(m.get("base_price_money")) for m in item.get("modifiers") or []))
    tax = _money(item.get("total_tax_money"))
    discount = _money(item.get("total_discount_money"))
    net = int(unit * quantity) - discount
    inclusive = any(t.get("tax_uid") in inclusive_taxes for t in item.get("applied_taxes") or [])
    if inclusive:
        net -= tax
    return {"name": item.get("name") or "Item", "sku": item.get("catalog_object_id"),
            "variant": item.get("variation_name"), "quantity": str(quantity),
            "unit_price": int(unit), "discount": discount,
            "tax_rate": str(rules.rate_percent(tax, net)), "tax_inclusive": inclusive}


def _payment(tender: dict[str, Any]) -> dict[str, Any]:
    amount = _money(tender.get("amount_money")) - _money(tender.get("tip_money"))
    return {"method": rules.method(tender.get("type")), "amount": amount,
            "reference": tender.get("payment_id") or tender.get("id")}


def _customer(order: dict[str, Any], fetched: dict[str, Any] | None) -> dict[str, Any] | None:
    customer_id = order.get("customer_id")
    if not customer_id and not fetched:
        return None
    fetched = fetched or {}
    name = " ".join(p for p in (fetched.get("given_name"), fetched.get("family_name")) if p)
    return {"external_id": customer_id, "phone": fetched.get("phone_number"),
            "email": fetched.get("email_address"), "name": name or None}
