"""Delivery variants: duplicate, out of order, stale, refund before order, void, wrong content
type, truncated body, unmapped location, paused pipe, dead letters and replay, secret rotation."""

from __future__ import annotations

import copy
import datetime as dt
import json
import urllib.parse
import uuid

from sqlalchemy import select, update

from activereach.events.models import Event
from activereach.jobs.models import Job
from activereach.kit.db import utcnow
from activereach.pipes.samples import sample
from tests.pipes.conftest import (deliver, drain, fixture, jobs_of, make_pipe, sample_json,
                                  signed, square_event, stamp)


async def _statuses(client, tenant, pipe) -> list[str]:  # type: ignore[no-untyped-def]
    rows = (await client.get(f"/v1/pipes/{pipe['id']}/deliveries", headers=tenant.admin)).json()
    return [row["status"] for row in reversed(rows)]


async def _events(db, tenant, name: str) -> list[Event]:  # type: ignore[no-untyped-def]
    async with db.read_session() as session:
        return list((await session.execute(select(Event).where(
            Event.workspace_id == tenant.id, Event.name == name))).scalars())


async def _order(client, tenant, pipe, external_id):  # type: ignore[no-untyped-def]
    return await client.get("/v1/orders", headers=tenant.admin,
                            params={"external_id": external_id, "source": pipe["id"]})


def shopify_order(order_id: int, updated: str, **changes) -> bytes:  # type: ignore[no-untyped-def]
    order = sample_json("shopify")
    order.update(id=order_id, updated_at=updated, **changes)
    return json.dumps(order).encode()


async def test_duplicate_delivery_is_a_no_op(client, tenant, db):  # type: ignore[no-untyped-def]
    pipe = await make_pipe(client, tenant, "toast")
    raw = sample("toast")[0]
    for _ in range(3):
        assert (await deliver(client, pipe, raw)).status_code == 200
    await drain(db)
    assert sorted(await _statuses(client, tenant, pipe)) == ["duplicate", "duplicate", "processed"]
    assert len(await _events(db, tenant, "order_completed")) == 1


async def test_out_of_order_and_stale_versions(client, tenant, db):  # type: ignore[no-untyped-def]
    pipe = await make_pipe(client, tenant, "shopify")
    paid = shopify_order(1001, stamp(0))
    cancelled = shopify_order(1001, stamp(60),
                              cancelled_at=stamp(60))
    older_open = shopify_order(1002, stamp(-60), financial_status="pending")
    newer_paid = shopify_order(1002, stamp(-30))
    for raw in (cancelled, paid, newer_paid, older_open):   # every one arrives out of order
        assert (await deliver(client, pipe, raw)).status_code == 200
        await drain(db)   # processed as it arrives (a pool of workers may reorder a burst)
    assert await _statuses(client, tenant, pipe) == ["ignored", "stale", "processed", "stale"]
    assert (await _order(client, tenant, pipe, "1001")).status_code == 404
    assert (await _order(client, tenant, pipe, "1002")).json()["status"] == "completed"


async def test_void_after_completion_cancels(client, tenant, db):  # type: ignore[no-untyped-def]
    pipe = await make_pipe(client, tenant, "toast")
    env = json.loads(sample("toast")[0])
    await deliver(client, pipe, json.dumps(env).encode())
    await drain(db)
    voided = copy.deepcopy(env)
    voided["guid"] = str(uuid.uuid4())
    # 90 minutes after the sample's own last change (the sample is restamped to today)
    modified = dt.datetime.strptime(env["details"]["order"]["modifiedDate"], "%Y-%m-%dT%H:%M:%S.%f%z")
    later = (modified + dt.timedelta(minutes=90)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    voided["details"]["order"].update(voided=True, modifiedDate=later)
    await deliver(client, pipe, json.dumps(voided).encode())
    await drain(db)
    order = (await _order(client, tenant, pipe, env["details"]["order"]["guid"])).json()
    assert order["status"] == "cancelled"
    assert len(await _events(db, tenant, "order_cancelled")) == 1


async def test_refund_before_its_order_waits_then_applies(client, tenant, db):  # type: ignore[no-untyped-def]
    pipe = await make_pipe(client, tenant, "shopify")
    refund = {"id": 777, "order_id": 2001, "created_at": stamp(120),
              "transactions": [{"kind": "refund", "status": "success", "amount": "30.00"}]}
    raw = json.dumps(refund).encode()
    headers = signed("shopify", raw, pipe["secret"], **{"X-Shopify-Topic": "refunds/create"})
    await deliver(client, pipe, raw, headers)
    await drain(db)
    assert await _statuses(client, tenant, pipe) == ["waiting"]
    await deliver(client, pipe, shopify_order(2001, stamp(0)))
    await drain(db)
    assert await _statuses(client, tenant, pipe) == ["processed", "processed"]
    order = (await _order(client, tenant, pipe, "2001")).json()
    assert order["status"] == "partially_refunded" and order["totals"]["refunded"] == 3000
    # The order update that lists the same refund changes nothing more.
    await deliver(client, pipe, shopify_order(2001, stamp(121),
                                              financial_status="partially_refunded",
                                              refunds=[refund]))
    await drain(db)
    order = (await _order(client, tenant, pipe, "2001")).json()
    assert order["totals"]["refunded"] == 3000 and len(order["refunds"]) == 1
    assert len(await _events(db, tenant, "order_refunded")) == 1


async def test_lightspeed_return_sale_refunds_the_original(client, tenant, db):  # type: ignore[no-untyped-def]
    pipe = await make_pipe(client, tenant, "lightspeed_x")
    sale = fixture("lightspeed_x_sale_update_payload.json")
    ret = copy.deepcopy(sale)
    ret.update(id=str(uuid.uuid4()), version=sale["version"] + 10, return_for=sale["id"])
    for product in ret["register_sale_products"][:1]:
        product["quantity"] = -1
    ret["register_sale_products"] = ret["register_sale_products"][:1]
    ret["totals"] = {"total_price": "-56.52174", "total_tax": "-8.47826"}
    for body in (ret, sale):
        form = urllib.parse.urlencode({"payload": json.dumps(body)}).encode()
        assert (await deliver(client, pipe, form)).status_code == 200
    await drain(db)
    order = (await _order(client, tenant, pipe, sale["id"])).json()
    assert order["totals"]["refunded"] == 6500 and order["status"] == "partially_refunded"


async def test_wrong_content_type_and_truncated_body(client, tenant, db):  # type: ignore[no-untyped-def]
    light = await make_pipe(client, tenant, "lightspeed_x", outlet="ls-1")
    raw = sample("lightspeed_x")[0]
    headers = {**signed("lightspeed_x", raw, light["secret"]), "content-type": "application/json"}
    response = await deliver(client, light, raw, headers)
    assert response.status_code == 415 and response.json()["error"]["code"] == "unsupported_media_type"
    toast = await make_pipe(client, tenant, "toast", outlet="to-1")
    full = sample("toast")[0]
    cut = full[: len(full) // 2]
    # Signed over the full body but cut in transit: the signature cannot match.
    response = await deliver(client, toast, cut, signed("toast", full, toast["secret"]))
    assert response.status_code == 401
    # Truncated by a buggy sender that signed what it sent: verified, but not JSON.
    shop = await make_pipe(client, tenant, "shopify", outlet="sh-1")
    cut = sample("shopify")[0][:500]
    response = await deliver(client, shop, cut, signed("shopify", cut, shop["secret"]))
    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_payload"
    detail = (await client.get(f"/v1/pipes/{shop['id']}/deliveries", headers=tenant.admin)).json()
    assert detail[0]["status"] == "rejected" and detail[0]["verified"] is True
    await drain(db)
    assert await jobs_of(db, tenant.id) == 0


async def test_unmapped_location_is_held_until_mapped(client, tenant, db):  # type: ignore[no-untyped-def]
    pipe = await make_pipe(client, tenant, "shopify", location_map={})
    await deliver(client, pipe, shopify_order(3001, stamp(0)))
    await drain(db)
    rows = (await client.get(f"/v1/pipes/{pipe['id']}/deliveries", headers=tenant.admin)).json()
    assert rows[0]["status"] == "held" and "unmapped location '48752903'" in rows[0]["error"]
    response = await client.patch(f"/v1/pipes/{pipe['id']}", headers=tenant.admin, json={
        "settings": {"location_map": {"48752903": pipe["outlet"]}}})
    assert response.status_code == 200, response.text
    await drain(db)
    assert await _statuses(client, tenant, pipe) == ["processed"]


async def test_paused_pipe_stores_and_processes_on_resume(client, tenant, db):  # type: ignore[no-untyped-def]
    pipe = await make_pipe(client, tenant, "toast")
    assert (await client.post(f"/v1/pipes/{pipe['id']}/pause", headers=tenant.admin)).json()[
        "status"] == "paused"
    assert (await deliver(client, pipe, sample("toast")[0])).status_code == 200
    await drain(db)
    assert await _statuses(client, tenant, pipe) == ["received"]
    await client.post(f"/v1/pipes/{pipe['id']}/resume", headers=tenant.admin)
    await drain(db)
    assert await _statuses(client, tenant, pipe) == ["processed"]


async def _advance_jobs(db, workspace_id: str) -> None:  # type: ignore[no-untyped-def]
    """Make this workspace's retries due now (the clock, not the code, is what we skip)."""
    async with db.session() as session:
        await session.execute(update(Job).where(Job.status == "queued",
                                                Job.workspace_id == workspace_id)
                              .values(run_at=utcnow()))


async def test_dead_letter_after_retries_then_replay(client, make_tenant, db, provider_api):  # type: ignore[no-untyped-def]
    tenant = await make_tenant(country="US", currency="USD", timezone="America/New_York")
    pipe = await make_pipe(client, tenant, "square", provider_api)
    order = copy.deepcopy(fixture("square_api_pay_order_response_completed_order.json")["order"])
    order["id"] = f"sq-{uuid.uuid4().hex[:10]}"
    provider_api.orders[f"square:{order['id']}"] = order
    provider_api.fail = True
    await deliver(client, pipe, square_event(order))
    await drain(db)
    assert await _statuses(client, tenant, pipe) == ["retrying"]
    for _ in range(10):
        await _advance_jobs(db, tenant.id)
        await drain(db)
    dead = (await client.get(f"/v1/pipes/{pipe['id']}/dead-letters", headers=tenant.admin)).json()
    assert len(dead) == 1 and "HTTP 503" in dead[0]["error"] and dead[0]["attempts"] == 8
    health = (await client.get(f"/v1/pipes/{pipe['id']}/health", headers=tenant.admin)).json()
    assert health["status"] == "error" and health["dead_letters"] == 1
    provider_api.fail = False
    response = await client.post(f"/v1/pipes/{pipe['id']}/replay", headers=tenant.admin)
    assert response.status_code == 202 and response.json() == {"replayed": 1}
    await drain(db)
    assert await _statuses(client, tenant, pipe) == ["processed"]
    assert (await _order(client, tenant, pipe, order["id"])).status_code == 200


async def test_secret_rotation_keeps_the_old_secret_for_the_overlap(client, tenant, db):  # type: ignore[no-untyped-def]
    pipe = await make_pipe(client, tenant, "shopify")
    old = pipe["secret"]
    await client.patch(f"/v1/pipes/{pipe['id']}", headers=tenant.admin,
                       json={"settings": {"client_secret": "new-secret"}})
    raw = shopify_order(4001, stamp(0))
    assert (await deliver(client, pipe, raw, signed("shopify", raw, old))).status_code == 200
    assert (await deliver(client, pipe, raw, signed("shopify", raw, "new-secret"))).status_code == 200
    shown = (await client.get(f"/v1/pipes/{pipe['id']}", headers=tenant.admin)).json()
    assert shown["secrets"]["client_secret"]["versions"] == 2
    assert "new-secret" not in json.dumps(shown) and old not in json.dumps(shown)
    await client.patch(f"/v1/pipes/{pipe['id']}", headers=tenant.admin, json={
        "settings": {"rotation_overlap_minutes": 0, "client_secret": "newest"}})
    assert (await deliver(client, pipe, raw, signed("shopify", raw, "new-secret"))).status_code == 401
    assert (await deliver(client, pipe, raw, signed("shopify", raw, "newest"))).status_code == 200
