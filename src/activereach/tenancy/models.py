"""Tables for workspaces, outlets, terminals and API keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from activereach.kit.db import Base, JSONType, UTCDateTime, utcnow


class Workspace(Base):
    """The tenant itself: the one table without a ``workspace_id`` column."""

    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(16), default="en_IN")
    branding: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Location(Base):
    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("workspace_id", "code"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    gstin: Mapped[str | None] = mapped_column(String(15), nullable=True)
    state_code: Mapped[str | None] = mapped_column(String(2), nullable=True)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Terminal(Base):
    __tablename__ = "terminals"
    __table_args__ = (
        UniqueConstraint("workspace_id", "location_id", "terminal_id"),
        ForeignKeyConstraint(["workspace_id", "location_id"], ["locations.workspace_id", "locations.id"]),
        Index("ix_terminals_pairing_code_hash", "pairing_code_hash", unique=True),
        Index("ix_terminals_device_token_hash", "device_token_hash", unique=True),
    )

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    location_id: Mapped[str] = mapped_column(String(40))
    terminal_id: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="active")
    pairing_code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pairing_issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    pairing_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    device_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    paired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApiKey(Base):
    """Admin (``sk_…``) and write (``wk_…``) keys; only a SHA-256 of the secret is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_key_hash", "key_hash", unique=True),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PairingCode(Base):
    """One row per pairing code issued: when, until when, by whom, and how it ended. The code
    itself is never stored (only its hash, as on the terminal), so the list can say which codes
    exist without being able to show one."""

    __tablename__ = "terminal_pairing_codes"
    __table_args__ = (Index("ix_terminal_pairing_codes_terminal", "workspace_id", "terminal_pk",
                            "issued_at"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    terminal_pk: Mapped[str] = mapped_column(String(40))
    code_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    issued_by: Mapped[str] = mapped_column(String(320), default="")
    # used | revoked | replaced (a newer code was issued) — None while nothing ended it
    ended: Mapped[str | None] = mapped_column(String(16), nullable=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # When the console showed the code (once, right after issuing it); None = not yet shown.
    shown_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
