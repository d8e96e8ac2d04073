"""Timeline replies: a contact's events, newest first."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class EventOut(BaseModel):
    id: str
    message_id: str
    type: str
    name: str
    timestamp: str
    received_at: str
    source: str
    location_id: str | None
    properties: dict[str, Any]
    context: dict[str, Any] | None = None
    integrations: dict[str, Any] | None = None
    original_timestamp: str | None = None


class TimelineOut(BaseModel):
    data: list[EventOut]
    next_cursor: str | None
