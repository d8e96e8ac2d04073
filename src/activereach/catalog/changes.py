"""The catalog change log: a per-workspace sequence and one row per change a till must learn.

``record`` bumps ``catalog_sequences.seq`` with an UPDATE, which holds that row's lock until the
transaction commits.  Two writers therefore get their sequence numbers in commit order, so a
reader that sees cursor C has also seen every change numbered <= C (the snapshot + delta
guarantee).  The price is that catalog writes of one workspace serialise at commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.catalog.models import CatalogChange, CatalogSequence
from activereach.jobs.service import enqueue
from activereach.kit.db import insert_ignore, utcnow

RETENTION = dt.timedelta(days=30)

Change = tuple[str, str, str | None]  # (entity, entity id, location id or None)


async def record(session: AsyncSession, workspace_id: str, changes: Iterable[Change]) -> int:
    """Append changes (duplicates within the call collapse); returns the new head sequence."""
    unique = list(dict.fromkeys(changes))
    if not unique:
        return await head(session, workspace_id)
    await session.execute(insert_ignore(session, CatalogSequence.__table__).values(
        workspace_id=workspace_id, seq=0, pruned_through=0))
    new_head = (await session.execute(
        update(CatalogSequence).where(CatalogSequence.workspace_id == workspace_id)
        .values(seq=CatalogSequence.seq + len(unique)).returning(CatalogSequence.seq),
        execution_options={"synchronize_session": False})).scalar_one()
    first = new_head - len(unique) + 1
    now = utcnow()
    rows = [{"workspace_id": workspace_id, "seq": first + i, "entity": entity, "entity_id": eid,
             "location_id": loc, "changed_at": now}
            for i, (entity, eid, loc) in enumerate(unique)]
    for start in range(0, len(rows), 5000):
        await session.execute(CatalogChange.__table__.insert(), rows[start:start + 5000])
    # At most one pruning pass per workspace per day, scheduled by the writes themselves.
    await enqueue(session, kind="catalog.prune_changes", workspace_id=workspace_id, payload={},
                  dedupe_key=f"catalog.prune:{workspace_id}:{now.date().isoformat()}",
                  run_at=now + dt.timedelta(hours=1))
    return new_head


async def head(session: AsyncSession, workspace_id: str) -> int:
    value = await session.scalar(select(CatalogSequence.seq)
                                 .where(CatalogSequence.workspace_id == workspace_id))
    return int(value or 0)


async def window(session: AsyncSession, workspace_id: str) -> tuple[int, int]:
    """(pruned_through, head): cursors in [pruned_through, head] can be served."""
    row = (await session.execute(
        select(CatalogSequence.pruned_through, CatalogSequence.seq)
        .where(CatalogSequence.workspace_id == workspace_id))).first()
    return (int(row[0]), int(row[1])) if row else (0, 0)


async def prune(session: AsyncSession, workspace_id: str, *,
                older_than: dt.datetime | None = None) -> int:
    """Drop changes older than the retention window; cursors before them then answer 410."""
    cutoff = older_than or utcnow() - RETENTION
    last = await session.scalar(select(func.max(CatalogChange.seq)).where(
        CatalogChange.workspace_id == workspace_id, CatalogChange.changed_at < cutoff))
    if last is None:
        return 0
    # DML through the session gives a CursorResult (with rowcount); the stub says Result
    result = cast(CursorResult[Any], await session.execute(delete(CatalogChange).where(
        CatalogChange.workspace_id == workspace_id, CatalogChange.seq <= last)))
    await session.execute(update(CatalogSequence).where(
        CatalogSequence.workspace_id == workspace_id,
        CatalogSequence.pruned_through < last).values(pruned_through=last))
    return int(result.rowcount or 0)
