"""Built-in sample payloads per provider (package data) for "test with a sample order"."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

# provider → (file, payload kind, content type)
SAMPLES = {
    "square": ("square_order.json", "order", "application/json"),
    "toast": ("toast_order_updated_closed.json", "webhook", "application/json"),
    "lightspeed_x": ("lightspeed_x_sale_update.form-urlencoded.txt", "webhook",
                     "application/x-www-form-urlencoded"),
    "clover": ("clover_order_paid.json", "order", "application/json"),
    "shopify": ("shopify_order_paid_pos.json", "webhook", "application/json"),
    "custom": ("custom_order.json", "webhook", "application/json"),
}

# Our own schema's sample is stamped with the current time: a "test with a sample order" should
# land in today's dashboard, and a fixed date would one day be rejected as too far in the future
# or outside a report's window. Provider samples stay verbatim (they are the providers' own docs).
_RESTAMPED = {"custom"}


def sample(provider: str) -> tuple[bytes, str, str]:
    name, kind, content_type = SAMPLES[provider]
    raw = resources.files(__package__).joinpath(name).read_bytes()
    if provider in _RESTAMPED:
        raw = _restamped(raw)
    return (raw, kind, content_type)


def _restamped(raw: bytes) -> bytes:
    body = json.loads(raw)
    india = dt.timezone(dt.timedelta(hours=5, minutes=30))
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=5)
    body["occurred_at"] = stamp.astimezone(india).isoformat()
    return json.dumps(body, indent=2).encode()
