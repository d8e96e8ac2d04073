"""The console's side of the audit log: the signed-in user as the actor, and one call per
change (``audited``) that every console write path uses inside its transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.audit.service import Actor, Target, record
from activereach.console.auth import Console


def actor(con: Console) -> Actor:
    return Actor("user", con.user.id, con.user.email)


async def audited(session: AsyncSession, con: Console, action: str, target: Target, *,
                  before: Mapping[str, Any] | None = None,
                  after: Mapping[str, Any] | None = None, note: str = "") -> None:
    """Record ``action`` on ``target`` by the signed-in user, at the chip strip's outlet."""
    location_id = con.location.id if con.location is not None else None
    await record(session, con.workspace.id, actor(con), action, target, before=before,
                 after=after, note=note, location_id=location_id)


__all__ = ["Target", "actor", "audited"]
