"""1,000 shuffled deliveries, 30 % duplicates and stale versions → exactly one order per external
order and the right refunds, whatever the arrival order."""

from __future__ import annotations

import asyncio
import json
import random
import uuid

from sqlalchemy import func, select

from activereach.events.models import Event
from activereach.orders.models import Order
from tests.pipes.conftest import deliver, drain, make_pipe, sample_json, signed, stamp

COUNT, TOTAL = 110, 1000   # 704 distinct deliveries (most are stale versions) + 296 duplicates


def _order(order_id: int, minute: int, **changes) -> bytes:  # type: ignore[no-untyped-def]
    order = sample_json("shopify")
    order.update(id=order_id, updated_at=stamp(minute),
                 name=f"#{order_id}", **changes)
    order["customer"] = {**order["customer"], "id": order_id, "email": f"c{order_id}@example.com"}
    return json.dumps(order).encode()


def _build(count: int) -> tuple[list[tuple[bytes, str]], dict[int, int]]:
    """(body, topic) deliveries and the refund total expected per order id.

    Each order has six versions (two pending, four paid; the last lists its refund when it has
    one), and 40 % of orders also get a ``refunds/create``: most deliveries are stale versions.
    """
    unique: list[tuple[bytes, str]] = []
    refunds: dict[int, int] = {}
    for n in range(count):
        order_id = 5_000_000_000_000_000 + n   # above 2^53: must never pass through a float
        refund = {"id": order_id + 7, "order_id": order_id, "transactions": [
            {"kind": "refund", "status": "success", "amount": "30.00"}]}
        refunded = n % 5 < 2
        for minute in (1, 2):
            unique.append((_order(order_id, minute, financial_status="pending"), "orders/updated"))
        for minute in (3, 4, 5):
            unique.append((_order(order_id, minute), "orders/paid"))
        if refunded:
            unique.append((json.dumps(refund).encode(), "refunds/create"))
            unique.append((_order(order_id, 6, financial_status="partially_refunded",
                                  refunds=[refund]), "orders/updated"))
            refunds[order_id] = 3000
        else:
            unique.append((_order(order_id, 6), "orders/updated"))
    return unique, refunds


async def test_thousand_shuffled_deliveries(client, make_tenant, db):  # type: ignore[no-untyped-def]
    tenant = await make_tenant(country="US", currency="USD", timezone="America/New_York")
    pipe = await make_pipe(client, tenant, "shopify")
    rng = random.Random(20261125)
    unique, refunds = _build(COUNT)
    signed_unique = [(body, signed("shopify", body, pipe["secret"], **{
        "X-Shopify-Topic": topic, "X-Shopify-Event-Id": str(uuid.uuid4())}))
        for body, topic in unique]
    deliveries = signed_unique + rng.choices(signed_unique, k=TOTAL - len(signed_unique))
    rng.shuffle(deliveries)
    assert len(deliveries) == TOTAL and len(unique) / TOTAL <= 0.71
    for start in range(0, TOTAL, 50):   # 50 senders at a time, in the shuffled order
        replies = await asyncio.gather(*(deliver(client, pipe, body, headers)
                                         for body, headers in deliveries[start:start + 50]))
        assert [r.status_code for r in replies] == [200] * len(replies)
    await drain(db)
    async with db.read_session() as session:
        orders = list((await session.execute(select(Order).where(
            Order.workspace_id == tenant.id, Order.source == pipe["id"]))).scalars())
        completed = await session.scalar(select(func.count()).select_from(Event).where(
            Event.workspace_id == tenant.id, Event.name == "order_completed"))
        refunded = await session.scalar(select(func.count()).select_from(Event).where(
            Event.workspace_id == tenant.id, Event.name == "order_refunded"))
    assert len(orders) == COUNT and len({o.external_id for o in orders}) == COUNT
    assert completed == COUNT and refunded == len(refunds)
    for order in orders:
        assert order.total == 8999
        assert order.refunded_total == refunds.get(int(order.external_id), 0), order.external_id
    by_status = (await client.get(f"/v1/pipes/{pipe['id']}/health", headers=tenant.admin)
                 ).json()["by_status"]
    assert "failed" not in by_status and "waiting" not in by_status and "held" not in by_status
    assert by_status["duplicate"] >= TOTAL - len(unique)
