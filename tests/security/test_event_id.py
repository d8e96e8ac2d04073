"""Issue 18, finding 12: the ``event_id`` an order reply (and a refund) names is the id of the
stored event — ``append_event`` used to mint another one."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from activereach.events.models import Event
from activereach.orders.models import Order, OrderRefund
from tests.conftest import order_body


async def _event(db, tenant, event_id: str) -> Event | None:  # type: ignore[no-untyped-def]
    async with db.read_session() as session:
        return await session.scalar(select(Event).where(
            Event.workspace_id == tenant.id, Event.id == event_id))


async def test_the_order_reply_names_its_stored_event(client, tenant, db) -> None:
    body = order_body()
    response = await client.post("/v1/orders", headers=tenant.admin, json=body)
    assert response.status_code == 201, response.text
    reply = response.json()
    event = await _event(db, tenant, reply["event_id"])
    assert event is not None and event.name == "order_completed"
    assert event.properties["canonical_order_id"] == reply["order_id"]
    async with db.read_session() as session:
        order = await session.get(Order, (tenant.id, reply["order_id"]))
    assert order.event_id == event.id
    replay = (await client.post("/v1/orders", headers=tenant.admin, json=body)).json()
    assert replay["replayed"] is True and replay["event_id"] == event.id


async def test_a_batch_order_and_a_refund_name_their_events(client, tenant, db) -> None:
    message = {"type": "track", "event": "Order Completed", "messageId": f"m-{uuid.uuid4().hex}",
               "context": {"traits": {"phone": "9812345678"}},
               "properties": {"order_id": f"W-{uuid.uuid4().hex[:8]}", "total": 499.0,
                              "currency": "INR", "products": [
                                  {"sku": "MUG", "name": "Mug", "price": 499, "quantity": 1}]}}
    verdict = (await client.post("/v1/batch", headers=tenant.writer,
                                 json={"batch": [message]})).json()["results"][0]
    async with db.read_session() as session:
        order = await session.get(Order, (tenant.id, verdict["order_id"]))
    event = await _event(db, tenant, order.event_id)
    assert event is not None and event.message_id == message["messageId"]

    sale = (await client.post("/v1/orders", headers=tenant.admin, json=order_body())).json()
    refund = await client.post(f"/v1/orders/{sale['order_id']}/refunds", headers=tenant.admin,
                               json={"refund_id": f"R-{uuid.uuid4().hex[:8]}"})
    assert refund.status_code in (200, 201), refund.text
    async with db.read_session() as session:
        row = await session.get(OrderRefund, (tenant.id, refund.json()["refund_id"]))
    refunded = await _event(db, tenant, row.event_id)
    assert refunded is not None and refunded.name == "order_refunded"
