"""POS triple-submit storm: every ActivePOS sale submitted three times at once over separate
connections to a real server process → exactly one order, one bill, one order_completed event
and one receipt job per sale, and the three replies carry the same stored result."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import pytest
from sqlalchemy import select

from activereach.bills.models import BillReceipt
from activereach.events.models import Event
from activereach.jobs.models import Job
from activereach.orders.models import Order
from tests.conftest import order_body, signed_till
from tests.reliability.storm_support import bounded, http_client, server_errors, storm_server

__all__ = ["storm_server"]   # the fixture, imported so pytest finds it here

COPIES = 3
SALES_IN_FLIGHT = 16


def _sale(n: int) -> dict[str, object]:
    body = order_body(lines=[{"sku": f"SKU-{n % 7}", "name": "Latte", "quantity": str(1 + n % 3),
                              "unit_price": 10000 + n, "tax_rate": "5", "tax_inclusive": True}],
                      payments=[{"method": "cash", "amount": (10000 + n) * (1 + n % 3)}])
    body.pop("external_id")
    body["customer"] = {"phone": f"+91 98{n:08d}"[:16], "name": f"Guest {n}"}
    return {**body, "client_order_id": str(uuid.uuid4())}


async def _submit(clients, device, sale):  # type: ignore[no-untyped-def]
    """The same sale on three different connections at once, as a till retrying would."""
    return await asyncio.gather(*(c.post("/v1/pos/orders", headers=device, json=sale)
                                  for c in clients))


@pytest.mark.parametrize("sales", [pytest.param(200, id="200x3"),
                                   pytest.param(1_000, id="1000x3", marks=pytest.mark.soak)])
async def test_pos_triple_submit_storm(sales, storm_server, make_tenant, db):  # type: ignore[no-untyped-def]
    tenant = await make_tenant()
    clients = [http_client(storm_server, SALES_IN_FLIGHT) for _ in range(COPIES)]
    try:
        till = await signed_till(clients[0], tenant, "storm-pos", terminal_id="T-STORM")
        device = till.headers
        bodies = [till.sign(_sale(n)) for n in range(sales)]
        triples = await bounded([lambda b=b: _submit(clients, device, b) for b in bodies],
                                SALES_IN_FLIGHT)
    finally:
        for c in clients:
            await c.aclose()
    replies = [r for triple in triples for r in triple]
    assert server_errors(replies) == []
    order_ids = []
    for body, triple in zip(bodies, triples, strict=True):
        # One submission creates it (201); the other two replay the stored reply (200).
        assert sorted(r.status_code for r in triple) == [200, 200, 201], [r.text for r in triple]
        results = [{k: v for k, v in r.json().items() if k != "replayed"} for r in triple]
        assert results[0] == results[1] == results[2]
        assert sum(r.json()["replayed"] for r in triple) == COPIES - 1
        assert results[0]["external_id"] == body["client_order_id"]
        order_ids.append(results[0]["order_id"])
    await _check_exactly_once(db, tenant.id, order_ids, bodies)


async def _check_exactly_once(db, ws: str, order_ids: list[str], bodies) -> None:  # type: ignore[no-untyped-def]
    async with db.read_session() as session:
        orders = {o.id: o for o in (await session.execute(select(Order).where(
            Order.workspace_id == ws))).scalars()}
        bills = Counter((await session.execute(select(BillReceipt.order_id).where(
            BillReceipt.workspace_id == ws))).scalars())
        completed = Counter(e.properties.get("order_id") for e in (await session.execute(
            select(Event).where(Event.workspace_id == ws, Event.name == "order_completed")
        )).scalars())
        receipts = Counter(j.payload["order_id"] for j in (await session.execute(select(Job).where(
            Job.workspace_id == ws, Job.kind == "messaging.send_receipt"))).scalars())
    assert len(set(order_ids)) == len(bodies) and set(orders) == set(order_ids)
    for order_id, body in zip(order_ids, bodies, strict=True):
        assert orders[order_id].client_order_id == body["client_order_id"]
        assert orders[order_id].total == body["payments"][0]["amount"]
    assert bills == Counter(order_ids), "a sale without a bill, or with two"
    assert sum(completed.values()) == len(bodies) and len(completed) == len(bodies)
    assert receipts == Counter(order_ids), "a sale without a receipt job, or with two"
