"""Rendering bills to HTML, pure: ``render_bill_html(snapshot, config)`` needs no request or DB.

The console's live preview calls the same function with a sample snapshot, so what a brand
sees while configuring is exactly what shoppers get.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.numbers import format_currency
from jinja2 import Environment, FileSystemLoader, select_autoescape

from activereach.bills import qr
from activereach.bills.snapshot import POINTS_METHODS

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True, auto_reload=False)
SOCIAL_LABELS = {"website": "Website", "instagram": "Instagram", "facebook": "Facebook",
                 "x": "X", "youtube": "YouTube", "linkedin": "LinkedIn", "whatsapp": "WhatsApp"}
PAYMENT_LABELS = {"upi": "UPI", "cash": "Cash", "card": "Card", "wallet": "Wallet",
                  "loyalty": "Points", "points": "Points", "netbanking": "Net banking",
                  "gift_card": "Gift card"}


@lru_cache(maxsize=8192)
def money(minor: int, currency: str, exponent: int, locale: str) -> str:
    """₹1,23,456.00 for en_IN. Amounts are exact already; Babel only formats (no rounding)."""
    try:
        return format_currency(Decimal(minor).scaleb(-exponent), currency, locale=locale)
    except (ValueError, LookupError):
        return f"{currency} {Decimal(minor).scaleb(-exponent):.{exponent}f}"


def _money_filter(snapshot: dict[str, Any]) -> Any:
    currency, exponent = snapshot["currency"], int(snapshot.get("exponent", 2))
    locale = snapshot.get("locale") or "en_IN"
    return lambda minor: money(int(minor or 0), currency, exponent, locale)


def member_url(code: str) -> str:
    """The member page behind a bill (``member_page``): the shopper's points, on the bill host."""
    return f"/b/{code}/member"


def affordances(snapshot: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """What the bill links to, computed per order from the resolved config (DESIGN §2 item 4)."""
    loyalty = snapshot.get("loyalty")
    points = None
    if config.get("show_points") and loyalty and snapshot.get("has_contact"):
        points = {**loyalty, "url": config.get("rewards_url") or member_url(snapshot["code"])}
    return {
        "rating": bool(config.get("show_rating")),
        "points": points,
        "membership_url": config.get("membership_url") if config.get("show_membership") else None,
        "review_url": config.get("review_url") if config.get("show_review") else None,
    }


# Our own ids (``lh_01j…``): a bill issued before points tenders hid theirs may carry one.
INTERNAL_ID = re.compile(r"^[a-z]{2,5}_[0-9a-z]{20,}$")


def pay_reference(payment: dict[str, Any]) -> str | None:
    """What the bill prints beside a tender: the till's slip or UPI reference, or the reward a
    points tender paid for; never a hold id or a redemption code."""
    if payment.get("method") in POINTS_METHODS:
        return payment.get("label") or None
    reference = payment.get("reference")
    if not isinstance(reference, str) or INTERNAL_ID.match(reference):
        return None
    return reference


def refund_state(snapshot: dict[str, Any], state: dict[str, Any]) -> dict[str, Any] | None:
    refunded = int(state.get("refunded_total") or 0)
    if refunded <= 0:
        return None
    full = state.get("status") == "refunded" or refunded >= snapshot["totals"]["total"]
    return {"full": full, "amount": refunded}


def _context(snapshot: dict[str, Any], config: dict[str, Any], state: dict[str, Any] | None,
             nonce: str, action_base: str) -> dict[str, Any]:
    state = state or {}
    social = [(SOCIAL_LABELS.get(k, k), v) for k, v in (config.get("social_links") or {}).items()]
    return {
        "s": snapshot, "c": config, "state": state, "nonce": nonce, "m": _money_filter(snapshot),
        "aff": affordances(snapshot, config), "refund": refund_state(snapshot, state),
        "social": social, "action": f"{action_base}/b/{snapshot['code']}",
        "qr": qr.svg_for(snapshot),
        "pay_label": lambda method: PAYMENT_LABELS.get(method, method.replace("_", " ").title()),
        "pay_ref": pay_reference,
        "stars": range(1, 6),
    }


def render_bill_html(snapshot: dict[str, Any], config: dict[str, Any], *,
                     state: dict[str, Any] | None = None, nonce: str = "",
                     action_base: str = "") -> str:
    """The shopper's bill page (mobile-first, readable without JavaScript)."""
    ctx = _context(snapshot, config, state, nonce, action_base)
    return _env.get_template("bills/page.html").render(ctx)


def render_print_html(snapshot: dict[str, Any], config: dict[str, Any], *, width: int,
                      nonce: str = "", state: dict[str, Any] | None = None) -> str:
    """Thermal receipt layout (58 or 80 mm paper) of the same bill, with the QR."""
    ctx = _context(snapshot, config, state, nonce, "")
    ctx.update(width=width, paper_mm=width, print_mm=48 if width == 58 else 72)
    return _env.get_template("bills/print.html").render(ctx)


def render_message_html(title: str, message: str, *, nonce: str = "") -> str:
    """The 404 / 429 page (one template, so an unknown code looks like any other miss)."""
    return _env.get_template("bills/message.html").render(title=title, message=message,
                                                          nonce=nonce)
