"""Job kinds: the fan-out of one event to its destinations, and one delivery attempt.

Attempts are scheduled by ``delivery.record`` (a new job per attempt, due on Svix's schedule,
so the jobs table holds every retry); these jobs' own retry delays only cover unexpected
errors such as a database blip."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.destinations import delivery
from activereach.destinations.outbox import FAN_OUT
from activereach.jobs.models import Job
from activereach.jobs.registry import Effect, job

_DELAYS = (2, 10, 60, 300)


# Batched on SQLite: an order's events fan out together, their rows held to the batch's end.
@job(FAN_OUT, retry_delays=_DELAYS, batch=True)
async def fan_out(session: AsyncSession, job: Job) -> None:
    assert job.workspace_id is not None
    await delivery.fan_out(session, job.workspace_id, job.payload)


@job(delivery.DELIVER, retry_delays=_DELAYS, effects=True)
async def deliver(session: AsyncSession, job: Job) -> Effect | None:
    assert job.workspace_id is not None
    return await delivery.attempt(session, job.workspace_id, job.payload["delivery_id"])
