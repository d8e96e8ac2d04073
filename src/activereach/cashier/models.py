"""Staff who sign in at ActivePOS tills with a 4–6 digit PIN (argon2-hashed, never stored plain)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from activereach.kit.db import Base, UTCDateTime, utcnow


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
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
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
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
