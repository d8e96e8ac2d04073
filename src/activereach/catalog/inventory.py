"""Outlet prices and stock: overrides, adjustments, and the movements orders and refunds cause.

Stock moves with an atomic ``UPDATE … SET quantity = quantity + :delta`` so concurrent sales at
one outlet never lose an update; every movement is appended to ``catalog_stock_movements`` with a
``ref`` that is unique per workspace, so a cause (an order line, a refund line, an adjustment id)
applies at most once.  Negative stock is allowed (the sale happened) but counted and logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

import structlog
from sqlalchemy import CursorResult, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.catalog import changes
from activereach.catalog.rules import decimal_text
from activereach.catalog.models import PriceOverride, StockLevel, StockMovement, Variant
from activereach.catalog.schemas import PriceOverrideIn, StockAdjustmentIn
from activereach.catalog.service import get_variant
from activereach.kit.db import utcnow
from activereach.kit.errors import Conflict, NotFound, Unprocessable
from activereach.kit.ids import new_id
from activereach.tenancy.models import Location
from activereach.tenancy.service import find_location

log = structlog.get_logger(__name__)


async def resolve_location(session: AsyncSession, ws: str, ref: str,
                           field: str = "location") -> Location:
    location = await find_location(session, ws, ref)
    if location is None:
        raise Unprocessable.field(field, f"no outlet with id or code {ref!r}")
    return location


# --- price overrides ---------------------------------------------------------------------

async def set_price_override(session: AsyncSession, ws: str, variant_id: str, location_ref: str,
                             body: PriceOverrideIn) -> PriceOverride:
    variant = await get_variant(session, ws, variant_id)
    location = await resolve_location(session, ws, location_ref)
    row = await session.get(PriceOverride, (ws, variant.id, location.id))
    if row is not None and (row.price, row.compare_at) == (body.price, body.compare_at):
        return row
    if row is None:
        row = PriceOverride(workspace_id=ws, variant_id=variant.id, location_id=location.id,
                            price=body.price)
        session.add(row)
    row.price, row.compare_at, row.updated_at = body.price, body.compare_at, utcnow()
    await session.flush()
    await changes.record(session, ws, [("variant", variant.id, location.id)])
    return row


async def delete_price_override(session: AsyncSession, ws: str, variant_id: str,
                                location_ref: str) -> bool:
    variant = await get_variant(session, ws, variant_id)
    location = await resolve_location(session, ws, location_ref)
    # DML through the session gives a CursorResult (with rowcount); the stub says Result
    result = cast(CursorResult[Any], await session.execute(delete(PriceOverride).where(
        PriceOverride.workspace_id == ws, PriceOverride.variant_id == variant.id,
        PriceOverride.location_id == location.id)))
    if result.rowcount:
        await changes.record(session, ws, [("variant", variant.id, location.id)])
    return bool(result.rowcount)


# --- stock -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Movement:
    variant_id: str
    location_id: str
    delta: Decimal
    kind: str
    ref: str | None
    reason: str | None = None


async def apply_movements(session: AsyncSession, ws: str, movements: list[Movement], *,
                          track_missing: bool = False) -> list[dict[str, object]]:
    """Move tracked stock; returns the (variant, outlet) levels that went below zero.

    Untracked pairs are skipped unless ``track_missing`` (adjustments start tracking at 0).
    A movement whose ``ref`` was already applied is skipped.
    """
    negative: list[dict[str, object]] = []
    touched = []
    for move in movements:
        if move.ref and await session.scalar(select(StockMovement.id).where(
                StockMovement.workspace_id == ws, StockMovement.ref == move.ref)):
            continue
        after = await _bump(session, ws, move, track_missing)
        if after is None:
            continue
        await session.execute(insert(StockMovement.__table__), [dict(
            workspace_id=ws, id=new_id("stm"), variant_id=move.variant_id,
            location_id=move.location_id, kind=move.kind, delta=move.delta, quantity_after=after,
            reason=move.reason, ref=move.ref, created_at=utcnow())])
        touched.append(("variant", move.variant_id, move.location_id))
        if after < 0:
            negative.append({"variant_id": move.variant_id, "location_id": move.location_id,
                             "quantity": decimal_text(after)})
            log.warning("stock below zero", workspace_id=ws, variant_id=move.variant_id,
                        location_id=move.location_id, quantity=str(after), cause=move.kind)
    await changes.record(session, ws, touched)
    return negative


async def _bump(session: AsyncSession, ws: str, move: Movement, track_missing: bool,
                ) -> Decimal | None:
    now = utcnow()
    after = (await session.execute(
        update(StockLevel).where(StockLevel.workspace_id == ws,
                                 StockLevel.variant_id == move.variant_id,
                                 StockLevel.location_id == move.location_id)
        .values(quantity=StockLevel.quantity + move.delta, updated_at=now)
        .returning(StockLevel.quantity), execution_options={"synchronize_session": False},
    )).scalar_one_or_none()
    if after is None and track_missing:
        await session.execute(insert(StockLevel).values(
            workspace_id=ws, variant_id=move.variant_id, location_id=move.location_id,
            quantity=move.delta, updated_at=now))
        after = move.delta
    return None if after is None else Decimal(after)


async def adjust_stock(session: AsyncSession, ws: str, body: StockAdjustmentIn) -> dict[str, object]:
    """A manual count or correction; replaying the same ``adjustment_id`` changes nothing."""
    if (body.delta is None) == (body.set_to is None):
        raise Unprocessable.field("delta", "give exactly one of delta or set_to")
    variant = await _variant_by_ref(session, ws, body.variant_id, body.sku)
    location = await resolve_location(session, ws, body.location)
    ref = f"adjust:{body.adjustment_id}"
    done = await session.scalar(select(StockMovement).where(StockMovement.workspace_id == ws,
                                                            StockMovement.ref == ref))
    if done is not None:
        if done.variant_id != variant.id or done.location_id != location.id:
            raise Conflict(f"adjustment {body.adjustment_id!r} was already used for another "
                           "variant or outlet", code="idempotency_conflict")
        return _adjust_result(done, replayed=True)
    current = await session.get(StockLevel, (ws, variant.id, location.id))
    base = current.quantity if current is not None else Decimal(0)
    if body.delta is not None:
        delta, kind = body.delta, "adjust"
    else:
        assert body.set_to is not None  # exactly one of the two, checked above
        delta, kind = body.set_to - base, "set"
    await apply_movements(session, ws, [Movement(variant.id, location.id, delta, kind, ref,
                                                 body.reason)], track_missing=True)
    row = await session.scalar(select(StockMovement).where(StockMovement.workspace_id == ws,
                                                           StockMovement.ref == ref))
    assert row is not None  # apply_movements has just written it (track_missing: always)
    return _adjust_result(row, replayed=False)


def _adjust_result(row: StockMovement, *, replayed: bool) -> dict[str, object]:
    return {"id": row.id, "variant_id": row.variant_id, "location_id": row.location_id,
            "kind": row.kind, "delta": decimal_text(row.delta),
            "quantity": decimal_text(row.quantity_after),
            "reason": row.reason, "created_at": row.created_at.isoformat(), "replayed": replayed}


async def untrack_stock(session: AsyncSession, ws: str, variant_id: str, location_ref: str) -> None:
    variant = await get_variant(session, ws, variant_id)
    location = await resolve_location(session, ws, location_ref)
    # DML through the session gives a CursorResult (with rowcount); the stub says Result
    result = cast(CursorResult[Any], await session.execute(delete(StockLevel).where(
        StockLevel.workspace_id == ws, StockLevel.variant_id == variant.id,
        StockLevel.location_id == location.id)))
    if result.rowcount:
        await changes.record(session, ws, [("variant", variant.id, location.id)])


async def _variant_by_ref(session: AsyncSession, ws: str, variant_id: str | None,
                          sku: str | None) -> Variant:
    if variant_id:
        return await get_variant(session, ws, variant_id)
    if sku:
        row = await session.scalar(select(Variant).where(Variant.workspace_id == ws,
                                                         Variant.sku == sku))
        if row is None:
            raise NotFound(f"no variant with sku {sku!r}")
        return row
    raise Unprocessable.field("variant_id", "give variant_id or sku")
