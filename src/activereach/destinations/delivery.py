"""Delivering: the fan-out of one event to its destinations, each attempt, the lanes that keep
a contact's events in order, and replay.

**In order per contact.** Every delivery with a contact sits in a lane (destination, contact)
ordered by ``seq`` (append order). A delivery whose lane holds an earlier unfinished one
(pending or waiting) becomes ``waiting`` instead of being sent; when a delivery finishes
(delivered, or failed once Svix's schedule ran out) it wakes the lane's first waiting one. On
PostgreSQL both sides lock the destination row first, so a check and a finish never pass each
other unseen (on SQLite transactions never overlap).

**Once each.** Each attempt is a job (``destinations.deliver``) returning an ``Effect``: the
call is made with no transaction open and its outcome recorded in the next; a delivered row is
never sent again by a job. A worker that dies mid-call sends that attempt again (the receiver
dedupes on ``webhook-id``, which is the delivery id, the same on every attempt)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.contacts.merging import MoveRows
from activereach.destinations import outbox, rules, sender
from activereach.destinations.kinds import get_kind
from activereach.destinations.models import Destination, OutboundDelivery
from activereach.jobs.registry import Effect
from activereach.jobs.service import enqueue
from activereach.kit import crypto, deferred
from activereach.kit.db import plain_insert, utcnow
from activereach.kit.errors import Conflict, NotFound
from activereach.kit.ids import new_id

DELIVER = "destinations.deliver"
UNFINISHED = ("pending", "waiting")
LOG_KEPT = 20   # attempts kept in a delivery's log (eight per round; a replay adds a round)


async def fan_out(session: AsyncSession, workspace_id: str, payload: dict[str, Any]) -> None:
    """One delivery (and its first attempt's job) per active destination taking the event."""
    event, category, seq = payload["event"], payload["category"], payload["seq"]
    for destination_id, types in await outbox.subscriptions(session, workspace_id):
        if category not in types:
            continue
        delivery_id = new_id("dlv")
        row = dict(workspace_id=workspace_id, id=delivery_id, destination_id=destination_id,
                   event_id=event["id"], event_name=event["name"],
                   contact_id=event.get("contact_id"), seq=seq, event=event, status="pending",
                   round_attempts=0, attempts=0, attempt_log=[], created_at=utcnow())
        await deferred.write(session, plain_insert(session, OutboundDelivery), row)
        await enqueue(session, kind=DELIVER, workspace_id=workspace_id,
                      payload={"delivery_id": delivery_id},
                      dedupe_key=f"dest.deliver:{delivery_id}:0", fresh=True)


async def _lock(session: AsyncSession, workspace_id: str,
                destination_id: str) -> Destination | None:
    # FOR UPDATE on PostgreSQL (SQLite leaves it out: its writers never overlap).
    return await session.scalar(
        select(Destination).where(Destination.workspace_id == workspace_id,
                                  Destination.id == destination_id)
        .with_for_update().execution_options(populate_existing=True))


async def _earlier_unfinished(session: AsyncSession, delivery: OutboundDelivery) -> bool:
    if delivery.contact_id is None:
        return False   # no contact, no lane: nothing to keep it in order with
    found = await session.scalar(
        select(OutboundDelivery.id).where(
            OutboundDelivery.workspace_id == delivery.workspace_id,
            OutboundDelivery.destination_id == delivery.destination_id,
            OutboundDelivery.contact_id == delivery.contact_id,
            OutboundDelivery.seq < delivery.seq,
            OutboundDelivery.status.in_(UNFINISHED)).limit(1))
    return found is not None


async def attempt(session: AsyncSession, workspace_id: str, delivery_id: str) -> Effect | None:
    """The job of one attempt: nothing (finished, or waiting its turn) or the call to make."""
    head = await session.get(OutboundDelivery, (workspace_id, delivery_id))
    if head is None or head.status not in UNFINISHED:
        return None   # delivered or failed already: a replayed job sends nothing
    destination = await _lock(session, workspace_id, head.destination_id)
    delivery = await session.get(OutboundDelivery, (workspace_id, delivery_id),
                                 populate_existing=True)
    assert delivery is not None
    if delivery.status not in UNFINISHED:
        return None
    if destination is None or destination.status != "active" \
            or destination.secret_ciphertext is None:
        _log(delivery, sender.Attempt(None, "destination disabled or deleted", 0))
        await _finish(session, delivery, "failed")
        return None
    if await _earlier_unfinished(session, delivery):
        delivery.status = "waiting"   # woken by the earlier one's finish
        return None
    delivery.status = "pending"
    return _effect(destination, delivery)


def _effect(destination: Destination, delivery: OutboundDelivery) -> Effect:
    kind = get_kind(destination.kind)
    settings, event = dict(destination.settings), dict(delivery.event)
    assert destination.secret_ciphertext is not None
    secret = crypto.decrypt(destination.secret_ciphertext)
    key = (delivery.workspace_id, delivery.id)

    async def run() -> sender.Attempt:
        return await sender.send(kind, settings, secret, event, msg_id=delivery.id)

    async def finish(session: AsyncSession, outcome: object) -> None:
        await record(session, key, outcome)
    return Effect(run=run, finish=finish, preload=(OutboundDelivery, key))


async def record(session: AsyncSession, key: tuple[str, str], outcome: object) -> None:
    """The attempt's outcome: delivered, the next attempt scheduled, or failed for good."""
    delivery = await session.get(OutboundDelivery, key)
    if delivery is None:
        return
    await _lock(session, delivery.workspace_id, delivery.destination_id)
    await session.refresh(delivery)
    if delivery.status != "pending":
        return
    result = (outcome if isinstance(outcome, sender.Attempt)
              else sender.Attempt(None, f"{type(outcome).__name__}: {outcome}"[:300], 0))
    _log(delivery, result)
    delivery.attempts += 1
    delivery.round_attempts += 1
    if result.ok:
        await _finish(session, delivery, "delivered")
        return
    delay = None if result.abort else rules.retry_delay(delivery.round_attempts)
    if delay is None:
        await _finish(session, delivery, "failed")
        return
    delivery.next_attempt_at = utcnow() + dt.timedelta(seconds=delay)
    await enqueue(session, kind=DELIVER, workspace_id=delivery.workspace_id,
                  payload={"delivery_id": delivery.id}, run_at=delivery.next_attempt_at,
                  dedupe_key=f"dest.deliver:{delivery.id}:{delivery.attempts}")


def _log(delivery: OutboundDelivery, result: sender.Attempt) -> None:
    entry = {"at": utcnow().isoformat(), "status_code": result.status_code,
             "error": result.error, "ms": result.ms}
    delivery.attempt_log = [*(delivery.attempt_log or []), entry][-LOG_KEPT:]
    delivery.last_status_code, delivery.last_error = result.status_code, result.error


async def _finish(session: AsyncSession, delivery: OutboundDelivery, status: str) -> None:
    """End the delivery and let the lane's next waiting delivery try."""
    delivery.status = status
    delivery.next_attempt_at = None
    if status == "delivered":
        delivery.delivered_at = utcnow()
    if delivery.contact_id is None:
        return
    following = await session.scalar(
        select(OutboundDelivery.id).where(
            OutboundDelivery.workspace_id == delivery.workspace_id,
            OutboundDelivery.destination_id == delivery.destination_id,
            OutboundDelivery.contact_id == delivery.contact_id,
            OutboundDelivery.status == "waiting")
        .order_by(OutboundDelivery.seq).limit(1))
    if following is not None:
        await enqueue(session, kind=DELIVER, workspace_id=delivery.workspace_id,
                      payload={"delivery_id": following},
                      dedupe_key=f"dest.wake:{following}:{delivery.id}:{delivery.attempts}")


async def replay(session: AsyncSession, workspace_id: str, destination_id: str,
                 delivery_id: str) -> OutboundDelivery:
    """Send a finished delivery again (a new round of Svix's schedule); 409 while unfinished."""
    delivery = await session.get(OutboundDelivery, (workspace_id, delivery_id))
    if delivery is None or delivery.destination_id != destination_id:
        raise NotFound(f"no delivery {delivery_id!r}")
    if delivery.status in UNFINISHED:
        raise Conflict(f"delivery {delivery_id} is still {delivery.status}")
    await _restart(session, delivery)
    return delivery


async def replay_failed(session: AsyncSession, workspace_id: str, destination_id: str) -> int:
    """Replay every failed delivery of a destination, oldest first; how many."""
    rows = await session.scalars(
        select(OutboundDelivery).where(OutboundDelivery.workspace_id == workspace_id,
                                       OutboundDelivery.destination_id == destination_id,
                                       OutboundDelivery.status == "failed")
        .order_by(OutboundDelivery.seq))
    failed = list(rows)
    for delivery in failed:
        await _restart(session, delivery)
    return len(failed)


async def _restart(session: AsyncSession, delivery: OutboundDelivery) -> None:
    delivery.status, delivery.round_attempts = "pending", 0
    delivery.next_attempt_at = utcnow()
    # A fresh key per replay: the same delivery may be replayed again after this round.
    await enqueue(session, kind=DELIVER, workspace_id=delivery.workspace_id,
                  payload={"delivery_id": delivery.id},
                  dedupe_key=f"dest.replay:{delivery.id}:{new_id('rp')}")


# A contact merge moves the person's deliveries (and so their lane) to the survivor.
CONTACT_MERGE = MoveRows(OutboundDelivery)
