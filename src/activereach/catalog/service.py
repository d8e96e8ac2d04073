"""Catalog writes: tax classes, products and variants.  Services never commit.

Every write that changes what a till sees records a change (``changes.record``) in the same
transaction; deleting leaves a tombstone (``deleted_at``) so the delta feed can report it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.catalog import changes, rules
from activereach.catalog.models import Product, TaxClass, Variant
from activereach.catalog.schemas import (
    ProductIn,
    ProductPatch,
    TaxClassIn,
    TaxClassPatch,
    VariantIn,
    VariantPatch,
)
from activereach.kit.db import utcnow
from activereach.kit.errors import Conflict, NotFound, Unprocessable
from activereach.kit.ids import new_id


def _rule(exc: rules.RuleError, prefix: str = "") -> Unprocessable:
    return Unprocessable.field(f"{prefix}{exc.field}", exc.message)


# --- tax classes -------------------------------------------------------------------------

async def get_tax_class(session: AsyncSession, ws: str, tax_id: str) -> TaxClass:
    row = await session.get(TaxClass, (ws, tax_id))
    if row is None or row.deleted_at is not None:
        raise NotFound(f"no tax class {tax_id!r}")
    return row


async def check_tax_class(session: AsyncSession, ws: str, tax_id: str | None,
                          field: str = "tax_class_id") -> None:
    if tax_id is None:
        return
    row = await session.get(TaxClass, (ws, tax_id))
    if row is None or row.deleted_at is not None:
        raise Unprocessable.field(field, f"unknown tax class {tax_id!r}")


async def create_tax_class(session: AsyncSession, ws: str, body: TaxClassIn) -> tuple[TaxClass, bool]:
    """(row, created); the same name and content again is a replay, other content a 409."""
    try:
        hsn = rules.validate_hsn(body.hsn)
    except rules.RuleError as exc:
        raise _rule(exc) from exc
    existing = await session.scalar(select(TaxClass).where(TaxClass.workspace_id == ws,
                                                           TaxClass.name == body.name))
    if existing is not None and existing.deleted_at is None:
        if (existing.rate, existing.inclusive, existing.hsn) == (body.rate, body.inclusive, hsn):
            return existing, False
        raise Conflict(f"tax class {body.name!r} already exists as {existing.id}",
                       details={"field": "name", "tax_class_id": existing.id})
    now = utcnow()
    row = existing or TaxClass(workspace_id=ws, id=new_id("tax"), name=body.name, created_at=now)
    row.rate, row.inclusive, row.hsn = body.rate, body.inclusive, hsn
    row.updated_at, row.deleted_at = now, None
    session.add(row)
    await session.flush()
    await changes.record(session, ws, [("tax_class", row.id, None)])
    return row, True


async def update_tax_class(session: AsyncSession, ws: str, tax_id: str,
                           body: TaxClassPatch) -> TaxClass:
    row = await get_tax_class(session, ws, tax_id)
    values = body.model_dump(exclude_unset=True)
    if "hsn" in values:
        try:
            values["hsn"] = rules.validate_hsn(values["hsn"])
        except rules.RuleError as exc:
            raise _rule(exc) from exc
    if "name" in values and values["name"] != row.name:
        taken = await session.scalar(select(TaxClass.id).where(
            TaxClass.workspace_id == ws, TaxClass.name == values["name"]))
        if taken:
            raise Conflict(f"tax class name {values['name']!r} is used by {taken}")
    if _apply(row, values):
        row.updated_at = utcnow()
        await changes.record(session, ws, [("tax_class", row.id, None)])
    return row


async def delete_tax_class(session: AsyncSession, ws: str, tax_id: str) -> TaxClass:
    row = await get_tax_class(session, ws, tax_id)
    used = await session.scalar(select(Product.id).where(
        Product.workspace_id == ws, Product.deleted_at.is_(None), Product.tax_class_id == tax_id
    ).limit(1)) or await session.scalar(select(Variant.id).where(
        Variant.workspace_id == ws, Variant.deleted_at.is_(None), Variant.tax_class_id == tax_id
    ).limit(1))
    if used:
        raise Conflict(f"tax class {tax_id} is still used (e.g. by {used})",
                       details={"used_by": used})
    row.deleted_at = row.updated_at = utcnow()
    await changes.record(session, ws, [("tax_class", row.id, None)])
    return row


def _apply(row: Any, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


# --- uniqueness --------------------------------------------------------------------------

async def check_unique(session: AsyncSession, ws: str, *, sku: str | None, barcode: str | None,
                       exclude: str | None = None, field_prefix: str = "") -> None:
    """409 naming the other variant when the SKU or barcode is taken in this workspace."""
    clauses = []
    if sku:
        clauses.append(Variant.sku == sku)
    if barcode:
        clauses.append(Variant.barcode == barcode)
    if not clauses:
        return
    query = select(Variant.id, Variant.sku, Variant.barcode, Variant.product_id).where(
        Variant.workspace_id == ws, or_(*clauses))
    if exclude:
        query = query.where(Variant.id != exclude)
    row = (await session.execute(query.limit(1))).first()
    if row is None:
        return
    field = "sku" if sku and row.sku == sku else "barcode"
    value = sku if field == "sku" else barcode
    raise Conflict(f"{field} {value!r} is already used by variant {row.id}",
                   code="duplicate_" + field,
                   details={"field": f"{field_prefix}{field}", "variant_id": row.id,
                            "product_id": row.product_id})


def _variant_values(body: VariantIn | VariantPatch, prefix: str) -> dict[str, Any]:
    values = body.model_dump(exclude_unset=True)
    try:
        if values.get("barcode"):
            values["barcode"] = rules.validate_barcode(values["barcode"])
        if "options" in values:
            values["option_values"] = values.pop("options")
    except rules.RuleError as exc:
        raise _rule(exc, prefix) from exc
    return values


# --- products ----------------------------------------------------------------------------

async def get_product(session: AsyncSession, ws: str, product_id: str) -> Product:
    row = await session.get(Product, (ws, product_id))
    if row is None or row.deleted_at is not None:
        raise NotFound(f"no product {product_id!r}")
    return row


async def live_variants(session: AsyncSession, ws: str, product_id: str) -> list[Variant]:
    return list((await session.scalars(select(Variant).where(
        Variant.workspace_id == ws, Variant.product_id == product_id,
        Variant.deleted_at.is_(None)).order_by(Variant.position, Variant.id))).all())


async def create_product(session: AsyncSession, ws: str, body: ProductIn,
                         ) -> tuple[Product, list[Variant], bool]:
    """(product, variants, created).  The same handle with the same content is a replay."""
    try:
        rules.validate_options(body.option_names, [v.options for v in body.variants])
        hsn = rules.validate_hsn(body.hsn)
    except rules.RuleError as exc:
        raise _rule(exc) from exc
    await check_tax_class(session, ws, body.tax_class_id)
    existing = await session.scalar(select(Product).where(Product.workspace_id == ws,
                                                          Product.handle == body.handle))
    if existing is not None and existing.deleted_at is None:
        variants = await live_variants(session, ws, existing.id)
        if _same_product(existing, variants, body, hsn):
            return existing, variants, False
        raise Conflict(f"a product with handle {body.handle!r} already exists: {existing.id}",
                       details={"field": "handle", "product_id": existing.id})
    now = utcnow()
    product = existing or Product(workspace_id=ws, id=new_id("prod"), handle=body.handle,
                                  created_at=now)
    product.title, product.category, product.image_url = body.title, body.category, body.image_url
    product.hsn, product.tax_class_id, product.option_names = hsn, body.tax_class_id, body.option_names
    product.active, product.updated_at, product.deleted_at = body.active, now, None
    session.add(product)
    seen: dict[tuple[str, str], int] = {}  # (sku or barcode, value) -> first variant index
    variants = []
    for index, item in enumerate(body.variants):
        for key in ("sku", "barcode"):
            value = getattr(item, key)
            if value and (key, value) in seen:
                raise Conflict(f"{key} {value!r} repeats in variants[{seen[(key, value)]}] and "
                               f"variants[{index}]", details={"field": f"variants[{index}].{key}"})
            if value:
                seen[(key, value)] = index
        variants.append(await _new_variant(session, ws, product, item, index, f"variants[{index}]."))
    await session.flush()
    await changes.record(session, ws, [("product", product.id, None)]
                         + [("variant", v.id, None) for v in variants])
    return product, variants, True


def _same_product(product: Product, variants: list[Variant], body: ProductIn,
                  hsn: str | None) -> bool:
    mine = (product.title, product.category, product.image_url, product.hsn, product.tax_class_id,
            list(product.option_names), product.active)
    theirs = (body.title, body.category, body.image_url, hsn, body.tax_class_id,
              body.option_names, body.active)
    rows = [(v.sku, v.barcode, list(v.option_values), v.price, v.compare_at, v.tax_class_id,
             v.active) for v in variants]
    wanted = [(v.sku, v.barcode, v.options, v.price, v.compare_at, v.tax_class_id, v.active)
              for v in body.variants]
    return mine == theirs and rows == wanted


async def _new_variant(session: AsyncSession, ws: str, product: Product, body: VariantIn,
                       position: int, prefix: str) -> Variant:
    values = _variant_values(body, prefix)
    await check_tax_class(session, ws, body.tax_class_id, f"{prefix}tax_class_id")
    await check_unique(session, ws, sku=body.sku, barcode=values.get("barcode"),
                       field_prefix=prefix)
    now = utcnow()
    options = values.get("option_values", [])
    variant = Variant(workspace_id=ws, id=new_id("var"), product_id=product.id,
                      sku=body.sku, barcode=values.get("barcode"), option_values=options,
                      name=body.name or rules.variant_name(options), price=body.price,
                      compare_at=body.compare_at, tax_class_id=body.tax_class_id,
                      image_url=body.image_url, active=body.active, position=position,
                      created_at=now, updated_at=now)
    session.add(variant)
    return variant


async def update_product(session: AsyncSession, ws: str, product_id: str,
                         body: ProductPatch) -> Product:
    product = await get_product(session, ws, product_id)
    values = body.model_dump(exclude_unset=True)
    try:
        if "hsn" in values:
            values["hsn"] = rules.validate_hsn(values["hsn"])
    except rules.RuleError as exc:
        raise _rule(exc) from exc
    await check_tax_class(session, ws, values.get("tax_class_id"))
    if _apply(product, values):
        product.updated_at = utcnow()
        await session.flush()
        # Variants carry the product's tax and liveness in the feed, so they change too.
        ids = [v.id for v in await live_variants(session, ws, product.id)]
        await changes.record(session, ws, [("product", product.id, None)]
                             + [("variant", vid, None) for vid in ids])
    return product


async def delete_product(session: AsyncSession, ws: str, product_id: str) -> Product:
    product = await get_product(session, ws, product_id)
    now = utcnow()
    ids = [v.id for v in await live_variants(session, ws, product.id)]
    product.deleted_at, product.active, product.updated_at = now, False, now
    await session.execute(update(Variant).where(Variant.workspace_id == ws,
                                                Variant.product_id == product.id,
                                                Variant.deleted_at.is_(None))
                          .values(deleted_at=now, active=False, sku=None, barcode=None,
                                  updated_at=now), execution_options={"synchronize_session": False})
    await changes.record(session, ws, [("product", product.id, None)]
                         + [("variant", vid, None) for vid in ids])
    return product


# --- variants ----------------------------------------------------------------------------

async def get_variant(session: AsyncSession, ws: str, variant_id: str) -> Variant:
    row = await session.get(Variant, (ws, variant_id))
    if row is None or row.deleted_at is not None:
        raise NotFound(f"no variant {variant_id!r}")
    return row


async def add_variant(session: AsyncSession, ws: str, product_id: str,
                      body: VariantIn) -> tuple[Variant, bool]:
    product = await get_product(session, ws, product_id)
    siblings = await live_variants(session, ws, product.id)
    if body.sku:
        for sibling in siblings:
            if sibling.sku == body.sku and list(sibling.option_values) == body.options \
                    and sibling.price == body.price:
                return sibling, False
    try:
        rules.validate_options(product.option_names,
                               [list(v.option_values) for v in siblings] + [body.options])
    except rules.RuleError as exc:
        raise Unprocessable.field("options", exc.message) from exc
    variant = await _new_variant(session, ws, product, body, len(siblings), "")
    await session.flush()
    await changes.record(session, ws, [("variant", variant.id, None)])
    return variant, True


async def update_variant(session: AsyncSession, ws: str, variant_id: str,
                         body: VariantPatch) -> Variant:
    variant = await get_variant(session, ws, variant_id)
    values = _variant_values(body, "")
    for key in ("sku", "barcode"):
        if key in values and values[key] == "":
            values[key] = None
    await check_tax_class(session, ws, values.get("tax_class_id"))
    await check_unique(session, ws, sku=values.get("sku"), barcode=values.get("barcode"),
                       exclude=variant.id)
    if "option_values" in values:
        product = await get_product(session, ws, variant.product_id)
        others = [list(v.option_values) for v in await live_variants(session, ws, product.id)
                  if v.id != variant.id]
        try:
            rules.validate_options(product.option_names, others + [values["option_values"]])
        except rules.RuleError as exc:
            raise Unprocessable.field("options", exc.message) from exc
        values.setdefault("name", rules.variant_name(values["option_values"]))
    if _apply(variant, values):
        variant.updated_at = utcnow()
        await session.flush()
        await changes.record(session, ws, [("variant", variant.id, None)])
    return variant


async def delete_variant(session: AsyncSession, ws: str, variant_id: str) -> Variant:
    variant = await get_variant(session, ws, variant_id)
    now = utcnow()
    # Free the SKU and barcode for reuse; the tombstone keeps only the id tills know.
    variant.deleted_at, variant.active, variant.updated_at = now, False, now
    variant.sku = variant.barcode = None
    await session.flush()
    await changes.record(session, ws, [("variant", variant.id, None)])
    return variant
