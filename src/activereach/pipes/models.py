"""Tables for data pipes, their encrypted secrets, the webhook inbox and per-order sync state."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from activereach.kit.db import Base, JSONType, UTCDateTime, utcnow


class Pipe(Base):
    __tablename__ = "pipes"
    __table_args__ = (Index("ix_pipes_id", "id", unique=True),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))             # activepos | webhook
    provider: Mapped[str | None] = mapped_column(String(24), nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    location_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    terminal_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | paused | deleted
    # Non-secret settings (notification_url, api_base_url, location_map, currency, …).
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Per-field JMESPath overrides: {"customer.phone": "expr", …}.
    mapping: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    # Reconciler position (provider-specific: a version, a timestamp).
    cursor: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Last value seen in a Clover verification POST, shown to the admin to paste into Clover.
    verification_code: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PipeSecret(Base):
    """One encrypted secret value; rotation keeps the old row valid until ``expires_at``."""

    __tablename__ = "pipe_secrets"
    __table_args__ = (Index("ix_pipe_secrets_pipe", "workspace_id", "pipe_id", "name"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    pipe_id: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(40))
    ciphertext: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WebhookDelivery(Base):
    """The inbox: every inbound POST, stored raw before the reply."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_pipe", "workspace_id", "pipe_id", "received_at"),
        Index("ix_webhook_deliveries_status", "workspace_id", "pipe_id", "status"),
        Index("ix_webhook_deliveries_waiting", "workspace_id", "pipe_id", "external_order_id"),
        Index("ix_webhook_deliveries_job_key", "job_key"),
    )

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    pipe_id: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    headers: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    content_type: Mapped[str] = mapped_column(String(200), default="")
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verification: Mapped[str] = mapped_column(String(500), default="")
    dedupe_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # received | processed | duplicate | stale | ignored | held | waiting | failed | rejected
    status: Mapped[str] = mapped_column(String(16), default="received")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    external_order_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    order_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    event_time: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    processed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    latency_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The mapping result (canonical order, refunds, errors) of the last run.
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # dedupe key of the job that processes this delivery now; a replay makes a new one.
    job_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    runs: Mapped[int] = mapped_column(Integer, default=0)


class PipeEventSeen(Base):
    """Provider event ids already applied (at-least-once delivery becomes exactly-once effect)."""

    __tablename__ = "pipe_events_seen"

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    pipe_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PipeOrderState(Base):
    """The newest provider version applied per external order: older versions are stale."""

    __tablename__ = "pipe_order_states"

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    pipe_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=-1)
    state: Mapped[str] = mapped_column(String(16), default="")
    order_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
