"""Tables for outbound destinations and their delivery log (one row per event and destination)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from activereach.kit.db import Base, JSONType, UTCDateTime, utcnow


class Destination(Base):
    """A brand's receiver: a webhook URL or a Segment/RudderStack source."""

    __tablename__ = "destinations"

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))          # webhook | segment
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|disabled|deleted
    # Event categories sent (rules.CATEGORIES); non-secret settings (url, endpoint).
    event_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # The signing secret or write key, Fernet-encrypted (kit/crypto.py); None once deleted.
    secret_ciphertext: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboundDelivery(Base):
    """One event for one destination: what was sent, every attempt, and where it stands.

    ``status``: pending (due or retrying) | waiting (an earlier delivery for the same contact
    is not finished) | delivered | failed (the schedule ran out; replayable)."""

    __tablename__ = "outbound_deliveries"
    __table_args__ = (
        Index("ix_outbound_deliveries_log", "workspace_id", "destination_id", "created_at"),
        # the per-contact lane: earlier unfinished deliveries hold later ones back
        Index("ix_outbound_deliveries_lane", "workspace_id", "destination_id", "contact_id",
              "seq"),
    )

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    destination_id: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(40))
    event_name: Mapped[str] = mapped_column(String(200))
    contact_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # Append order of the event (strictly increasing per process): the lane's order.
    seq: Mapped[int] = mapped_column(BigInteger)
    # The event as sent (rules.envelope): built once, so every attempt sends the same body.
    event: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # Attempts in this round (a replay starts a new round) and ever; the attempt log.
    round_attempts: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    attempt_log: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
