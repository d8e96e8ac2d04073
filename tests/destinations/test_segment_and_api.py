"""The Segment-format forwarder (track and identify to a brand's own source, the write key as
Basic auth), and the API's checks: outbound host rules at save, secrets never returned,
another workspace's destinations unseen."""

from __future__ import annotations

import base64

from tests.conftest import order_body
from tests.destinations.conftest import drain


async def test_sales_and_identifies_reach_a_segment_source(client, tenant, db, receiver) -> None:
    made = await client.post("/v1/destinations", headers=tenant.admin, json={
        "kind": "segment", "name": "Our Segment", "event_types": ["order_completed", "contact"],
        "settings": {"write_key": "seg-write-key-1", "endpoint": receiver.url}})
    assert made.status_code == 201, made.text
    assert "signing_secret" not in made.json() and "write_key" not in made.json()["settings"]
    sold = await client.post("/v1/orders", headers=tenant.admin,
                             json=order_body(customer={"email": "meera@example.in"}))
    identify = await client.post("/v1/batch", headers=tenant.writer, json={"batch": [
        {"type": "identify", "userId": "u-77", "messageId": "id-1",
         "traits": {"email": "meera@example.in", "plan": "gold"}}]})
    assert identify.status_code == 200, identify.text
    await drain(db)

    calls = [r for r in receiver.received if r["path"] == "/v1/batch"]
    assert len(calls) == 2
    expected = "Basic " + base64.b64encode(b"seg-write-key-1:").decode()
    assert {c["headers"]["authorization"] for c in calls} == {expected}
    by_type = {c["body"]["batch"][0]["type"]: c["body"]["batch"][0] for c in calls}
    track, ident = by_type["track"], by_type["identify"]
    assert track["event"] == "order_completed"
    assert track["userId"] == sold.json()["contact_id"]
    assert track["properties"]["canonical_order_id"] == sold.json()["order_id"]
    assert ident["traits"]["plan"] == "gold" and ident["messageId"]


async def test_save_time_host_rules_and_isolation(client, tenant, make_tenant) -> None:
    for url in ("http://10.0.0.5/hook", "https://169.254.169.254/latest",
                "http://hooks.example.com/x", "https://user:pw@hooks.example.com/x"):
        refused = await client.post("/v1/destinations", headers=tenant.admin, json={
            "kind": "webhook", "name": "x", "event_types": ["order_completed"],
            "settings": {"url": url}})
        assert refused.status_code == 422, (url, refused.text)
        assert refused.json()["error"]["details"][0]["field"] == "settings.url"
    segment = await client.post("/v1/destinations", headers=tenant.admin, json={
        "kind": "segment", "name": "x", "event_types": ["order_completed"],
        "settings": {"write_key": "k", "endpoint": "https://collector.example.com"}})
    assert segment.status_code == 422, segment.text          # not a Segment/RudderStack host
    no_key = await client.post("/v1/destinations", headers=tenant.admin, json={
        "kind": "segment", "name": "x", "event_types": ["order_completed"], "settings": {}})
    assert no_key.status_code == 422
    ok = await client.post("/v1/destinations", headers=tenant.admin, json={
        "kind": "webhook", "name": "x", "event_types": ["loyalty", "receipt"],
        "settings": {"url": "https://hooks.example.com/activereach"}})
    assert ok.status_code == 201, ok.text
    other = await make_tenant()
    path = f"/v1/destinations/{ok.json()['id']}"
    assert (await client.get(path, headers=other.admin)).status_code == 404
    assert (await client.get(path + "/deliveries", headers=other.admin)).status_code == 404
    changed = await client.patch(path, headers=tenant.admin,
                                 json={"status": "disabled", "name": "Paused"})
    assert changed.json()["status"] == "disabled"
    assert (await client.delete(path, headers=tenant.admin)).status_code == 204
    assert (await client.get(path, headers=tenant.admin)).status_code == 404
    kinds = (await client.get("/v1/destinations/kinds", headers=tenant.admin)).json()
    assert {k["name"] for k in kinds} == {"webhook", "segment"}


async def test_test_send_reports_what_the_receiver_said(client, tenant, receiver) -> None:
    made = (await client.post("/v1/destinations", headers=tenant.admin, json={
        "kind": "webhook", "name": "x", "event_types": ["order_completed"],
        "settings": {"url": receiver.url + "/hook"}})).json()
    receiver.secret = made["signing_secret"]
    sent = await client.post(f"/v1/destinations/{made['id']}/test", headers=tenant.admin)
    assert sent.json()["ok"] is True and sent.json()["status_code"] == 200
    assert receiver.received[0]["body"]["type"] == "destination_test"
    receiver.stop()
    down = await client.post(f"/v1/destinations/{made['id']}/test", headers=tenant.admin)
    assert down.json()["ok"] is False and down.json()["status_code"] is None
