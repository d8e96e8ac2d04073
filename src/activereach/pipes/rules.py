"""Pure helpers for pipes: signatures, provider times and money, totals reconciliation, health maths.

No I/O: every function here is tested without a database or a network.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import math
import re
import time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from activereach.kit.money import currency_exponent, to_decimal
from activereach.orders import rules as order_rules

CLOSED_CHECK_STATES = frozenset({"PAID", "CLOSED"})
METHODS = {"cash": "cash", "card": "card", "credit": "card", "credit card": "card",
           "debit": "card", "eftpos": "card", "visa": "card", "mastercard": "card",
           "upi": "upi", "giftcard": "gift_card", "gift_card": "gift_card", "wallet": "wallet"}


def hmac_digest(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def same(expected: str, given: str | None) -> bool:
    """Constant-time comparison of two signature strings."""
    if not given:
        return False
    return hmac.compare_digest(expected.encode(), given.strip().encode())


def parse_kv_header(value: str) -> dict[str, str]:
    """``signature=abc,algorithm=HMAC-SHA256`` → dict (Lightspeed X-Signature)."""
    out: dict[str, str] = {}
    for part in value.split(","):
        key, sep, val = part.strip().partition("=")
        if sep:
            out[key.strip().lower()] = val.strip()
    return out


_NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?$")


def parse_time(value: Any) -> dt.datetime | None:
    """Provider timestamps: RFC 3339 (``Z``), ``+0000`` offsets, zone-less UTC, epoch ms."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value / 1000, dt.UTC)
    text = str(value).strip()
    if text.isdigit():
        return dt.datetime.fromtimestamp(int(text) / 1000, dt.UTC)
    if _NAIVE.match(text):
        return dt.datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=dt.UTC)
    text = text.replace("Z", "+00:00")
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def stale_reason(signed: Any, window: float, now: dt.datetime | None = None) -> str | None:
    """Why a delivery whose signature covers the time ``signed`` is refused (issue 18 #9): a
    correct signature on an old body is a replay.  None when it is within ``window`` seconds
    of ``now`` either way (a clock ahead is as suspect as one behind)."""
    when = parse_time(signed)
    if when is None:
        return f"stale: the signed timestamp {str(signed)[:40]!r} is missing or unreadable"
    now = now or dt.datetime.fromtimestamp(time.time(), dt.UTC)   # time.time: tests freeze it
    if abs((now - when).total_seconds()) > window:
        return f"stale: signed {when.isoformat()} is outside the {int(window)} s window"
    return None


def epoch_ms(value: Any) -> int | None:
    parsed = parse_time(value)
    return int(parsed.timestamp() * 1000) if parsed else None


def to_minor(value: Any, currency: str, field: str = "amount") -> int:
    """Provider major-unit decimals (strings or JSON numbers) → minor units, half-up."""
    amount = to_decimal(value, field) * (Decimal(10) ** currency_exponent(currency))
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def rate_percent(tax: Any, base: Any) -> Decimal:
    """A tax rate in percent from a tax amount and its base (3 decimal places)."""
    tax_d, base_d = to_decimal(tax), to_decimal(base)
    if base_d == 0 or tax_d == 0:
        return Decimal(0)
    return (tax_d * 100 / base_d).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def method(raw: Any) -> str:
    """A payment method name in our vocabulary (cash, card, upi, …); unknown names kept."""
    text = str(raw or "other").strip().lower()
    return METHODS.get(text, re.sub(r"[^a-z0-9_]+", "_", text)[:32] or "other")


def computed_total(lines: list[dict[str, Any]], *, order_discount: int, order_tax: int,
                   shipping: int) -> int:
    """What ``ingest_order`` will compute for these canonical lines (same rules)."""
    amounts = [order_rules.line_amounts(order_rules.LineInput(
        quantity=to_decimal(line["quantity"]), unit_price=int(line["unit_price"]),
        discount=int(line.get("discount", 0)), tax_rate=to_decimal(line.get("tax_rate", 0)),
        tax_inclusive=bool(line.get("tax_inclusive", True)))) for line in lines]
    return order_rules.order_totals(amounts, line_discounts=0, order_discount=order_discount,
                                    order_tax=order_tax, shipping=shipping).total


def reconcile_total(order: dict[str, Any], provider_total: int | None) -> None:
    """Make our computed total equal the provider's by an order-level tax or discount.

    Providers round tax per order, per line or per unit; ours rounds per line.  The difference
    (usually a cent) is booked as ``order_tax`` (we are short) or ``order_discount`` (we are over)
    so the order's total, and what its payments cover, is exactly what the shopper paid.
    """
    if provider_total is None:
        return
    ours = computed_total(order["lines"], order_discount=order.get("order_discount", 0),
                          order_tax=order.get("order_tax", 0), shipping=order.get("shipping", 0))
    gap = provider_total - ours
    if gap > 0:
        order["order_tax"] = order.get("order_tax", 0) + gap
    elif gap < 0:
        order["order_discount"] = order.get("order_discount", 0) - gap


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (p95 of five values is the largest)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def error_rate(total: int, errors: int) -> float:
    return round(errors / total, 4) if total else 0.0


def is_stale(incoming: int | None, stored: int | None) -> bool:
    """A version at or below the one already applied changes nothing."""
    return incoming is not None and stored is not None and incoming <= stored


def nul_fields(value: Any, path: str = "order") -> list[str]:
    """Paths of the strings in a canonical order that hold a NUL character.

    PostgreSQL text cannot store NUL; refusing it at mapping makes a delivery fail the same way
    on both databases, with the field named, instead of dead-lettering on a database error."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in nul_fields(v, f"{path}.{k}")]
    if isinstance(value, list | tuple):
        return [p for i, v in enumerate(value) for p in nul_fields(v, f"{path}[{i}]")]
    return []


def till_status(terminal_status: str, paired: bool, recent_orders: int) -> str:
    """An ActivePOS till's health word: revoked, not paired, active (sold in the period), idle."""
    if terminal_status != "active":
        return "revoked"
    if not paired:
        return "not paired"
    return "active" if recent_orders else "idle"


# A tested order this far from now is probably a stale or wrong-zone sample.
FAR_PAST = dt.timedelta(days=30)
FAR_FUTURE = dt.timedelta(hours=24)


def ingest_warnings(order: dict[str, Any], *, brand_currency: str, now: dt.datetime,
                  known_skus: set[str] | None) -> list[dict[str, str]]:
    """What a "would ingest" test should still tell a person: the payload's currency is not the
    brand's, its time is far from now, or its SKUs are not in the catalog (``known_skus`` None:
    the brand keeps no catalog, so nothing is "unknown").  ``order`` is the canonical order."""
    warnings: list[dict[str, str]] = []
    currency = str(order.get("currency") or "").upper()
    if currency and currency != brand_currency.upper():
        warnings.append({"field": "currency", "message": f"the order is in {currency}, the brand "
                         f"sells in {brand_currency.upper()}; check the pipe's currency setting"})
    when = parse_time(order.get("occurred_at"))
    if when is not None:
        if when < now - FAR_PAST:
            warnings.append({"field": "occurred_at", "message": f"dated {when:%d %b %Y}, "
                             f"{(now - when).days} days ago: it would land in old reports"})
        elif when > now + FAR_FUTURE:
            warnings.append({"field": "occurred_at", "message": f"dated {when:%d %b %Y}, in the "
                             "future: check the till's clock and timezone"})
    if known_skus is not None:
        unknown = sorted({str(line.get("sku")) for line in order.get("lines") or []
                          if line.get("sku") and str(line.get("sku")) not in known_skus})
        if unknown:
            warnings.append({"field": "lines", "message": "SKUs not in your catalog: "
                             + ", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else "")})
    return warnings
