"""Job kinds and their handlers. A handler runs inside the same transaction that marks it done."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.jobs.models import Job

Handler = Callable[[AsyncSession, Job], Awaitable[None]]

# Seconds to wait before each retry; a job fails for good after len(delays) + 1 attempts.
DEFAULT_RETRY_DELAYS: tuple[int, ...] = (5, 30, 120, 600, 1800, 3600)


@dataclass(frozen=True)
class JobSpec:
    kind: str
    handler: Handler
    retry_delays: tuple[int, ...]


_REGISTRY: dict[str, JobSpec] = {}


def job(kind: str, *, retry_delays: tuple[int, ...] = DEFAULT_RETRY_DELAYS) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _REGISTRY[kind] = JobSpec(kind, handler, retry_delays)
        return handler
    return register


def get_spec(kind: str) -> JobSpec | None:
    return _REGISTRY.get(kind)


def load_handlers() -> None:
    """Import every domain's ``jobs`` module so its handlers register."""
    import activereach.analytics.jobs  # noqa: F401
    import activereach.pipes.jobs  # noqa: F401
    import activereach.catalog.jobs  # noqa: F401
    import activereach.loyalty.jobs  # noqa: F401
    import activereach.messaging.jobs  # noqa: F401
