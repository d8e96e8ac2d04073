"""The ingest participant: enqueue the receipt job in the ingest transaction, nothing else."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.jobs.service import enqueue
from activereach.orders.participants import BaseParticipant, CompletedOrder


class MessagingParticipant(BaseParticipant):
    """Last in the list: the receipt needs the bill the bills participant just issued."""

    name = "messaging"

    async def completed(self, session: AsyncSession, completed: CompletedOrder) -> None:
        order = completed.order
        # Enqueued even for print-only or anonymous sales: the job records why nothing was sent.
        await enqueue(session, kind="messaging.send_receipt", workspace_id=order.workspace_id,
                      payload={"order_id": order.id},
                      dedupe_key=f"messaging.send_receipt:{order.workspace_id}:{order.id}",
                      fresh=True)
