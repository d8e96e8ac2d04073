"""The hook on every appended event (``events.service.on_append``, wired in ``wiring.py``):
an event some destination wants becomes one ``destinations.fan_out`` job, written with the event
in the same transaction (the outbox rule: nothing lost, nothing sent for a rolled-back event).

Kept cheap for the ingest hot path: a workspace's subscriptions are cached per process
(``kit.cache.TenantCache``, forgotten on any write of a destination), a workspace without
destinations costs one cache look-up, and one that has some costs one held write per event."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.destinations import rules
from activereach.destinations.models import Destination
from activereach.jobs.service import enqueue
from activereach.kit.cache import TenantCache

FAN_OUT = "destinations.fan_out"
# (destination id, the categories it takes) of a workspace's active destinations.
Subscriptions = tuple[tuple[str, frozenset[str]], ...]
SUBSCRIPTIONS: TenantCache[Subscriptions] = TenantCache("destinations.subscriptions")
SUBSCRIPTIONS.forget_on_write(Destination)

class _Sequence:
    """Strictly increasing in this process (nanoseconds, bumped on a tie): a contact's events
    keep the order they were appended in, which is the order their deliveries go in."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> int:
        with self._lock:
            self._last = max(time.time_ns(), self._last + 1)
            return self._last


next_seq = _Sequence().next


async def subscriptions(session: AsyncSession, workspace_id: str) -> Subscriptions:
    async def load() -> Subscriptions:
        rows = await session.execute(
            select(Destination.id, Destination.event_types)
            .where(Destination.workspace_id == workspace_id, Destination.status == "active")
            .order_by(Destination.id))
        return tuple((row[0], frozenset(row[1] or ())) for row in rows)
    return await SUBSCRIPTIONS.get((workspace_id,), load)


async def on_event(session: AsyncSession, row: dict[str, Any]) -> None:
    """Enqueue the event's fan-out if any active destination of its workspace takes it."""
    wanted = await subscriptions(session, row["workspace_id"])
    if not wanted:
        return
    kind = rules.category(row["name"], row.get("type") or "track", row["source"],
                          row.get("properties") or {})
    if kind is None or not any(kind in types for _, types in wanted):
        return
    # The event itself travels in the job (no read back of a row that may still be held).
    await enqueue(session, kind=FAN_OUT, workspace_id=row["workspace_id"],
                  payload={"event": rules.envelope(row), "category": kind, "seq": next_seq()})
