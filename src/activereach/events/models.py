"""The append-only ``events`` table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from activereach.kit.db import Base, JSONType, UTCDateTime, utcnow


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("workspace_id", "message_id"),
        Index("ix_events_timeline", "workspace_id", "contact_id", "timestamp", "id"),
    )

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16), default="track")
    name: Mapped[str] = mapped_column(String(200))
    timestamp: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    contact_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    location_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    source: Mapped[str] = mapped_column(String(16))
    properties: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # What an SDK sent around the message (``collect``): its context without traits (ip, page,
    # library …), its integrations, the client's own timestamp before clock correction, and a
    # digest of its content, so a reused messageId can be told from a retry.
    context: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    integrations: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    original_timestamp: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    content_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
