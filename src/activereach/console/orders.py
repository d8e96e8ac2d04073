"""Helpers for the Orders pages: the list's filter (the API's, with the brand's local dates and
the chip strip's outlet), source names people read, and everything one order's page shows,
read from the domains that own it (orders, bills, messaging, loyalty, cashier, pipes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.models import BillReceipt
from activereach.bills.service import bill_url, invoice_numbers
from activereach.cashier.flags import flag_out
from activereach.cashier.models import PosOrderFlag
from activereach.kit.errors import NotFound
from activereach.loyalty.models import LoyaltyEntry
from activereach.loyalty.rewards import reward_names
from activereach.messaging import service as messaging
from activereach.orders import listing
from activereach.orders.models import Order
from activereach.orders.read import get_order, order_parts
from activereach.pipes.models import Pipe
from activereach.tenancy.models import Workspace

FILTERS = ("from", "to", "source", "status", "channel", "terminal", "contact")
BUILT_IN_SOURCES = {"activepos": "ActivePOS till", "api": "API", "online": "Online store"}
STATUS_LABELS = {"completed": "completed", "partially_refunded": "partly refunded",
                 "refunded": "refunded", "cancelled": "cancelled"}
CHANNEL_LABELS = {"offline": "In store", "online": "Online"}
ENTRY_LABELS = {"earn": "Earned", "redeem": "Redeemed", "reverse": "Taken back (refund)",
                "refund_credit": "Given back (refund)", "expire": "Expired",
                "adjust": "Adjusted by hand"}
PAYMENT_LABELS = {"upi": "UPI", "cash": "Cash", "card": "Card", "wallet": "Wallet",
                  "points": "Points", "gift_card": "Gift card", "other": "Other"}


@dataclass
class ListQuery:
    """The list's filter as the API parses it, the raw values for the form, and errors."""

    filter: listing.OrderFilter
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


def list_query(params: dict[str, str], timezone: str, location_id: str | None,
               cursor: str, page_size: int) -> ListQuery:
    """From/to are the brand's local days (both included), as on Messages and Analytics."""
    values = {k: params.get(k, "").strip() for k in FILTERS}
    flt = listing.parse_filter({**values, "location": location_id or "", "cursor": cursor,
                                "limit": str(page_size)}, timezone)
    errors = {k: _people(k, v) for k, v in flt.errors.items()}
    return ListQuery(filter=flt, values=values, errors=errors)


def _people(name: str, message: str) -> str:
    if name in ("from", "to") and "after" not in message:
        return "Enter a date like 2026-11-25"
    if name == "to":
        return "Pick a To date on or after From"
    if name == "cursor":
        return "This page link has expired; start again from the newest orders"
    return message[:1].upper() + message[1:]


async def source_names(session: AsyncSession, workspace_id: str) -> dict[str, str]:
    """Every order source a person can pick: the built-in ones and each pipe by its name."""
    names = dict(BUILT_IN_SOURCES)
    rows = await session.execute(select(Pipe.id, Pipe.name, Pipe.kind).where(
        Pipe.workspace_id == workspace_id, Pipe.kind == "webhook"))
    for pipe_id, name, _ in rows.all():
        names[pipe_id] = name
    return names


async def list_page(session: AsyncSession, workspace_id: str, flt: listing.OrderFilter
                    ) -> dict[str, Any]:
    rows, next_cursor = await listing.list_orders(session, workspace_id, flt)
    return {"rows": rows, "next_cursor": next_cursor,
            "invoices": await invoice_numbers(session, workspace_id, {o.id for o in rows}),
            "sources": await source_names(session, workspace_id)}


def customer_label(order: Order) -> str:
    """The name the order carried, else its phone or email; "—" for an anonymous sale."""
    customer = order.customer or {}
    return str(customer.get("name") or customer.get("phone") or customer.get("email") or "—")


async def order_page(session: AsyncSession, ws: Workspace, order_id: str) -> dict[str, Any]:
    """One order and what hangs off it: lines, payments, refunds, its bill, its receipt
    messages, its loyalty ledger entries, till flags.  A missing order is a 404 page."""
    order = await get_order(session, ws.id, order_id)
    if order is None:
        raise NotFound(f"no order {order_id!r} in this workspace")
    lines, payments, refunds = await order_parts(session, order)
    bill = await session.scalar(select(BillReceipt).where(
        BillReceipt.workspace_id == ws.id, BillReceipt.order_id == order.id))
    messages = await messaging.list_messages(session, ws.id, order_id=order.id, limit=200)
    entries = list((await session.scalars(select(LoyaltyEntry).where(
        LoyaltyEntry.workspace_id == ws.id, LoyaltyEntry.order_id == order.id)
        .order_by(LoyaltyEntry.created_at, LoyaltyEntry.id))).all())
    flags = (await session.scalars(select(PosOrderFlag).where(
        PosOrderFlag.workspace_id == ws.id, PosOrderFlag.order_id == order.id))).all()
    return {
        "order": order, "lines": lines, "payments": payments, "refunds": refunds,
        "bill": bill, "bill_url": bill_url(ws.slug, bill.code) if bill else None,
        "messages": sorted(messages, key=lambda m: m.created_at),
        "dispatch": await messaging.get_dispatch(session, ws.id, order.id),
        "entries": entries,
        "rewards": await reward_names(session, ws.id, {e.reward_id for e in entries
                                                       if e.reward_id}),
        "flags": [flag_out(f) for f in flags],
        "sources": await source_names(session, ws.id),
    }


def refund_line_summary(refund_lines: list[dict[str, Any]]) -> str:
    """"2 × Latte (M), 1 × Croissant" from a refund's stored lines, for people to read."""
    parts = []
    for item in refund_lines or []:
        quantity = item.get("quantity", "")
        if isinstance(quantity, float) and quantity.is_integer():
            quantity = int(quantity)
        parts.append(f"{quantity} × {item.get('name') or item.get('sku') or 'a line'}")
    return ", ".join(parts) or "an amount, no lines"


def quantity(value: Decimal) -> str:
    """2.000 → "2", 0.250 → "0.25" (never "1E+1")."""
    return f"{value.normalize():f}"
