"""Messaging services: status transitions, consent, templates, the outbox view and resends."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.analytics.rollups import count_receipt
from activereach.bills.models import BillReceipt
from activereach.contacts.models import Contact
from activereach.events.service import append_event
from activereach.jobs.service import enqueue
from activereach.kit.cache import TenantCache
from activereach.kit.db import insert_ignore, utcnow
from activereach.kit.errors import Conflict, NotFound, Unprocessable
from activereach.kit.ids import new_id
from activereach.messaging import rules, templates
from activereach.messaging.models import (BRAND_SCOPE, Consent, Message, MessageTemplate,
                                         ReceiptDispatch)
from activereach.orders.models import Order


async def record_status(session: AsyncSession, msg: Message, status: str, *, source: str,
                        at: dt.datetime | None = None, error_code: str | None = None,
                        error: str | None = None, provider_status: str | None = None,
                        sold_at: dt.datetime | None = None) -> bool:
    """Move ``msg`` forward (never backwards); duplicates and stale statuses are no-ops."""
    new = rules.next_status(msg.status, status)
    if new is None:
        return False
    when = at or utcnow()
    entry: dict[str, Any] = {"status": new, "at": when.isoformat(), "source": source}
    if provider_status and provider_status != new:
        entry["provider_status"] = provider_status
    if error_code:
        entry["error_code"] = error_code
        msg.error_code, msg.error = error_code, (error or "")[:2000]
    if msg.purpose == "receipt":
        await _count_receipt(session, msg, previous=msg.status, new=new, sold_at=sold_at)
    msg.status = new
    msg.status_history = [*(msg.status_history or []), entry]
    msg.updated_at = utcnow()
    msg.next_attempt_at = None
    if msg.contact_id:
        # Each status is entered at most once per message (see rules.next_status), so this
        # message id is unique without a lookup.
        await append_event(
            session, workspace_id=msg.workspace_id, message_id=f"mds:{msg.id}:{new}",
            name="channel_delivery_status", timestamp=when, source="internal",
            contact_id=msg.contact_id, location_id=msg.location_id, properties={
                "message_id": msg.id, "order_id": msg.order_id, "channel": msg.channel,
                "provider": msg.provider, "status": new, "purpose": msg.purpose,
                "provider_message_id": msg.provider_message_id, "error_code": error_code})
    if new == "failed" and msg.purpose == "receipt" and source == "webhook" and msg.order_id:
        # An asynchronous failure (e.g. not on WhatsApp): try the next reachable channel.
        await enqueue(session, kind="messaging.send_receipt", workspace_id=msg.workspace_id,
                      payload={"order_id": msg.order_id}, dedupe_key=f"messaging.fallback:{msg.id}")
    return True


async def _count_receipt(session: AsyncSession, msg: Message, *, previous: str, new: str,
                         sold_at: dt.datetime | None) -> None:
    """The receipt-delivery roll-up.  A receipt counts as attempted at its first outcome (sent
    or failed), then delivered (or read) and failed once each."""
    reached = {"delivered", "read"}
    first_outcome = previous == "queued" and new in ("sent", "failed")
    counters = [name for name, hit in (
        ("attempted", first_outcome), ("sent", new == "sent"), ("failed", new == "failed"),
        ("delivered", new in reached and previous not in reached)) if hit]
    if not counters or not msg.order_id:
        return
    if sold_at is None:
        order = await session.get(Order, (msg.workspace_id, msg.order_id))
        sold_at = order.occurred_at if order else msg.created_at
    await count_receipt(session, workspace_id=msg.workspace_id, location_id=msg.location_id,
                        channel=msg.channel, sold_at=sold_at, counters=counters)


# ---- consent ------------------------------------------------------------------------------

async def set_consent(session: AsyncSession, workspace_id: str, contact_id: str, channel: str,
                      status: str, *, source: str, evidence: str | None = None) -> Consent:
    """Record opt-in/opt-out (idempotent); mirrored onto the contact profile's ``consent``."""
    if channel not in rules.CHANNELS:
        raise Unprocessable.field("channel", "one of whatsapp, sms, email")
    if status not in ("opted_in", "opted_out"):
        raise Unprocessable.field("status", "one of opted_in, opted_out")
    contact = await session.get(Contact, (workspace_id, contact_id))
    if contact is None:
        raise NotFound(f"contact {contact_id!r} not found")
    now = utcnow()
    await session.execute(insert_ignore(session, Consent.__table__).values(
        workspace_id=workspace_id, contact_id=contact_id, channel=channel, status=status,
        source=source, evidence=evidence, updated_at=now))
    row = await session.get(Consent, (workspace_id, contact_id, channel), populate_existing=True)
    assert row is not None
    if (row.status, row.source, row.evidence) != (status, source, evidence):
        row.status, row.source, row.evidence, row.updated_at = status, source, evidence, now
    contact.consent = {**(contact.consent or {}), channel: {
        "status": status, "source": source, "at": row.updated_at.isoformat()}}
    return row


async def get_consent(session: AsyncSession, workspace_id: str,
                      contact_id: str) -> dict[str, Any]:
    if await session.get(Contact, (workspace_id, contact_id)) is None:
        raise NotFound(f"contact {contact_id!r} not found")
    rows = await session.scalars(select(Consent).where(
        Consent.workspace_id == workspace_id, Consent.contact_id == contact_id))
    found = {r.channel: r for r in rows}
    return {"contact_id": contact_id, "channels": {
        ch: ({"status": found[ch].status, "source": found[ch].source,
              "evidence": found[ch].evidence, "updated_at": found[ch].updated_at.isoformat()}
             if ch in found else {"status": "unknown", "source": None, "evidence": None,
                                  "updated_at": None})
        for ch in rules.CHANNELS}}


# ---- templates ----------------------------------------------------------------------------

# Every receipt renders its channel's template; edits are rare (kit/cache.py bounds staleness).
_templates: TenantCache[dict[str, Any] | None] = TenantCache("messaging_templates")
_templates.forget_on_write(MessageTemplate)


def _row_name(location_id: str | None) -> str:
    """The brand tier is ``active_bill``; an outlet's override ``active_bill@<outlet id>``."""
    name = templates.TEMPLATE_NAME
    return f"{name}@{location_id}" if location_id else name


async def _tier(session: AsyncSession, workspace_id: str, channel: str,
                location_id: str | None) -> dict[str, Any] | None:
    name = _row_name(location_id)

    async def load() -> dict[str, Any] | None:
        return await session.scalar(select(MessageTemplate.content).where(
            MessageTemplate.workspace_id == workspace_id, MessageTemplate.channel == channel,
            MessageTemplate.name == name))
    return await _templates.get((workspace_id, channel, name), load)


async def stored_template(session: AsyncSession, workspace_id: str, channel: str,
                          location_id: str | None = None) -> dict[str, Any] | None:
    """What is stored for a send at ``location_id``: the outlet's fields over the brand's
    (None: nothing stored, the built-in default applies).
    Resolution: outlet → brand → built-in default."""
    brand = await _tier(session, workspace_id, channel, None)
    outlet = await _tier(session, workspace_id, channel, location_id) if location_id else None
    if brand is None and outlet is None:
        return None
    return {**(brand or {}), **(outlet or {})}


async def template_doc(session: AsyncSession, workspace_id: str, channel: str,
                       location_id: str | None = None) -> dict[str, Any]:
    """One channel's template at a tier: the effective content, and what each tier stores."""
    brand = await _tier(session, workspace_id, channel, None)
    outlet = await _tier(session, workspace_id, channel, location_id) if location_id else None
    return {"name": templates.TEMPLATE_NAME, "channel": channel, "location_id": location_id,
            "default": brand is None and outlet is None, "brand": brand, "outlet": outlet,
            "brand_content": templates.effective(channel, brand),
            "content": templates.effective(channel, {**(brand or {}), **(outlet or {})})}


async def get_templates(session: AsyncSession, workspace_id: str,
                        location_id: str | None = None) -> dict[str, Any]:
    return {channel: await template_doc(session, workspace_id, channel, location_id)
            for channel in rules.CHANNELS}


async def _template_row(session: AsyncSession, workspace_id: str, channel: str,
                        location_id: str | None) -> MessageTemplate | None:
    return await session.scalar(select(MessageTemplate).where(
        MessageTemplate.workspace_id == workspace_id, MessageTemplate.channel == channel,
        MessageTemplate.name == _row_name(location_id)))


async def put_template(session: AsyncSession, workspace_id: str, channel: str,
                       content: dict[str, Any], location_id: str | None = None) -> dict[str, Any]:
    """Store one tier.  An outlet stores only the fields it sets (the rest inherit the brand);
    validation runs on what the send will use: default, brand and outlet merged."""
    if channel not in rules.CHANNELS:
        raise NotFound(f"channel: no channel {channel!r}")
    content = {k: v for k, v in content.items() if v is not None} if location_id else content
    brand = await _tier(session, workspace_id, channel, None) if location_id else None
    merged = templates.effective(channel, {**(brand or {}), **content})
    try:
        templates.validate(channel, merged)
    except templates.TemplateProblem as exc:
        raise Unprocessable.field(exc.field, exc.message) from exc
    row = await _template_row(session, workspace_id, channel, location_id)
    if row is None:
        row = MessageTemplate(workspace_id=workspace_id, id=new_id("mtp"), channel=channel,
                              name=_row_name(location_id), location_id=location_id)
        session.add(row)
    row.content, row.updated_at = content, utcnow()
    await session.flush()
    return {"name": templates.TEMPLATE_NAME, "channel": channel, "location_id": location_id,
            "default": False, "content": merged}


async def reset_template(session: AsyncSession, workspace_id: str, channel: str,
                         location_id: str | None = None) -> dict[str, Any] | None:
    """Back to the built-in default (brand tier) or to the brand's (an outlet): the tier's row
    goes.  Returns what it stored, None when there was nothing to reset."""
    if channel not in rules.CHANNELS:
        raise NotFound(f"channel: no channel {channel!r}")
    row = await _template_row(session, workspace_id, channel, location_id)
    if row is None:
        return None
    before = dict(row.content or {})
    await session.delete(row)
    await session.flush()
    return before


# ---- the outbox ---------------------------------------------------------------------------

def document(msg: Message) -> dict[str, Any]:
    return {
        "id": msg.id, "order_id": msg.order_id, "contact_id": msg.contact_id,
        "location_id": msg.location_id, "purpose": msg.purpose, "resend_of": msg.resend_of,
        "channel": msg.channel, "provider": msg.provider, "recipient": msg.recipient,
        "template": msg.template, "params": msg.params, "content": msg.content,
        "status": msg.status, "status_history": msg.status_history or [],
        "provider_message_id": msg.provider_message_id, "provider_response": msg.provider_response,
        "attempts": msg.attempts, "error_code": msg.error_code, "error": msg.error,
        "next_attempt_at": msg.next_attempt_at.isoformat() if msg.next_attempt_at else None,
        "created_at": msg.created_at.isoformat(), "updated_at": msg.updated_at.isoformat(),
    }


async def list_messages(session: AsyncSession, workspace_id: str, *, order_id: str | None = None,
                        status: str | None = None, channel: str | None = None,
                        location_id: str | None = None, since: dt.datetime | None = None,
                        until: dt.datetime | None = None, before: str | None = None,
                        limit: int = 50) -> list[Message]:
    query = select(Message).where(Message.workspace_id == workspace_id)
    for column, value in ((Message.order_id, order_id), (Message.status, status),
                          (Message.channel, channel), (Message.location_id, location_id)):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(Message.created_at >= since)
    if until is not None:
        query = query.where(Message.created_at < until)
    if before is not None:
        query = query.where(Message.id < before)  # ids are time-ordered
    rows = await session.scalars(query.order_by(Message.id.desc()).limit(limit))
    return list(rows)


async def get_message(session: AsyncSession, workspace_id: str, message_id: str) -> Message:
    msg = await session.get(Message, (workspace_id, message_id))
    if msg is None:
        raise NotFound(f"message {message_id!r} not found")
    return msg


async def get_dispatch(session: AsyncSession, workspace_id: str,
                       order_id: str) -> dict[str, Any] | None:
    row = await session.get(ReceiptDispatch, (workspace_id, order_id))
    if row is None:
        return None
    return {"outcome": row.outcome, "reason": row.reason, "channel": row.channel,
            "tried": row.tried, "updated_at": row.updated_at.isoformat()}


async def resend(session: AsyncSession, workspace_id: str, message_id: str,
                 idempotency_key: str | None) -> Message:
    """A new outbox row with the same content to the same recipient, sent by a job.

    With an ``Idempotency-Key`` a repeated request returns the first resend.
    """
    original = await get_message(session, workspace_id, message_id)
    if original.contact_id:
        row = await session.get(Consent, (workspace_id, original.contact_id, original.channel))
        if row is not None and row.status == "opted_out":
            raise Conflict(f"the contact opted out of {original.channel}", code="opted_out")
    key = f"resend:{original.id}:{idempotency_key or new_id('rk')}"
    existing = await session.scalar(select(Message).where(
        Message.workspace_id == workspace_id, Message.dedupe_key == key))
    if existing is not None:
        return existing
    now = utcnow()
    msg = Message(
        workspace_id=workspace_id, id=new_id("msg"), dedupe_key=key, purpose="resend",
        order_id=original.order_id, contact_id=original.contact_id,
        location_id=original.location_id, resend_of=original.id, channel=original.channel,
        provider=original.provider, recipient=original.recipient, template=original.template,
        params=original.params, content=original.content, status="queued",
        status_history=[{"status": "queued", "at": now.isoformat(), "source": "api"}],
        attempts=0, created_at=now, updated_at=now)
    session.add(msg)
    await session.flush()
    await enqueue(session, kind="messaging.deliver", workspace_id=workspace_id,
                  payload={"message_id": msg.id}, dedupe_key=f"messaging.deliver:{msg.id}:0")
    return msg


async def preview(session: AsyncSession, workspace_id: str, order_id: str, channel: str | None,
                  override: dict[str, Any] | None, *,
                  scope: str | None = None) -> dict[str, Any]:
    """Render the Active Bill template of one or every channel for an order, without sending.

    ``scope``: the template tier to render — ``BRAND_SCOPE`` (the brand's, no outlet
    override), an outlet id, or None for what the send would use (the order's outlet)."""
    from activereach.messaging.routing import load_context  # noqa: PLC0415 (import cycle)

    ctx = await load_context(session, workspace_id, order_id)
    if ctx is None:
        raise NotFound(f"order {order_id!r} not found")
    if ctx.bill is None:
        raise Conflict("the order has no bill to render", code="no_bill")
    out: dict[str, Any] = {}
    tier = ctx.order.location_id if scope is None else (None if scope == BRAND_SCOPE else scope)
    for ch in [channel] if channel else list(rules.CHANNELS):
        stored = override if (override is not None and channel) else await stored_template(
            session, workspace_id, ch, tier)
        content = templates.effective(ch, stored)
        try:
            templates.validate(ch, content)
            name, params, rendered = templates.render(ch, content, ctx.bill.snapshot,
                                                      ctx.customer_name())
        except templates.TemplateProblem as exc:
            if channel:
                raise Unprocessable.field(exc.field, exc.message) from exc
            out[ch] = {"error": {"field": exc.field, "message": exc.message}}
            continue
        out[ch] = {"template": name, "params": params, "content": rendered}
    plan = (await _plan(ctx))
    return {"order_id": order_id, "would_send": plan, "channels": out}


async def _plan(ctx: Any) -> dict[str, Any]:
    from activereach.messaging.routing import plan_for  # noqa: PLC0415 (import cycle)

    plan = plan_for(ctx)
    return {"channel": plan.channel, "recipient": plan.recipient, "skipped": plan.skipped}


async def latest_billed_order(session: AsyncSession, workspace_id: str,
                              order_channel: str | None = None) -> str | None:
    """The newest order with a bill (``online`` / ``offline`` for that kind only): what the
    console renders template previews from."""
    query = select(BillReceipt.order_id).where(BillReceipt.workspace_id == workspace_id)
    if order_channel is not None:
        query = query.join(Order, (Order.workspace_id == BillReceipt.workspace_id)
                           & (Order.id == BillReceipt.order_id)).where(
            Order.channel == order_channel)
    return await session.scalar(query.order_by(BillReceipt.created_at.desc()).limit(1))
