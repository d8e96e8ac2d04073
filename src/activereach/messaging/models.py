"""Tables for receipt messaging: channel settings, templates, the message outbox, consent, dispatches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from activereach.kit.db import Base, JSONType, UTCDateTime, utcnow

# ``scope_key`` of the workspace-tier row; outlet rows use the location id.
BRAND_SCOPE = "_brand"


class ChannelSetting(Base):
    """One channel's provider at the workspace tier, or an outlet's sender pinning over it.

    ``config`` holds non-secret fields; ``secrets`` is Fernet ciphertext of a JSON object and is
    never returned by the API.
    """

    __tablename__ = "messaging_channels"
    __table_args__ = (UniqueConstraint("workspace_id", "channel", "scope_key"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    scope_key: Mapped[str] = mapped_column(String(40))
    location_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    provider: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    secrets: Mapped[str | None] = mapped_column(Text, nullable=True)
    secret_names: Mapped[list[str]] = mapped_column(JSONType, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MessageTemplate(Base):
    """The Active Bill template of one channel (absent: the built-in default applies).

    The brand tier's row is named ``active_bill``; an outlet's override ``active_bill@<outlet
    id>`` with ``location_id`` set, so the existing unique key still holds one row per tier.
    """

    __tablename__ = "messaging_templates"
    __table_args__ = (UniqueConstraint("workspace_id", "channel", "name"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    location_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Message(Base):
    """The outbox: one row per message we tried to send; status only ever moves forward."""

    __tablename__ = "messages"
    __table_args__ = (
        # receipt:{order}:{channel} — at most one receipt per order per channel, whatever replays
        UniqueConstraint("workspace_id", "dedupe_key"),
        Index("ix_messages_order", "workspace_id", "order_id"),
        Index("ix_messages_created", "workspace_id", "created_at"),
        Index("ix_messages_provider_id", "workspace_id", "provider_message_id"),
    )

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(16), default="receipt")
    order_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    contact_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    location_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    resend_of: Mapped[str | None] = mapped_column(String(40), nullable=True)
    channel: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(320))
    template: Mapped[str] = mapped_column(String(128))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    content: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    status_history: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    provider_message_id: Mapped[str | None] = mapped_column(String(160), nullable=True)
    provider_response: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Consent(Base):
    """Per contact, per channel: opted in or out, with where that came from."""

    __tablename__ = "messaging_consents"

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(64))
    evidence: Mapped[str | None] = mapped_column(String(500), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReceiptDispatch(Base):
    """Per order: how the receipt went out, or the recorded reason it did not."""

    __tablename__ = "receipt_dispatches"

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(16), nullable=True)
    tried: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
