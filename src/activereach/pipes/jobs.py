"""Job handlers: process one delivery; reconcile a pipe against its provider's API."""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.jobs.models import Job
from activereach.jobs.registry import job
from activereach.kit.db import utcnow
from activereach.kit.ids import new_id
from activereach.pipes import ingest, service
from activereach.pipes.models import Pipe, WebhookDelivery
from activereach.tenancy.models import Workspace

log = structlog.get_logger(__name__)

# Short first retries (a provider API blip), then hours: about a day in all, like Square's window.
PROCESS_RETRY_DELAYS = (2, 10, 60, 300, 1800, 7200, 21600)


@job("pipes.process_delivery", retry_delays=PROCESS_RETRY_DELAYS)
async def process_delivery(session: AsyncSession, job_row: Job) -> None:
    assert job_row.workspace_id is not None
    await ingest.process_delivery(session, job_row.workspace_id, job_row.payload["delivery_id"])


@job("pipes.reconcile", retry_delays=(30, 120, 600))
async def reconcile(session: AsyncSession, job_row: Job) -> None:
    """Poll the provider for orders the webhooks missed; each goes through the same steps."""
    assert job_row.workspace_id is not None
    pipe = await session.get(Pipe, (job_row.workspace_id, job_row.payload["pipe_id"]))
    if pipe is None or pipe.status != "active" or pipe.kind != "webhook":
        return
    ws = await session.get(Workspace, job_row.workspace_id)
    assert ws is not None
    stats = await reconcile_pipe(session, ws, pipe)
    log.info("pipe reconciled", pipe_id=pipe.id, **stats)
    await service.schedule_reconcile(session, pipe)


async def reconcile_pipe(session: AsyncSession, ws: Workspace, pipe: Pipe) -> dict[str, int]:
    run = await ingest.load_run(session, ws, pipe)
    counts: dict[str, int] = {}
    async with ingest.provider_client(run) as client:
        events, cursor = await run.provider.poll(client, run.settings, dict(pipe.cursor or {}))
        for event in events:
            delivery = WebhookDelivery(
                workspace_id=ws.id, id=new_id("dlv"), pipe_id=pipe.id, received_at=utcnow(),
                body=b"", headers={"x-activereach-source": "reconciler"},
                content_type="", verified=True, verification="polled from the provider API",
                dedupe_key=event.dedupe_key, status="received", attempts=1, result={},
                event_time=event.event_time, external_order_id=event.ref, runs=0)
            outcome = await ingest.apply_event(run, event, client, delivery.id)
            if outcome.status in {"duplicate", "stale"}:
                counts[outcome.status] = counts.get(outcome.status, 0) + 1
                continue   # already known: keep the delivery log for real news only
            ingest.finish(delivery, [outcome])
            session.add(delivery)
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
    pipe.cursor = cursor
    return counts
