"""Issue 18 #9: a correctly signed delivery is refused when its signed time is too old (a replay).

Toast signs the body's ``timestamp`` (window: max(webhook_freshness_seconds, 900 s), Toast
resends); Square signs a body whose ``created_at`` may be up to 72 h old (Square retries that
long); Standard Webhooks (custom) sign ``webhook-timestamp`` (webhook_freshness_seconds).
Times are built from the clock.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import uuid

from activereach.pipes.samples import sample
from tests.pipes.conftest import NOTIFY_URL, deliver, make_pipe, signed

LONG_AGO = dt.timedelta(days=400)


def toast_body(sent: dt.datetime) -> bytes:
    body = json.loads(sample("toast")[0])
    body["timestamp"] = sent.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    body["guid"] = str(uuid.uuid4())
    return json.dumps(body).encode()


async def test_toast_refuses_a_stale_signed_timestamp(client, tenant):  # type: ignore[no-untyped-def]
    pipe = await make_pipe(client, tenant, "toast")
    now = dt.datetime.now(dt.UTC)
    stale = await deliver(client, pipe, toast_body(now - LONG_AGO))
    assert stale.status_code == 401, stale.text
    assert "stale: signed" in stale.text and "900 s window" in stale.text
    late = await deliver(client, pipe, toast_body(now - dt.timedelta(minutes=10)))   # a resend
    assert late.status_code == 200, late.text
    future = await deliver(client, pipe, toast_body(now + dt.timedelta(hours=1)))
    assert future.status_code == 401 and "stale" in future.text
    listed = await client.get(f"/v1/pipes/{pipe['id']}/deliveries", headers=tenant.admin)
    assert any("stale: signed" in (d.get("error") or d.get("verification") or "")
               for d in listed.json()), listed.text


def square_body(created: dt.datetime) -> bytes:
    return json.dumps({"merchant_id": "M1", "type": "order.updated", "event_id": str(uuid.uuid4()),
                       "created_at": created.isoformat().replace("+00:00", "Z"),
                       "data": {"type": "order", "id": "O1", "object": {"order_updated": {
                           "order_id": "O1", "location_id": "P3CCK6HSNDAS7"}}}}).encode()


async def test_square_refuses_a_body_created_outside_its_retry_window(client, tenant):  # type: ignore[no-untyped-def]
    pipe = await make_pipe(client, tenant, "square")
    now = dt.datetime.now(dt.UTC)
    body = square_body(now - dt.timedelta(hours=73))
    stale = await deliver(client, pipe, body, signed("square", body, pipe["secret"], url=NOTIFY_URL))
    assert stale.status_code == 401 and "stale: signed" in stale.text
    body = square_body(now - dt.timedelta(hours=48))   # still retried by Square
    fresh = await deliver(client, pipe, body, signed("square", body, pipe["secret"], url=NOTIFY_URL))
    assert fresh.status_code == 200, fresh.text


def standard_webhooks(secret: str, body: bytes, sent: dt.datetime) -> dict[str, str]:
    msg_id, stamp = f"msg_{uuid.uuid4().hex}", str(int(sent.timestamp()))
    digest = hmac.new(secret.encode(), f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256)
    return {"content-type": "application/json", "webhook-id": msg_id, "webhook-timestamp": stamp,
            "webhook-signature": "v1," + base64.b64encode(digest.digest()).decode()}


async def test_custom_refuses_a_stale_standard_webhooks_timestamp(client, tenant):  # type: ignore[no-untyped-def]
    pipe = await make_pipe(client, tenant, "custom")
    body = sample("custom")[0]
    now = dt.datetime.now(dt.UTC)
    stale = await deliver(client, pipe, body, standard_webhooks(pipe["secret"], body,
                                                                now - LONG_AGO))
    assert stale.status_code == 401, stale.text
    assert "stale: signed" in stale.text and "300 s window" in stale.text
    fresh = await deliver(client, pipe, body, standard_webhooks(pipe["secret"], body, now))
    assert fresh.status_code == 200, fresh.text
