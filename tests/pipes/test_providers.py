"""Each provider: a signed documented sample → exactly one order_completed with the right
totals, lines, taxes, payments, location and contact; a bad signature → 401, a log entry, nothing."""

from __future__ import annotations

import copy
import json
import time
import uuid
from typing import Any

from sqlalchemy import func, select

from activereach.events.models import Event
from activereach.orders.models import Order
from activereach.pipes.samples import sample
from tests.pipes.conftest import (NOTIFY_URL, deliver, drain, fixture, jobs_of, make_pipe,
                                  sample_json, signed, square_event)


async def _completed(db, tenant) -> list[Event]:  # type: ignore[no-untyped-def]
    async with db.read_session() as session:
        rows = await session.execute(select(Event).where(
            Event.workspace_id == tenant.id, Event.name == "order_completed"))
        return list(rows.scalars())


async def _order(client, tenant, pipe, external_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = await client.get("/v1/orders", headers=tenant.admin,
                                params={"external_id": external_id, "source": pipe["id"]})
    assert response.status_code == 200, response.text
    return response.json()


async def _location_id(client, tenant, code: str) -> str:  # type: ignore[no-untyped-def]
    rows = (await client.get("/v1/locations", headers=tenant.admin)).json()
    return next(r["id"] for r in rows if r["code"] == code)


async def test_square_completed_multi_tender(client, make_tenant, db, provider_api):  # type: ignore[no-untyped-def]
    tenant = await make_tenant(country="US", currency="USD", timezone="America/New_York")
    pipe = await make_pipe(client, tenant, "square", provider_api)
    order = copy.deepcopy(fixture("square_api_pay_order_response_completed_order.json")["order"])
    order["id"] = f"sq-{uuid.uuid4().hex[:10]}"
    order["customer_id"] = "CUST-1"
    provider_api.orders[f"square:{order['id']}"] = order
    provider_api.customers["CUST-1"] = {"id": "CUST-1", "given_name": "Asha", "family_name": "Rao",
                                        "email_address": "asha@example.com",
                                        "phone_number": "+14155550100"}
    response = await deliver(client, pipe, square_event(order))
    assert response.status_code == 200, response.text
    await drain(db)
    events = await _completed(db, tenant)
    assert len(events) == 1
    props = events[0].properties
    assert props["total"] == 20.0 and props["currency"] == "USD"
    assert [(p["name"], p["quantity"], p["price"]) for p in props["products"]] == [
        ("Item 1", 1.0, 5.0), ("Item 2", 2.0, 7.5)]
    assert props["payment_method"] == "card"
    doc = await _order(client, tenant, pipe, order["id"])
    assert doc["totals"]["total"] == 2000 and doc["totals"]["tax"] == 0
    assert [p["amount"] for p in doc["payments"]] == [1000, 1000]   # two tenders
    assert doc["location_id"] == await _location_id(client, tenant, pipe["outlet"])
    contact = (await client.get(f"/v1/contacts/{doc['contact_id']}", headers=tenant.admin)).json()
    assert "asha@example.com" in json.dumps(contact)
    assert "GET /v2/orders/" + order["id"] in provider_api.calls


async def test_square_taxes_and_discounts_from_the_full_order(client, make_tenant, db, provider_api):  # type: ignore[no-untyped-def]
    tenant = await make_tenant(country="US", currency="USD", timezone="America/New_York")
    order = copy.deepcopy(fixture("square_api_create_order_response_full_order.json")["order"])
    pipe = await make_pipe(client, tenant, "square", provider_api,
                           location_map={order["location_id"]: "full-1"}, outlet="full-1")
    order.update(id=f"sq-{uuid.uuid4().hex[:10]}", state="COMPLETED", version=7)
    total = order["total_money"]["amount"]
    order["tenders"] = [{"id": "T1", "type": "CASH", "amount_money": {"amount": total,
                                                                       "currency": "USD"}}]
    provider_api.orders[f"square:{order['id']}"] = order
    await deliver(client, pipe, square_event(order))
    await drain(db)
    doc = await _order(client, tenant, pipe, order["id"])
    assert doc["totals"]["total"] == total
    assert doc["totals"]["tax"] == order["total_tax_money"]["amount"]
    assert doc["totals"]["discount"] == order["total_discount_money"]["amount"]
    assert doc["lines"][1]["variant"] == "Larger"


async def test_toast_closed_order(client, make_tenant, db):  # type: ignore[no-untyped-def]
    tenant = await make_tenant(country="US", currency="USD", timezone="America/New_York")
    pipe = await make_pipe(client, tenant, "toast")
    raw = sample("toast")[0]
    response = await deliver(client, pipe, raw)
    assert response.status_code == 200, response.text
    await drain(db)
    events = await _completed(db, tenant)
    assert len(events) == 1 and events[0].properties["total"] == 8.5
    doc = await _order(client, tenant, pipe, "89488287-f259-435b-a654-0bc391596af0")
    assert doc["lines"][0]["name"] == "蟹餅  CRAB CAKES" and doc["payments"][0]["amount"] == 850
    assert doc["currency"] == "USD"   # Toast has no currency: the workspace's
    assert doc["customer"]["email"] == "severe@example.com"


async def test_lightspeed_x_form_encoded_sale(client, make_tenant, db):  # type: ignore[no-untyped-def]
    tenant = await make_tenant(country="NZ", currency="NZD", timezone="Pacific/Auckland")
    pipe = await make_pipe(client, tenant, "lightspeed_x")
    response = await deliver(client, pipe, sample("lightspeed_x")[0])
    assert response.status_code == 200, response.text
    await drain(db)
    events = await _completed(db, tenant)
    assert len(events) == 1
    doc = await _order(client, tenant, pipe, "edf73c5e-a3e1-bfe7-11e7-da38dadd8a59")
    assert doc["totals"]["total"] == 7300 and doc["totals"]["tax"] == 952
    assert [line["unit_price"] for line in doc["lines"]] == [6500, 800]
    assert [line["tax_rate"] for line in doc["lines"]] == ["15", "15"]
    assert sorted((p["method"], p["amount"]) for p in doc["payments"]) == [
        ("card", 2300), ("cash", 5000)]
    assert doc["contact_id"] is None   # WALKIN customer


async def test_clover_notification_fetches_the_order(client, make_tenant, db, provider_api):  # type: ignore[no-untyped-def]
    tenant = await make_tenant(country="US", currency="USD", timezone="America/New_York")
    pipe = await make_pipe(client, tenant, "clover", provider_api)
    order = sample_json("clover")
    order["id"] = uuid.uuid4().hex[:13].upper()
    provider_api.orders[f"clover:{order['id']}"] = order
    note = {"appId": "DRKVJT2ZRRRSC", "merchants": {"XYZVJT2ZRRRSC": [
        {"objectId": f"O:{order['id']}", "type": "UPDATE", "ts": int(time.time() * 1000)}]}}
    response = await deliver(client, pipe, json.dumps(note).encode())
    assert response.status_code == 200, response.text
    await drain(db)
    doc = await _order(client, tenant, pipe, order["id"])
    assert doc["totals"]["total"] == 2760 and doc["totals"]["tax"] == 210
    assert [(line["name"], line["quantity"]) for line in doc["lines"]] == [
        ("Cold brew", "1"), ("Bagel", "2")]
    assert doc["customer"]["phone"] == "+14155550124"
    assert len(await _completed(db, tenant)) == 1


async def test_clover_verification_post(client, make_tenant, db):  # type: ignore[no-untyped-def]
    tenant = await make_tenant()
    pipe = await make_pipe(client, tenant, "clover")
    body = json.dumps(fixture("clover_webhook_verification.json")).encode()
    response = await deliver(client, pipe, body, {"content-type": "application/json"})
    assert response.status_code == 200
    shown = (await client.get(f"/v1/pipes/{pipe['id']}", headers=tenant.admin)).json()
    assert shown["verification_code"] == "ce7643c1-83ea-4218-abe6-da876c9c7a0a"
    await drain(db)
    assert await jobs_of(db, tenant.id) == 0


async def test_shopify_paid_pos_order(client, make_tenant, db):  # type: ignore[no-untyped-def]
    tenant = await make_tenant(country="US", currency="USD", timezone="America/New_York")
    pipe = await make_pipe(client, tenant, "shopify")
    response = await deliver(client, pipe, sample("shopify")[0])
    assert response.status_code == 200, response.text
    await drain(db)
    events = await _completed(db, tenant)
    assert len(events) == 1
    doc = await _order(client, tenant, pipe, "820982911946154508")
    assert doc["totals"]["total"] == 8999
    assert doc["lines"][0]["sku"] == "SKU2006-001"
    assert doc["customer"]["email"] == "john@example.com"


async def test_custom_standard_webhooks(client, make_tenant, db):  # type: ignore[no-untyped-def]
    import base64
    import hashlib
    import hmac

    tenant = await make_tenant()
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    pipe = await make_pipe(client, tenant, "custom", secret=secret)
    raw = sample("custom")[0]
    msg_id, stamp = "msg_1", str(int(time.time()))
    sig = base64.b64encode(hmac.new(b"k" * 32, f"{msg_id}.{stamp}.".encode() + raw,
                                    hashlib.sha256).digest()).decode()
    headers = {"content-type": "application/json", "webhook-id": msg_id,
               "webhook-timestamp": stamp, "webhook-signature": f"v1,bad v1,{sig}"}
    assert (await deliver(client, pipe, raw, headers)).status_code == 200
    await drain(db)
    doc = await _order(client, tenant, pipe, "C-1001")
    assert doc["totals"]["total"] == 49800 and doc["totals"]["tax"] == 2371
    old = {**headers, "webhook-timestamp": str(int(time.time()) - 600)}
    assert (await deliver(client, pipe, raw, old)).status_code == 401


async def test_bad_signature_is_401_logged_and_never_processed(client, make_tenant, db):  # type: ignore[no-untyped-def]
    tenant = await make_tenant()
    for provider in ("toast", "lightspeed_x", "shopify", "custom", "clover", "square"):
        pipe = await make_pipe(client, tenant, provider, outlet=f"bad-{provider[:5]}")
        raw = sample(provider)[0]
        headers = signed(provider, raw, "wrong-secret", url=NOTIFY_URL)
        response = await deliver(client, pipe, raw, headers)
        assert response.status_code == 401, (provider, response.text)
        assert response.json()["error"]["code"] == "bad_signature"
        log = (await client.get(f"/v1/pipes/{pipe['id']}/deliveries",
                                headers=tenant.admin)).json()
        assert [(d["status"], d["verified"]) for d in log] == [("rejected", False)]
    await drain(db)
    assert await jobs_of(db, tenant.id) == 0
    async with db.read_session() as session:
        count = await session.scalar(select(func.count()).select_from(Order).where(
            Order.workspace_id == tenant.id))
    assert count == 0 and await _completed(db, tenant) == []


async def test_a_nul_character_fails_the_delivery_naming_the_field(client, make_tenant, db):  # type: ignore[no-untyped-def]
    # PostgreSQL cannot store NUL: the mapping refuses it on both databases, so the delivery
    # fails at once with the field named instead of retrying a database error to dead letter.
    tenant = await make_tenant(country="US", currency="USD", timezone="America/New_York")
    pipe = await make_pipe(client, tenant, "shopify")
    doc = sample_json("shopify")
    doc["line_items"][0]["name"] = doc["line_items"][0]["title"] = "Avi\u0000ator"
    response = await deliver(client, pipe, json.dumps(doc).encode())
    assert response.status_code == 200, response.text
    await drain(db)
    assert await _completed(db, tenant) == []
    delivery = (await client.get(f"/v1/pipes/{pipe['id']}/deliveries",
                                 headers=tenant.admin)).json()[0]
    assert delivery["status"] == "failed", delivery
    assert "line" in delivery["error"] and "NUL" in delivery["error"], delivery["error"]
