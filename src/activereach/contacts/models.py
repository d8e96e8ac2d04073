"""Tables for contacts and their identities (one row per phone, email, user id, …)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKeyConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from activereach.kit.db import Base, JSONType, UTCDateTime, utcnow


class Contact(Base):
    __tablename__ = "contacts"

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    traits: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    preferred_channel: Mapped[str | None] = mapped_column(String(16), nullable=True)
    consent: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    merged_into_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    orders_count: Mapped[int] = mapped_column(Integer, default=0)
    total_spent: Mapped[int] = mapped_column(BigInteger, default=0)
    first_order_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_order_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ContactIdentity(Base):
    """One identifier owned by exactly one contact; the primary key makes ownership unique."""

    __tablename__ = "contact_identities"
    __table_args__ = (
        ForeignKeyConstraint(["workspace_id", "contact_id"], ["contacts.workspace_id", "contacts.id"]),
        Index("ix_contact_identities_contact", "workspace_id", "contact_id"),
    )

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(320), primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
