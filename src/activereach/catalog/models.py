"""Catalog tables: tax classes, products, variants, outlet prices, stock, the change log, imports.

Deleting a product or variant sets ``deleted_at`` (a tombstone) instead of removing the row, so
the delta feed can tell tills to drop it.  Every change that alters what a till sees appends a row
to ``catalog_changes`` with a per-workspace sequence number taken from ``catalog_sequences``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from activereach.kit.db import Base, JSONType, UTCDateTime, utcnow


class TaxClass(Base):
    __tablename__ = "catalog_tax_classes"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    rate: Mapped[Decimal] = mapped_column(Numeric(7, 3))
    inclusive: Mapped[bool] = mapped_column(Boolean, default=True)
    hsn: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Product(Base):
    __tablename__ = "catalog_products"
    __table_args__ = (
        UniqueConstraint("workspace_id", "handle"),
        Index("ix_catalog_products_updated", "workspace_id", "updated_at"),
        Index("ix_catalog_products_category", "workspace_id", "category"),
    )

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    handle: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    category: Mapped[str | None] = mapped_column(String(200), nullable=True)
    image_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    hsn: Mapped[str | None] = mapped_column(String(16), nullable=True)
    tax_class_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    option_names: Mapped[list[str]] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Variant(Base):
    __tablename__ = "catalog_variants"
    __table_args__ = (
        # NULLs never collide, so SKU-less and barcode-less variants are fine on both engines.
        UniqueConstraint("workspace_id", "sku"),
        UniqueConstraint("workspace_id", "barcode"),
        Index("ix_catalog_variants_product", "workspace_id", "product_id"),
        Index("ix_catalog_variants_updated", "workspace_id", "updated_at"),
    )

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(40))
    sku: Mapped[str | None] = mapped_column(String(100), nullable=True)
    barcode: Mapped[str | None] = mapped_column(String(64), nullable=True)
    option_values: Mapped[list[str]] = mapped_column(JSONType, default=list)
    name: Mapped[str] = mapped_column(String(200), default="")
    price: Mapped[int] = mapped_column(BigInteger)
    compare_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # NULL: the product's tax class applies.
    tax_class_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    image_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PriceOverride(Base):
    """Outlet-tier price: beats the brand price of the variant at that location."""

    __tablename__ = "catalog_price_overrides"

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    variant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    location_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    price: Mapped[int] = mapped_column(BigInteger)
    compare_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StockLevel(Base):
    """A row means stock is tracked for (variant, outlet); no row means not tracked."""

    __tablename__ = "catalog_stock"
    __table_args__ = (Index("ix_catalog_stock_location", "workspace_id", "location_id", "quantity"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    variant_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    location_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StockMovement(Base):
    """Append-only: every stock change with its cause; ``ref`` makes each cause apply once."""

    __tablename__ = "catalog_stock_movements"
    __table_args__ = (
        UniqueConstraint("workspace_id", "ref"),
        Index("ix_catalog_stock_movements_variant", "workspace_id", "variant_id", "location_id"),
    )

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    variant_id: Mapped[str] = mapped_column(String(40))
    location_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))  # adjust | set | sale | refund | import
    delta: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    quantity_after: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CatalogSequence(Base):
    """Per-workspace change counter.  Bumping it row-locks until commit, so on every engine the
    sequence order equals the commit order and a cursor never skips a late-committing change."""

    __tablename__ = "catalog_sequences"

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # Changes with seq <= pruned_through are gone; older cursors get 410.
    pruned_through: Mapped[int] = mapped_column(BigInteger, default=0)


class CatalogChange(Base):
    __tablename__ = "catalog_changes"
    __table_args__ = (Index("ix_catalog_changes_changed_at", "workspace_id", "changed_at"),)

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))  # tax_class | product | variant
    entity_id: Mapped[str] = mapped_column(String(40))
    # NULL: the change concerns every outlet; else only this one (its price or stock).
    location_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CatalogImport(Base):
    """One CSV import: the uploaded bytes (API uploads), where it has got to, and its report."""

    __tablename__ = "catalog_imports"

    workspace_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    filename: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(16), default="api")
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|running|done|failed
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    line: Mapped[int] = mapped_column(Integer, default=1)
    counts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    error: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), nullable=True)
