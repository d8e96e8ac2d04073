"""What must hold after the crashes, read straight from the database once the queue drained."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import Counter

from sqlalchemy import func, select

from activereach.bills.models import BillReceipt
from activereach.jobs.models import Job
from activereach.kit.db import Database, utcnow
from activereach.loyalty.models import LoyaltyAccount, LoyaltyEntry, LoyaltyHold, LoyaltyLot
from activereach.messaging.models import Message, ReceiptDispatch
from activereach.orders.models import Order
from activereach.pipes.models import WebhookDelivery
from tests.reliability.crash_traffic import Ledger

# Jobs due within this long count as outstanding work (a crash-time retry waits 5 s); later ones
# (hold expiry in minutes) are scheduled work, not a stuck queue.
SOON = dt.timedelta(seconds=60)


async def wait_drained(db: Database, workspace_id: str, seconds: float = 60) -> None:
    """Until no job runs and none is due soon: jobs a killed worker held come back when their
    (short) lease expires and run again."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        async with db.read_session() as session:
            busy = await session.scalar(select(func.count()).select_from(Job).where(
                Job.workspace_id == workspace_id,
                (Job.status == "running") | ((Job.status == "queued")
                                             & (Job.run_at <= utcnow() + SOON))))
        if not busy:
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the job queue did not drain")


async def check_orders(db: Database, ws: str, ledger: Ledger) -> None:
    async with db.read_session() as session:
        rows = (await session.execute(select(Order.id, Order.source, Order.external_id)
                                      .where(Order.workspace_id == ws))).all()
        bills = Counter((await session.scalars(select(BillReceipt.order_id).where(
            BillReceipt.workspace_id == ws))).all())
    per_external = Counter(external for _, _, external in rows)
    assert not [e for e, n in per_external.items() if n != 1], "an order was written twice"
    by_external = {external: order_id for order_id, _, external in rows}
    for external, order_id in ledger.orders.items():
        assert by_external.get(external) == order_id, f"acknowledged order {external} lost"
    expected = set(ledger.orders) | set(ledger.deliveries)
    assert set(by_external) == expected, "orders nobody acknowledged"
    assert {order_id for order_id, _, _ in rows} == set(bills), "an order without a bill"
    assert set(bills.values()) == {1}, "an order with two bills"


async def check_deliveries(db: Database, ws: str, ledger: Ledger) -> None:
    async with db.read_session() as session:
        rows = (await session.execute(select(WebhookDelivery.id, WebhookDelivery.status,
                                             WebhookDelivery.external_order_id)
                                      .where(WebhookDelivery.workspace_id == ws))).all()
    statuses = {delivery_id: status for delivery_id, status, _ in rows}
    for shop_id, delivery_id in ledger.deliveries.items():
        assert delivery_id in statuses, f"accepted delivery {delivery_id} ({shop_id}) lost"
    assert set(statuses.values()) <= {"processed", "duplicate"}, Counter(statuses.values())
    processed = Counter(external for _, status, external in rows if status == "processed")
    assert processed == Counter(set(ledger.deliveries)), "a delivery processed other than once"


async def check_loyalty(db: Database, ws: str, ledger: Ledger) -> None:
    """loyalty/ledger.py: available + debt + pending == Σ remaining of live lots; the entries
    sum to the same; held == open holds; each redemption committed exactly one hold."""
    async with db.read_session() as session:
        accounts = (await session.scalars(select(LoyaltyAccount).where(
            LoyaltyAccount.workspace_id == ws))).all()
        assert accounts, "no member earned"
        for account in accounts:
            mine = (LoyaltyLot.workspace_id == ws) & (LoyaltyLot.account_id == account.id)
            lots = dict((await session.execute(select(LoyaltyLot.status, func.sum(
                LoyaltyLot.remaining)).where(mine).group_by(LoyaltyLot.status))).all())
            entries = await session.scalar(select(func.coalesce(func.sum(LoyaltyEntry.points), 0))
                                           .where(LoyaltyEntry.workspace_id == ws,
                                                  LoyaltyEntry.account_id == account.id))
            held = await session.scalar(select(func.coalesce(func.sum(LoyaltyHold.points), 0))
                                        .where(LoyaltyHold.workspace_id == ws,
                                               LoyaltyHold.account_id == account.id,
                                               LoyaltyHold.status == "held"))
            live = int(lots.get("available") or 0) + int(lots.get("pending") or 0)
            assert account.available + account.debt + account.pending == live, account.id
            assert account.available + account.pending == int(entries), account.id
            assert account.held == int(held), account.id
        committed = dict((await session.execute(select(Order.external_id, LoyaltyHold.points)
                                                .join(Order, (Order.workspace_id == ws)
                                                      & (Order.id == LoyaltyHold.order_id))
                                                .where(LoyaltyHold.workspace_id == ws,
                                                       LoyaltyHold.status == "committed"))).all())
    assert committed == ledger.redemptions, "a redemption was lost or applied twice"


async def check_receipts_and_jobs(db: Database, ws: str) -> int:
    """Returns how many jobs ran more than once (a kill took their first run)."""
    async with db.read_session() as session:
        orders = set((await session.scalars(select(Order.id).where(
            Order.workspace_id == ws))).all())
        jobs = (await session.execute(select(Job.kind, Job.status, Job.payload)
                                      .where(Job.workspace_id == ws))).all()
        rerun = await session.scalar(select(func.count()).select_from(Job).where(
            Job.workspace_id == ws, Job.attempts > 1))
        messages = Counter((await session.scalars(select(Message.order_id).where(
            Message.workspace_id == ws))).all())
        dispatched = set((await session.scalars(select(ReceiptDispatch.order_id).where(
            ReceiptDispatch.workspace_id == ws))).all())
        sent = await session.scalar(select(func.count()).select_from(Message).where(
            Message.workspace_id == ws, Message.status != "sent"))
    stuck = [(kind, status) for kind, status, _ in jobs if status in ("running", "dead")]
    assert not stuck, f"jobs stuck or dead: {Counter(stuck)}"
    receipt_jobs = Counter(payload["order_id"] for kind, _, payload in jobs
                           if kind == "messaging.send_receipt")
    assert set(receipt_jobs) == orders and set(receipt_jobs.values()) == {1}
    assert dispatched == orders, "a receipt job did not record its outcome"
    assert set(messages) == orders and set(messages.values()) == {1}, "not one receipt per order"
    assert sent == 0, "a receipt was not sent"
    return int(rerun or 0)
