"""Toast: the full order in every ``order_updated`` (guest PII stripped); completed is computed.

Signature: base64 HMAC-SHA256 of raw body + the body's top-level ``timestamp`` string, keyed by
the subscription's signing secret, in ``Toast-Signature``.  Dedupe on the event ``guid``; order
versions by ``modifiedDate``.  With ``api_base_url`` + ``access_token`` the order is re-fetched
(``GET /orders/v2/orders/{guid}``) to get the guest's phone and email back.
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
    header, segment, shape_checked)
from activereach.pipes.providers.spec import PIPE_SETTINGS, SampleOrder, Setting, api_settings

# Toast resends a delivery that failed: its signed timestamp may be this many seconds old.
RESEND_WINDOW = 900


class Toast(JsonProvider):
    name = "toast"
    label = "Toast"
    settings = (
        Setting("signing_secret", "text", "Signing secret", required=True, secret=True,
                help="Toast webhook subscription secret", example="toast-signing-secret"),
        # Optional: only to fetch the order again for the guest's phone and email.
        *api_settings("https://ws-api.toasttab.com"),
        *PIPE_SETTINGS,
    )
    signing_secret = "signing_secret"
    hosts = ("ws-api.toasttab.com", "ws-sandbox-api.eng.toasttab.com")
    sample = SampleOrder("toast_order_updated_closed.json", sent_at="timestamp")

    def parse(self, raw: bytes) -> Any:
        # Toast sends floats in major units: keep them exact.
        return json.loads(raw, parse_float=Decimal)

    def verify(self, raw: bytes, headers: Mapping[str, str], secrets: list[str],
               settings: Mapping[str, Any]) -> Verdict:
        given = header(headers, "toast-signature")
        if not given:
            return Verdict(False, "missing Toast-Signature header")
        try:
            stamp = str(json.loads(raw).get("timestamp", ""))
        except (ValueError, AttributeError):
            return Verdict(False, "body is not a JSON object; cannot read its timestamp")
        for key in secrets:
            if rules.same(rules.b64(rules.hmac_digest(key.encode(), raw + stamp.encode())), given):
                stale = rules.stale_reason(stamp, freshness_window(RESEND_WINDOW))
                return Verdict(False, stale) if stale else Verdict(True, "Toast-Signature matches")
        return Verdict(False, "Toast-Signature does not match")

    def events(self, payload: Any, headers: Mapping[str, str]) -> list[Event]:
        order = (payload.get("details") or {}).get("order") or {}
        restaurant = (payload.get("details") or {}).get("restaurantGuid") or header(
            headers, "toast-restaurant-external-id")
        return [Event(dedupe_key=str(payload["guid"]), kind=str(payload.get("eventType", "order")),
                      ref=order.get("guid"), version=rules.epoch_ms(order.get("modifiedDate")),
                      event_time=rules.parse_time(payload.get("timestamp")),
                      document={**order, "_restaurantGuid": restaurant})]

    async def fetch(self, client: httpx2.AsyncClient, event: Event,
                    settings: Mapping[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        document = event.document or {}
        if not (settings.get("api_base_url") and settings.get("access_token") and event.ref):
            return document, None
        fetched = await get_json(client, f"/orders/v2/orders/{segment(event.ref)}", headers={
            "Authorization": f"Bearer {settings['access_token']}",
            "Toast-Restaurant-External-ID": str(document.get("_restaurantGuid") or "")})
        return {**json.loads(json.dumps(fetched), parse_float=Decimal),
                "_restaurantGuid": document.get("_restaurantGuid")}, None

    @shape_checked
    def to_canonical(self, document: dict[str, Any], ctx: Context) -> Canonical:
        cur = ctx.currency
        checks = [c for c in document.get("checks") or []
                  if not c.get("deleted") and not c.get("voided")]
        lines, payments, refunds, discount = [], [], [], 0
        for check in checks:
            lines += [_line(s, cur) for s in check.get("selections") or [] if not s.get("voided")]
            discount += sum(rules.to_minor(d.get("discountAmount", 0), cur)
                            for d in check.get("appliedDiscounts") or [])
            for pay in check.get("payments") or []:
                if pay.get("paymentStatus") in {"VOIDED", "DENIED", "CANCELLED", "ERROR"}:
                    continue
                payments.append({"method": rules.method(pay.get("type")),
                                 "amount": rules.to_minor(pay.get("amount", 0), cur),
                                 "reference": pay.get("guid")})
                refund = pay.get("refund") or {}
                if refund.get("refundAmount"):
                    refunds.append(RefundSpec(f"{pay['guid']}:refund",
                                              rules.to_minor(refund["refundAmount"], cur)))
        customer = next((c.get("customer") for c in checks if c.get("customer")), None)
        body = {
            "external_id": document["guid"], "currency": cur, "channel": "offline",
            "occurred_at": document.get("closedDate") or document.get("paidDate")
            or document.get("modifiedDate") or document.get("createdDate"),
            "lines": lines, "payments": payments, "order_discount": discount,
            "customer": _customer(customer),
            "metadata": {"provider": "toast", "source": document.get("source")},
        }
        total = sum(rules.to_minor(c.get("totalAmount", 0), cur) for c in checks)
        rules.reconcile_total(body, total)
        return Canonical(external_id=document["guid"], state=_state(document, checks),
                         version=rules.epoch_ms(document.get("modifiedDate")),
                         location_key=document.get("_restaurantGuid"), order=body,
                         refunds=refunds, reason="not every check is PAID or CLOSED")


def _state(order: dict[str, Any], checks: list[dict[str, Any]]) -> str:
    if order.get("voided") or order.get("deleted"):
        return "cancelled"
    if checks and all(c.get("paymentStatus") in rules.CLOSED_CHECK_STATES for c in checks):
        return "completed"
    return "open"


def _line(sel: dict[str, Any], cur: str) -> dict[str, Any]:
    quantity = Decimal(str(sel.get("quantity") or 1))
    gross = rules.to_minor(sel.get("preDiscountPrice", sel.get("price", 0)), cur)
    net = rules.to_minor(sel.get("price", 0), cur)
    unit = (Decimal(gross) / quantity).quantize(Decimal(1)) if quantity else Decimal(0)
    inclusive = sel.get("taxInclusion") == "INCLUDED"
    tax = sel.get("tax") or 0
    base = Decimal(str(sel.get("price") or 0)) - (Decimal(str(tax)) if inclusive else 0)
    return {"name": sel.get("displayName") or "Item",
            "sku": (sel.get("item") or {}).get("guid"), "quantity": str(quantity),
            "unit_price": int(unit), "discount": max(0, int(unit * quantity) - net),
            "tax_rate": str(rules.rate_percent(tax, base)), "tax_inclusive": inclusive}


def _customer(customer: dict[str, Any] | None) -> dict[str, Any] | None:
    if not customer:
        return None
    name = " ".join(p for p in (customer.get("firstName"), customer.get("lastName")) if p)
    return {"external_id": customer.get("guid"), "email": customer.get("email"),
            "phone": customer.get("phone"), "name": name or None}
