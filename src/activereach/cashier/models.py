"""Staff who sign in at ActivePOS tills with a 4–6 digit PIN (argon2-hashed, never stored plain),
their per-till signing keys, orders flagged for a manager and the offline allowance spent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from activereach.kit.db import Base, JSONType, UTCDateTime, utcnow


class CashierStaff(Base):
    __tablename__ = "cashier_staff"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))  # "cashier" | "manager"
    # None: every outlet of the workspace
    location_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    pin_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # the largest line discount (basis points of the line) this person gives without a
    # manager; None: the till's ``discount_limit_bp``
    discount_limit_bp: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CashierSettings(Base):
    """Till rules served with the till's config: one workspace row (``scope == "workspace"``)
    and optional per-terminal overrides (``scope`` = the terminal's pk)."""

    __tablename__ = "cashier_settings"
    __table_args__ = (UniqueConstraint("workspace_id", "scope"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    scope: Mapped[str] = mapped_column(String(40))
    # points one order may redeem while the till is offline (0: no offline redemption)
    offline_redeem_cap: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # a line discount above this share of the line (basis points) needs a manager's PIN
    discount_limit_bp: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # minutes without a touch before the till asks for the cashier's PIN again (0: never)
    idle_lock_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # EAN-13 prefixes whose codes embed a price or weight ("20-29", "20-24=weight,25-29")
    weighed_prefixes: Mapped[str | None] = mapped_column(String(200), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CashierStaffKey(Base):
    """A per-staff signing key issued to one till when that person's PIN was checked online.

    The secret is stored encrypted (``kit/crypto.py``); the till keeps it wrapped under a key
    derived from the PIN, so a copied device alone cannot sign as anyone."""

    __tablename__ = "cashier_staff_keys"
    __table_args__ = (Index("ix_cashier_staff_keys_holder", "workspace_id", "terminal_pk",
                            "staff_id"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    staff_id: Mapped[str] = mapped_column(String(40))
    terminal_pk: Mapped[str] = mapped_column(String(40))
    secret_enc: Mapped[str] = mapped_column(String(300))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PosOrderFlag(Base):
    """A till order accepted although it broke a till rule (it was made offline): the money
    was taken at the till, so the order stands, and a manager reviews it in the console."""

    __tablename__ = "pos_order_flags"
    __table_args__ = (UniqueConstraint("workspace_id", "order_id"),
                      Index("ix_pos_order_flags_open", "workspace_id", "resolved_at", "created_at"))

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(40))
    location_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    terminal_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    staff_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    total: Mapped[int] = mapped_column(Integer)
    # money the order claims but nothing backs (unpaid total, points tender not covered)
    uncovered: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class OfflineAllowanceUse(Base):
    """Points one till redeemed offline for one member on one day (UTC, of the sale): the
    till's offline allowance (``offline_redeem_cap``) is spent cumulatively against this."""

    __tablename__ = "offline_allowance_uses"
    __table_args__ = (UniqueConstraint("workspace_id", "location_id", "terminal_id",
                                       "account_id", "day", name="uq_offline_allowance_uses_key"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    location_id: Mapped[str] = mapped_column(String(40))
    terminal_id: Mapped[str] = mapped_column(String(40))
    account_id: Mapped[str] = mapped_column(String(40))
    day: Mapped[str] = mapped_column(String(10))
    used: Mapped[int] = mapped_column(Integer, default=0)
