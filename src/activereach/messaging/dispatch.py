"""Sending receipts: pick a channel, render, call the provider, retry or fall back.

Runs inside a job's transaction: the outbox row, its status and any retry job commit together
with the job being marked done.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import httpx2
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.analytics.rollups import count_receipt
from activereach.jobs.service import enqueue
from activereach.kit.db import is_postgres, utcnow
from activereach.kit.ids import new_id
from activereach.messaging import rules, templates
from activereach.messaging.channels import ResolvedChannel, resolved_channels
from activereach.messaging.models import Consent, Message, ReceiptDispatch
from activereach.messaging.providers import Outbound, ProviderError, get_provider
from activereach.messaging.providers.base import shared_client
from activereach.messaging.routing import OrderContext, load_context, plan_for
from activereach.messaging.service import record_status, stored_template

# A test or benchmark may point every send at its own client (e.g. a local fake provider).
client_override: httpx2.AsyncClient | None = None


async def send_receipt(session: AsyncSession, workspace_id: str, order_id: str) -> None:
    """The receipt of one order: at most one message per channel, whatever replays."""
    ctx = await load_context(session, workspace_id, order_id)
    if ctx is None:
        return
    if any(m.status != "failed" for m in ctx.previous):
        return  # already sent or in flight (a replayed job, or a fallback that lost the race)
    await _next_channel(session, ctx)


async def _next_channel(session: AsyncSession, ctx: OrderContext) -> None:
    """Try channels in resolution order until one is accepted, retrying, or none is left."""
    while True:
        plan = plan_for(ctx)
        if plan.channel is None or plan.recipient is None:
            await _record_dispatch(session, ctx, "not_sent", plan.reason, None)
            return
        msg = await _create(session, ctx, plan.channel, plan.recipient)
        if msg is None:
            return  # a concurrent run created it; that run owns the send
        outcome = "failed" if msg.status == "failed" else await deliver(
            session, msg, ctx.channels[plan.channel], consent_checked=True)
        if outcome != "failed":
            await _record_dispatch(session, ctx, outcome, None, msg.channel)
            return
        ctx.previous.append(msg)
        ctx.reach = dataclasses.replace(ctx.reach, invalid=ctx.reach.invalid | {msg.channel})


async def _create(session: AsyncSession, ctx: OrderContext, channel: str,
                  recipient: str) -> Message | None:
    """Insert the outbox row (idempotent on ``receipt:{order}:{channel}``); render into it."""
    resolved = ctx.channels[channel]
    now = utcnow()
    row: dict[str, Any] = dict(
        workspace_id=ctx.workspace.id, id=new_id("msg"),
        dedupe_key=f"receipt:{ctx.order.id}:{channel}", purpose="receipt", order_id=ctx.order.id,
        contact_id=ctx.contact.id if ctx.contact else None, location_id=ctx.order.location_id,
        resend_of=None, channel=channel, provider=resolved.provider, recipient=recipient,
        template=templates.TEMPLATE_NAME, params={}, content={}, status="queued",
        status_history=[{"status": "queued", "at": now.isoformat(), "source": "worker"}],
        attempts=0, created_at=now, updated_at=now)
    problem = None
    try:
        if ctx.bill is None:
            raise templates.TemplateProblem("bill", "the order has no bill")
        content = templates.effective(
            channel, await stored_template(session, ctx.workspace.id, channel))
        row["template"], row["params"], row["content"] = templates.render(
            channel, content, ctx.bill.snapshot, ctx.customer_name())
    except templates.TemplateProblem as exc:
        problem = exc
    if any(m.channel == channel for m in ctx.previous):
        return None  # this order already has its receipt on this channel
    # A concurrent run inserting the same dedupe key fails this transaction on the unique key;
    # the job retries and then finds the row above.
    msg = Message(**row)
    session.add(msg)
    await session.flush()
    await count_receipt(session, workspace_id=msg.workspace_id, location_id=msg.location_id,
                        channel=channel, sold_at=ctx.order.occurred_at, counter="attempted")
    if problem is not None:
        await record_status(session, msg, "failed", source="worker", error_code="template_error",
                            error=str(problem))
    return msg


async def deliver(session: AsyncSession, msg: Message, channel: ResolvedChannel | None, *,
                  consent_checked: bool = False) -> str:
    """One attempt: ``sent``, ``retrying`` (a job is scheduled) or ``failed`` (permanent)."""
    if channel is None or channel.provider != msg.provider:
        await record_status(session, msg, "failed", source="worker", error_code="not_configured",
                            error=f"{msg.channel} is no longer configured for {msg.provider}")
        return "failed"
    if not consent_checked and await _opted_out(session, msg):
        await record_status(session, msg, "failed", source="worker", error_code="opted_out",
                            error=f"the contact opted out of {msg.channel}")
        return "failed"
    outbound = Outbound(message_id=msg.id, channel=msg.channel, to=msg.recipient,
                        content=msg.content, callback_data=f"msg:{msg.id}",
                        status_callback_url=channel.config.get("status_callback_url"))
    msg.attempts += 1
    try:
        result = await get_provider(msg.provider).send(
            outbound, channel.config, channel.secrets, client_override or shared_client())
    except ProviderError as exc:
        return await _failed_attempt(session, msg, exc)
    msg.provider_message_id = result.provider_message_id
    msg.provider_response = result.response
    msg.error_code = msg.error = None
    await record_status(session, msg, "sent", source="worker")
    return "sent"


async def _failed_attempt(session: AsyncSession, msg: Message, exc: ProviderError) -> str:
    msg.provider_response = exc.response or None
    delay = rules.retry_delay(msg.attempts, exc.retry_after) if exc.transient else None
    if delay is None:
        await record_status(session, msg, "failed", source="worker", error_code=exc.code,
                            error=exc.message)
        return "failed"
    msg.error_code, msg.error = exc.code, exc.message[:2000]
    msg.next_attempt_at = utcnow() + dt.timedelta(seconds=delay)
    msg.updated_at = utcnow()
    await enqueue(session, kind="messaging.deliver", workspace_id=msg.workspace_id,
                  payload={"message_id": msg.id}, run_at=msg.next_attempt_at,
                  dedupe_key=f"messaging.deliver:{msg.id}:{msg.attempts}")
    return "retrying"


async def _opted_out(session: AsyncSession, msg: Message) -> bool:
    if not msg.contact_id:
        return False
    status = await session.scalar(select(Consent.status).where(
        Consent.workspace_id == msg.workspace_id, Consent.contact_id == msg.contact_id,
        Consent.channel == msg.channel))
    return status == "opted_out"


async def deliver_again(session: AsyncSession, workspace_id: str, message_id: str) -> None:
    """A scheduled retry (or a resend's first attempt); a permanent failure falls back."""
    msg = await session.get(Message, (workspace_id, message_id))
    if msg is None or msg.status != "queued":
        return  # already sent/failed: a replayed retry job changes nothing
    channels = await resolved_channels(session, workspace_id, msg.location_id)
    outcome = await deliver(session, msg, channels.get(msg.channel))
    if outcome == "failed" and msg.purpose == "receipt" and msg.order_id:
        ctx = await load_context(session, workspace_id, msg.order_id)
        if ctx is not None and not any(m.status != "failed" for m in ctx.previous):
            await _next_channel(session, ctx)
    elif msg.purpose == "receipt" and msg.order_id:
        await _record_dispatch_for(session, msg, outcome)


async def _record_dispatch(session: AsyncSession, ctx: OrderContext, outcome: str,
                           reason: str | None, channel: str | None) -> None:
    tried = [{"channel": m.channel, "status": m.status, "error_code": m.error_code}
             for m in ctx.previous]
    plan = plan_for(ctx) if outcome == "not_sent" else None
    if plan is not None:
        tried.extend({"channel": s["channel"], "status": "skipped", "error_code": s["reason"]}
                     for s in plan.skipped if s["channel"] not in {m.channel for m in ctx.previous})
    await _upsert_dispatch(session, ctx.workspace.id, ctx.order.id, outcome, reason, channel, tried)


async def _record_dispatch_for(session: AsyncSession, msg: Message, outcome: str) -> None:
    row = await session.get(ReceiptDispatch, (msg.workspace_id, msg.order_id))
    tried = list(row.tried) if row is not None else []
    assert msg.order_id is not None
    await _upsert_dispatch(session, msg.workspace_id, msg.order_id, outcome, None, msg.channel, tried)


async def _upsert_dispatch(session: AsyncSession, workspace_id: str, order_id: str, outcome: str,
                           reason: str | None, channel: str | None,
                           tried: list[dict[str, Any]]) -> None:
    """One ``INSERT … ON CONFLICT DO UPDATE`` (SQLite and PostgreSQL share the syntax)."""
    values = {"outcome": outcome, "reason": reason and reason[:300], "channel": channel,
              "tried": tried, "updated_at": utcnow()}
    module = postgresql if is_postgres(session) else sqlite
    stmt = module.insert(ReceiptDispatch).values(workspace_id=workspace_id, order_id=order_id,
                                                 **values)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["workspace_id", "order_id"], set_=values))
