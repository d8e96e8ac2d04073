"""Group commit for the ingest path: orders that arrive together share one transaction.

Concurrent ``POST /v1/orders`` requests queue here (``kit.batching.GroupCommit``). One task
per process takes up to ``MAX_BATCH`` of them (never two that could be the same order), reads
what they will look up set-wise (replay keys, identity owners, participants' ``prefetch``),
runs ``ingest_order`` for each in one transaction with their rows held (``kit.deferred``:
orders, lines, payments, bills, events, jobs, new contacts and identities, contact touches,
invoice numbers) and sent as one statement per table, and commits once. On PostgreSQL the
batch takes its workspace's advisory lock just before its first write (``orders.batch_lock``),
so two API processes overlap. The answers are what one-by-one ingestion would give:

- an order refused for its own content (an ``AppError``) rolls the batch back; it is answered
  alone, and the others go back to the head of the queue;
- a look-up that went stale before the lock (``deferred.Stale``) runs the batch once more
  with the lock taken first;
- any other failure (a conflict with another process, a value the database refuses) rolls the
  batch back and every order in it runs alone through ``unit_of_work``, with its retries.
"""

from __future__ import annotations

import contextlib
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import structlog
from prometheus_client import Counter, Histogram
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.contacts.owners import prefetch_owners
from activereach.kit import deferred
from activereach.kit.batching import GroupCommit, Refused
from activereach.kit.db import Database, unit_of_work
from activereach.kit.errors import AppError
from activereach.orders.batch_lock import BatchLock
from activereach.orders.participants import participants
from activereach.orders.schemas import OrderIn
from activereach.orders.service import (
    IngestSource,
    customer_identities,
    ingest_order,
    prefetch_replays,
    replay_keys,
)

log = structlog.get_logger(__name__)
# A batch holds its transaction while it runs. On SQLite that is the one write lock every other
# writer (webhook acks, the worker) queues on, so batches stay at 16 orders (tens of ms); on
# PostgreSQL 32 share more of the per-statement and commit cost (bench/notes.md).
MAX_BATCH = {"sqlite": 16, "postgresql": 32}
BATCH_SIZES = Histogram("activereach_ingest_batch_orders", "Orders per group commit",
                        buckets=(1, 2, 4, 8, 16, 32))
FALLBACKS = Counter("activereach_ingest_batch_fallbacks", "Group commits rolled back and "
                    "replayed order by order, by reason", ["reason"])


@dataclass(frozen=True)
class _Order:
    src: IngestSource
    order_in: OrderIn

    def keys(self) -> set[Hashable]:
        """What makes two requests the same order (``ingest_order``'s replay look-up)."""
        return set(replay_keys(self.src, self.order_in.external_id))


async def _prefetch(session: AsyncSession, batch: list[_Order]) -> None:
    """The batch's per-order reads done set-wise first, per workspace: replay look-ups, the
    customers' identity owners and what participants ask for (catalog codes)."""
    by_workspace: dict[str, list[_Order]] = {}
    for order in batch:
        by_workspace.setdefault(order.src.workspace.id, []).append(order)
    for workspace_id, group in by_workspace.items():
        await prefetch_replays(session, workspace_id,
                               set().union(*(replay_keys(o.src, o.order_in.external_id)
                                             for o in group)))
        pairs: set[tuple[str, str]] = set()
        for o in group:
            with contextlib.suppress(AppError):  # its own ingest refuses the bad identity
                pairs |= set(customer_identities(o.src.workspace, o.src.source, o.order_in).items())
        await prefetch_owners(session, workspace_id, pairs)
        for participant in participants():
            await participant.prefetch(session, workspace_id, [o.order_in for o in group])


def _fell_back(exc: BaseException) -> None:
    FALLBACKS.labels("error").inc()
    log.info("group commit fell back to single orders", error=type(exc).__name__)


class IngestGroup:
    """The queue (``kit.batching.GroupCommit``) and its one runner for a process's database."""

    def __init__(self, db: Database, max_batch: int | None = None) -> None:
        self.db = db
        self._group: GroupCommit[_Order, dict[str, Any]] = GroupCommit(
            together=self._together, alone=self._alone, keys=_Order.keys,
            max_batch=max_batch or MAX_BATCH["sqlite" if db.is_sqlite else "postgresql"],
            on_fallback=_fell_back, after_batch=BATCH_SIZES.observe, linger=True)

    async def ingest(self, src: IngestSource, order_in: OrderIn) -> dict[str, Any]:
        return await self._group.submit(_Order(src, order_in))

    async def _together(self, batch: list[_Order]) -> list[dict[str, Any]]:
        try:
            return await self._commit(batch)
        except deferred.Stale:
            FALLBACKS.labels("stale").inc()
            return await self._commit(batch, lock_first=True)

    async def _commit(self, batch: list[_Order], *, lock_first: bool = False,
                      ) -> list[dict[str, Any]]:
        results = []
        async with self.db.session() as session:
            lock = (None if self.db.is_sqlite
                    else BatchLock(session, {o.src.workspace.id for o in batch}))
            try:
                if lock and lock_first:
                    await lock.take(session)
                await _prefetch(session, batch)
                deferred.start(session, reads_unlocked=lock is not None and not lock_first,
                               before_first_write=lock.take if lock else None)
                for index, order in enumerate(batch):
                    try:
                        results.append(await ingest_order(session, order.src, order.order_in))
                    except AppError as exc:
                        FALLBACKS.labels("refused").inc()
                        raise Refused(index) from exc
                await deferred.flush(session)  # takes the lock first, if nothing took it yet
            finally:
                if lock:
                    lock.disarm()
        return results

    async def _alone(self, order: _Order) -> dict[str, Any]:
        return await unit_of_work(
            self.db, lambda session: ingest_order(session, order.src, order.order_in))
