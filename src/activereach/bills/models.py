"""Bill tables: receipts, invoice-number counters, config tiers, ratings, the POS code pool."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (BigInteger, Index, Integer, LargeBinary, SmallInteger, String,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from activereach.kit.db import Base, JSONType, UTCDateTime, utcnow

# ``series_key`` of orders with no outlet (online): a brand-level invoice series.
BRAND_SERIES = "_brand"


class BillReceipt(Base):
    """One row per order; ``snapshot`` is immutable: what the bill shows, as issued."""

    __tablename__ = "bill_receipts"
    __table_args__ = (
        UniqueConstraint("workspace_id", "order_id"),
        UniqueConstraint("workspace_id", "series_key", "fiscal_year", "invoice_number"),
        # Codes resolve on their own (no workspace in the URL), so they are unique globally.
        Index("ix_bill_receipts_code", "code", unique=True),
    )

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(16))
    order_id: Mapped[str] = mapped_column(String(40))
    location_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    series_key: Mapped[str] = mapped_column(String(40))
    source_product: Mapped[str] = mapped_column(String(32))
    fiscal_year: Mapped[str] = mapped_column(String(7))
    invoice_seq: Mapped[int] = mapped_column(BigInteger)
    invoice_number: Mapped[str] = mapped_column(String(16))
    contact_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BillInvoiceCounter(Base):
    """The next invoice sequence per series and financial year, locked FOR UPDATE while issuing."""

    __tablename__ = "bill_invoice_counters"

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    series_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    fiscal_year: Mapped[str] = mapped_column(String(7), primary_key=True)
    last_value: Mapped[int] = mapped_column(BigInteger, default=0)


class BillConfig(Base):
    """A config tier: brand (``location_id`` NULL, ``scope_key`` "_brand") or an outlet override.

    ``values`` holds only the fields set at this tier; an absent field falls back.
    """

    __tablename__ = "bill_configs"
    __table_args__ = (UniqueConstraint("workspace_id", "scope_key"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    scope_key: Mapped[str] = mapped_column(String(40))
    location_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BillRating(Base):
    """One star rating (and optional comment) per order; later posts update it."""

    __tablename__ = "bill_ratings"
    __table_args__ = (UniqueConstraint("workspace_id", "order_id"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(40))
    bill_id: Mapped[str] = mapped_column(String(40))
    location_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    contact_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    updates: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BillCodeReservation(Base):
    """A code + invoice number handed to a till in advance (so it can print the QR offline)."""

    __tablename__ = "bill_code_reservations"
    __table_args__ = (
        Index("ix_bill_code_reservations_code", "code", unique=True),
        Index("ix_bill_code_reservations_terminal", "workspace_id", "terminal_pk", "status"),
    )

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    terminal_pk: Mapped[str] = mapped_column(String(40))
    location_id: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(16))
    fiscal_year: Mapped[str] = mapped_column(String(7))
    invoice_seq: Mapped[int] = mapped_column(BigInteger)
    invoice_number: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="reserved")
    order_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BrandAsset(Base):
    """An uploaded image (a logo), kept in the database so every process serves it and backups
    carry it. ``id`` is a prefix of the content's SHA-256: the URL changes with the content
    (cache-busting) and the same picture uploaded twice is one row."""

    __tablename__ = "brand_assets"
    __table_args__ = (Index("ix_brand_assets_id", "id"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
