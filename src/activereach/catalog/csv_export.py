"""Exporting the catalog in the import format, product page by product page (streamed).

Product-level columns are written on a product's first row only (as commerce exports do);
each row carries its variant's effective tax, so re-importing the export changes nothing.
Cells are escaped against spreadsheet formulas (``kit/csv_safe.py``); the import undoes it.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from decimal import Decimal

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.catalog.models import Product, StockLevel, TaxClass, Variant
from activereach.kit import csv_safe
from activereach.kit.money import currency_exponent
from activereach.tenancy.models import Location, Workspace

BASE_COLUMNS = ["handle", "title", "option1 name", "option1 value", "option2 name",
                "option2 value", "option3 name", "option3 value", "sku", "barcode", "price",
                "compare at price", "tax class", "tax rate", "hsn", "category", "image url",
                "active"]
PAGE = 1000


def money(amount: int | None, exponent: int) -> str:
    if amount is None:
        return ""
    return f"{Decimal(amount).scaleb(-exponent):.{exponent}f}"


def quantity(value: Decimal | None) -> str:
    return "" if value is None else format(Decimal(value).normalize(), "f")


async def export_rows(session: AsyncSession, workspace: Workspace) -> AsyncIterator[list[str]]:
    ws = workspace.id
    exponent = currency_exponent(workspace.currency)
    outlets = list((await session.execute(select(Location.id, Location.code).where(
        Location.workspace_id == ws).order_by(Location.code))).all())
    taxes = {t.id: t for t in (await session.scalars(select(TaxClass).where(
        TaxClass.workspace_id == ws))).all()}
    yield BASE_COLUMNS + [f"stock:{code}" for _, code in outlets]
    after = ""
    while True:
        products = list((await session.scalars(select(Product).where(
            Product.workspace_id == ws, Product.deleted_at.is_(None), Product.handle > after)
            .order_by(Product.handle).limit(PAGE))).all())
        if not products:
            return
        after = products[-1].handle
        variants = list((await session.scalars(select(Variant).where(
            Variant.workspace_id == ws, Variant.deleted_at.is_(None),
            Variant.product_id.in_([p.id for p in products]))
            .order_by(Variant.product_id, Variant.position, Variant.id))).all())
        stock = {(s.variant_id, s.location_id): s.quantity for s in (await session.scalars(
            select(StockLevel).where(StockLevel.workspace_id == ws, StockLevel.variant_id.in_(
                [v.id for v in variants])))).all()} if variants else {}
        by_product: dict[str, list[Variant]] = {}
        for variant in variants:
            by_product.setdefault(variant.product_id, []).append(variant)
        for product in products:
            for index, variant in enumerate(by_product.get(product.id, [])):
                yield _row(product, variant, index == 0, taxes, exponent, outlets, stock)


def _row(product: Product, variant: Variant, first: bool, taxes: dict[str, TaxClass],
         exponent: int, outlets: list[Row[str, str]],
         stock: dict[tuple[str, str], Decimal]) -> list[str]:
    names = list(product.option_names) + [""] * (3 - len(product.option_names))
    values = list(variant.option_values) + [""] * (3 - len(variant.option_values))
    tax = taxes.get(variant.tax_class_id or product.tax_class_id or "")
    row = [product.handle, product.title if first else ""]
    for index in range(3):
        row += [names[index] if first else "", values[index]]
    row += [variant.sku or "", variant.barcode or "", money(variant.price, exponent),
            money(variant.compare_at, exponent), tax.name if tax else "",
            quantity(tax.rate) if tax else "", (product.hsn or "") if first else "",
            (product.category or "") if first else "", (product.image_url or "") if first else "",
            "true" if variant.active else "false"]
    row += [quantity(stock.get((variant.id, location_id))) for location_id, _ in outlets]
    return row


async def export_text(session: AsyncSession, workspace: Workspace) -> AsyncIterator[str]:
    """CSV text in blocks of about 64 KB."""
    buffer = io.StringIO()
    writer = csv_safe.writer(buffer, lineterminator="\n")  # cells escaped against formulas
    async for row in export_rows(session, workspace):
        writer.writerow(row)
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
