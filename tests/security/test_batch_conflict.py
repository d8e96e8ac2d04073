"""Issue 18, finding 10: a known ``messageId`` with different content is a conflict, not a
"duplicate" that silently drops the new content (``/v1/orders`` answers a reused external id
with 409 the same way)."""

from __future__ import annotations

import uuid

from tests.support import iso_ago


def _order(message_id: str, order_id: str, total: float = 499.0, **extra: object) -> dict:
    return {"type": "track", "event": "Order Completed", "messageId": message_id,
            "context": {"traits": {"phone": "9812345678"}}, **extra,
            "properties": {"order_id": order_id, "total": total, "currency": "INR",
                           "products": [{"sku": "MUG", "name": "Mug", "price": total,
                                         "quantity": 1}]}}


async def _send(client, tenant, *messages: dict):  # type: ignore[no-untyped-def]
    return await client.post("/v1/batch", headers=tenant.writer, json={"batch": list(messages)})


async def test_same_message_id_other_order_content_is_a_conflict(client, tenant) -> None:
    mid, order_id = f"m-{uuid.uuid4().hex[:8]}", f"W-{uuid.uuid4().hex[:8]}"
    first = (await _send(client, tenant, _order(mid, order_id, timestamp=iso_ago(hours=2)))).json()
    assert first["results"][0]["result"] == "accepted"
    changed = await _send(client, tenant, _order(mid, order_id, total=999.0,
                                                 timestamp=iso_ago(hours=2)))
    verdict = changed.json()["results"][0]
    assert changed.status_code == 400 and verdict["status"] == 409
    assert verdict["result"] == "conflict" and verdict["error"]["code"] == "message_id_conflict"
    other_order = (await _send(client, tenant, _order(mid, f"W-{uuid.uuid4().hex[:8]}"))).json()
    assert other_order["results"][0]["status"] == 409


async def test_a_true_retry_stays_a_duplicate_with_or_without_a_timestamp(client, tenant) -> None:
    stamped = _order(f"m-{uuid.uuid4().hex[:8]}", f"W-{uuid.uuid4().hex[:8]}",
                     timestamp=iso_ago(hours=1))
    unstamped = _order(f"m-{uuid.uuid4().hex[:8]}", f"W-{uuid.uuid4().hex[:8]}")
    first = (await _send(client, tenant, stamped, unstamped)).json()
    again = (await _send(client, tenant, stamped, unstamped)).json()
    assert [r["result"] for r in first["results"]] == ["accepted", "accepted"]
    assert [r["result"] for r in again["results"]] == ["duplicate", "duplicate"]
    assert [r["order_id"] for r in again["results"]] == [r["order_id"] for r in first["results"]]


async def test_plain_events_compare_their_content(client, tenant) -> None:
    mid = f"e-{uuid.uuid4().hex[:8]}"
    when = iso_ago(minutes=30)
    event = {"type": "track", "event": "Product Viewed", "messageId": mid, "userId": "u-1",
             "timestamp": when, "properties": {"sku": "MUG"}}
    assert (await _send(client, tenant, event)).json()["results"][0]["result"] == "accepted"
    assert (await _send(client, tenant, event)).json()["results"][0]["result"] == "duplicate"
    for changed in ({**event, "properties": {"sku": "CUP"}}, {**event, "event": "Product Added"},
                    {**event, "timestamp": iso_ago(minutes=31)},
                    {"type": "identify", "messageId": mid, "userId": "u-1", "traits": {}}):
        verdict = (await _send(client, tenant, changed)).json()["results"][0]
        assert verdict["status"] == 409 and verdict["result"] == "conflict", changed


async def test_a_conflict_beside_good_messages_keeps_them(client, tenant) -> None:
    mid = f"e-{uuid.uuid4().hex[:8]}"
    base = {"type": "identify", "messageId": mid, "userId": "u-2", "traits": {"name": "A"}}
    await _send(client, tenant, base)
    fresh = {**base, "messageId": f"e-{uuid.uuid4().hex[:8]}"}
    response = await _send(client, tenant, {**base, "traits": {"name": "B"}}, fresh)
    body = response.json()
    assert response.status_code == 400 and (body["accepted"], body["rejected"]) == (1, 1)
    assert [r["status"] for r in body["results"]] == [409, 200]
