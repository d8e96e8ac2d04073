"""Building the immutable bill snapshot: everything the page shows, computed once at issue time."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from activereach.bills import qr, rules
from activereach.kit.money import currency_exponent
from activereach.orders.models import Order, OrderLine, OrderPayment
from activereach.tenancy.models import Location, Workspace

SNAPSHOT_VERSION = 1


def seller(config: dict[str, Any], location: Location | None,
           workspace: Workspace) -> dict[str, Any]:
    """Supplier particulars (Rule 46(a)): the outlet's, else the brand-tier fallbacks."""
    if location is not None:
        return {"name": location.name, "code": location.code, "address": location.address,
                "phone": location.phone, "gstin": location.gstin or config.get("gstin"),
                "state_code": location.state_code or config.get("state_code")}
    return {"name": config.get("legal_name") or workspace.name, "code": None,
            "address": config.get("address") or "", "phone": config.get("phone") or "",
            "gstin": config.get("gstin"), "state_code": config.get("state_code")}


def place_of_supply(order: Order, seller_state: str | None) -> str | None:
    """IGST s.10: where delivery ends (``metadata.place_of_supply``), else the store's state."""
    meta = (order.extra or {}).get("metadata") or {}
    value = meta.get("place_of_supply") if isinstance(meta, dict) else None
    if rules.is_state_code(value):
        return str(value).strip()
    return seller_state


def local_time(moment: dt.datetime, tz_name: str | None) -> dt.datetime:
    try:
        return moment.astimezone(ZoneInfo(tz_name or "UTC"))
    except (KeyError, ValueError):
        return moment.astimezone(dt.UTC)


def _line(line: OrderLine) -> dict[str, Any]:
    return {"no": line.line_no, "name": line.name, "variant": line.variant, "sku": line.sku,
            "qty": str(line.quantity.normalize()), "unit_price": line.unit_price,
            "discount": line.discount, "hsn": line.hsn, "rate": str(line.tax_rate.normalize()),
            "inclusive": line.tax_inclusive, "taxable": line.taxable, "tax": line.tax,
            "total": line.total, "note": line.note}


def _totals(order: Order, lines: list[OrderLine], summary: list[rules.RateSummary],
            exponent: int, apply_round_off: bool) -> dict[str, Any]:
    line_discount = sum(line.discount for line in lines)
    line_tax = sum(line.tax for line in lines)
    adjust = rules.round_off(order.total, exponent) if apply_round_off else 0
    return {
        "taxable": sum(line.taxable for line in lines), "line_discount": line_discount,
        "order_discount": order.discount_total - line_discount, "shipping": order.shipping,
        "order_tax": order.tax_total - line_tax, "tax": order.tax_total,
        "cgst": sum(s.cgst for s in summary), "sgst": sum(s.sgst for s in summary),
        "igst": sum(s.igst for s in summary), "total": order.total, "round_off": adjust,
        "payable": order.total + adjust, "paid": order.paid_total, "change": order.change_due,
    }


def build_snapshot(*, workspace: Workspace, location: Location | None, config: dict[str, Any],
                   order: Order, lines: list[OrderLine], payments: list[OrderPayment],
                   loyalty: dict[str, Any] | None, code: str, url: str, invoice: str,
                   fy: str, reward: str | None = None) -> dict[str, Any]:
    """``reward``: the name of the reward the order redeemed, shown instead of the hold."""
    who = seller(config, location, workspace)
    pos = place_of_supply(order, who["state_code"])
    inter = rules.is_inter_state(who["state_code"], pos)
    summary = rules.gst_summary(
        [rules.TaxLine(rate=line.tax_rate, taxable=line.taxable, tax=line.tax, hsn=line.hsn)
         for line in lines if line.tax or line.tax_rate], inter)
    exponent = currency_exponent(order.currency)
    # s.170 rounding is Indian law; other currencies show the exact total.
    india = order.currency == "INR" or workspace.country == "IN"
    issued = local_time(order.occurred_at, (location.timezone if location else None)
                        or workspace.timezone)
    return {
        "v": SNAPSHOT_VERSION, "code": code, "url": url, "invoice_number": invoice,
        "fiscal_year": fy, "order_id": order.id, "external_id": order.external_id,
        "source": order.source, "channel": order.channel, "terminal_id": order.terminal_id,
        "issued_at": order.occurred_at.isoformat(),
        "issued_local": issued.strftime("%d %b %Y, %H:%M"),
        "locale": workspace.locale or "en_IN", "currency": order.currency, "exponent": exponent,
        "brand": {"name": config.get("brand_name") or workspace.name,
                  "logo_url": config.get("logo_url")},
        "seller": who, "place_of_supply": pos, "inter_state": inter,
        "customer": rules.masked_customer(order.customer or {}, workspace.country),
        "has_contact": order.contact_id is not None,
        "lines": [_line(line) for line in lines],
        "gst": [{"rate": str(s.rate.normalize()), "half_rate": str(s.half_rate),
                 "taxable": s.taxable, "cgst": s.cgst, "sgst": s.sgst, "igst": s.igst}
                for s in summary],
        "totals": _totals(order, lines, summary, exponent, india),
        "payments": [_payment(p, reward) for p in payments],
        "loyalty": _loyalty(loyalty, reward),
        "reward": _reward(loyalty),
        "qr": qr.encode(url),
    }


# Tenders paid from the points ledger: their reference is our hold id or a redemption code.
POINTS_METHODS = frozenset({"points", "loyalty", "loyalty_points"})


def _payment(payment: OrderPayment, reward: str | None) -> dict[str, Any]:
    """A tender as the bill shows it. A points tender's reference is the hold the till
    redeemed (``lh_…``) or its code: not for people; the reward's name is."""
    if payment.method in POINTS_METHODS:
        return {"method": payment.method, "reference": None, "amount": payment.amount,
                "label": reward}
    return {"method": payment.method, "reference": payment.reference, "amount": payment.amount}


def _loyalty(loyalty: dict[str, Any] | None, reward: str | None = None) -> dict[str, Any] | None:
    """Points earned and balance, from the loyalty participant's part of the reply."""
    if not isinstance(loyalty, dict):
        return None
    def points(key: str) -> int | None:
        value = loyalty.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    earned, balance = points("earned"), points("balance")
    if earned is None and balance is None:
        return None
    name = loyalty.get("points_name")
    tier = loyalty.get("tier")
    return {"earned": earned, "balance": balance, "redeemed": points("redeemed"),
            "pending": points("pending"),
            "points_name": name if isinstance(name, str) and name else "points",
            "tier": tier if isinstance(tier, str) else None, "reward": reward}


def _reward(loyalty: dict[str, Any] | None) -> dict[str, Any] | None:
    """The reward the order redeemed, by name, and what its lines took off for it (already in
    the lines' discounts: the bill names it so the shopper sees what the points bought)."""
    reward = loyalty.get("reward") if isinstance(loyalty, dict) else None
    if not isinstance(reward, dict) or not isinstance(reward.get("name"), str):
        return None
    discount = reward.get("discount")
    return {"name": reward["name"], "kind": reward.get("kind"),
            "discount": discount if isinstance(discount, int) else 0}
