"""Segment-style batch messages (``POST /v1/batch``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class ContextIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    traits: dict[str, Any] | None = None


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    type: Literal["track", "identify"]
    event: str | None = Field(default=None, min_length=1, max_length=200)
    message_id: str = Field(alias="messageId", min_length=1, max_length=200)
    timestamp: AwareDatetime | None = None
    user_id: str | None = Field(default=None, alias="userId", max_length=200)
    anonymous_id: str | None = Field(default=None, alias="anonymousId", max_length=200)
    traits: dict[str, Any] | None = None
    context: ContextIn | None = None
    properties: dict[str, Any] = Field(default_factory=dict)


class BatchIn(BaseModel):
    batch: list[Any] = Field(min_length=1, max_length=500)
