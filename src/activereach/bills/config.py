"""Two-tier bill configuration: a brand row (``location_id`` NULL) and outlet overrides.

Resolution is field by field: the outlet's value when it sets one, else the brand's, else the
default below.  Clearing a field at the outlet tier makes it fall back again.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.models import BRAND_SERIES, BillConfig
from activereach.bills.schemas import BillConfigIn
from activereach.kit.cache import TenantCache
from activereach.kit.db import insert_ignore, utcnow
from activereach.kit.ids import new_id

DEFAULTS: dict[str, Any] = {
    "brand_name": None, "logo_url": None, "primary_color": "#1f2937", "accent_color": "#d97706",
    "footer_text": None, "social_links": {}, "terms_url": None, "refund_policy": None,
    "show_rating": True, "show_points": True, "show_membership": True, "show_review": True,
    "membership_url": None, "review_url": None, "rewards_url": None, "invoice_prefix": None,
    "legal_name": None, "address": None, "phone": None, "gstin": None, "state_code": None,
}
FIELDS = tuple(DEFAULTS)
# Every bill page view and every order reads the resolved config; a short per-process cache
# saves a query each.  Writes through this process clear it at once (``forget``); other
# processes see a change within the TTL (kit/cache.py).
_resolved: TenantCache[dict[str, Any]] = TenantCache("bill_config")
_resolved.forget_on_write(BillConfig)


def resolve(brand: dict[str, Any] | None, outlet: dict[str, Any] | None) -> dict[str, Any]:
    """Field by field: outlet value if set, else brand value, else the default."""
    brand, outlet = brand or {}, outlet or {}
    resolved: dict[str, Any] = {}
    for field in FIELDS:
        for tier in (outlet, brand):
            value = tier.get(field)
            if value is not None and value != "":
                resolved[field] = value
                break
        else:
            resolved[field] = DEFAULTS[field]
    return resolved


def origins(brand: dict[str, Any] | None, outlet: dict[str, Any] | None) -> dict[str, str]:
    """Where each resolved field came from: "outlet", "brand" or "default" (for the console)."""
    brand, outlet = brand or {}, outlet or {}
    return {f: "outlet" if outlet.get(f) is not None else "brand" if brand.get(f) is not None
            else "default" for f in FIELDS}


def scope_key(location_id: str | None) -> str:
    return location_id or BRAND_SERIES


async def load_tiers(session: AsyncSession, workspace_id: str,
                     location_id: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(brand values, outlet values) in one query."""
    keys = [BRAND_SERIES] + ([location_id] if location_id else [])
    rows = (await session.execute(
        select(BillConfig.scope_key, BillConfig.values).where(
            BillConfig.workspace_id == workspace_id,
            or_(*[BillConfig.scope_key == key for key in keys])))).all()
    found = {key: values or {} for key, values in rows}
    return found.get(BRAND_SERIES, {}), (found.get(location_id, {}) if location_id else {})


async def resolved_config(session: AsyncSession, workspace_id: str,
                          location_id: str | None) -> dict[str, Any]:
    brand, outlet = await load_tiers(session, workspace_id, location_id)
    return resolve(brand, outlet)


async def cached_resolved_config(session: AsyncSession, workspace_id: str,
                                 location_id: str | None) -> dict[str, Any]:
    return await _resolved.get((workspace_id, location_id),
                               lambda: resolved_config(session, workspace_id, location_id))


def forget(workspace_id: str) -> None:
    _resolved.forget(workspace_id)


async def get_tier(session: AsyncSession, workspace_id: str,
                   location_id: str | None) -> BillConfig | None:
    return await session.scalar(select(BillConfig).where(
        BillConfig.workspace_id == workspace_id,
        BillConfig.scope_key == scope_key(location_id)))


async def put_tier(session: AsyncSession, workspace_id: str, location_id: str | None,
                   body: BillConfigIn) -> BillConfig:
    """Replace one tier with exactly the fields sent (idempotent: the same PUT, the same row)."""
    values = body.tier_values()
    key = scope_key(location_id)
    await session.execute(insert_ignore(session, BillConfig).values(
        workspace_id=workspace_id, id=new_id("bcfg"), scope_key=key, location_id=location_id,
        values={}, updated_at=utcnow()))
    row = await get_tier(session, workspace_id, location_id)
    assert row is not None
    row.values = values
    row.updated_at = utcnow()
    await session.flush()
    forget(workspace_id)
    return row


async def delete_tier(session: AsyncSession, workspace_id: str, location_id: str) -> bool:
    # DML through the session gives a CursorResult (with rowcount); the stub says Result
    result = cast(CursorResult[Any], await session.execute(delete(BillConfig).where(
        BillConfig.workspace_id == workspace_id, BillConfig.scope_key == location_id)))
    forget(workspace_id)
    return bool(result.rowcount)


def tier_document(row: BillConfig | None, location_id: str | None) -> dict[str, Any]:
    return {"scope": "outlet" if location_id else "brand", "location_id": location_id,
            "values": dict(row.values) if row else {},
            "updated_at": row.updated_at.isoformat() if row else None}
