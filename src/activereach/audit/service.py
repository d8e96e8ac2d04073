"""Writing and reading the audit log. ``record`` joins the caller's transaction, so an entry
exists exactly when its change was committed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.audit import rules
from activereach.audit.models import AuditEntry
from activereach.kit.db import utcnow
from activereach.kit.ids import new_id


@dataclass(frozen=True)
class Actor:
    kind: str          # user | api_key | cli
    id: str = ""
    label: str = ""


@dataclass(frozen=True)
class Target:
    kind: str          # staff | user | product | tax_class | reward | ...
    id: str = ""
    label: str = ""


async def record(session: AsyncSession, workspace_id: str, actor: Actor, action: str,
                 target: Target, *, before: Mapping[str, Any] | None = None,
                 after: Mapping[str, Any] | None = None, note: str = "",
                 location_id: str | None = None) -> AuditEntry:
    """One entry for one change; a change that changed nothing (same before and after, no note)
    still records the action, because "someone pressed Save" is itself worth knowing."""
    entry = AuditEntry(workspace_id=workspace_id, id=new_id("aud"), at=utcnow(),
                       actor_kind=actor.kind, actor_id=actor.id, actor_label=actor.label[:320],
                       action=action, target_kind=target.kind, target_id=target.id[:80],
                       target_label=target.label[:300], location_id=location_id,
                       changes=rules.changes(before, after), note=note[:500])
    session.add(entry)
    return entry


async def list_entries(session: AsyncSession, workspace_id: str, *, target_kind: str = "",
                       action: str = "", actor_id: str = "",
                       before: tuple[dt.datetime, str] | None = None,
                       limit: int = 50) -> list[AuditEntry]:
    """Newest first, keyset-paginated on (at, id)."""
    stmt = select(AuditEntry).where(AuditEntry.workspace_id == workspace_id)
    if target_kind:
        stmt = stmt.where(AuditEntry.target_kind == target_kind)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if actor_id:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if before is not None:
        stmt = stmt.where(tuple_(AuditEntry.at, AuditEntry.id) < tuple_(*before))
    stmt = stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    return list((await session.scalars(stmt)).all())


async def target_kinds(session: AsyncSession, workspace_id: str) -> list[str]:
    stmt = (select(AuditEntry.target_kind).where(AuditEntry.workspace_id == workspace_id)
            .distinct().order_by(AuditEntry.target_kind))
    return list((await session.scalars(stmt)).all())
