"""Reply shapes for contacts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class IdentityOut(BaseModel):
    kind: str
    value: str
    source: str


class ContactOut(BaseModel):
    id: str
    name: str | None
    traits: dict[str, Any]
    preferred_channel: str | None
    consent: dict[str, Any]
    identities: list[IdentityOut]
    orders_count: int
    total_spent: int
    first_order_at: str | None
    last_order_at: str | None
    created_at: str
    loyalty: dict[str, Any] | None = None
    # page and screen views from the web store's and app's analytics (``collect``)
    online: dict[str, Any] | None = None
    merged_ids: list[str] = []
