"""Segment-spec messages (``POST /v1/batch`` and the single-call endpoints).

Field names follow the Segment spec (camelCase); unknown fields are allowed, as SDKs add their
own. Sizes are limited per message and per batch (``collect.envelope``), not by item count.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

CALL_TYPES = ("track", "identify", "page", "screen", "alias", "group")
CallType = Literal["track", "identify", "page", "screen", "alias", "group"]


class ContextIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    traits: dict[str, Any] | None = None


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    type: CallType
    event: str | None = Field(default=None, min_length=1, max_length=200)
    message_id: str = Field(alias="messageId", min_length=1, max_length=200)
    timestamp: AwareDatetime | None = None
    original_timestamp: AwareDatetime | None = Field(default=None, alias="originalTimestamp")
    # A transport stamp, read leniently (``envelope.parse_time``): a bad one loses only the
    # clock correction, not the message.
    sent_at: Any = Field(default=None, alias="sentAt")
    user_id: str | None = Field(default=None, alias="userId", max_length=200)
    anonymous_id: str | None = Field(default=None, alias="anonymousId", max_length=200)
    previous_id: str | None = Field(default=None, alias="previousId", max_length=200)
    group_id: str | None = Field(default=None, alias="groupId", max_length=200)
    name: str | None = Field(default=None, max_length=500)
    category: str | None = Field(default=None, max_length=500)
    traits: dict[str, Any] | None = None
    context: ContextIn | None = None
    integrations: dict[str, Any] | None = None
    properties: dict[str, Any] = Field(default_factory=dict)


class BatchIn(BaseModel):
    """A batch: its size is limited in bytes (500 KB, like Segment), not in items."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    batch: list[Any] = Field(min_length=1)
    context: dict[str, Any] | None = None
    integrations: dict[str, Any] | None = None
    sent_at: Any = Field(default=None, alias="sentAt")
