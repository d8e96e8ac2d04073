"""Issuing bills inside the ingest transaction, reading them back, and capturing ratings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills import invoices, rules
from activereach.bills.codes import random_code
from activereach.bills.config import cached_resolved_config
from activereach.bills.models import BRAND_SERIES, BillRating, BillReceipt
from activereach.bills.pool import claim
from activereach.bills.snapshot import build_snapshot, local_time
from activereach.contacts.merging import MoveRows
from activereach.config import get_settings
from activereach.kit.cache import TenantCache, row_copy
from activereach.kit import deferred
from activereach.kit.db import insert_ignore, plain_insert, utcnow
from activereach.kit.ids import new_id
from activereach.loyalty.models import LoyaltyHold, LoyaltyReward
from activereach.orders.models import Order
from activereach.orders.participants import BaseParticipant, CompletedOrder
from activereach.tenancy.models import Location, Workspace


# The outlet printed on each bill (name, address, GSTIN): read by every order, edited rarely.
_outlets: TenantCache[Location | None] = TenantCache("bill_outlets")
_outlets.forget_on_write(Location)


async def _outlet(session: AsyncSession, workspace_id: str,
                  location_id: str | None) -> Location | None:
    if not location_id:
        return None
    async def load() -> Location | None:
        return row_copy(await session.get(Location, (workspace_id, location_id)))
    return await _outlets.get((workspace_id, location_id), load)


def bill_url(slug: str, code: str) -> str:
    settings = get_settings()
    return f"{settings.public_scheme}://{slug}.{settings.bill_domain}/b/{code}"


def source_product(order: Order) -> str:
    """Which product issued the bill (DESIGN §3 "source product")."""
    if order.source == "activepos":
        return "pos"
    if order.source in ("api", "online"):
        return "loyalty" if (order.extra or {}).get("loyalty_hold_id") else order.source
    return "pipe"


class BillsParticipant(BaseParticipant):
    """Writes exactly one ``bill_receipts`` row per completed order (Active Bill is always on)."""

    name = "bills"

    async def completed(self, session: AsyncSession, completed: CompletedOrder) -> None:
        await issue_bill(session, completed)


async def issue_bill(session: AsyncSession, completed: CompletedOrder) -> None:
    """The order's bill row and its part of the reply (``result["bill"]``, the event's
    ``bill_code``). Its invoice number is the outlet series' next one: taken now, or, in a group
    commit, when the batch is sent (``invoices.number``), so the batch locks the counter only
    for its last few statements."""
    ws, order = completed.workspace, completed.order
    location = await _outlet(session, ws.id, order.location_id)
    config = await cached_resolved_config(session, ws.id, order.location_id)
    series = order.location_id or BRAND_SERIES
    reserved = await claim(session, order)
    if reserved is not None:
        fy, code = reserved.fiscal_year, reserved.code
    else:
        tz = (location.timezone if location else None) or ws.timezone
        fy = rules.fiscal_year(local_time(order.occurred_at, tz).date())
        # No look-up first: 59.5 random bits make a clash ~1e-18, and the unique index on
        # code turns one into a retry of the whole unit of work.
        code = random_code()
    url = bill_url(ws.slug, code)
    loyalty = completed.result.get("loyalty")
    snapshot = build_snapshot(
        workspace=ws, location=location, config=config, order=order, lines=completed.lines,
        payments=completed.payments, loyalty=loyalty, code=code, url=url, invoice="", fy=fy,
        reward=await redeemed_reward(session, order, loyalty))
    row = {"workspace_id": ws.id, "id": new_id("bill"), "code": code, "order_id": order.id,
           "location_id": order.location_id, "series_key": series,
           "source_product": source_product(order), "fiscal_year": fy, "invoice_seq": 0,
           "invoice_number": "", "contact_id": order.contact_id, "snapshot": snapshot,
           "created_at": utcnow()}
    reply = completed.result["bill"] = {"code": code, "url": url, "invoice_number": ""}
    completed.event_properties["bill_code"] = code

    def assign(seq: int, invoice: str) -> None:
        row["invoice_seq"], row["invoice_number"] = seq, invoice
        snapshot["invoice_number"] = reply["invoice_number"] = invoice

    if reserved is not None:
        assign(reserved.invoice_seq, reserved.invoice_number)
    else:
        prefix = (config.get("invoice_prefix")
                  or rules.default_prefix(location.code if location else None))
        await invoices.number(session, ws.id, series, fy,
                              lambda seq: assign(seq, rules.invoice_number(prefix, fy, seq)))
    await deferred.write(session, plain_insert(session, BillReceipt), row)


async def redeemed_reward(session: AsyncSession, order: Order,
                          loyalty: dict[str, Any] | None) -> str | None:
    """The name of the reward this order redeemed, for the bill to show in place of the
    hold's id. Only redemptions pay for it: the loyalty participant committed the hold in this
    session a moment ago, so it is in the session (not yet flushed: sessions do not autoflush,
    and a flush here would take a group commit's lock early); its reward is one look-up."""
    if not isinstance(loyalty, dict) or not loyalty.get("redeemed"):
        return None
    hold = next((obj for obj in session.sync_session.identity_map.values()
                 if isinstance(obj, LoyaltyHold) and obj.order_id == order.id
                 and obj.workspace_id == order.workspace_id), None)
    if hold is None or hold.reward_id is None:
        return None
    reward = await session.get(LoyaltyReward, (order.workspace_id, hold.reward_id))
    return reward.name if reward is not None else None


@dataclass(frozen=True)
class BillView:
    """A bill as the page needs it: row, brand slug, live order state and the rating."""

    bill: BillReceipt
    slug: str
    status: str
    refunded_total: int
    rating: int | None
    comment: str | None


async def find_bill_view(session: AsyncSession, code: str) -> BillView | None:
    """One query by code alone (the code resolves its brand and outlet on its own)."""
    row = (await session.execute(
        select(BillReceipt, Workspace.slug, Order.status, Order.refunded_total,
               BillRating.rating, BillRating.comment)
        .join(Workspace, Workspace.id == BillReceipt.workspace_id)
        .join(Order, (Order.workspace_id == BillReceipt.workspace_id)
              & (Order.id == BillReceipt.order_id))
        .outerjoin(BillRating, (BillRating.workspace_id == BillReceipt.workspace_id)
                   & (BillRating.order_id == BillReceipt.order_id))
        .where(BillReceipt.code == code))).first()
    if row is None:
        return None
    bill, slug, status, refunded, rating, comment = row
    return BillView(bill=bill, slug=slug, status=status, refunded_total=refunded or 0,
                    rating=rating, comment=comment)


async def record_rating(session: AsyncSession, bill: BillReceipt, rating: int,
                        comment: str | None) -> BillRating:
    """One rating row per order: the first post creates it, later posts update it."""
    now = utcnow()
    await session.execute(insert_ignore(session, BillRating).values(
        workspace_id=bill.workspace_id, id=new_id("rt"), order_id=bill.order_id, bill_id=bill.id,
        location_id=bill.location_id, contact_id=bill.contact_id, rating=rating,
        comment=comment, updates=0, created_at=now, updated_at=now))
    row = await session.scalar(select(BillRating).where(
        BillRating.workspace_id == bill.workspace_id, BillRating.order_id == bill.order_id))
    assert row is not None
    if row.rating != rating or (comment is not None and row.comment != comment):
        values: dict[str, Any] = {"rating": rating, "updated_at": now,
                                  "updates": BillRating.updates + 1}
        if comment is not None:
            values["comment"] = comment
        await session.execute(update(BillRating).where(
            BillRating.workspace_id == bill.workspace_id, BillRating.id == row.id).values(**values))
        await session.refresh(row)
    return row


def bill_document(bill: BillReceipt, view: BillView | None = None) -> dict[str, Any]:
    doc = {"id": bill.id, "code": bill.code, "url": bill.snapshot.get("url"),
           "order_id": bill.order_id, "location_id": bill.location_id,
           "source_product": bill.source_product, "invoice_number": bill.invoice_number,
           "fiscal_year": bill.fiscal_year, "contact_id": bill.contact_id,
           "created_at": bill.created_at.isoformat(), "snapshot": bill.snapshot}
    if view is not None:
        doc.update({"order_status": view.status, "refunded_total": view.refunded_total,
                    "rating": view.rating, "comment": view.comment})
    return doc


async def invoice_numbers(session: AsyncSession, workspace_id: str,
                          order_ids: set[str]) -> dict[str, str]:
    """The invoice number of each of these orders' bills (one query; none for no orders)."""
    if not order_ids:
        return {}
    rows = await session.execute(select(BillReceipt.order_id, BillReceipt.invoice_number).where(
        BillReceipt.workspace_id == workspace_id, BillReceipt.order_id.in_(order_ids)))
    return {order_id: number for order_id, number in rows.all()}


# A contact merge moves bills and ratings with the person (``contacts.merging``).
CONTACT_MERGE = MoveRows(BillReceipt, BillRating)
