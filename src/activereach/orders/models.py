"""Tables for orders, their lines, payments and refunds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from activereach.kit.db import Base, JSONType, UTCDateTime, utcnow


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("workspace_id", "source", "external_id"),
        UniqueConstraint("workspace_id", "client_order_id"),
        UniqueConstraint("workspace_id", "idempotency_key"),
        Index("ix_orders_contact", "workspace_id", "contact_id", "occurred_at"),
        Index("ix_orders_occurred", "workspace_id", "occurred_at"),
        # GET /v1/orders and the console's Orders page: filter, newest first (migration 0020)
        Index("ix_orders_location_occurred", "workspace_id", "location_id", "occurred_at"),
        Index("ix_orders_source_occurred", "workspace_id", "source", "occurred_at"),
    )

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(200))
    client_order_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    location_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    terminal_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    contact_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    channel: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(24), default="completed")
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    subtotal: Mapped[int] = mapped_column(BigInteger)
    tax_total: Mapped[int] = mapped_column(BigInteger)
    discount_total: Mapped[int] = mapped_column(BigInteger)
    shipping: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger)
    paid_total: Mapped[int] = mapped_column(BigInteger, default=0)
    change_due: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_total: Mapped[int] = mapped_column(BigInteger, default=0)
    coupon: Mapped[str | None] = mapped_column(String(100), nullable=True)
    customer: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    event_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # The reply first given for this order, returned verbatim on every replay.
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class OrderLine(Base):
    """No foreign key to ``orders``: written only with its order, in the same transaction (the
    key's per-row check cost a third of PostgreSQL's time per order; migration 0010)."""

    __tablename__ = "order_lines"

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str | None] = mapped_column(String(100), nullable=True)
    product_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    variant_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    name: Mapped[str] = mapped_column(String(300))
    variant: Mapped[str | None] = mapped_column(String(200), nullable=True)
    category: Mapped[str | None] = mapped_column(String(200), nullable=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit_price: Mapped[int] = mapped_column(BigInteger)
    discount: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(7, 3))
    tax_inclusive: Mapped[bool] = mapped_column(Boolean)
    hsn: Mapped[str | None] = mapped_column(String(16), nullable=True)
    taxable: Mapped[int] = mapped_column(BigInteger)
    tax: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    refunded_quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3), default=Decimal(0))
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)


class OrderPayment(Base):
    """No foreign key to ``orders``, as for lines."""

    __tablename__ = "order_payments"

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    method: Mapped[str] = mapped_column(String(32))
    amount: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str | None] = mapped_column(String(200), nullable=True)


class OrderRefund(Base):
    __tablename__ = "order_refunds"
    __table_args__ = (
        UniqueConstraint("workspace_id", "order_id", "external_id"),
        ForeignKeyConstraint(["workspace_id", "order_id"], ["orders.workspace_id", "orders.id"]),
    )

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(BigInteger)
    taxable: Mapped[int] = mapped_column(BigInteger)
    tax: Mapped[int] = mapped_column(BigInteger)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    event_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
