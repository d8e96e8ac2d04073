"""Pure rules for outbound events: which category an event is, the retry schedule, the
envelope every destination sends, Standard Webhooks signing and Segment-format calls. No I/O."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

CATEGORIES = ("order_completed", "order_refunded", "order_cancelled", "loyalty", "receipt",
              "contact")
ORDER_EVENTS = frozenset({"order_completed", "order_refunded", "order_cancelled"})

# Svix's documented schedule (docs.svix.com/retries): immediately, then after each failure
# 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h again: eight attempts over about 27.6 hours.
RETRY_DELAYS: tuple[int, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
ATTEMPTS = len(RETRY_DELAYS) + 1
SECRET_PREFIX = "whsec_"


def category(name: str, type: str, source: str, properties: dict[str, Any]) -> str | None:
    """The category a destination subscribes to for this event, or None (never sent)."""
    if name in ORDER_EVENTS:
        return name
    if name.startswith("loyalty_"):
        return "loyalty"
    if name == "channel_delivery_status":
        # message status events of receipts; other purposes are not a brand's sales data
        return "receipt" if properties.get("purpose") == "receipt" else None
    if source == "sdk":
        return "contact"   # identify calls and the shopper's own track events (web store, SDK)
    return None   # internal events (a new kind is not sent until it is given a category)


def retry_delay(round_attempts: int) -> int | None:
    """Seconds before the next attempt after ``round_attempts`` failed ones; None: give up."""
    if round_attempts < 1 or round_attempts > len(RETRY_DELAYS):
        return None
    return RETRY_DELAYS[round_attempts - 1]


def envelope(row: dict[str, Any]) -> dict[str, Any]:
    """The event as every destination receives it (JSON-safe; money in major units, as the
    event properties are)."""
    stamp = row["timestamp"]
    return {"id": row["id"], "name": row["name"], "type": row.get("type") or "track",
            "message_id": row["message_id"],
            "timestamp": stamp.isoformat() if isinstance(stamp, dt.datetime) else str(stamp),
            "contact_id": row.get("contact_id"), "location_id": row.get("location_id"),
            "source": row["source"], "properties": row.get("properties") or {}}


def webhook_body(event: dict[str, Any]) -> dict[str, Any]:
    """Standard Webhooks' recommended payload: ``type``, ``timestamp`` and ``data``."""
    return {"type": event["name"], "timestamp": event["timestamp"], "data": event}


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: ``v1,<base64 HMAC-SHA256 of id.timestamp.body>`` with
    the base64-decoded part of the ``whsec_`` secret as the key."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = msg_id.encode() + b"." + str(timestamp).encode() + b"." + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def segment_message(event: dict[str, Any]) -> dict[str, Any]:
    """The event as a Segment ``identify`` or ``track`` call (RudderStack takes the same).

    The contact id is the ``userId`` (our unified profile); an event without a contact goes
    as an anonymous one under its own id. ``messageId`` lets the receiver dedupe a retry."""
    who: dict[str, Any] = ({"userId": event["contact_id"]} if event.get("contact_id")
                           else {"anonymousId": event["id"]})
    context = {"library": {"name": "activereach"},
               "activereach": {"source": event["source"], "location_id": event["location_id"],
                               "event_id": event["id"]}}
    common = {**who, "messageId": event["message_id"], "timestamp": event["timestamp"],
              "context": context}
    properties = event.get("properties") or {}
    if event.get("type") == "identify":
        return {"type": "identify", **common, "traits": properties.get("traits") or {}}
    return {"type": "track", "event": event["name"], **common, "properties": properties}


def basic_auth(write_key: str) -> str:
    """Segment's HTTP API: the write key as the Basic user name, no password."""
    return "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()
