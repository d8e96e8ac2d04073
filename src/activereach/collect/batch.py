"""Processing Segment-spec messages: one verdict per message, good messages kept.

Each message runs in its own savepoint, so a bad message rolls back only itself. The six call
types are stored (track, identify, page, screen, alias, group); e-commerce events go through the
order paths (``collect.commerce``). A verdict says what became of each message; how verdicts
map to the HTTP status an SDK acts on is in ``collect.api``.

A ``messageId`` seen before is a ``duplicate`` only when the message says the same thing again
(its content digest, ``collect.envelope``); with different content it is a ``conflict`` (409 in
its verdict), as ``/v1/orders`` answers a reused external id. A time outside the operator's
bounds is refused (422 naming ``timestamp``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.collect import commerce, envelope, identity
from activereach.collect.calls import Call, record
from activereach.collect.schemas import BatchIn, MessageIn
from activereach.collect.segment import canonical_event_name
from activereach.events.models import Event
from activereach.events.service import find_event
from activereach.kit.db import utcnow
from activereach.kit.errors import AppError, Conflict, PayloadTooLarge, Unprocessable
from activereach.kit.ids import new_id
from activereach.orders.rules import time_problem
from activereach.orders.schemas import time_bounds
from activereach.tenancy.models import Workspace

# The verdict statuses that say more than "rejected" (400); an SDK never sees them per message.
_VERDICT_STATUS = {404: 404, 409: 409, 413: 413}


async def process_batch(session: AsyncSession, workspace: Workspace,
                        body: BatchIn) -> list[dict[str, Any]]:
    received = utcnow()
    sent_at = envelope.parse_time(body.sent_at)
    verdicts = []
    for index, raw in enumerate(body.batch):
        verdict: dict[str, Any] = {"index": index, "messageId": _message_id(raw)}
        try:
            async with session.begin_nested():
                if isinstance(raw, dict):
                    raw = envelope.with_batch_envelope(raw, body.context, body.integrations)
                verdict.update(await process_message(session, workspace, raw,
                                                     sent_at=sent_at, received=received))
        except AppError as exc:
            # Rejected for its content: retrying cannot help, so the SDK must not retry it.
            status = _VERDICT_STATUS.get(exc.status_code, 400)
            result = "conflict" if isinstance(exc, Conflict) else "rejected"
            verdict.update(status=status, result=result, error=exc.body()["error"])
        verdicts.append(verdict)
    return verdicts


def _message_id(raw: object) -> object:
    return raw.get("messageId") if isinstance(raw, dict) else None


async def process_message(session: AsyncSession, workspace: Workspace, raw: object, *,
                          sent_at: dt.datetime | None, received: dt.datetime) -> dict[str, Any]:
    """One message's verdict (an ``AppError`` when it is refused)."""
    if isinstance(raw, dict) and envelope.message_size(raw) > envelope.MESSAGE_LIMIT_BYTES:
        raise PayloadTooLarge(f"message exceeds {envelope.MESSAGE_LIMIT_BYTES} bytes",
                              code="message_too_large")
    call = _call(workspace, _parse(raw), raw, sent_at=sent_at, received=received)
    stored = await find_event(session, workspace.id, call.message.message_id)
    if stored is not None:
        return await _seen_before(session, workspace, call, stored)
    if call.name in commerce.HANDLERS:
        return await commerce.HANDLERS[call.name](session, workspace, call)
    if call.message.type == "alias":
        contact_id = await identity.alias(session, workspace, call)
    else:
        contact_id = await identity.resolve(session, workspace, call)
    await record(session, workspace, call, contact_id)
    return {"status": 200, "result": "accepted", "contact_id": contact_id}


def _call(workspace: Workspace, message: MessageIn, raw: Any, *, sent_at: dt.datetime | None,
          received: dt.datetime) -> Call:
    if message.type == "track" and message.event is None:
        raise Unprocessable.field("event", "required for track messages")
    claimed = message.timestamp or message.original_timestamp
    when = envelope.corrected_time(claimed, envelope.parse_time(message.sent_at) or sent_at,
                                   received)
    problem = time_problem(when, received, time_bounds())
    if problem:
        raise Unprocessable.field("timestamp", problem)
    traits = identity.traits_of(message)
    return Call(message=message, name=_event_name(message), timestamp=when, claimed=claimed,
                traits=traits, customer=identity.customer(message, traits),
                digest=envelope.content_digest(raw, traits),
                context=envelope.kept_context(message.context.model_dump() if message.context
                                              else None))


def _event_name(message: MessageIn) -> str:
    """The timeline's name: the canonical event for a track; page and screen views by kind."""
    if message.type == "track":
        return canonical_event_name(message.event or "")
    return {"page": "page_viewed", "screen": "screen_viewed"}.get(message.type, message.type)


async def _seen_before(session: AsyncSession, workspace: Workspace, call: Call,
                       stored: Event) -> dict[str, Any]:
    """The verdict for a messageId already stored: duplicate when the content is the same."""
    if stored.content_digest is not None:
        same = stored.content_digest == call.digest
    else:   # stored before digests were kept (migration 0014): compare as then
        same = await commerce.same_as_legacy(session, workspace, call, stored)
    if same:
        verdict: dict[str, Any] = {"status": 200, "result": "duplicate",
                                   "contact_id": stored.contact_id}
        order_id = (stored.properties or {}).get("canonical_order_id")
        if order_id and stored.name == "order_completed":
            verdict["order_id"] = order_id
        return verdict
    raise Conflict(f"messageId {call.message.message_id!r} was already accepted with different "
                   "content", code="message_id_conflict", details={"event_id": stored.id})


def _parse(raw: object) -> MessageIn:
    if not isinstance(raw, dict):
        raise Unprocessable("each message must be a JSON object")
    if not raw.get("messageId"):
        # Segment's HTTP API makes one when a caller sends none; such a message cannot be
        # told from its retry, which is the caller's choice.
        raw = {**raw, "messageId": new_id("msg")}
    try:
        return MessageIn.model_validate(raw)
    except ValidationError as exc:
        details = [{"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]}
                   for err in exc.errors()]
        raise Unprocessable(f"{details[0]['field']}: {details[0]['message']}",
                            details=details) from exc
