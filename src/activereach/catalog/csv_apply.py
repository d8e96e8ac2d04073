"""Applying parsed CSV products in bulk: a few queries and bulk statements per batch.

Each product is checked whole (SKU/barcode clashes, missing title) before anything is written,
so a product is either applied entirely or skipped and reported.  Only what differs from the
database is written, and only that is logged as a change: re-importing a file changes nothing.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.catalog import changes, rules
from activereach.catalog.csv_parse import Problem, ProductSpec, VariantSpec
from activereach.catalog.models import Product, StockLevel, StockMovement, Variant
from activereach.kit.db import utcnow

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # kit.ids' Crockford base32
_PAIRS = [a + b for a in _ALPHABET for b in _ALPHABET]


def fast_id(prefix: str) -> str:
    """``kit.ids.new_id`` output, ten bits per step: bulk imports make ids by the 100,000."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    return prefix + "_" + "".join([_PAIRS[(value >> shift) & 1023] for shift in _SHIFTS])


_SHIFTS = tuple(range(120, -1, -10))
# Only what the diff compares: loading timestamps and unused columns for 100,000 rows is slow.
_PRODUCT_COLUMNS = (Product.id, Product.handle, Product.title, Product.category, Product.hsn,
                    Product.image_url, Product.tax_class_id, Product.option_names,
                    Product.deleted_at.is_not(None).label("deleted"))
_VARIANT_COLUMNS = (Variant.id, Variant.product_id, Variant.sku, Variant.barcode,
                    Variant.option_values, Variant.name, Variant.price, Variant.compare_at,
                    Variant.tax_class_id, Variant.active, Variant.position,
                    Variant.deleted_at.is_not(None).label("deleted"))
if TYPE_CHECKING:
    from typing import TypeAlias

    # Plain rows of the columns above, read by attribute (``row.deleted``), not ORM objects.
    ProductRow: TypeAlias = Row[*tuple[Any, ...]]
    VariantRow: TypeAlias = Row[*tuple[Any, ...]]

PRODUCT_FIELDS = ("title", "category", "hsn", "image_url", "tax_class_id", "option_names")
VARIANT_FIELDS = ("sku", "barcode", "option_values", "name", "price", "compare_at",
                  "tax_class_id", "active", "position")


@dataclass
class BatchResult:
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


@dataclass
class _Plan:
    product_inserts: list[dict[str, Any]] = field(default_factory=list)
    product_updates: list[dict[str, Any]] = field(default_factory=list)
    variant_inserts: list[dict[str, Any]] = field(default_factory=list)
    variant_updates: list[dict[str, Any]] = field(default_factory=list)
    stock_inserts: list[dict[str, Any]] = field(default_factory=list)
    stock_updates: list[dict[str, Any]] = field(default_factory=list)
    movements: list[dict[str, Any]] = field(default_factory=list)
    changed: list[changes.Change] = field(default_factory=list)


async def apply_batch(session: AsyncSession, ws: str, specs: list[ProductSpec],
                      locations: dict[str, str], result: BatchResult) -> None:
    """Apply valid product specs; ``locations`` maps outlet code to id."""
    if not specs:
        return
    now = utcnow()
    # Plain rows, not ORM objects: read-only here, and several times cheaper to load.
    products = {p.handle: p for p in (await session.execute(select(*_PRODUCT_COLUMNS).where(
        Product.workspace_id == ws, Product.handle.in_([s.handle for s in specs])))).all()}
    codes = {v.sku for s in specs for v in s.variants if v.sku} | \
        {v.barcode for s in specs for v in s.variants if v.barcode}
    owners = await _owners(session, ws, codes, [p.id for p in products.values()])
    stock = await _stock(session, ws, list(owners.by_id))
    plan = _Plan()
    claimed: dict[str, str] = {}  # code -> handle, across the batch
    for spec in specs:
        problems = _check(spec, products.get(spec.handle), owners, claimed)
        if problems:
            result.problems.extend(problems)
            result.problems.append({"line": spec.line, "column": "handle",
                                    "reason": f"product {spec.handle!r} skipped: its rows have "
                                              "errors; nothing of it was applied"})
            result.add("products_failed")
            continue
        for variant in spec.variants:
            for code in (variant.sku, variant.barcode):
                if code:
                    claimed[code] = spec.handle
        _plan_product(ws, spec, products.get(spec.handle), owners, stock, locations, plan,
                      result, now)
    await _write(session, ws, plan)


class Owners:
    """The variants a batch can touch, indexed by id, SKU, barcode and product."""

    def __init__(self, variants: dict[str, VariantRow]) -> None:
        self.by_id = variants
        self.by_code: dict[tuple[str, str], VariantRow] = {}
        self.by_product: dict[str, list[VariantRow]] = {}
        for v in variants.values():
            if v.sku:
                self.by_code[("sku", v.sku)] = v
            if v.barcode:
                self.by_code[("barcode", v.barcode)] = v
            if not v.deleted:
                self.by_product.setdefault(v.product_id, []).append(v)


async def _owners(session: AsyncSession, ws: str, codes: set[str],
                  product_ids: list[str]) -> Owners:
    """Variants by id for the batch's products, plus whoever holds one of its SKUs/barcodes.

    One indexed IN query per column (an OR of them would scan the table on SQLite)."""
    found: dict[str, VariantRow] = {}
    codes_list = list(codes)
    for column, values in ((Variant.product_id, product_ids), (Variant.sku, codes_list),
                           (Variant.barcode, codes_list)):
        for start in range(0, len(values), 900):
            rows = (await session.execute(select(*_VARIANT_COLUMNS).where(
                Variant.workspace_id == ws, column.in_(values[start:start + 900])))).all()
            found.update((v.id, v) for v in rows)
    return Owners(found)


async def _stock(session: AsyncSession, ws: str, variant_ids: list[str],
                 ) -> dict[tuple[str, str], Decimal]:
    found: dict[tuple[str, str], Decimal] = {}
    for start in range(0, len(variant_ids), 900):
        rows = await session.execute(select(StockLevel.variant_id, StockLevel.location_id,
                                            StockLevel.quantity).where(
            StockLevel.workspace_id == ws, StockLevel.variant_id.in_(variant_ids[start:start + 900])))
        for variant_id, location_id, quantity in rows:
            found[(variant_id, location_id)] = Decimal(quantity)
    return found


def _check(spec: ProductSpec, product: ProductRow | None, owners: Owners,
           claimed: dict[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    if not spec.title and (product is None or product.deleted):
        problems.append({"line": spec.line, "column": "title", "reason": "required for a new product"})
    seen: dict[str, int] = {}
    for variant in spec.variants:
        match = _match(variant, product, owners)
        for column, code in (("sku", variant.sku), ("barcode", variant.barcode)):
            if not code:
                continue
            if code in seen:
                problems.append({"line": variant.line, "column": column,
                                 "reason": f"{code!r} repeats line {seen[code]}"})
            seen[code] = variant.line
            if claimed.get(code, spec.handle) != spec.handle:
                problems.append({"line": variant.line, "column": column, "reason":
                                 f"{code!r} is also used by product {claimed[code]!r} in this file"})
            holder = owners.by_code.get((column, code))
            if holder is not None and (product is None or holder.product_id != product.id
                                       or (match is not None and holder.id != match.id)):
                problems.append({"line": variant.line, "column": column, "reason":
                                 f"{code!r} is already used by variant {holder.id}"})
    return problems


def _match(variant: VariantSpec, product: ProductRow | None,
           owners: Owners) -> VariantRow | None:
    """The existing variant a row updates: same SKU, else same options on the same product."""
    if product is None:
        return None
    siblings = owners.by_product.get(product.id, [])
    if variant.sku:
        found = owners.by_code.get(("sku", variant.sku))
        if found is not None and found.product_id == product.id and not found.deleted:
            return found
    wanted = [o.lower() for o in variant.options]
    return next((v for v in siblings if [o.lower() for o in v.option_values] == wanted
                 and (v.sku is None or variant.sku is None)), None)


def _plan_product(ws: str, spec: ProductSpec, product: ProductRow | None,
                  owners: Owners, stock: dict[tuple[str, str], Decimal],
                  locations: dict[str, str], plan: _Plan, result: BatchResult, now: Any) -> None:
    values = {"title": spec.title or (product.title if product else ""), "category": spec.category,
              "hsn": spec.hsn, "image_url": spec.image_url, "tax_class_id": spec.tax_class_id,
              "option_names": spec.option_names}
    if product is None:
        product_id = fast_id("prod")
        plan.product_inserts.append({"workspace_id": ws, "id": product_id, "handle": spec.handle,
                                     "active": True, "created_at": now, "updated_at": now,
                                     "deleted_at": None, **values})
        plan.changed.append(("product", product_id, None))
        result.add("products_created")
    else:
        product_id = product.id
        revived = product.deleted
        if revived or any(getattr(product, k) != v for k, v in values.items()):
            plan.product_updates.append({"workspace_id": ws, "id": product_id, "updated_at": now,
                                         "deleted_at": None, "active": True, **values})
            plan.changed.append(("product", product_id, None))
            result.add("products_updated")
        else:
            result.add("products_unchanged")
    for position, variant in enumerate(spec.variants):
        match = _match(variant, product, owners)
        variant_id, changed = _plan_variant(ws, product_id, position, variant, match, plan,
                                            result, now)
        _plan_stock(ws, variant_id, variant, stock, locations, plan, now,
                    log=not changed, opening=match is None)


def _plan_variant(ws: str, product_id: str, position: int, spec: VariantSpec,
                  existing: VariantRow | None, plan: _Plan, result: BatchResult,
                  now: Any) -> tuple[str, bool]:
    """(variant id, whether the variant row itself changed)."""
    values = {"sku": spec.sku, "barcode": spec.barcode, "option_values": spec.options,
              "name": rules.variant_name(spec.options), "price": spec.price,
              "compare_at": spec.compare_at, "tax_class_id": spec.tax_class_id,
              "active": spec.active, "position": position}
    if existing is None:
        variant_id = fast_id("var")
        plan.variant_inserts.append({"workspace_id": ws, "id": variant_id, "product_id": product_id,
                                     "image_url": None, "created_at": now, "updated_at": now,
                                     "deleted_at": None, **values})
        result.add("variants_created")
    else:
        variant_id = existing.id
        if any(getattr(existing, k) != v for k, v in values.items()):
            plan.variant_updates.append({"workspace_id": ws, "id": variant_id, "updated_at": now,
                                         **values})
            result.add("variants_updated")
        else:
            result.add("variants_unchanged")
            return variant_id, False
    plan.changed.append(("variant", variant_id, None))
    return variant_id, True


def _plan_stock(ws: str, variant_id: str, spec: VariantSpec,
                stock: dict[tuple[str, str], Decimal], locations: dict[str, str], plan: _Plan,
                now: Any, *, log: bool, opening: bool) -> None:
    """Set stock levels that differ.  A variant change already tells tills its stock at every
    outlet (``log=False``); a new variant's opening level needs no movement row (``opening``)."""
    for code, quantity in spec.stock.items():
        if quantity is None:
            continue
        location_id = locations[code]
        current = stock.get((variant_id, location_id))
        if current == quantity:
            continue
        row = {"workspace_id": ws, "variant_id": variant_id, "location_id": location_id,
               "quantity": quantity, "updated_at": now}
        (plan.stock_inserts if current is None else plan.stock_updates).append(row)
        if log:
            plan.changed.append(("variant", variant_id, location_id))
        if opening:
            continue
        plan.movements.append({"workspace_id": ws, "id": fast_id("stm"), "variant_id": variant_id,
                               "location_id": location_id, "kind": "import",
                               "delta": quantity - (current or 0), "quantity_after": quantity,
                               "reason": "csv import", "ref": None, "created_at": now})


async def _write(session: AsyncSession, ws: str, plan: _Plan) -> None:
    # Core statements (not ORM-bulk) so updates are plain executemany by primary key.
    table = Product.__table__
    if plan.product_inserts:
        await session.execute(Product.__table__.insert(), plan.product_inserts)
    if plan.product_updates:
        await _update_many(session, table, plan.product_updates)
    if plan.variant_inserts:
        await session.execute(Variant.__table__.insert(), plan.variant_inserts)
    if plan.variant_updates:
        await _update_many(session, Variant.__table__, plan.variant_updates)
    if plan.stock_inserts:
        await session.execute(StockLevel.__table__.insert(), plan.stock_inserts)
    if plan.stock_updates:
        stock = StockLevel.__table__
        await session.execute(stock.update().where(
            stock.c.workspace_id == bindparam("_ws"), stock.c.variant_id == bindparam("_v"),
            stock.c.location_id == bindparam("_l")).values(
            quantity=bindparam("quantity"), updated_at=bindparam("updated_at")),
            [{"_ws": r["workspace_id"], "_v": r["variant_id"], "_l": r["location_id"],
              "quantity": r["quantity"], "updated_at": r["updated_at"]} for r in plan.stock_updates])
    if plan.movements:
        await session.execute(StockMovement.__table__.insert(), plan.movements)
    await changes.record(session, ws, plan.changed)


async def _update_many(session: AsyncSession, table: Any, rows: list[dict[str, Any]]) -> None:
    keys = [k for k in rows[0] if k not in ("workspace_id", "id")]
    stmt = table.update().where(table.c.workspace_id == bindparam("_ws"),
                                table.c.id == bindparam("_id")).values(
        {k: bindparam(k) for k in keys})
    params = [{"_ws": r["workspace_id"], "_id": r["id"], **{k: r[k] for k in keys}} for r in rows]
    await session.execute(stmt, params)
