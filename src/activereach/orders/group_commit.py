"""Group commit for the ingest path: orders that arrive together share one transaction.

Concurrent ``POST /v1/orders`` requests queue here. One task per process takes up to
``MAX_BATCH`` of them (never two that could be the same order), reads what they will look up
set-wise (replay keys, identity owners, participants' ``prefetch``), runs ``ingest_order`` for
each in one transaction with their rows held (``kit.deferred``: orders, lines, payments, bills,
events, jobs, new contacts and identities, contact touches, invoice numbers) and sent as one
statement per table, and commits once. On PostgreSQL the batch takes its workspace's advisory
lock only at its first write (``orders.batch_lock``), so two API processes overlap. The answers
are what one-by-one ingestion would give:

- an order refused for its own content (an ``AppError``) rolls the batch back; it is answered
  alone, and the others go back to the head of the queue;
- a look-up that went stale before the lock (``deferred.Stale``) runs the batch once more
  with the lock taken first;
- any other failure (a conflict with another process, a value the database refuses) rolls the
  batch back and every order in it runs alone through ``unit_of_work``, with its retries.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import structlog
from prometheus_client import Counter, Histogram
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.contacts.owners import prefetch_owners
from activereach.kit import deferred
from activereach.kit.db import Database, unit_of_work
from activereach.kit.errors import AppError
from activereach.orders.batch_lock import BatchLock, install
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
FEW, LINGER_SECONDS = 4, 0.001
BATCH_SIZES = Histogram("activereach_ingest_batch_orders", "Orders per group commit",
                        buckets=(1, 2, 4, 8, 16, 32))
FALLBACKS = Counter("activereach_ingest_batch_fallbacks", "Group commits rolled back and "
                    "replayed order by order, by reason", ["reason"])


@dataclass
class _Waiting:
    src: IngestSource
    order_in: OrderIn
    reply: asyncio.Future[dict[str, Any]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())

    def keys(self) -> set[tuple[str, ...]]:
        """What makes two requests the same order (``ingest_order``'s replay look-up)."""
        return replay_keys(self.src, self.order_in.external_id)

    def answer(self, result: dict[str, Any] | None = None, error: BaseException | None = None) -> None:
        if self.reply.done():  # the client went away; the order stands all the same
            return
        if error is not None:
            self.reply.set_exception(error)
        else:
            self.reply.set_result(result or {})


class _Refused(Exception):
    """Order ``index`` of the batch was refused for its own content (the cause is chained)."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


async def _prefetch(session: AsyncSession, batch: list[_Waiting]) -> None:
    """The batch's per-order reads done set-wise first, per workspace: replay look-ups, the
    customers' identity owners and what participants ask for (catalog codes)."""
    by_workspace: dict[str, list[_Waiting]] = {}
    for waiting in batch:
        by_workspace.setdefault(waiting.src.workspace.id, []).append(waiting)
    for workspace_id, group in by_workspace.items():
        await prefetch_replays(session, workspace_id, set().union(*(w.keys() for w in group)))
        pairs: set[tuple[str, str]] = set()
        for w in group:
            with contextlib.suppress(AppError):  # its own ingest refuses the bad identity
                pairs |= set(customer_identities(w.src.workspace, w.src.source, w.order_in).items())
        await prefetch_owners(session, workspace_id, pairs)
        for participant in participants():
            await participant.prefetch(session, workspace_id, [w.order_in for w in group])


class IngestGroup:
    """The queue and its one runner for a process's database."""

    def __init__(self, db: Database, max_batch: int | None = None) -> None:
        self.db = db
        self.max_batch = max_batch or MAX_BATCH["sqlite" if db.is_sqlite else "postgresql"]
        self._queue: deque[_Waiting] = deque()
        self._runner: asyncio.Task[None] | None = None
        if not db.is_sqlite:
            install(db.engine)

    async def ingest(self, src: IngestSource, order_in: OrderIn) -> dict[str, Any]:
        waiting = _Waiting(src, order_in)
        self._queue.append(waiting)
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        # shield: a client that hangs up must not cancel the order's batch
        return await asyncio.shield(waiting.reply)

    async def _run(self) -> None:
        while self._queue:
            # Let the event loop go round once first: requests whose bytes arrived while the
            # last batch committed are parsed and join this one (half as many batches). With
            # only a few waiting, a millisecond more lets the next replies' clients join
            # (bench/notes.md: batches of 2–4 were a quarter of all under two processes).
            await asyncio.sleep(0)
            if len(self._queue) < FEW:
                await asyncio.sleep(LINGER_SECONDS)
            batch = self._next_batch()
            BATCH_SIZES.observe(len(batch))
            try:
                await (self._alone(batch[0]) if len(batch) == 1 else self._together(batch))
            except BaseException as exc:  # noqa: BLE001 - every waiter must hear back
                for waiting in batch:
                    waiting.answer(error=exc)
                if not isinstance(exc, Exception):
                    raise

    def _next_batch(self) -> list[_Waiting]:
        """Up to ``max_batch`` waiting orders, skipping any that could be one already taken."""
        batch: list[_Waiting] = []
        taken: set[tuple[str, ...]] = set()
        later: list[_Waiting] = []
        while self._queue and len(batch) < self.max_batch:
            waiting = self._queue.popleft()
            keys = waiting.keys()
            if keys & taken:
                later.append(waiting)
                continue
            taken |= keys
            batch.append(waiting)
        self._queue.extendleft(reversed(later))
        return batch

    async def _together(self, batch: list[_Waiting]) -> None:
        try:
            try:
                results = await self._commit(batch)
            except deferred.Stale:
                FALLBACKS.labels("stale").inc()
                results = await self._commit(batch, lock_first=True)
        except _Refused as refused:
            FALLBACKS.labels("refused").inc()
            culprit = batch.pop(refused.index)
            self._queue.extendleft(reversed(batch))
            await self._alone(culprit)
            return
        except Exception as exc:  # noqa: BLE001 - each order alone gets its own answer
            FALLBACKS.labels("error").inc()
            log.info("group commit fell back to single orders", orders=len(batch),
                     error=type(exc).__name__)
            for waiting in batch:
                await self._alone(waiting)
            return
        for waiting, result in zip(batch, results, strict=True):
            waiting.answer(result)

    async def _commit(self, batch: list[_Waiting], *, lock_first: bool = False,
                      ) -> list[dict[str, Any]]:
        results = []
        async with self.db.session() as session:
            lock = None
            if not self.db.is_sqlite:
                lock = BatchLock(await session.connection(), {w.src.workspace.id for w in batch})
            try:
                if lock and lock_first:
                    await lock.take(session)
                await _prefetch(session, batch)
                deferred.start(session, reads_unlocked=lock is not None and not lock_first)
                for index, waiting in enumerate(batch):
                    try:
                        results.append(await ingest_order(session, waiting.src, waiting.order_in))
                    except AppError as exc:
                        raise _Refused(index) from exc
                if lock:
                    await lock.take(session)  # the flush's last look-ups read under it
                await deferred.flush(session)
            finally:
                if lock:
                    lock.disarm()
        return results

    async def _alone(self, waiting: _Waiting) -> None:
        try:
            result = await unit_of_work(
                self.db, lambda session: ingest_order(session, waiting.src, waiting.order_in))
        except Exception as exc:  # noqa: BLE001 - the request's handler maps it to a reply
            waiting.answer(error=exc)
        else:
            waiting.answer(result)
