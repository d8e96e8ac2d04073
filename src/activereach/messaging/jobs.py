"""Job handlers: send an order's receipt, and deliver one message (retries and resends)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.jobs.models import Job
from activereach.jobs.registry import job
from activereach.messaging import dispatch

# Provider-level retries are scheduled by ``dispatch`` itself (honouring Retry-After); these
# delays only cover unexpected errors such as a database blip.
_DELAYS = (2, 10, 60, 300)


@job("messaging.send_receipt", retry_delays=_DELAYS)
async def send_receipt(session: AsyncSession, job: Job) -> None:
    assert job.workspace_id is not None
    await dispatch.send_receipt(session, job.workspace_id, job.payload["order_id"])


@job("messaging.deliver", retry_delays=_DELAYS)
async def deliver(session: AsyncSession, job: Job) -> None:
    assert job.workspace_id is not None
    await dispatch.deliver_again(session, job.workspace_id, job.payload["message_id"])
