"""Job handlers: send an order's receipt, and deliver one message (retries and resends).

Both return the provider call as an ``Effect`` (jobs/registry.py): the worker makes it with no
transaction open and records the outcome in a second one.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.jobs.models import Job
from activereach.jobs.registry import Effect, job
from activereach.messaging import dispatch, routing

# Provider-level retries are scheduled by ``dispatch`` itself (honouring Retry-After); these
# delays only cover unexpected errors such as a database blip.
_DELAYS = (2, 10, 60, 300)


async def _load_contexts(session: AsyncSession, jobs: list[Job]) -> None:
    await routing.prepare_contexts(
        session, [(j.workspace_id, j.payload["order_id"]) for j in jobs if j.workspace_id])


@job("messaging.send_receipt", retry_delays=_DELAYS, effects=True, batch=True,
     prepare=_load_contexts)
async def send_receipt(session: AsyncSession, job: Job) -> Effect | None:
    assert job.workspace_id is not None
    send = await dispatch.send_receipt(session, job.workspace_id, job.payload["order_id"],
                                       in_flight=job.payload.get("sending"))
    if send is None:
        return None
    # Remembered with the outbox row: if this run dies mid-call, the re-run sends it again.
    job.payload = {**job.payload, "sending": send.message_id}
    return send.effect


@job("messaging.deliver", retry_delays=_DELAYS, effects=True, batch=True)
async def deliver(session: AsyncSession, job: Job) -> Effect | None:
    assert job.workspace_id is not None
    send = await dispatch.deliver_again(session, job.workspace_id, job.payload["message_id"])
    return send.effect if send is not None else None
