"""Job kinds and their handlers. A handler runs inside the same transaction that marks it done.

A handler that must talk to the outside world (a provider API) returns an ``Effect`` instead of
calling it: the worker commits the handler's writes, runs the effect with no transaction open
(on SQLite nobody else could write meanwhile), then records the outcome and marks the job done
in a second transaction.  A crash between the two re-runs the handler, which finds its own
in-flight work and repeats the call: external effects are at least once, database effects
exactly once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.jobs.models import Job


@dataclass(frozen=True)
class Effect:
    """I/O to run after the handler's transaction commits, and how to record what it returned."""

    run: Callable[[], Awaitable[Any]]
    # gets the session of the second transaction and run()'s result (or the exception it raised)
    finish: Callable[[AsyncSession, Any], Awaitable[None]]
    # the row ``finish`` reads first, as (model, primary key): a batch loads all of them with
    # one statement per model, so each ``finish`` finds its row in the session
    preload: tuple[type, tuple[Any, ...]] | None = None


Handler = Callable[[AsyncSession, Job], Awaitable["Effect | None"]]
# Runs once before a batch's handlers and loads what they will read, one statement per table.
Prepare = Callable[[AsyncSession, list[Job]], Awaitable[None]]

# Seconds to wait before each retry; a job fails for good after len(delays) + 1 attempts.
DEFAULT_RETRY_DELAYS: tuple[int, ...] = (5, 30, 120, 600, 1800, 3600)


@dataclass(frozen=True)
class JobSpec:
    kind: str
    handler: Handler
    retry_delays: tuple[int, ...]
    # may return an Effect (the worker then keeps the lease across the I/O)
    effects: bool = False
    # several due jobs of this kind may share one transaction (the handler must not commit
    # or depend on being alone in its session)
    batch: bool = False
    prepare: Prepare | None = None


_REGISTRY: dict[str, JobSpec] = {}


def job(kind: str, *, retry_delays: tuple[int, ...] = DEFAULT_RETRY_DELAYS,
        effects: bool = False, batch: bool = False,
        prepare: Prepare | None = None) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _REGISTRY[kind] = JobSpec(kind, handler, retry_delays, effects, batch, prepare)
        return handler
    return register


def get_spec(kind: str) -> JobSpec | None:
    return _REGISTRY.get(kind)


def require_handlers() -> None:
    """Refuse to run a worker whose process never imported the domains' job modules (each
    registers its kinds with ``job``; ``activereach.wiring.install`` imports them)."""
    if not _REGISTRY:
        raise RuntimeError("no job kinds registered: call activereach.wiring.install() at start-up")
