"""Pure destination rules: Svix's schedule, event categories, Standard Webhooks signing (checked
against the reference library) and the Segment call shape."""

from __future__ import annotations

import datetime as dt
import time

from standardwebhooks.webhooks import Webhook

from activereach.destinations import rules


def test_the_schedule_is_svixs() -> None:
    delays = [rules.retry_delay(n) for n in range(1, 9)]
    assert delays == [5, 300, 1800, 7200, 18000, 36000, 36000, None]
    assert rules.ATTEMPTS == 8


def test_categories() -> None:
    assert rules.category("order_refunded", "track", "api", {}) == "order_refunded"
    assert rules.category("loyalty_points_earned", "track", "api", {}) == "loyalty"
    assert rules.category("channel_delivery_status", "track", "internal",
                          {"purpose": "receipt"}) == "receipt"
    assert rules.category("channel_delivery_status", "track", "internal", {}) is None
    assert rules.category("identify", "identify", "sdk", {}) == "contact"
    assert rules.category("something_internal", "track", "internal", {}) is None


def test_signature_verifies_with_the_reference_library() -> None:
    secret, now, body = rules.new_secret(), int(time.time()), b'{"type":"order_completed"}'
    headers = {"webhook-id": "dlv_1", "webhook-timestamp": str(now),
               "webhook-signature": rules.sign(secret, "dlv_1", now, body)}
    Webhook(secret).verify(body, headers)
    assert headers["webhook-signature"] == Webhook(secret).sign(
        "dlv_1", dt.datetime.fromtimestamp(now, dt.timezone.utc), body.decode())


def test_segment_calls() -> None:
    event = {"id": "ev_1", "name": "order_completed", "type": "track", "message_id": "m1",
             "timestamp": dt.datetime.now(dt.UTC).isoformat(), "contact_id": None,
             "location_id": None, "source": "api", "properties": {"total": 12.5}}
    call = rules.segment_message(event)
    assert call["type"] == "track" and call["anonymousId"] == "ev_1"
    assert call["properties"] == {"total": 12.5}
    assert rules.basic_auth("k") == "Basic azo="   # base64("k:")
