"""Request and reply shapes for destinations and their delivery log."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from activereach.destinations.rules import CATEGORIES

Category = Literal[CATEGORIES]  # type: ignore[valid-type]  # why: the tuple's names, one place
_EXAMPLES: list[Any] = [
    {"kind": "webhook", "name": "Warehouse", "event_types": ["order_completed", "order_refunded"],
     "settings": {"url": "https://hooks.example.com/activereach"}},
    {"kind": "segment", "name": "Our Segment", "event_types": list(CATEGORIES),
     "settings": {"write_key": "…", "endpoint": "https://api.segment.io"}},
]


class DestinationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              json_schema_extra={"examples": _EXAMPLES})

    kind: Literal["webhook", "segment"]
    name: str = Field(min_length=1, max_length=200)
    event_types: list[Category] = Field(min_length=1)
    settings: dict[str, str] = Field(default_factory=dict)


class DestinationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    event_types: list[Category] | None = Field(default=None, min_length=1)
    status: Literal["active", "disabled"] | None = None
    # merged into the stored settings; a write key here replaces the stored one
    settings: dict[str, str] | None = None


class DeliveryOut(BaseModel):
    id: str
    destination_id: str
    event_id: str
    event_name: str
    contact_id: str | None
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: str | None
    created_at: str
    delivered_at: str | None
    attempt_log: list[dict[str, Any]]


class DeliveriesOut(BaseModel):
    data: list[DeliveryOut]


class TestOut(BaseModel):
    ok: bool
    status_code: int | None
    error: str | None
    ms: int
