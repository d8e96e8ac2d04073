"""The worker: claims due jobs, runs each in its own transaction, retries, dead-letters.

Claiming commits a lease (``locked_by``/``locked_until``) so a crashed worker's jobs come back.
The handler's transaction first flips the job to ``done`` *only if this worker still holds the
lease*; the handler's writes and that flip commit together, so a job's effects land exactly once
even when a lease expires mid-run or two workers race.  On PostgreSQL any number of workers
claim with ``FOR UPDATE SKIP LOCKED``; SQLite runs one in-process worker.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import traceback
from dataclasses import dataclass
from typing import Any, cast

import structlog
from prometheus_client import Counter
from sqlalchemy import CursorResult, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.jobs.models import Job
from activereach.jobs.registry import Effect, get_spec, require_handlers
from activereach.kit import batching, deferred
from activereach.kit.db import Database, preload, utcnow

log = structlog.get_logger(__name__)
# Jobs of a batchable kind run together, up to this many per transaction.
BATCH_SIZE = 16
JOBS_RUN = Counter("activereach_jobs_total", "Jobs finished, by kind and outcome", ["kind", "outcome"])


async def _outcome(effect: Effect) -> object:
    """What the effect's I/O returned, or the exception it raised (its ``finish`` decides)."""
    try:
        return await effect.run()
    except Exception as exc:
        return exc


async def _preload_effects(session: AsyncSession, effects: list[Effect]) -> None:
    """The rows the effects' ``finish`` calls read first, one statement per model."""
    by_model: dict[type, list[tuple[object, ...]]] = {}
    for effect in effects:
        if effect.preload is not None:
            by_model.setdefault(effect.preload[0], []).append(effect.preload[1])
    for model, keys in by_model.items():
        await preload(session, model, keys)


@dataclass(frozen=True)
class _Handled:
    """A batch job whose handler ran: its I/O still to do, if any."""

    job_id: int
    kind: str
    effect: Effect | None


class LeaseLost(Exception):
    """Another worker owns the job now; this run's effects are discarded."""


class Worker:
    def __init__(self, db: Database, *, concurrency: int = 4, lease_seconds: int = 120,
                 poll_seconds: float = 0.5, name: str | None = None) -> None:
        require_handlers()
        self.db = db
        self.concurrency = concurrency
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Called after a commit that enqueued jobs, so they run without waiting for a poll."""
        self._wake.set()

    async def run_forever(self, stop: asyncio.Event) -> None:
        log.info("worker started", worker=self.name)
        while not stop.is_set():
            try:
                ran = await self.run_once()
            except Exception:  # a database blip must not kill the loop
                log.exception("worker loop error")
                ran = 0
            if ran == 0:
                self._wake.clear()
                waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
                await asyncio.wait(waiters, timeout=self.poll_seconds,
                                   return_when=asyncio.FIRST_COMPLETED)
                for waiter in waiters:
                    waiter.cancel()
        log.info("worker stopped", worker=self.name)

    async def run_once(self) -> int:
        """Recover expired leases, claim due jobs and run them; returns how many jobs ran.

        On SQLite, jobs of a kind registered with ``batch=True`` run together in one
        transaction (and, for effect jobs, their provider calls at once between two
        transactions); at most ``concurrency`` transactions run at a time."""
        await self._recover_expired()
        claimed = await self._claim(self.concurrency * BATCH_SIZE)
        if not claimed:
            return 0
        units: list[list[int]] = []
        batches: dict[str, list[int]] = {}
        # Batches only on SQLite, where a transaction is the scarce thing (one writer).  On
        # PostgreSQL workers run in parallel, and two batches bumping shared roll-up rows in
        # different orders could deadlock each other.
        batching = self.db.is_sqlite
        for job_id, kind in claimed:
            spec = get_spec(kind)
            if batching and spec is not None and spec.batch:
                batches.setdefault(kind, []).append(job_id)
            else:
                units.append([job_id])
        for ids in batches.values():
            units.extend(ids[i:i + BATCH_SIZE] for i in range(0, len(ids), BATCH_SIZE))
        gate = asyncio.Semaphore(self.concurrency)

        async def run(ids: list[int]) -> None:
            async with gate:
                await (self._run(ids[0]) if len(ids) == 1 else self._run_batch(ids))
        await asyncio.gather(*(run(ids) for ids in units))
        return len(claimed)

    async def drain(self, max_rounds: int = 100_000) -> int:
        """Run until no job is due (tests and the CLI's one-shot mode)."""
        total = 0
        for _ in range(max_rounds):
            ran = await self.run_once()
            total += ran
            if ran == 0:
                return total
        return total

    async def _claim(self, limit: int) -> list[tuple[int, str]]:
        now = utcnow()
        due = (
            select(Job.id)
            .where(Job.status == "queued", Job.run_at <= now)
            .order_by(Job.run_at, Job.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        stmt = (
            update(Job)
            .where(Job.id.in_(due.scalar_subquery()), Job.status == "queued")
            .values(status="running", locked_by=self.name, locked_until=now + self.lease,
                    attempts=Job.attempts + 1)
            .returning(Job.id, Job.kind)
        )
        async with self.db.session() as session:
            rows = await session.execute(stmt, execution_options={"synchronize_session": False})
            return sorted((row[0], row[1]) for row in rows.all())

    async def _recover_expired(self) -> None:
        stmt = (
            update(Job)
            .where(Job.status == "running", Job.locked_until < utcnow())
            .values(status="queued", locked_by=None, locked_until=None)
        )
        async with self.db.session() as session:
            await session.execute(stmt, execution_options={"synchronize_session": False})

    async def _run(self, job_id: int) -> None:
        kind = "unknown"
        try:
            async with self.db.session() as session:
                job = await session.get(Job, job_id)
                if job is None:
                    return
                kind = job.kind
                effect = await self._handle(session, job)
            if effect is not None:
                await self._finish(job_id, effect)
            JOBS_RUN.labels(kind, "done").inc()
        except LeaseLost:
            JOBS_RUN.labels(kind, "lease_lost").inc()
        except Exception as exc:
            await self._record_failure(job_id, kind, exc)

    async def _run_batch(self, ids: list[int]) -> None:
        """One transaction for the batch's handlers, their I/O at once, one for the outcomes.

        The batch shares a kind, so its leases are renewed (or its jobs marked done) by one
        statement each way. Any failure rolls the batch back and runs its jobs one by one
        (``kit.batching.together_or_alone``), so only the culprit retries and nothing is
        half-written."""
        handled = await batching.together_or_alone(
            ids, self._handle_together, self._run, concurrently=True,
            on_fallback=lambda exc: log.info("batch fell back to single runs", jobs=len(ids),
                                             error=type(exc).__name__))
        done = [h for h in handled if isinstance(h, _Handled)]
        if len(done) != len(ids):
            return  # ran one by one: each job finished (or failed) on its own
        kind = done[0].kind
        effects = [(h.job_id, h.effect) for h in done if h.effect is not None]
        if effects:
            outcomes = await asyncio.gather(*(_outcome(effect) for _, effect in effects))
            fell_back: list[BaseException] = []
            await batching.together_or_alone(
                list(zip(effects, outcomes, strict=True)), self._finish_together,
                lambda item: self._finish_alone(item[0][0], kind, item[0][1], item[1]),
                on_fallback=fell_back.append)
            if fell_back:
                return  # each recorded its own outcome
        JOBS_RUN.labels(kind, "done").inc(len(ids))

    async def _handle_together(self, ids: list[int]) -> list[_Handled]:
        """Every handler of the batch in one transaction (its rows held to the end)."""
        async with self.db.session() as session:
            jobs = sorted((await session.scalars(select(Job).where(Job.id.in_(ids)))).all(),
                          key=lambda j: j.id)
            kind = jobs[0].kind if jobs else "unknown"
            spec = get_spec(kind)
            if spec is None or len(jobs) != len(ids) or any(j.kind != kind for j in jobs):
                raise LookupError(f"batch of {kind!r} needs its jobs one by one")
            await self._set_leases(session, ids, done=not spec.effects)
            if spec.prepare is not None:
                await spec.prepare(session, jobs)
            deferred.start(session)
            handled = [_Handled(job.id, kind, await spec.handler(session, job)) for job in jobs]
            finished = [h.job_id for h in handled if h.effect is None]
            if spec.effects and finished:
                await self._set_leases(session, finished, done=True)
            await deferred.flush(session)
        return handled

    async def _finish_together(self, finished: list[tuple[tuple[int, Effect], object]],
                               ) -> list[None]:
        """The batch's effects recorded and their jobs marked done in one transaction."""
        async with self.db.session() as session:
            await self._set_leases(session, [job_id for (job_id, _), _ in finished], done=True)
            await _preload_effects(session, [effect for (_, effect), _ in finished])
            deferred.start(session)
            for (_, effect), outcome in finished:
                await effect.finish(session, outcome)
            await deferred.flush(session)
        return [None for _ in finished]

    async def _set_leases(self, session: AsyncSession, ids: list[int], *, done: bool) -> None:
        """Renew the lease of, or mark done, every job in ``ids`` still leased to this worker;
        ``LeaseLost`` if any is not (the caller's transaction then rolls back)."""
        values = (dict(status="done", finished_at=utcnow(), locked_until=None, last_error=None)
                  if done else dict(locked_until=utcnow() + self.lease))
        # DML through the session gives a CursorResult (with rowcount); the stub says Result
        result = cast(CursorResult[Any], await session.execute(
            update(Job)
            .where(and_(Job.id.in_(ids), Job.status == "running", Job.locked_by == self.name))
            .values(**values),
            execution_options={"synchronize_session": False},
        ))
        if result.rowcount != len(ids):
            raise LeaseLost(ids[0])

    async def _handle(self, session: AsyncSession, job: Job) -> Effect | None:
        spec = get_spec(job.kind)
        if spec is None:
            raise LookupError(f"no handler registered for job kind {job.kind!r}")
        await self._set_leases(session, [job.id], done=not spec.effects)
        effect = await spec.handler(session, job)
        if effect is None and spec.effects:
            await self._set_leases(session, [job.id], done=True)
        return effect

    async def _finish_alone(self, job_id: int, kind: str, effect: Effect, outcome: object) -> None:
        try:
            async with self.db.session() as session:
                await self._set_leases(session, [job_id], done=True)
                await effect.finish(session, outcome)
            JOBS_RUN.labels(kind, "done").inc()
        except LeaseLost:
            JOBS_RUN.labels(kind, "lease_lost").inc()
        except Exception as exc:
            await self._record_failure(job_id, kind, exc)

    async def _finish(self, job_id: int, effect: Effect) -> None:
        """Run the I/O with no transaction open, then record it and flip ``done`` together."""
        outcome = await _outcome(effect)
        async with self.db.session() as session:
            await self._set_leases(session, [job_id], done=True)
            await effect.finish(session, outcome)

    async def _record_failure(self, job_id: int, kind: str, exc: Exception) -> None:
        error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
        async with self.db.session() as session:
            job = await session.get(Job, job_id)
            if job is None or job.locked_by != self.name or job.status != "running":
                return
            delays = job.retry_delays or []
            if job.attempts <= len(delays):
                job.status = "queued"
                job.run_at = utcnow() + dt.timedelta(seconds=delays[job.attempts - 1])
                outcome = "retry"
            else:
                job.status = "dead"
                job.finished_at = utcnow()
                outcome = "dead"
            job.last_error = error
            job.locked_by = None
            job.locked_until = None
        JOBS_RUN.labels(kind, outcome).inc()
        log.warning("job failed", job_id=job_id, kind=kind, outcome=outcome, error=error)
