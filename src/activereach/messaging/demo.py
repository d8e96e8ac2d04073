"""Demo brand: every channel on the console provider (records, never sends), idempotently."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.messaging.channels import get_row, put_channel
from activereach.messaging.rules import CHANNELS
from activereach.tenancy.models import Workspace


async def seed_demo_messaging(session: AsyncSession, workspace: Workspace) -> None:
    """Add the console provider where a channel has no settings; never touches existing ones."""
    for channel in CHANNELS:
        if await get_row(session, workspace.id, channel, None) is None:
            await put_channel(session, workspace.id, channel, provider="console", enabled=True,
                              config={}, secrets={})
