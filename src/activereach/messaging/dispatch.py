"""Sending receipts: pick a channel, render, call the provider, retry or fall back.

Each send is two transactions around one provider call (jobs/registry.py ``Effect``): the first
picks the channel, writes the outbox row and counts the attempt; the provider is called with no
transaction open; the second records the outcome — sent, a scheduled retry, or a permanent
failure that queues the next channel — and marks the job done.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

import httpx2
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.jobs.registry import Effect
from activereach.jobs.service import enqueue
from activereach.kit import deferred
from activereach.kit.db import statement, utcnow
from activereach.kit.ids import new_id
from activereach.messaging import rules, templates
from activereach.messaging.channels import ResolvedChannel, cached_channels
from activereach.messaging.models import Consent, Message, ReceiptDispatch
from activereach.messaging.providers import Outbound, ProviderError, SendResult, get_provider
from activereach.messaging.providers.base import kept_response, shared_client
from activereach.messaging.routing import OrderContext, load_context, plan_for
from activereach.messaging.service import record_status, stored_template

# A test or benchmark may point every send at its own client (e.g. a local fake provider).
client_override: httpx2.AsyncClient | None = None


@dataclasses.dataclass(frozen=True)
class Send:
    """A provider call to make for ``message_id`` once this transaction commits."""

    message_id: str
    effect: Effect


async def send_receipt(session: AsyncSession, workspace_id: str, order_id: str, *,
                       in_flight: str | None = None) -> Send | None:
    """The receipt of one order: at most one message per channel, whatever replays.

    ``in_flight`` is the message an earlier run of the same job was sending when it died: still
    queued, it is sent again (the provider call is at least once)."""
    ctx = await load_context(session, workspace_id, order_id)
    if ctx is None:
        return None
    lost = next((m for m in ctx.previous if m.id == in_flight and m.status == "queued"), None)
    if lost is not None:
        return await _attempt(session, lost, ctx.channels.get(lost.channel), consent_checked=True,
                              ctx=ctx)
    if any(m.status != "failed" for m in ctx.previous):
        return None  # already sent or in flight (a replayed job, or a fallback that lost the race)
    return await _next_channel(session, ctx)


async def _next_channel(session: AsyncSession, ctx: OrderContext) -> Send | None:
    """Try channels in resolution order until one can be sent, or none is left."""
    while True:
        plan = plan_for(ctx)
        if plan.channel is None or plan.recipient is None:
            await _record_dispatch(session, ctx, "not_sent", plan.reason, None)
            return None
        msg = await create_receipt_message(session, ctx, plan.channel, plan.recipient)
        if msg is None:
            return None  # a concurrent run created it; that run owns the send
        send = None if msg.status == "failed" else await _attempt(
            session, msg, ctx.channels[plan.channel], consent_checked=True, ctx=ctx)
        if send is not None:
            return send
        ctx.previous.append(msg)
        ctx.reach = dataclasses.replace(ctx.reach, invalid=ctx.reach.invalid | {msg.channel})


async def create_receipt_message(session: AsyncSession, ctx: OrderContext, channel: str,
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
            channel, await stored_template(session, ctx.workspace.id, channel,
                                           ctx.order.location_id))
        row["template"], row["params"], row["content"] = templates.render(
            channel, content, ctx.bill.snapshot, ctx.customer_name())
    except templates.TemplateProblem as exc:
        problem = exc
    if any(m.channel == channel for m in ctx.previous):
        return None  # this order already has its receipt on this channel
    # A concurrent run inserting the same dedupe key fails this transaction on the unique key;
    # the job retries and then finds the row above. Not flushed here: the attempt about to
    # start counts itself on the pending row, so the INSERT carries it (no second UPDATE).
    msg = Message(**row)
    session.add(msg)
    if problem is not None:
        await session.flush()
        await record_status(session, msg, "failed", source="worker", error_code="template_error",
                            error=str(problem), sold_at=ctx.order.occurred_at)
    return msg


async def _attempt(session: AsyncSession, msg: Message, channel: ResolvedChannel | None, *,
                   consent_checked: bool = False, ctx: OrderContext | None = None) -> Send | None:
    """Start one attempt: the send to make, or None when it failed before any I/O.

    ``ctx`` (the order, when already loaded) saves the second transaction two look-ups."""
    if channel is None or channel.provider != msg.provider:
        await record_status(session, msg, "failed", source="worker", error_code="not_configured",
                            error=f"{msg.channel} is no longer configured for {msg.provider}")
        return None
    if not consent_checked and await _opted_out(session, msg):
        await record_status(session, msg, "failed", source="worker", error_code="opted_out",
                            error=f"the contact opted out of {msg.channel}")
        return None
    outbound = Outbound(message_id=msg.id, channel=msg.channel, to=msg.recipient,
                        content=msg.content, callback_data=f"msg:{msg.id}",
                        status_callback_url=channel.config.get("status_callback_url"))
    msg.attempts += 1
    msg.updated_at = utcnow()
    provider, client = get_provider(msg.provider), client_override or shared_client()
    config, secrets, key = channel.config, channel.secrets, (msg.workspace_id, msg.id)
    sold_at = ctx.order.occurred_at if ctx else None
    alone = ctx is not None and not [m for m in ctx.previous if m.id != msg.id]

    async def run() -> SendResult:
        return await provider.send(outbound, config, secrets, client)

    async def finish(done: AsyncSession, outcome: SendResult | Exception) -> None:
        await _record_attempt(done, key, outcome, sold_at=sold_at, alone=alone)
    return Send(msg.id, Effect(run, finish, preload=(Message, key)))


async def _record_attempt(session: AsyncSession, key: tuple[str, str],
                          outcome: SendResult | Exception, *, sold_at: dt.datetime | None,
                          alone: bool) -> None:
    """The second transaction: sent, retry later, or failed for good (then the next channel).

    ``alone``: the order has no other receipt message, so nothing was tried before this one."""
    msg = await session.get(Message, key)
    if msg is None:
        return
    if isinstance(outcome, ProviderError):
        if msg.status != "queued":
            return  # a status report moved it on meanwhile; the report wins
        result = await _failed_attempt(session, msg, outcome, sold_at=sold_at)
        if msg.purpose == "receipt" and msg.order_id:
            if result == "failed":
                await _fall_back(session, msg)
            else:
                await _record_dispatch_for(session, msg, result, alone=alone)
        return
    if isinstance(outcome, Exception):
        raise outcome  # not the provider's answer: the job retries and sends again
    msg.provider_message_id = outcome.provider_message_id
    msg.provider_response = kept_response(outcome.response)
    msg.error_code = msg.error = None
    await record_status(session, msg, "sent", source="worker", sold_at=sold_at)
    if msg.purpose == "receipt" and msg.order_id:
        await _record_dispatch_for(session, msg, "sent", alone=alone)


async def _fall_back(session: AsyncSession, msg: Message) -> None:
    """Queue the order's receipt again: resolution skips the channel that failed for good."""
    await enqueue(session, kind="messaging.send_receipt", workspace_id=msg.workspace_id,
                  payload={"order_id": msg.order_id}, dedupe_key=f"messaging.fallback:{msg.id}")


async def _failed_attempt(session: AsyncSession, msg: Message, exc: ProviderError, *,
                          sold_at: dt.datetime | None = None) -> str:
    msg.provider_response = kept_response(exc.response)
    delay = rules.retry_delay(msg.attempts, exc.retry_after) if exc.transient else None
    if delay is None:
        await record_status(session, msg, "failed", source="worker", error_code=exc.code,
                            error=exc.message, sold_at=sold_at)
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


async def deliver_again(session: AsyncSession, workspace_id: str, message_id: str) -> Send | None:
    """A scheduled retry (or a resend's first attempt); a failure before any I/O falls back."""
    msg = await session.get(Message, (workspace_id, message_id))
    if msg is None or msg.status != "queued":
        return None  # already sent/failed: a replayed retry job changes nothing
    channels = await cached_channels(session, workspace_id, msg.location_id)
    send = await _attempt(session, msg, channels.get(msg.channel))
    if send is None and msg.purpose == "receipt" and msg.order_id:
        await _fall_back(session, msg)
    return send


async def _record_dispatch(session: AsyncSession, ctx: OrderContext, outcome: str,
                           reason: str | None, channel: str | None) -> None:
    tried = [{"channel": m.channel, "status": m.status, "error_code": m.error_code}
             for m in ctx.previous]
    plan = plan_for(ctx) if outcome == "not_sent" else None
    if plan is not None:
        tried.extend({"channel": s["channel"], "status": "skipped", "error_code": s["reason"]}
                     for s in plan.skipped if s["channel"] not in {m.channel for m in ctx.previous})
    await _upsert_dispatch(session, ctx.workspace.id, ctx.order.id, outcome, reason, channel, tried)


async def _record_dispatch_for(session: AsyncSession, msg: Message, outcome: str, *,
                               alone: bool = False) -> None:
    """The dispatch row once ``msg`` went out: what was tried before it on this order."""
    assert msg.order_id is not None
    earlier: Iterable[Message] = [] if alone else await session.scalars(select(Message).where(
        Message.workspace_id == msg.workspace_id, Message.order_id == msg.order_id,
        Message.purpose == "receipt", Message.id != msg.id, Message.status == "failed"))
    tried = [{"channel": m.channel, "status": m.status, "error_code": m.error_code}
             for m in earlier]
    await _upsert_dispatch(session, msg.workspace_id, msg.order_id, outcome, None, msg.channel, tried)


async def _upsert_dispatch(session: AsyncSession, workspace_id: str, order_id: str, outcome: str,
                           reason: str | None, channel: str | None,
                           tried: list[dict[str, Any]]) -> None:
    """One ``INSERT … ON CONFLICT DO UPDATE`` (SQLite and PostgreSQL share the syntax)."""
    values = {"outcome": outcome, "reason": reason and reason[:300], "channel": channel,
              "tried": tried, "updated_at": utcnow()}
    table = ReceiptDispatch.__table__

    def build(dialect: Any) -> Any:
        stmt = dialect.insert(table)
        return stmt.on_conflict_do_update(index_elements=["workspace_id", "order_id"],
                                          set_={name: stmt.excluded[name] for name in values})
    stmt = statement(session, ("receipt_dispatch.upsert",), build)
    row = {"workspace_id": workspace_id, "order_id": order_id, **values}
    await deferred.write(session, stmt, row, key=(workspace_id, order_id), duplicate=deferred.NEWEST)
