"""Webhook acknowledgements share commits (``kit.batching``); a batch the database refuses
past its retries is stored delivery by delivery, so no sender is failed by another."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from activereach.pipes import inbox
from activereach.pipes.models import WebhookDelivery
from tests.pipes.conftest import deliver, make_pipe, signed
from tests.pipes.test_shuffled_replay import _order


async def test_a_batch_the_database_refuses_runs_its_deliveries_alone(client, tenant, db,
                                                                       monkeypatch) -> None:
    pipe = await make_pipe(client, tenant, "shopify")
    real, refused = inbox._receive_many, []

    async def refuse_batches(session, batch):  # type: ignore[no-untyped-def]
        if len(batch) > 1:   # every attempt of a shared commit: an error outlasting retries
            refused.append(len(batch))
            raise OperationalError("INSERT INTO webhook_deliveries", {}, Exception("disk full"))
        return await real(session, batch)
    monkeypatch.setattr(inbox, "_receive_many", refuse_batches)
    bodies = [_order(7_000_000 + n, 1) for n in range(24)]
    replies = await asyncio.gather(*(deliver(client, pipe, body, signed(
        "shopify", body, pipe["secret"], **{"X-Shopify-Topic": "orders/paid",
                                             "X-Shopify-Event-Id": str(uuid.uuid4())}))
        for body in bodies))
    assert [r.status_code for r in replies] == [200] * 24, [r.text for r in replies][:2]
    assert refused, "the senders never shared a commit"
    async with db.read_session() as session:
        stored = await session.scalar(select(func.count()).select_from(WebhookDelivery).where(
            WebhookDelivery.workspace_id == tenant.id))
    assert stored == 24
