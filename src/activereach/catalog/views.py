"""Read side of the admin API: documents and cursor-paginated, filtered lists.

Cursors are the last row's key (ids are time-ordered), so pages stay stable while rows are
added; ``next_cursor`` is null on the last page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.catalog import rules
from activereach.catalog.models import PriceOverride, Product, StockLevel, TaxClass, Variant


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def tax_class_doc(row: TaxClass) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "rate": rules.decimal_text(row.rate),
            "inclusive": row.inclusive, "hsn": row.hsn, "updated_at": _iso(row.updated_at),
            "deleted": row.deleted_at is not None}


def variant_doc(row: Variant) -> dict[str, Any]:
    return {"id": row.id, "product_id": row.product_id, "sku": row.sku, "barcode": row.barcode,
            "options": list(row.option_values), "name": row.name, "price": row.price,
            "compare_at": row.compare_at, "tax_class_id": row.tax_class_id,
            "image_url": row.image_url, "active": row.active, "position": row.position,
            "updated_at": _iso(row.updated_at), "deleted": row.deleted_at is not None}


def product_doc(row: Product, variants: list[Variant] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": row.id, "handle": row.handle, "title": row.title, "category": row.category,
        "image_url": row.image_url, "hsn": row.hsn, "tax_class_id": row.tax_class_id,
        "option_names": list(row.option_names), "active": row.active,
        "created_at": _iso(row.created_at), "updated_at": _iso(row.updated_at),
        "deleted": row.deleted_at is not None}
    if variants is not None:
        doc["variants"] = [variant_doc(v) for v in variants]
    return doc


def stock_doc(row: StockLevel, sku: str | None = None) -> dict[str, Any]:
    return {"variant_id": row.variant_id, "sku": sku, "location_id": row.location_id,
            "quantity": rules.decimal_text(row.quantity), "tracked": True,
            "negative": row.quantity < 0, "updated_at": _iso(row.updated_at)}


def override_doc(row: PriceOverride) -> dict[str, Any]:
    return {"variant_id": row.variant_id, "location_id": row.location_id, "price": row.price,
            "compare_at": row.compare_at, "updated_at": _iso(row.updated_at)}


def _page(rows: list[Any], limit: int, key: Any) -> tuple[list[Any], str | None]:
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (key(rows[-1]) if more and rows else None)


def _search(q: str) -> Any:
    matching = select(Variant.product_id).where(or_(
        Variant.sku.icontains(q, autoescape=True), Variant.barcode == q))
    return or_(Product.title.icontains(q, autoescape=True),
               Product.handle.icontains(q, autoescape=True), Product.id.in_(matching))


async def list_products(session: AsyncSession, ws: str, *, category: str | None,
                        active: bool | None, updated_since: dt.datetime | None, q: str | None,
                        cursor: str | None, limit: int) -> dict[str, Any]:
    query = select(Product).where(Product.workspace_id == ws, Product.deleted_at.is_(None))
    if category is not None:
        query = query.where(Product.category == category)
    if active is not None:
        query = query.where(Product.active.is_(active))
    if updated_since is not None:
        query = query.where(Product.updated_at >= updated_since)
    if q:
        query = query.where(_search(q))
    if cursor:
        query = query.where(Product.id > cursor)
    rows, next_cursor = _page(list((await session.scalars(
        query.order_by(Product.id).limit(limit + 1))).all()), limit, lambda r: r.id)
    variants: dict[str, list[Variant]] = {}
    if rows:
        for variant in (await session.scalars(select(Variant).where(
                Variant.workspace_id == ws, Variant.deleted_at.is_(None),
                Variant.product_id.in_([r.id for r in rows]))
                .order_by(Variant.position, Variant.id))).all():
            variants.setdefault(variant.product_id, []).append(variant)
    return {"data": [product_doc(r, variants.get(r.id, [])) for r in rows],
            "next_cursor": next_cursor}


async def list_variants(session: AsyncSession, ws: str, *, product_id: str | None,
                        category: str | None, active: bool | None,
                        updated_since: dt.datetime | None, q: str | None, cursor: str | None,
                        limit: int) -> dict[str, Any]:
    query = select(Variant).join(Product, and_(Product.workspace_id == Variant.workspace_id,
                                               Product.id == Variant.product_id)).where(
        Variant.workspace_id == ws, Variant.deleted_at.is_(None))
    if product_id:
        query = query.where(Variant.product_id == product_id)
    if category is not None:
        query = query.where(Product.category == category)
    if active is not None:
        query = query.where(Variant.active.is_(active))
    if updated_since is not None:
        query = query.where(Variant.updated_at >= updated_since)
    if q:
        query = query.where(or_(Variant.sku.icontains(q, autoescape=True), Variant.barcode == q,
                                Variant.name.icontains(q, autoescape=True),
                                Product.title.icontains(q, autoescape=True)))
    if cursor:
        query = query.where(Variant.id > cursor)
    rows, next_cursor = _page(list((await session.scalars(
        query.order_by(Variant.id).limit(limit + 1))).all()), limit, lambda r: r.id)
    return {"data": [variant_doc(r) for r in rows], "next_cursor": next_cursor}


async def list_tax_classes(session: AsyncSession, ws: str, *, cursor: str | None,
                           limit: int) -> dict[str, Any]:
    query = select(TaxClass).where(TaxClass.workspace_id == ws, TaxClass.deleted_at.is_(None))
    if cursor:
        query = query.where(TaxClass.id > cursor)
    rows, next_cursor = _page(list((await session.scalars(
        query.order_by(TaxClass.id).limit(limit + 1))).all()), limit, lambda r: r.id)
    return {"data": [tax_class_doc(r) for r in rows], "next_cursor": next_cursor}


def _pair_cursor(cursor: str | None) -> tuple[str, str] | None:
    if not cursor:
        return None
    first, _, second = cursor.partition(":")
    return first, second


async def list_stock(session: AsyncSession, ws: str, *, location_id: str | None,
                     variant_id: str | None, negative: bool | None, cursor: str | None,
                     limit: int) -> dict[str, Any]:
    query = select(StockLevel, Variant.sku).join(Variant, and_(
        Variant.workspace_id == StockLevel.workspace_id, Variant.id == StockLevel.variant_id)
    ).where(StockLevel.workspace_id == ws, Variant.deleted_at.is_(None))
    if location_id:
        query = query.where(StockLevel.location_id == location_id)
    if variant_id:
        query = query.where(StockLevel.variant_id == variant_id)
    if negative is not None:
        query = query.where(StockLevel.quantity < 0 if negative else StockLevel.quantity >= 0)
    after = _pair_cursor(cursor)
    if after:
        query = query.where(tuple_(StockLevel.variant_id, StockLevel.location_id) > after)
    rows, next_cursor = _page(list((await session.execute(query.order_by(
        StockLevel.variant_id, StockLevel.location_id).limit(limit + 1))).all()), limit,
        lambda r: f"{r[0].variant_id}:{r[0].location_id}")
    return {"data": [stock_doc(level, sku) for level, sku in rows], "next_cursor": next_cursor}


async def list_overrides(session: AsyncSession, ws: str, *, location_id: str | None,
                         variant_id: str | None, cursor: str | None,
                         limit: int) -> dict[str, Any]:
    query = select(PriceOverride).where(PriceOverride.workspace_id == ws)
    if location_id:
        query = query.where(PriceOverride.location_id == location_id)
    if variant_id:
        query = query.where(PriceOverride.variant_id == variant_id)
    after = _pair_cursor(cursor)
    if after:
        query = query.where(tuple_(PriceOverride.variant_id, PriceOverride.location_id) > after)
    rows, next_cursor = _page(list((await session.scalars(query.order_by(
        PriceOverride.variant_id, PriceOverride.location_id).limit(limit + 1))).all()), limit,
        lambda r: f"{r.variant_id}:{r.location_id}")
    return {"data": [override_doc(r) for r in rows], "next_cursor": next_cursor}


async def outlet_figures(session: AsyncSession, ws: str, location_id: str,
                         variant_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Per variant at one outlet: its price override (None = brand price) and stock level
    (None = not tracked) — what the console shows when an outlet chip is selected."""
    figures: dict[str, dict[str, Any]] = {vid: {"price": None, "compare_at": None, "stock": None}
                                          for vid in variant_ids}
    if not variant_ids:
        return figures
    for row in (await session.scalars(select(PriceOverride).where(
            PriceOverride.workspace_id == ws, PriceOverride.location_id == location_id,
            PriceOverride.variant_id.in_(variant_ids)))).all():
        figures[row.variant_id].update(price=row.price, compare_at=row.compare_at)
    for level in (await session.scalars(select(StockLevel).where(
            StockLevel.workspace_id == ws, StockLevel.location_id == location_id,
            StockLevel.variant_id.in_(variant_ids)))).all():
        figures[level.variant_id]["stock"] = level.quantity
    return figures
