"""Outbound webhooks end to end: signed per Standard Webhooks (verified by the reference
library), retried on Svix's schedule, in order per contact, once each, replayable."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from activereach.events.service import append_event
from activereach.jobs.models import Job
from activereach.kit.db import utcnow
from tests.conftest import order_body
from tests.destinations.conftest import advance, drain, next_due

ORDERS = ("order_completed", "order_refunded", "order_cancelled")


async def add_webhook(client, tenant, url: str, types=ORDERS) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await client.post("/v1/destinations", headers=tenant.admin, json={
        "kind": "webhook", "name": "Warehouse", "event_types": list(types),
        "settings": {"url": url}})
    assert response.status_code == 201, response.text
    return response.json()


async def sale(client, tenant, phone: str, **extra: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await client.post("/v1/orders", headers=tenant.admin,
                                 json=order_body(customer={"phone": phone}, **extra))
    assert response.status_code == 201, response.text
    return response.json()


async def deliveries(client, tenant, destination: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    response = await client.get(f"/v1/destinations/{destination}/deliveries",
                                headers=tenant.admin, params={"limit": 500})
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def test_a_sale_arrives_signed_and_the_secret_is_shown_once(
        client, tenant, db, receiver) -> None:
    made = await add_webhook(client, tenant, receiver.url + "/hook")
    assert made["signing_secret"].startswith("whsec_")
    receiver.secret = made["signing_secret"]
    shown = (await client.get(f"/v1/destinations/{made['id']}", headers=tenant.admin)).json()
    assert "signing_secret" not in shown and shown["secret_set"] is True

    order = await sale(client, tenant, "9845011111")
    await drain(db)

    assert receiver.refused == []
    [got] = receiver.received
    assert got["body"]["type"] == "order_completed"
    assert got["body"]["data"]["properties"]["canonical_order_id"] == order["order_id"]
    assert got["body"]["data"]["contact_id"] == order["contact_id"]
    [logged] = await deliveries(client, tenant, made["id"])
    assert logged["status"] == "delivered" and logged["attempts"] == 1
    assert got["headers"]["webhook-id"] == logged["id"]   # the receiver's dedupe key
    assert logged["attempt_log"][0]["status_code"] == 200


async def test_receiver_down_for_five_minutes_then_back_delivers_once_each_in_order(
        client, tenant, db, receiver) -> None:
    """Outbound deliveries survive a receiver that is down for 5 minutes and then comes back:
    delivered once each, in order per contact. The clock moves by bringing the queued
    attempts forward; nothing sleeps."""
    made = await add_webhook(client, tenant, receiver.url + "/hook")
    receiver.secret = made["signing_secret"]
    receiver.stop()
    asha, ravi = "9845012222", "9845013333"
    placed = [await sale(client, tenant, phone) for phone in (asha, ravi, asha, ravi, asha)]
    refund = await client.post(f"/v1/orders/{placed[0]['order_id']}/refunds",
                               headers=tenant.admin, json={"refund_id": "R-1"})
    assert refund.status_code in (200, 201), refund.text

    await drain(db)
    elapsed, down_until = 0.0, 300.0
    delays = []
    while (due := await next_due(db, tenant.id)) is not None:
        step = max(0.0, (due - utcnow()).total_seconds())
        delays.append(round(step))
        elapsed += step
        await advance(db, tenant.id, step)
        if elapsed >= down_until and not receiver.running:
            receiver.start()
        await drain(db)
    # Svix's schedule for each contact's first delivery: 5 s, then 5 min (the two heads'
    # attempts are milliseconds apart, hence the zero steps between them).
    assert [d for d in delays if d] == [5, 300], delays
    assert 300 <= elapsed < 310

    assert receiver.refused == []
    ids = [r["headers"]["webhook-id"] for r in receiver.received]
    assert len(ids) == len(set(ids)) == 6                      # once each
    by_contact: dict[str, list[str]] = {}
    for r in receiver.received:
        data = r["body"]["data"]
        by_contact.setdefault(data["contact_id"], []).append(data["id"])
    for contact, got in by_contact.items():
        mine = [d for d in reversed(await deliveries(client, tenant, made["id"]))
                if d["contact_id"] == contact]
        assert got == [d["event_id"] for d in mine]            # in append order
    log = await deliveries(client, tenant, made["id"])
    assert {d["status"] for d in log} == {"delivered"}
    assert sorted(d["attempts"] for d in log) == [1, 1, 1, 1, 3, 3]   # the two heads retried


async def test_failed_deliveries_replay_one_and_all(client, tenant, db, receiver) -> None:
    made = await add_webhook(client, tenant, receiver.url + "/hook")
    receiver.secret = made["signing_secret"]
    receiver.status, receiver.extra_headers = 410, {"webhook-delivery": "abort-message"}
    await sale(client, tenant, "9845014444")
    await sale(client, tenant, "9845015555")
    await drain(db)
    log = await deliveries(client, tenant, made["id"])
    assert [d["status"] for d in log] == ["failed", "failed"]   # the receiver said stop
    assert log[0]["last_status_code"] == 410

    receiver.status, receiver.extra_headers = 200, {}
    one = await client.post(f"/v1/destinations/{made['id']}/deliveries/{log[0]['id']}/replay",
                            headers=tenant.admin)
    assert one.status_code == 200 and one.json()["status"] == "pending"
    again = await client.post(f"/v1/destinations/{made['id']}/deliveries/{log[0]['id']}/replay",
                              headers=tenant.admin)
    assert again.status_code == 409                             # still pending
    await drain(db)
    rest = await client.post(f"/v1/destinations/{made['id']}/replay-failed", headers=tenant.admin)
    assert rest.json() == {"replayed": 1}
    await drain(db)
    assert {d["status"] for d in await deliveries(client, tenant, made["id"])} == {"delivered"}
    assert len(receiver.received) == 2


async def test_no_destination_no_job_and_unsubscribed_events_stay_home(
        client, tenant, make_tenant, db, receiver) -> None:
    await sale(client, tenant, "9845016666")
    async with db.session() as session:
        jobs = await session.scalar(select(func.count()).select_from(Job).where(
            Job.workspace_id == tenant.id, Job.kind.like("destinations.%")))
    assert jobs == 0
    other = await make_tenant()
    made = await add_webhook(client, other, receiver.url + "/hook", types=["order_refunded"])
    await sale(client, other, "9845017777")
    await drain(db)
    assert receiver.received == [] and await deliveries(client, other, made["id"]) == []


async def test_a_rolled_back_event_sends_nothing(client, tenant, db, receiver) -> None:
    made = await add_webhook(client, tenant, receiver.url + "/hook", types=["contact"])
    async with db.session() as session:
        await append_event(session, workspace_id=tenant.id, message_id="m-1", name="viewed",
                           timestamp=utcnow(), source="sdk", properties={})
        await session.rollback()
    await drain(db)
    assert await deliveries(client, tenant, made["id"]) == []
    assert receiver.received == []
    async with db.session() as session:   # the same event committed does go out
        await append_event(session, workspace_id=tenant.id, message_id="m-1", name="viewed",
                           timestamp=utcnow(), source="sdk", properties={})
    await drain(db)
    assert [r["body"]["type"] for r in receiver.received] == ["viewed"]
