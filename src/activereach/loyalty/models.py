"""Tables of the loyalty engine: program, rules, tiers, rewards, accounts, lots, ledger, holds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from activereach.kit.db import Base, JSONType, UTCDateTime, utcnow


class LoyaltyProgram(Base):
    """One per workspace (unique on ``workspace_id``)."""

    __tablename__ = "loyalty_programs"
    __table_args__ = (UniqueConstraint("workspace_id"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    points_name: Mapped[str] = mapped_column(String(40), default="points")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    pending_days: Mapped[int] = mapped_column(Integer, default=0)
    expiry_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    min_redeem_points: Mapped[int] = mapped_column(Integer, default=0)
    max_redeem_share_bp: Mapped[int] = mapped_column(Integer, default=10_000)
    point_value: Mapped[int] = mapped_column(BigInteger, default=100)
    negative_policy: Mapped[str] = mapped_column(String(8), default="clamp")
    recredit_redeemed: Mapped[str] = mapped_column(String(16), default="proportional")
    hold_ttl_seconds: Mapped[int] = mapped_column(Integer, default=900)
    tier_basis: Mapped[str] = mapped_column(String(8), default="spend")
    tier_window_days: Mapped[int] = mapped_column(Integer, default=365)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoyaltyRule(Base):
    """An earning rule scoped to the brand (``scope == "brand"``) or one outlet (its id)."""

    __tablename__ = "loyalty_rules"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "event_name", "scope"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))           # purchase | event
    event_name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(40))          # "brand" or a location id
    location_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    points_per_unit: Mapped[int] = mapped_column(Integer, default=1)
    spend_unit: Mapped[int] = mapped_column(BigInteger, default=10_000)
    fixed_points: Mapped[int] = mapped_column(Integer, default=0)
    cooldown_hours: Mapped[int] = mapped_column(Integer, default=0)
    excluded_skus: Mapped[list[str]] = mapped_column(JSONType, default=list)
    excluded_categories: Mapped[list[str]] = mapped_column(JSONType, default=list)
    exclude_discounted: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # earns only inside [valid_from, valid_until) (the console types local dates)
    valid_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoyaltyTier(Base):
    __tablename__ = "loyalty_tiers"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    threshold: Mapped[int] = mapped_column(BigInteger)
    multiplier_bp: Mapped[int] = mapped_column(Integer, default=10_000)
    badge: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # a retired tier is no longer reached; its members are re-tiered when it retires
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoyaltyReward(Base):
    __tablename__ = "loyalty_rewards"
    __table_args__ = (
        CheckConstraint("stock_cap IS NULL OR issued_count <= stock_cap", name="stock"),
    )

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))   # percent | fixed | free_item | experience
    points_cost: Mapped[int] = mapped_column(Integer)
    percent_bp: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    min_bill: Mapped[int] = mapped_column(BigInteger, default=0)
    sku: Mapped[str | None] = mapped_column(String(100), nullable=True)
    item_quantity: Mapped[int] = mapped_column(Integer, default=1)   # free_item: units free
    min_tier_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    members_only: Mapped[bool] = mapped_column(Boolean, default=True)
    stock_cap: Mapped[int | None] = mapped_column(Integer, nullable=True)
    issued_count: Mapped[int] = mapped_column(Integer, default=0)
    per_customer_cap: Mapped[int | None] = mapped_column(Integer, nullable=True)
    valid_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    terms: Mapped[str] = mapped_column(String(2000), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # a retired reward is offered nowhere (till, eligibility) but stays for the ledger's history
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoyaltyAccount(Base):
    """The cached balance of one member; only ``ledger.py`` writes it, under a row lock."""

    __tablename__ = "loyalty_accounts"
    __table_args__ = (
        UniqueConstraint("workspace_id", "contact_id"),
        UniqueConstraint("workspace_id", "member_code"),
        CheckConstraint("allow_negative OR available >= 0", name="available_floor"),
        CheckConstraint("pending >= 0 AND held >= 0 AND debt >= 0", name="nonneg"),
    )

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(40))
    member_code: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active")   # active | merged
    merged_into_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    available: Mapped[int] = mapped_column(BigInteger, default=0)
    pending: Mapped[int] = mapped_column(BigInteger, default=0)
    held: Mapped[int] = mapped_column(BigInteger, default=0)
    # points owed after a refund under the allow-negative policy (available == lots − debt)
    debt: Mapped[int] = mapped_column(BigInteger, default=0)
    lifetime_earned: Mapped[int] = mapped_column(BigInteger, default=0)
    lifetime_redeemed: Mapped[int] = mapped_column(BigInteger, default=0)
    allow_negative: Mapped[bool] = mapped_column(Boolean, default=False)
    tier_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    tier_name: Mapped[str | None] = mapped_column(String(60), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoyaltyLot(Base):
    """Points from one credit (earn or re-credit), with their own activation and expiry."""

    __tablename__ = "loyalty_lots"
    __table_args__ = (
        CheckConstraint("remaining >= 0 AND remaining <= points", name="remaining"),
        Index("ix_loyalty_lots_account", "workspace_id", "account_id", "status"),
        Index("ix_loyalty_lots_due", "status", "activates_at"),
    )

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(40))
    entry_id: Mapped[str] = mapped_column(String(40))
    order_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    points: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)
    # what still counts towards tiers (qualifying spend and points); refunds reduce both
    basis: Mapped[int] = mapped_column(BigInteger, default=0)
    qualifying: Mapped[int] = mapped_column(BigInteger, default=0)
    kind: Mapped[str] = mapped_column(String(16), default="earn")   # earn | refund_credit | adjust
    status: Mapped[str] = mapped_column(String(12))   # pending | available | expired | spent
    activates_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoyaltyEntry(Base):
    """The append-only ledger: never updated except when a contact merge re-homes it."""

    __tablename__ = "loyalty_entries"
    __table_args__ = (
        UniqueConstraint("workspace_id", "idempotency_key"),
        Index("ix_loyalty_entries_account", "workspace_id", "account_id", "created_at"),
        Index("ix_loyalty_entries_order", "workspace_id", "order_id"),
    )

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))  # earn|redeem|reverse|refund_credit|expire|adjust
    points: Mapped[int] = mapped_column(BigInteger)   # signed
    balance_after: Mapped[int] = mapped_column(BigInteger)
    pending_after: Mapped[int] = mapped_column(BigInteger, default=0)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    order_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    refund_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    reward_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    hold_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    lot_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    location_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    actor: Mapped[str | None] = mapped_column(String(80), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoyaltyHold(Base):
    """Points (and/or a reward) reserved for one cart until committed, released or expired."""

    __tablename__ = "loyalty_holds"
    __table_args__ = (
        UniqueConstraint("workspace_id", "code"),
        UniqueConstraint("workspace_id", "request_key"),
        Index("ix_loyalty_holds_account", "workspace_id", "account_id", "status"),
    )

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(40))
    contact_id: Mapped[str] = mapped_column(String(40))
    location_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    terminal_id: Mapped[str | None] = mapped_column(String(40), nullable=True)  # the till's
    points: Mapped[int] = mapped_column(BigInteger)
    reward_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    request_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    cart_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    bill_total: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)   # money the hold pays, minor
    status: Mapped[str] = mapped_column(String(12))  # held | committed | released | expired
    order_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
