"""Catalog management beyond plain edits: archiving, how much a tax class is used, the stock
movement history.  Services never commit.

Archiving is the ``active`` flag, not the ``deleted_at`` tombstone: an archived product keeps
its SKUs, barcodes, history and reports, and can come back.  Tills sell only live rows
(``rules.is_live``), so an archive is recorded as a catalog change of the product and each of
its variants, and the delta feed sends tills a tombstone for each until it is unarchived.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.catalog import service
from activereach.catalog.models import Product, StockLevel, StockMovement, TaxClass, Variant
from activereach.catalog.schemas import ProductPatch, VariantPatch

MOVEMENT_PAGE = 100


async def set_product_active(session: AsyncSession, ws: str, product_id: str,
                             active: bool) -> tuple[Product, bool]:
    """Archive (``active=False``) or unarchive a product; (product, whether it changed).

    ``update_product`` records the product and every live variant as changed, so tills drop
    (or get back) the whole product on their next delta."""
    product = await service.get_product(session, ws, product_id)
    if product.active == active:
        return product, False
    return await service.update_product(session, ws, product_id,
                                        ProductPatch(active=active)), True


async def set_variant_active(session: AsyncSession, ws: str, variant_id: str,
                             active: bool) -> tuple[Variant, bool]:
    """Archive or unarchive one variant; (variant, whether it changed)."""
    variant = await service.get_variant(session, ws, variant_id)
    if variant.active == active:
        return variant, False
    return await service.update_variant(session, ws, variant_id,
                                        VariantPatch(active=active)), True


@dataclass(frozen=True)
class TaxUsage:
    products: int
    variants: int

    @property
    def used(self) -> bool:
        return bool(self.products or self.variants)


async def tax_usage(session: AsyncSession, ws: str) -> dict[str, TaxUsage]:
    """Per tax class: how many products and variants (not deleted) name it."""
    counts: dict[str, list[int]] = {}
    columns = ((Product.workspace_id, Product.deleted_at, Product.tax_class_id),
               (Variant.workspace_id, Variant.deleted_at, Variant.tax_class_id))
    for index, (workspace_id, deleted_at, tax_class_id) in enumerate(columns):
        rows = await session.execute(select(tax_class_id, func.count()).where(
            workspace_id == ws, deleted_at.is_(None), tax_class_id.is_not(None))
            .group_by(tax_class_id))
        for tax_id, count in rows.all():
            counts.setdefault(str(tax_id), [0, 0])[index] = int(count)
    return {tax_id: TaxUsage(*pair) for tax_id, pair in counts.items()}


async def list_tax_classes(session: AsyncSession, ws: str) -> list[TaxClass]:
    """Every live tax class by name (a brand has a handful; no paging)."""
    return list((await session.scalars(select(TaxClass).where(
        TaxClass.workspace_id == ws, TaxClass.deleted_at.is_(None))
        .order_by(TaxClass.name))).all())


async def stock_levels(session: AsyncSession, ws: str, location_id: str,
                       variant_ids: list[str]) -> dict[str, Any]:
    """Variant id → quantity at the outlet (absent: not tracked)."""
    if not variant_ids:
        return {}
    rows = await session.execute(select(StockLevel.variant_id, StockLevel.quantity).where(
        StockLevel.workspace_id == ws, StockLevel.location_id == location_id,
        StockLevel.variant_id.in_(variant_ids)))
    return {variant_id: quantity for variant_id, quantity in rows.all()}


async def movements(session: AsyncSession, ws: str, variant_ids: list[str],
                    location_id: str | None, limit: int = MOVEMENT_PAGE) -> list[StockMovement]:
    """The newest stock movements of these variants (at one outlet, or all), newest first."""
    if not variant_ids:
        return []
    query = select(StockMovement).where(StockMovement.workspace_id == ws,
                                        StockMovement.variant_id.in_(variant_ids))
    if location_id is not None:
        query = query.where(StockMovement.location_id == location_id)
    return list((await session.scalars(query.order_by(
        StockMovement.created_at.desc(), StockMovement.id.desc()).limit(limit))).all())
