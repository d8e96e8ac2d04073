"""Lightspeed Retail X-Series: form-encoded ``sale.update`` with the sale JSON in ``payload``.

Signature: ``X-Signature: signature=…,algorithm=HMAC-SHA256`` over the raw form body, keyed by
the app's client secret; the docs do not say hex or base64, so both are accepted (constant time).
No event id: dedupe and order on ``(sale.id, sale.version)``.  Returns are new sales with
``return_for`` (or negative quantities) and become refunds of the original sale.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import httpx2

from activereach.kit.middleware import json_depth_exceeds
from activereach.pipes import rules
from activereach.pipes.providers.base import (
    Canonical, Context, Event, JsonProvider, RefundSpec, Verdict, get_json, header, shape_checked)
from activereach.pipes.providers.spec import PIPE_SETTINGS, SampleOrder, Setting, api_settings

MAX_PAYLOAD_DEPTH = 64  # a sale nests ~4 levels; the JSON body guard's default is 32
CLOSED = frozenset({"CLOSED", "ONACCOUNT_CLOSED", "LAYBY_CLOSED", "DISPATCHED_CLOSED",
                    "PICKED_UP_CLOSED", "SERVICE_CLOSED"})


class LightspeedX(JsonProvider):
    name = "lightspeed_x"
    label = "Lightspeed X-Series"
    settings = (
        Setting("client_secret", "text", "Client secret", required=True, secret=True,
                help="the app's client secret (signs the webhooks)", example="ls-client-secret"),
        *api_settings("https://yourstore.retail.lightspeed.app"),
        *PIPE_SETTINGS,
    )
    signing_secret = "client_secret"
    hosts = ("*.retail.lightspeed.app", "*.vendhq.com")
    sample = SampleOrder("lightspeed_x_sale_update.form-urlencoded.txt")
    content_type = "application/x-www-form-urlencoded"

    def parse(self, raw: bytes) -> Any:
        form = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        if "payload" not in form:
            raise ValueError("form field 'payload' is missing")
        # A form body skips the body guard's JSON depth check, and a deep enough payload would
        # raise RecursionError in json.loads (a 500; found by tests/fuzz): check it here.
        if json_depth_exceeds(form["payload"][0].encode(), MAX_PAYLOAD_DEPTH):
            raise ValueError(f"form field 'payload' nests deeper than {MAX_PAYLOAD_DEPTH} levels")
        return {"payload": json.loads(form["payload"][0], parse_float=Decimal),
                **{k: v[0] for k, v in form.items() if k != "payload"}}

    def verify(self, raw: bytes, headers: Mapping[str, str], secrets: list[str],
               settings: Mapping[str, Any]) -> Verdict:
        # No freshness check: Lightspeed signs no timestamp, so an old body replayed
        # with its signature looks like a resend; dedupe on the event id (or version)
        # keeps it from applying twice (issue 18 #9).
        value = header(headers, "x-signature")
        if not value:
            return Verdict(False, "missing X-Signature header")
        parts = rules.parse_kv_header(value)
        if parts.get("algorithm", "").upper() != "HMAC-SHA256":
            return Verdict(False, "X-Signature algorithm is not HMAC-SHA256")
        given = parts.get("signature", "")
        for key in secrets:
            digest = rules.hmac_digest(key.encode(), raw)
            if rules.same(digest.hex(), given) or rules.same(rules.b64(digest), given):
                return Verdict(True, "X-Signature matches")
        return Verdict(False, "X-Signature does not match")

    def events(self, payload: Any, headers: Mapping[str, str]) -> list[Event]:
        sale = payload["payload"]
        return [_event(sale)]

    async def poll(self, client: httpx2.AsyncClient, settings: Mapping[str, Any],
                   cursor: dict[str, Any]) -> tuple[list[Event], dict[str, Any]]:
        """The version-ordered sales feed: ``GET /api/2.0/sales?after=<version>``."""
        after = int(cursor.get("version", 0))
        auth = {"Authorization": f"Bearer {settings.get('access_token', '')}"}
        events: list[Event] = []
        for _ in range(50):
            page = await get_json(client, "/api/2.0/sales", params={"after": after}, headers=auth)
            sales = page.get("data") or []
            if not sales:
                break
            events += [_event(json.loads(json.dumps(s), parse_float=Decimal)) for s in sales]
            after = max(int(s.get("version", 0)) for s in sales)
        return events, {"version": after}

    @shape_checked
    def to_canonical(self, document: dict[str, Any], ctx: Context) -> Canonical:
        cur = ctx.currency
        status = str(document.get("status", "")).upper()
        version = int(document["version"]) if document.get("version") is not None else None
        products = document.get("register_sale_products") or []
        total = _total(document, cur)
        if document.get("return_for") or (products and all(
                Decimal(str(p.get("quantity", 0))) < 0 for p in products)):
            return Canonical(external_id=document["id"], state="refund", version=version,
                             location_key=_location(document), order=None,
                             refunds=[RefundSpec(document["id"], abs(total),
                                                 document.get("return_for"))])
        body = {
            "external_id": document["id"], "currency": cur, "channel": "offline",
            "occurred_at": document.get("sale_date") or document.get("updated_at"),
            "lines": [_line(p, cur) for p in products],
            "payments": [{"method": rules.method((p.get("payment_type") or {}).get("name")),
                          "amount": rules.to_minor(p.get("amount", 0), cur),
                          "reference": p.get("id")}
                         for p in document.get("register_sale_payments") or []],
            "customer": _customer(document.get("customer")),
            "metadata": {"provider": "lightspeed_x", "invoice_number": document.get("invoice_number")},
        }
        rules.reconcile_total(body, total)
        state = ("completed" if status in CLOSED else "cancelled" if status == "VOIDED" else "open")
        return Canonical(external_id=document["id"], state=state, version=version,
                         location_key=_location(document), order=body,
                         reason=f"sale status {status}")


def _event(sale: dict[str, Any]) -> Event:
    return Event(dedupe_key=f"{sale['id']}:{sale.get('version')}", kind="sale", ref=sale["id"],
                 version=int(sale["version"]) if sale.get("version") is not None else None,
                 event_time=rules.parse_time(sale.get("updated_at")), document=sale)


def _location(sale: dict[str, Any]) -> str | None:
    return sale.get("outlet_id") or sale.get("register_id")


def _total(sale: dict[str, Any], cur: str) -> int:
    totals = sale.get("totals") or {}
    return rules.to_minor(Decimal(str(totals.get("total_price", 0)))
                          + Decimal(str(totals.get("total_tax", 0))), cur)


def _line(product: dict[str, Any], cur: str) -> dict[str, Any]:
    # Unit price is tax-exclusive with 5 dp; the shelf price is price + tax (e.g. 56.52174 +
    # 8.47826 = 65.00), so book the line tax-inclusive at the shelf price.
    price, tax = Decimal(str(product.get("price", 0))), Decimal(str(product.get("tax", 0)))
    quantity = abs(Decimal(str(product.get("quantity", 1))))
    return {"name": product.get("name") or f"Product {product.get('product_id', '')}"[:300],
            "product_id": product.get("product_id"), "quantity": str(quantity),
            "unit_price": rules.to_minor(price + tax, cur),
            "discount": rules.to_minor(Decimal(str(product.get("discount", 0))) * quantity, cur),
            "tax_rate": str(rules.rate_percent(tax, price)), "tax_inclusive": True}


def _customer(customer: dict[str, Any] | None) -> dict[str, Any] | None:
    if not customer or customer.get("customer_code") == "WALKIN":
        return None
    name = " ".join(p for p in (customer.get("first_name"), customer.get("last_name")) if p)
    if not (customer.get("email") or customer.get("mobile") or customer.get("phone")):
        return None
    return {"external_id": customer.get("id"), "email": customer.get("email"),
            "phone": customer.get("mobile") or customer.get("phone"), "name": name or None}
