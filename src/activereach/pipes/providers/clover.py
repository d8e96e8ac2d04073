"""Clover: doorbell notifications (``O:``/``P:`` object ids per merchant); the order is fetched.

Auth: the static ``X-Clover-Auth`` code compared in constant time; the one-time verification
POST (``{"verificationCode": …}``) is stored and acknowledged.  No event id: dedupe on
``(merchant, objectId, type, ts)``; order versions by ``modifiedTime`` (epoch ms).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import httpx2

from activereach.pipes import rules
from activereach.pipes.providers.base import (
    Canonical, Context, Event, JsonProvider, RefundSpec, Verdict, get_json, header, segment,
    shape_checked)
from activereach.pipes.providers.spec import PIPE_SETTINGS, SampleOrder, Setting, api_settings

EXPAND = "lineItems,lineItems.discounts,discounts,payments,customers,refunds"
PAID = frozenset({"PAID", "PARTIALLY_REFUNDED", "REFUNDED"})


class Clover(JsonProvider):
    name = "clover"
    label = "Clover"
    settings = (
        Setting("auth_code", "text", "Auth code", required=True, secret=True,
                help="the X-Clover-Auth code", example="clover-auth-code"),
        # Notifications carry only ids: every order is fetched.
        *api_settings("https://api.clover.com", required=True),
        *PIPE_SETTINGS,
    )
    signing_secret = "auth_code"
    hosts = ("api.clover.com", "api.eu.clover.com", "api.la.clover.com",
             "apisandbox.dev.clover.com")
    # A paid order as ``GET /v3/merchants/{mId}/orders/{orderId}`` returns it, and the
    # documented notification about it.
    sample = SampleOrder("clover_order_paid.json", kind="order",
                         delivery="clover_webhook_notification.json")
    needs_fetch = True

    def verify(self, raw: bytes, headers: Mapping[str, str], secrets: list[str],
               settings: Mapping[str, Any]) -> Verdict:
        # No freshness check: Clover sends a static auth code and no signed timestamp, so an
        # old body replayed with its code looks like a resend; dedupe on the event id (or
        # version) keeps it from applying twice (issue 18 #9).
        given = header(headers, "x-clover-auth")
        if not given:
            code = _verification_code(raw)
            if code is not None:
                return Verdict(True, "Clover verification POST",
                               reply={"verification_code": code})
            return Verdict(False, "missing X-Clover-Auth header")
        if any(rules.same(secret, given) for secret in secrets):
            return Verdict(True, "X-Clover-Auth matches")
        return Verdict(False, "X-Clover-Auth does not match")

    def events(self, payload: Any, headers: Mapping[str, str]) -> list[Event]:
        events = []
        for merchant, items in (payload.get("merchants") or {}).items():
            for item in items:
                prefix, _, object_id = str(item.get("objectId", "")).partition(":")
                if prefix not in {"O", "P"}:
                    continue
                events.append(Event(
                    dedupe_key=f"{merchant}:{item['objectId']}:{item.get('type')}:{item.get('ts')}",
                    kind="order" if prefix == "O" else "payment",
                    ref=object_id if prefix == "O" else None,
                    event_time=rules.parse_time(item.get("ts")),
                    extra={"merchant": merchant, "object_id": object_id,
                           "type": item.get("type")}))
        return events

    async def fetch(self, client: httpx2.AsyncClient, event: Event,
                    settings: Mapping[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        if event.document is not None:   # the reconciler already has the order
            return event.document, None
        merchant = event.extra["merchant"]
        auth = {"Authorization": f"Bearer {settings.get('access_token', '')}"}
        order_id = event.ref
        if order_id is None:   # a payment: find its order first
            payment = await get_json(client, f"/v3/merchants/{segment(merchant)}/payments/"
                                     f"{segment(event.extra['object_id'])}", headers=auth)
            order_id = (payment.get("order") or {}).get("id")
            if not order_id:
                return None, None
        order = await get_json(client, f"/v3/merchants/{segment(merchant)}/orders/{segment(order_id)}",
                               params={"expand": EXPAND}, headers=auth)
        return {**order, "_merchant": merchant}, None

    async def poll(self, client: httpx2.AsyncClient, settings: Mapping[str, Any],
                   cursor: dict[str, Any]) -> tuple[list[Event], dict[str, Any]]:
        """``GET /v3/merchants/{mId}/orders?filter=modifiedTime>…`` per mapped merchant."""
        auth = {"Authorization": f"Bearer {settings.get('access_token', '')}"}
        events, new_cursor = [], dict(cursor)
        for merchant in (settings.get("location_map") or {}):
            since = int(cursor.get(merchant, 0))
            page = await get_json(client, f"/v3/merchants/{segment(merchant)}/orders", headers=auth,
                                  params={"filter": f"modifiedTime>{since}", "expand": EXPAND})
            for order in page.get("elements") or []:
                modified = int(order.get("modifiedTime", 0))
                new_cursor[merchant] = max(int(new_cursor.get(merchant, 0)), modified)
                events.append(Event(dedupe_key=f"poll:{merchant}:{order['id']}:{modified}",
                                    kind="order", ref=order["id"], version=modified,
                                    event_time=rules.parse_time(modified),
                                    document={**order, "_merchant": merchant}))
        return events, new_cursor

    @shape_checked
    def to_canonical(self, document: dict[str, Any], ctx: Context) -> Canonical:
        cur = document.get("currency") or ctx.currency
        created = rules.parse_time(document.get("clientCreatedTime") or document.get("createdTime"))
        if created is None:
            raise ValueError("the order has no clientCreatedTime or createdTime")
        body = {
            "external_id": document["id"], "currency": cur, "channel": "offline",
            "occurred_at": created.isoformat(),
            "lines": [_line(li) for li in _elements(document.get("lineItems"))],
            "payments": [{"method": rules.method((p.get("tender") or {}).get("label")),
                          "amount": int(p.get("amount", 0)), "reference": p.get("id")}
                         for p in _elements(document.get("payments"))
                         if p.get("result", "SUCCESS") == "SUCCESS"],
            "order_discount": sum(abs(int(d.get("amount", 0)))
                                  for d in _elements(document.get("discounts"))),
            "customer": _customer(next(iter(_elements(document.get("customers"))), None)),
            "metadata": {"provider": "clover"},
        }
        rules.reconcile_total(body, int(document.get("total", 0)))
        refunds = [RefundSpec(r["id"], int(r.get("amount", 0)))
                   for r in _elements(document.get("refunds"))]
        state = document.get("paymentState")
        return Canonical(
            external_id=document["id"],
            state="completed" if state in PAID else "cancelled" if document.get("deleted") else "open",
            version=int(document["modifiedTime"]) if document.get("modifiedTime") else None,
            location_key=document.get("_merchant") or (document.get("merchant") or {}).get("id"),
            order=body, refunds=refunds,
            reason=f"paymentState {state}")


def _verification_code(raw: bytes) -> str | None:
    import json

    try:
        body = json.loads(raw)
    except ValueError:
        return None
    if isinstance(body, dict) and set(body) == {"verificationCode"}:
        return str(body["verificationCode"])[:200]
    return None


def _elements(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return list(value.get("elements") or [])
    return list(value or [])


def _line(item: dict[str, Any]) -> dict[str, Any]:
    quantity = Decimal(int(item["unitQty"])) / 1000 if item.get("unitQty") else Decimal(1)
    rate = sum(Decimal(int(t.get("rate", 0))) / Decimal(100000)
               for t in _elements(item.get("taxRates")))
    discount = sum(abs(int(d.get("amount", 0))) for d in _elements(item.get("discounts")))
    return {"name": item.get("name") or "Item", "sku": (item.get("item") or {}).get("id"),
            "quantity": str(quantity), "unit_price": int(item.get("price", 0)),
            "discount": discount, "tax_rate": str(rate), "tax_inclusive": False}


def _customer(customer: dict[str, Any] | None) -> dict[str, Any] | None:
    if not customer:
        return None
    emails = _elements(customer.get("emailAddresses"))
    phones = _elements(customer.get("phoneNumbers"))
    name = " ".join(p for p in (customer.get("firstName"), customer.get("lastName")) if p)
    return {"external_id": customer.get("id"),
            "email": emails[0].get("emailAddress") if emails else None,
            "phone": phones[0].get("phoneNumber") if phones else None, "name": name or None}
