"""Till settings: the offline redemption cap, the line-discount limit above which a
manager's PIN is needed, the idle lock and the weighed-item barcode prefixes.  A workspace row
sets the default, a terminal row overrides it field by field; a paired till reads the result
with its config (``GET /v1/pos/config``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.cashier.models import CashierSettings
from activereach.cashier.schemas import SettingsIn
from activereach.kit.db import utcnow
from activereach.kit.errors import Unprocessable
from activereach.kit.ids import new_id
from activereach.tenancy.models import Terminal

WORKSPACE = "workspace"
# Used when nothing is configured: a cap small enough that a stale balance cannot cost much;
# an idle lock short enough for a counter left unattended, long enough not to interrupt a
# slow sale (docs/decisions.md); weighed labels on GS1's in-store prefixes 20-29, price
# embedded (what most scales print).
DEFAULTS: dict[str, Any] = {"offline_redeem_cap": 500, "discount_limit_bp": 1000,
                            "idle_lock_minutes": 5, "weighed_prefixes": "20-29"}
FIELDS = tuple(DEFAULTS)


def _out(row: CashierSettings) -> dict[str, Any]:
    return {"scope": row.scope, **{f: getattr(row, f) for f in FIELDS},
            "updated_at": row.updated_at.isoformat()}


async def put_settings(session: AsyncSession, ws: str, body: SettingsIn) -> dict[str, Any]:
    """Set the workspace defaults, or one terminal's overrides (idempotent: a PUT)."""
    scope = WORKSPACE
    if body.terminal:
        terminal = await session.get(Terminal, (ws, body.terminal))
        if terminal is None:
            raise Unprocessable.field("terminal", f"no terminal {body.terminal!r}")
        scope = terminal.id
    row = await session.scalar(select(CashierSettings).where(
        CashierSettings.workspace_id == ws, CashierSettings.scope == scope).with_for_update())
    if row is None:
        row = CashierSettings(workspace_id=ws, id=new_id("cset"), scope=scope)
        session.add(row)
    for field in FIELDS:  # a PUT: a field left out goes back to inheriting
        setattr(row, field, getattr(body, field))
    row.updated_at = utcnow()
    await session.flush()
    return _out(row)


async def list_settings(session: AsyncSession, ws: str) -> list[dict[str, Any]]:
    rows = (await session.execute(select(CashierSettings).where(
        CashierSettings.workspace_id == ws).order_by(CashierSettings.scope))).scalars()
    return [_out(row) for row in rows]


async def till_config(session: AsyncSession, ws: str, terminal_pk: str | None) -> dict[str, Any]:
    """The effective settings of one till: terminal override, else workspace, else default."""
    scopes = [WORKSPACE] + ([terminal_pk] if terminal_pk else [])
    rows = {row.scope: row for row in (await session.execute(select(CashierSettings).where(
        CashierSettings.workspace_id == ws, CashierSettings.scope.in_(scopes)))).scalars()}
    config: dict[str, Any] = {}
    for field, default in DEFAULTS.items():
        values = [getattr(rows[s], field) for s in reversed(scopes) if s in rows]
        config[field] = next((v for v in values if v is not None), default)
    return config
