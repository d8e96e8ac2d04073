"""The catalog's part in every order: fill lines from the catalog, move stock on sale and refund.

``prepare`` matches each line's ``sku`` against variant SKUs and barcodes (a till may send the
scanned barcode as the SKU) and fills only what the line left out, so a POS that sends its own
price or tax keeps it.  Unknown SKUs stay custom items.
"""

from __future__ import annotations

from decimal import Decimal
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.catalog import rules
from activereach.catalog.inventory import Movement, apply_movements
from activereach.catalog.models import PriceOverride, Product, TaxClass, Variant
from activereach.kit import session_state
from activereach.kit.db import statement
from activereach.orders.participants import (
    BaseParticipant,
    CompletedOrder,
    PreparedOrder,
    RefundedOrder,
)
from activereach.orders.schemas import OrderIn


def _match_query(_: Any) -> Any:
    """Built once: live variants whose SKU or barcode is one of the order's codes."""
    return (select(Variant, Product)
            .join(Product, (Product.workspace_id == Variant.workspace_id)
                  & (Product.id == Variant.product_id))
            .where(Variant.workspace_id == bindparam("ws"), Variant.deleted_at.is_(None),
                   or_(Variant.sku.in_(bindparam("skus", expanding=True)),
                       Variant.barcode.in_(bindparam("barcodes", expanding=True)))))


async def _match(session: AsyncSession, workspace_id: str, codes: set[str]) -> list[Any]:
    ordered = sorted(codes)
    return list((await session.execute(statement(session, ("catalog.match",), _match_query),
                                       {"ws": workspace_id, "skus": ordered,
                                        "barcodes": ordered})).all())


@dataclass
class _Prefetched:
    """A group commit's catalog matches, per workspace: (the codes asked about, the rows)."""

    by_workspace: dict[str, tuple[frozenset[str], list[Any]]] = field(default_factory=dict)


async def prefetch_matches(session: AsyncSession, workspace_id: str, codes: set[str]) -> None:
    """Match every code of a group commit's orders in one statement; ``prepare`` then answers
    from it (variants do not change inside an ingest transaction)."""
    if codes:
        session_state.state(session, _Prefetched).by_workspace[workspace_id] = (
            frozenset(codes), await _match(session, workspace_id, codes))


class CatalogParticipant(BaseParticipant):
    name = "catalog"

    async def prefetch(self, session: AsyncSession, workspace_id: str,
                       orders: list[OrderIn]) -> None:
        await prefetch_matches(session, workspace_id,
                               {line.sku for order in orders for line in order.lines if line.sku})

    async def prepare(self, session: AsyncSession, prepared: PreparedOrder) -> None:
        skus = {line.sku for line in prepared.lines if line.sku}
        if not skus:
            return
        ws = prepared.workspace.id
        prefetched = session_state.peek(session, _Prefetched)
        known = prefetched.by_workspace.get(ws) if prefetched else None
        if known is not None and skus <= known[0]:
            rows = [(v, p) for v, p in known[1] if v.sku in skus or v.barcode in skus]
        else:
            rows = await _match(session, ws, skus)
        if not rows:
            return
        by_code: dict[str, tuple[Variant, Product]] = {}
        for variant, product in rows:
            for code in (variant.barcode, variant.sku):  # an exact SKU match wins over a barcode
                if code:
                    by_code[code] = (variant, product)
        classes = await _tax_classes(session, ws)
        overrides = await _overrides(session, ws, prepared.location_id,
                                     [variant.id for variant, _ in rows])
        for index, line in enumerate(prepared.lines):
            match = by_code.get(line.sku or "")
            if match is None:
                continue
            variant, product = match
            prepared.variant_ids[index] = variant.id
            fill = _fill(variant, product, classes, overrides.get(variant.id))
            missing = {key: value for key, value in fill.items()
                       if key not in line.model_fields_set and value is not None}
            if line.sku != variant.sku and variant.sku and "sku" in line.model_fields_set:
                missing["sku"] = variant.sku  # a barcode sent as SKU is recorded as the SKU
            if missing:
                prepared.lines[index] = line.model_copy(update=missing)

    async def completed(self, session: AsyncSession, completed: CompletedOrder) -> None:
        matched = [(line, line.variant_id) for line in completed.lines if line.variant_id]
        if not matched:
            return
        negative: list[dict[str, object]] = []
        location_id = completed.order.location_id
        if location_id:
            moves = [Movement(variant_id, location_id, -Decimal(line.quantity), "sale",
                              f"sale:{completed.order.id}:{line.line_no}")
                     for line, variant_id in matched]
            negative = await apply_movements(session, completed.workspace.id, moves)
        completed.result["catalog"] = {"matched_lines": len(matched), "negative_stock": negative}

    async def refunded(self, session: AsyncSession, refunded: RefundedOrder) -> None:
        location_id = refunded.order.location_id
        if not location_id:
            return
        moves = [Movement(line.variant_id, location_id, Decimal(quantity), "refund",
                          f"refund:{refunded.refund.id}:{line.line_no}")
                 for line, quantity in refunded.line_quantities if line.variant_id]
        if moves:
            await apply_movements(session, refunded.workspace_id, moves)


def _fill(variant: Variant, product: Product, classes: dict[str, tuple[Decimal, bool, str | None]],
          override: tuple[int, int | None] | None) -> dict[str, Any]:
    price, _ = rules.effective_price(variant.price, variant.compare_at, override)
    tax = rules.effective_tax(variant.tax_class_id, product.tax_class_id, product.hsn, classes)
    return {"name": product.title, "variant": variant.name or None, "category": product.category,
            "unit_price": price, "tax_rate": tax.rate, "tax_inclusive": tax.inclusive,
            "hsn": tax.hsn, "product_id": product.id}


async def _tax_classes(session: AsyncSession, ws: str) -> dict[str, tuple[Decimal, bool, str | None]]:
    rows = await session.execute(select(TaxClass.id, TaxClass.rate, TaxClass.inclusive,
                                        TaxClass.hsn).where(TaxClass.workspace_id == ws))
    return {row.id: (Decimal(row.rate), row.inclusive, row.hsn) for row in rows}


async def _overrides(session: AsyncSession, ws: str, location_id: str | None,
                     variant_ids: list[str]) -> dict[str, tuple[int, int | None]]:
    if not location_id:
        return {}
    rows = await session.execute(select(PriceOverride.variant_id, PriceOverride.price,
                                        PriceOverride.compare_at).where(
        PriceOverride.workspace_id == ws, PriceOverride.location_id == location_id,
        PriceOverride.variant_id.in_(variant_ids)))
    return {row.variant_id: (row.price, row.compare_at) for row in rows}
