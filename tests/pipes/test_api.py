"""Pipes API: create/list/edit/pause/resume/delete, validation per field, secrets never returned,
ActivePOS pipes with pairing, test-with-sample that writes nothing, health and the reconciler."""

from __future__ import annotations

import copy
import json
import uuid

from sqlalchemy import func, select

from activereach.events.models import Event
from activereach.orders.models import Order
from activereach.pipes.models import PipeSecret, WebhookDelivery
from tests.conftest import add_location
from tests.pipes.conftest import (deliver, drain, fixture, jobs_of, make_pipe, sample_json,
                                  stamp, zulu)


async def test_create_validates_each_field(client, tenant):  # type: ignore[no-untyped-def]
    response = await client.post("/v1/pipes", headers=tenant.admin, json={
        "kind": "webhook", "provider": "square", "name": "Square",
        "settings": {"signature_key": "k", "api_base_url": "ftp://x", "colour": "red",
                     "location_map": {"L1": "nowhere"}},
        "mapping": {"customer.phone": "custom_attributes[?key=='phone'", "bogus": "a"}})
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert {"settings.api_base_url", "settings.colour", "settings.notification_url",
            "settings.access_token", "mapping.customer.phone", "mapping.bogus"} <= fields
    response = await client.post("/v1/pipes", headers=tenant.admin, json={
        "kind": "webhook", "provider": "toast", "name": "Toast",
        "settings": {"signing_secret": "s", "location_map": {"R1": "nowhere"}}})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "settings.location_map.R1"


async def test_settings_errors_name_the_missing_and_the_unknown(client, tenant):  # type: ignore[no-untyped-def]
    response = await client.post("/v1/pipes", headers=tenant.admin, json={
        "kind": "webhook", "provider": "clover", "name": "Clover",
        "settings": {"auth_code": "c", "amounts": "major"}})
    assert response.status_code == 422
    details = {d["field"]: d["message"] for d in response.json()["error"]["details"]}
    # amounts is a custom pipe's setting: Clover documents its amounts itself.
    assert details["settings.amounts"].startswith("unknown setting for Clover; one of ")
    assert "auth_code" in details["settings.amounts"]
    assert details["settings.access_token"] == \
        "required for Clover (API token used to fetch orders / reconcile)"
    assert set(details) == {"settings.amounts", "settings.api_base_url", "settings.access_token"}
    pipe = await make_pipe(client, tenant, "toast")
    patched = await client.patch(f"/v1/pipes/{pipe['id']}", headers=tenant.admin,
                                 json={"settings": {"reconcile_minutes": "soon"}})
    assert patched.status_code == 422
    assert patched.json()["error"]["message"] == \
        "settings.reconcile_minutes: must be an integer of minutes (0–10080)"


async def test_providers_describe_themselves_and_their_examples_create_pipes(
        client, tenant):  # type: ignore[no-untyped-def]
    listed = (await client.get("/v1/pipes/providers", headers=tenant.admin)).json()
    square = next(p for p in listed if p["provider"] == "square")
    assert square["label"] == "Square" and square["signing_secret"] == "signature_key"
    assert square["secrets"] == ["signature_key", "access_token"]
    assert square["required"] == ["signature_key", "notification_url", "api_base_url",
                                  "access_token"]
    assert "connect.squareup.com" in square["hosts"] and square["sample_kind"] == "order"
    spec = {s["name"]: s for s in square["settings_spec"]}
    assert spec["notification_url"]["blank_default"] == "webhook_url"
    assert spec["reconcile_minutes"]["type"] == "minutes" and not spec["reconcile_minutes"]["secret"]
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]["PipeIn"]
    assert "`clover`: auth_code*, api_base_url*, access_token*" in \
        schema["properties"]["settings"]["description"]
    examples = schema["examples"]
    secrets = {p["provider"]: set(p["secrets"]) for p in listed}
    assert [e["provider"] for e in examples] == list(secrets)
    for example in examples:   # the documented create bodies work as they stand
        made = await client.post("/v1/pipes", headers=tenant.admin, json=example)
        assert made.status_code == 201, made.text
        assert set(made.json()["secrets"]) == set(example["settings"]) & secrets[example["provider"]]


async def test_crud_and_secrets_never_returned(client, tenant, db):  # type: ignore[no-untyped-def]
    pipe = await make_pipe(client, tenant, "toast")
    assert pipe["webhook_url"].endswith(f"/v1/pipes/{pipe['id']}/webhook")
    shown = {k: v for k, v in pipe.items() if k != "secret"}   # make_pipe keeps it for signing
    assert "toast-secret" not in json.dumps(shown) and pipe["secrets"]["signing_secret"]["set"]
    async with db.read_session() as session:
        stored = await session.scalar(select(PipeSecret.ciphertext).where(
            PipeSecret.pipe_id == pipe["id"]))
    assert stored and "toast-secret" not in stored
    listed = (await client.get("/v1/pipes", headers=tenant.admin)).json()
    assert [p["id"] for p in listed] == [pipe["id"]]
    response = await client.patch(f"/v1/pipes/{pipe['id']}", headers=tenant.admin, json={
        "name": "Toast HQ", "mapping": {"customer.phone": "checks[0].customer.phone"}})
    assert response.status_code == 200 and response.json()["name"] == "Toast HQ"
    bad = await client.patch(f"/v1/pipes/{pipe['id']}", headers=tenant.admin,
                             json={"mapping": {"lines": "checks[."}})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "mapping.lines"
    assert (await client.delete(f"/v1/pipes/{pipe['id']}", headers=tenant.admin)).status_code == 204
    assert (await client.get(f"/v1/pipes/{pipe['id']}", headers=tenant.admin)).status_code == 404
    assert (await deliver(client, pipe, b"{}", {"content-type": "application/json"})).status_code == 404
    other = await client.get(f"/v1/pipes", headers={"Authorization": "Bearer sk_nope"})
    assert other.status_code == 401


async def test_activepos_pipe_with_pairing_code(client, tenant):  # type: ignore[no-untyped-def]
    await add_location(client, tenant, "blr-9")
    response = await client.post("/v1/pipes", headers=tenant.admin, json={
        "kind": "activepos", "name": "Till 1", "location": "blr-9", "terminal": "T1", "pair": True})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["terminal"] == "T1" and len(body["pairing"]["code"]) == 8
    paired = await client.post("/v1/pos/pair", json={"pairing_code": body["pairing"]["code"]})
    assert paired.status_code in (200, 201), paired.text
    again = await client.post("/v1/pipes", headers=tenant.admin, json={
        "kind": "activepos", "name": "Till 1 again", "location": "blr-9", "terminal": "T1"})
    assert again.status_code == 409


async def _counts(db, tenant) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    async with db.read_session() as session:
        orders = await session.scalar(select(func.count()).select_from(Order).where(
            Order.workspace_id == tenant.id))
        events = await session.scalar(select(func.count()).select_from(Event).where(
            Event.workspace_id == tenant.id))
        deliveries = await session.scalar(select(func.count()).select_from(WebhookDelivery)
                                          .where(WebhookDelivery.workspace_id == tenant.id))
    return orders, events, deliveries


async def test_test_with_sample_writes_nothing(client, make_tenant, db):  # type: ignore[no-untyped-def]
    tenant = await make_tenant(country="US", currency="USD", timezone="America/New_York")
    for provider in ("square", "toast", "lightspeed_x", "clover", "shopify"):
        pipe = await make_pipe(client, tenant, provider, outlet=f"t-{provider[:6]}")
        before = await _counts(db, tenant)
        response = await client.post(f"/v1/pipes/{pipe['id']}/test", headers=tenant.admin, json={})
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["errors"] == [] and result["would_ingest"], (provider, result["errors"])
        assert result["order_completed"]["currency"] and result["order"]["lines"]
        assert "loyalty" in result and "bill" in result
        assert await _counts(db, tenant) == before
    await drain(db)
    assert await jobs_of(db, tenant.id) == 0


async def test_test_reports_per_field_errors(client, tenant, db):  # type: ignore[no-untyped-def]
    pipe = await make_pipe(client, tenant, "custom", outlet="store-x",
                           location_map={"store-1": "store-x"})
    payload = sample_json("custom")
    payload["lines"][0]["quantity"] = "-1"
    payload["customer"]["email"] = "not-an-email"
    response = await client.post(f"/v1/pipes/{pipe['id']}/test", headers=tenant.admin,
                                 json={"payload": payload, "verify": True,
                                       "headers": {"X-Signature": "00"}})
    result = response.json()
    assert result["verification"] == {"checked": True, "ok": False,
                                      "reason": "X-Signature does not match"}
    assert any(e["field"] == "lines.0.quantity" for e in result["errors"]), result["errors"]
    mapped = await client.post(f"/v1/pipes/{pipe['id']}/test", headers=tenant.admin, json={
        "payload": {"id": "X9", "when": zulu(), "shop": "store-1",
                    "items": [{"name": "Tea", "quantity": "1", "unit_price": 1000}],
                    "attrs": [{"key": "phone", "value": "+919876543210"}]},
        "mapping": {"external_id": "id", "occurred_at": "when", "location": "shop",
                    "lines": "items", "customer.phone": "attrs[?key=='phone'].value | [0]"}})
    result = mapped.json()
    assert result["errors"] == [] and result["order"]["customer"]["phone"] == "+919876543210"
    assert result["order_completed"]["total"] == 10.0


async def test_health_figures(client, tenant, db):  # type: ignore[no-untyped-def]
    pipe = await make_pipe(client, tenant, "shopify")
    order = sample_json("shopify")
    order["updated_at"] = stamp()
    await deliver(client, pipe, json.dumps(order).encode(),
                  {"content-type": "application/json", "X-Shopify-Hmac-Sha256": "bad"})
    from tests.pipes.conftest import signed
    raw = json.dumps(order).encode()
    await deliver(client, pipe, raw, signed("shopify", raw, pipe["secret"], **{
        "X-Shopify-Triggered-At": zulu()}))
    await drain(db)
    health = (await client.get(f"/v1/pipes/{pipe['id']}/health", headers=tenant.admin)).json()
    assert health["deliveries"] == 2 and health["orders"] == 1 and health["errors"] == 1
    assert health["error_rate"] == 0.5 and health["status"] == "error"
    assert health["latency_ms"]["samples"] == 1 and health["latency_ms"]["p95"] > 0
    log = (await client.get(f"/v1/pipes/{pipe['id']}/deliveries?status=processed",
                            headers=tenant.admin)).json()
    detail = (await client.get(f"/v1/pipes/{pipe['id']}/deliveries/{log[0]['id']}",
                               headers=tenant.admin)).json()
    assert json.loads(detail["raw_payload"])["id"] == order["id"]
    assert detail["mapping_result"]["events"][0]["canonical"]["state"] == "completed"
    assert detail["verification"] == "X-Shopify-Hmac-Sha256 matches"


async def test_reconciler_polls_missed_orders(client, make_tenant, db, provider_api):  # type: ignore[no-untyped-def]
    tenant = await make_tenant(country="US", currency="USD", timezone="America/New_York")
    square = await make_pipe(client, tenant, "square", provider_api, outlet="rc-sq")
    order = copy.deepcopy(fixture("square_api_pay_order_response_completed_order.json")["order"])
    order.update(id=f"sq-{uuid.uuid4().hex[:8]}", updated_at=zulu(-60))
    provider_api.orders[f"square:{order['id']}"] = order
    light = await make_pipe(client, tenant, "lightspeed_x", provider_api, outlet="rc-ls")
    sale = fixture("lightspeed_x_sale_update_payload.json")
    provider_api.sales[:] = [sale, {**copy.deepcopy(sale), "id": "ls-2",
                                    "version": sale["version"] + 1}]
    for pipe in (square, light):
        response = await client.post(f"/v1/pipes/{pipe['id']}/reconcile", headers=tenant.admin)
        assert response.status_code == 202 and response.json() == {"queued": True}
    await drain(db)
    for pipe, external in ((square, order["id"]), (light, sale["id"]), (light, "ls-2")):
        found = await client.get("/v1/orders", headers=tenant.admin,
                                 params={"external_id": external, "source": pipe["id"]})
        assert found.status_code == 200, (external, found.text)
    shown = (await client.get(f"/v1/pipes/{light['id']}", headers=tenant.admin)).json()
    assert shown["cursor"] == {"version": sale["version"] + 1}
    # A second run finds nothing new and logs nothing new.
    await client.post(f"/v1/pipes/{light['id']}/reconcile", headers=tenant.admin)
    await drain(db)
    log = (await client.get(f"/v1/pipes/{light['id']}/deliveries", headers=tenant.admin)).json()
    assert len(log) == 2


async def test_clover_and_shopify_reconcilers(client, make_tenant, db, provider_api):  # type: ignore[no-untyped-def]
    tenant = await make_tenant(country="US", currency="USD", timezone="America/New_York")
    clover = await make_pipe(client, tenant, "clover", provider_api, outlet="rc-cl")
    order = sample_json("clover")
    order["id"] = uuid.uuid4().hex[:13].upper()
    provider_api.orders[f"clover:{order['id']}"] = order
    shopify = await make_pipe(client, tenant, "shopify", provider_api, outlet="rc-sh")
    paid = sample_json("shopify")
    paid["id"] = int(uuid.uuid4().int % 10**15)
    provider_api.orders[f"shopify:{paid['id']}"] = paid
    for pipe in (clover, shopify):
        assert (await client.post(f"/v1/pipes/{pipe['id']}/reconcile",
                                  headers=tenant.admin)).status_code == 202
    await drain(db)
    for pipe, external in ((clover, order["id"]), (shopify, str(paid["id"]))):
        found = await client.get("/v1/orders", headers=tenant.admin,
                                 params={"external_id": external, "source": pipe["id"]})
        assert found.status_code == 200, (external, found.text)
    cursor = (await client.get(f"/v1/pipes/{clover['id']}", headers=tenant.admin)).json()["cursor"]
    assert cursor["XYZVJT2ZRRRSC"] >= order["modifiedTime"]
