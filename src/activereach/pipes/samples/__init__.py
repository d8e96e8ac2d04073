"""Built-in sample payloads per provider (package data) for "test with a sample order"."""

from __future__ import annotations

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


def sample(provider: str) -> tuple[bytes, str, str]:
    name, kind, content_type = SAMPLES[provider]
    return (resources.files(__package__).joinpath(name).read_bytes(), kind, content_type)
