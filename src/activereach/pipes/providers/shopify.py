"""Shopify (POS orders): the full REST Order in ``orders/*`` topics, Refunds in ``refunds/create``.

Signature: base64 HMAC-SHA256 of the raw body keyed by the app's client secret, in
``X-Shopify-Hmac-Sha256``.  Dedupe on ``X-Shopify-Event-Id``; order versions by ``updated_at``.
Completed: ``financial_status`` paid (or later refunded states) and not cancelled.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import httpx2

from activereach.pipes import rules
from activereach.pipes.providers.base import (
    Canonical, Context, Event, JsonProvider, RefundSpec, Verdict, get_json, header, shape_checked)
from activereach.pipes.providers.spec import PIPE_SETTINGS, SampleOrder, Setting, api_settings

PAID = frozenset({"paid", "partially_refunded", "refunded"})
API_VERSION = "2025-10"


class Shopify(JsonProvider):
    name = "shopify"
    label = "Shopify"
    settings = (
        Setting("client_secret", "text", "Client secret", required=True, secret=True,
                help="the app's client secret (signs the webhooks)",
                example="shpss_0123456789abcdef"),
        *api_settings("https://yourshop.myshopify.com"),
        *PIPE_SETTINGS,
    )
    signing_secret = "client_secret"
    hosts = ("*.myshopify.com",)
    sample = SampleOrder("shopify_order_paid_pos.json")

    def parse(self, raw: bytes) -> Any:
        # Ids above 2^53 stay ints (Python ints are exact); decimals stay Decimal.
        return json.loads(raw, parse_float=Decimal)

    def verify(self, raw: bytes, headers: Mapping[str, str], secrets: list[str],
               settings: Mapping[str, Any]) -> Verdict:
        # No freshness check: Shopify signs no timestamp, so an old body replayed
        # with its signature looks like a resend; dedupe on the event id (or version)
        # keeps it from applying twice (issue 18 #9).
        given = header(headers, "x-shopify-hmac-sha256")
        if not given:
            return Verdict(False, "missing X-Shopify-Hmac-Sha256 header")
        for key in secrets:
            if rules.same(rules.b64(rules.hmac_digest(key.encode(), raw)), given):
                return Verdict(True, "X-Shopify-Hmac-Sha256 matches")
        return Verdict(False, "X-Shopify-Hmac-Sha256 does not match")

    def events(self, payload: Any, headers: Mapping[str, str]) -> list[Event]:
        topic = header(headers, "x-shopify-topic") or "orders/updated"
        event_id = header(headers, "x-shopify-event-id") or header(headers, "x-shopify-webhook-id")
        triggered = rules.parse_time(header(headers, "x-shopify-triggered-at"))
        if topic.startswith("refunds/"):
            return [Event(dedupe_key=event_id or f"refund:{payload['id']}", kind="refund",
                          ref=str(payload["order_id"]), event_time=triggered
                          or rules.parse_time(payload.get("created_at")),
                          document={**payload, "_kind": "refund"})]
        version = rules.epoch_ms(payload.get("updated_at"))
        return [Event(dedupe_key=event_id or f"{payload['id']}:{version}", kind="order",
                      ref=str(payload["id"]), version=version,
                      event_time=triggered or rules.parse_time(payload.get("updated_at")),
                      document=payload)]

    async def poll(self, client: httpx2.AsyncClient, settings: Mapping[str, Any],
                   cursor: dict[str, Any]) -> tuple[list[Event], dict[str, Any]]:
        """``GET /admin/api/{v}/orders.json?status=any&updated_at_min=…``."""
        since = cursor.get("updated_at", "1970-01-01T00:00:00Z")
        page = await get_json(client, f"/admin/api/{API_VERSION}/orders.json", params={
            "status": "any", "updated_at_min": since, "order": "updated_at asc", "limit": 250},
            headers={"X-Shopify-Access-Token": str(settings.get("access_token", ""))})
        orders = [json.loads(json.dumps(o), parse_float=Decimal) for o in page.get("orders") or []]
        events = [Event(dedupe_key=f"poll:{o['id']}:{rules.epoch_ms(o.get('updated_at'))}",
                        kind="order", ref=str(o["id"]), version=rules.epoch_ms(o.get("updated_at")),
                        event_time=rules.parse_time(o.get("updated_at")), document=o)
                  for o in orders]
        if orders:
            since = max(orders, key=lambda o: rules.epoch_ms(o.get("updated_at")) or 0)["updated_at"]
        return events, {"updated_at": since}

    @shape_checked
    def to_canonical(self, document: dict[str, Any], ctx: Context) -> Canonical:
        if document.get("_kind") == "refund":
            return _refund(document, ctx)
        cur = document.get("currency") or ctx.currency
        included = bool(document.get("taxes_included"))
        shipping = ((document.get("total_shipping_price_set") or {}).get("shop_money") or {})
        gateways = document.get("payment_gateway_names") or ["other"]
        body = {
            "external_id": str(document["id"]), "currency": cur, "channel": "offline",
            "occurred_at": document.get("processed_at") or document.get("created_at"),
            "lines": [_line(li, cur, included) for li in document.get("line_items") or []],
            "payments": [{"method": rules.method(gateways[0]),
                          "amount": rules.to_minor(document.get("total_price", 0), cur),
                          "reference": document.get("name")}],
            "shipping": rules.to_minor(shipping.get("amount", 0), cur),
            "coupon": next((c.get("code") for c in document.get("discount_codes") or []), None),
            "customer": _customer(document),
            "metadata": {"provider": "shopify", "name": document.get("name"),
                         "source_name": document.get("source_name")},
        }
        rules.reconcile_total(body, rules.to_minor(document.get("total_price", 0), cur))
        refunds = [spec for r in document.get("refunds") or [] if (spec := _refund_spec(r, cur))]
        paid = document.get("financial_status") in PAID and not document.get("cancelled_at")
        state = "completed" if paid else "cancelled" if document.get("cancelled_at") else "open"
        return Canonical(external_id=str(document["id"]), state=state,
                         version=rules.epoch_ms(document.get("updated_at")),
                         location_key=_str(document.get("location_id")), order=body,
                         refunds=refunds,
                         reason=f"financial_status {document.get('financial_status')}, "
                                f"cancelled_at {document.get('cancelled_at')}")


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _refund_spec(refund: dict[str, Any], cur: str) -> RefundSpec | None:
    amount = sum(rules.to_minor(t.get("amount", 0), cur) for t in refund.get("transactions") or []
                 if t.get("kind") == "refund" and t.get("status", "success") == "success")
    return RefundSpec(str(refund["id"]), amount) if amount > 0 else None


def _refund(document: dict[str, Any], ctx: Context) -> Canonical:
    spec = _refund_spec(document, ctx.currency)
    spec_list = [RefundSpec(spec.refund_id, spec.amount, str(document["order_id"]))] if spec else []
    return Canonical(external_id=f"refund:{document['id']}", state="refund", version=None,
                     location_key=_str(document.get("location_id")), order=None,
                     refunds=spec_list, reason="refund has no successful refund transaction")


def _line(item: dict[str, Any], cur: str, included: bool) -> dict[str, Any]:
    price = rules.to_minor(item.get("price", 0), cur)
    quantity = Decimal(str(item.get("quantity", 1)))
    allocations = item.get("discount_allocations") or []
    discount = sum(rules.to_minor(a.get("amount", 0), cur) for a in allocations) if allocations \
        else rules.to_minor(item.get("total_discount", 0), cur)
    rate = sum((Decimal(str(t.get("rate", 0))) for t in item.get("tax_lines") or []),
               Decimal(0)) * 100
    return {"name": item.get("name") or item.get("title") or "Item", "sku": item.get("sku") or None,
            "product_id": _str(item.get("product_id")), "variant": item.get("variant_title"),
            "quantity": str(quantity), "unit_price": price, "discount": discount,
            "tax_rate": str(rate.quantize(Decimal("0.001"))), "tax_inclusive": included}


def _customer(order: dict[str, Any]) -> dict[str, Any] | None:
    customer = order.get("customer") or {}
    email = customer.get("email") or order.get("email") or order.get("contact_email")
    phone = customer.get("phone") or order.get("phone")
    if not (email or phone):
        return None
    name = " ".join(p for p in (customer.get("first_name"), customer.get("last_name")) if p)
    return {"external_id": _str(customer.get("id")), "email": email, "phone": phone,
            "name": name or None}
