"""The demo brand's catalog: the café MENU as products with variants, GST classes and stock.

Idempotent: tax classes and products are found by name and handle, stock is opened with fixed
adjustment ids, so seeding again changes nothing (and never undoes an admin's later edits).
"""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.catalog import inventory, service
from activereach.catalog.models import Product
from activereach.catalog.schemas import (
    PriceOverrideIn,
    ProductIn,
    StockAdjustmentIn,
    TaxClassIn,
    VariantIn,
)
from activereach.tenancy.models import Location, Workspace

OPTION_NAME = {"Retail": "Grind"}
# Opening stock per outlet for what is counted (drinks are made to order, so not tracked).
OPENING_STOCK = {"Bakery": Decimal(30), "Retail": Decimal(40), "Merch": Decimal(25)}
# Bandra charges more for a medium latte: an outlet-tier price.
OUTLET_PRICES = {("LATTE-M", "mum-bandra"): 25900}

# (sku, name, variant, category, price in paise, GST %, HSN)
MENU = [
    ("LATTE-S", "Latte", "Small", "Coffee", 19900, "5", "2101"),
    ("LATTE-M", "Latte", "Medium", "Coffee", 24900, "5", "2101"),
    ("LATTE-L", "Latte", "Large", "Coffee", 28900, "5", "2101"),
    ("CAPP-M", "Cappuccino", "Medium", "Coffee", 22900, "5", "2101"),
    ("COLD-BREW-M", "Cold Brew", "Medium", "Coffee", 26900, "5", "2101"),
    ("MASALA-CHAI", "Masala Chai", "Regular", "Tea", 12900, "5", "0902"),
    ("CROISSANT", "Butter Croissant", None, "Bakery", 14900, "18", "1905"),
    ("BANANA-BREAD", "Banana Bread", None, "Bakery", 17900, "18", "1905"),
    ("BEANS-250-WB", "House Blend Beans 250g", "Whole bean", "Retail", 59900, "5", "0901"),
    ("BEANS-250-GR", "House Blend Beans 250g", "Ground", "Retail", 59900, "5", "0901"),
    ("MUG-CERAMIC", "Ceramic Mug", None, "Merch", 49900, "12", "6912"),
]


def _handle(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _products(menu: list[tuple], taxes: dict[str, str]) -> list[ProductIn]:
    grouped: dict[str, list[tuple]] = {}
    for item in menu:
        grouped.setdefault(item[1], []).append(item)
    products = []
    for name, items in grouped.items():
        _, _, variant, category, _, rate, hsn = items[0]
        options = [OPTION_NAME.get(category, "Size")] if variant else []
        products.append(ProductIn(
            handle=_handle(name), title=name, category=category, hsn=hsn,
            tax_class_id=taxes[rate], option_names=options,
            variants=[VariantIn(sku=sku, options=[v] if v else [], price=price)
                      for sku, _, v, _, price, _, _ in items]))
    return products


async def seed_demo_catalog(session: AsyncSession, workspace: Workspace,
                            locations: list[Location]) -> dict[str, int]:
    ws = workspace.id
    taxes = {}
    for rate in sorted({item[5] for item in MENU} | {"12"}, key=Decimal):
        row, _ = await service.create_tax_class(session, ws, TaxClassIn(
            name=f"GST {rate}%", rate=Decimal(rate), inclusive=True))
        taxes[rate] = row.id
    created = 0
    for spec in _products(MENU, taxes):
        exists = await session.scalar(select(Product.id).where(Product.workspace_id == ws,
                                                               Product.handle == spec.handle))
        if exists:
            continue
        await service.create_product(session, ws, spec)
        created += 1
    by_code = {loc.code: loc for loc in locations}
    for sku, _, _, category, _, _, _ in MENU:
        if category not in OPENING_STOCK:
            continue
        for loc in locations:
            await inventory.adjust_stock(session, ws, StockAdjustmentIn(
                adjustment_id=f"demo-open:{sku}:{loc.code}", sku=sku, location=loc.id,
                set_to=OPENING_STOCK[category], reason="demo opening stock"))
    for (sku, code), price in OUTLET_PRICES.items():
        variant = await inventory._variant_by_ref(session, ws, None, sku)
        if code in by_code:
            await inventory.set_price_override(session, ws, variant.id, by_code[code].id,
                                               PriceOverrideIn(price=price))
    return {"products_created": created, "tax_classes": len(taxes)}
