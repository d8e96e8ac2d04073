"""Everything that can refuse a message without the database, done before a batch touches it:
the batch's shared context applied, the size, the shape, the clock-corrected time, and the
identities (normalised, placeholders dropped). The result is a ``Call`` or the ``AppError``
that is its verdict."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError

from activereach.collect import envelope, identity
from activereach.collect.calls import Call
from activereach.collect.schemas import BatchIn, MessageIn
from activereach.collect.segment import canonical_event_name
from activereach.kit.errors import AppError, PayloadTooLarge, Unprocessable
from activereach.kit.ids import new_id
from activereach.orders.rules import time_problem
from activereach.orders.schemas import time_bounds
from activereach.tenancy.models import Workspace


def prepare(workspace: Workspace, index: int, raw: object, body: BatchIn, *,
            sent_at: dt.datetime | None, received: dt.datetime,
            ) -> tuple[dict[str, Any], Call | AppError]:
    """(the verdict's index and messageId, the call or why it is refused)."""
    verdict: dict[str, Any] = {"index": index,
                               "messageId": raw.get("messageId") if isinstance(raw, dict) else None}
    try:
        if isinstance(raw, dict):
            raw = envelope.with_batch_envelope(raw, body.context, body.integrations)
            if envelope.message_size(raw) > envelope.MESSAGE_LIMIT_BYTES:
                raise PayloadTooLarge(f"message exceeds {envelope.MESSAGE_LIMIT_BYTES} bytes",
                                      code="message_too_large")
        message = _parse(raw)
        verdict["messageId"] = message.message_id
        return verdict, _call(workspace, message, raw, sent_at=sent_at, received=received)
    except AppError as exc:
        return verdict, exc


def _call(workspace: Workspace, message: MessageIn, raw: Any, *, sent_at: dt.datetime | None,
          received: dt.datetime) -> Call:
    if message.type == "track" and message.event is None:
        raise Unprocessable.field("event", "required for track messages")
    if message.type == "group" and not message.group_id:
        raise Unprocessable.field("groupId", "required for group messages")
    claimed = message.timestamp or message.original_timestamp
    when = envelope.corrected_time(claimed, envelope.parse_time(message.sent_at) or sent_at,
                                   received)
    problem = time_problem(when, received, time_bounds())
    if problem:
        raise Unprocessable.field("timestamp", problem)
    traits = identity.traits_of(message)
    customer = identity.customer(message, traits)
    if not customer and message.type != "alias":
        raise Unprocessable.field("userId", "userId or anonymousId is required")
    return Call(message=message, name=_event_name(message), timestamp=when, claimed=claimed,
                traits=traits, customer=customer,
                identities=identity.identities(workspace, customer),
                digest=envelope.content_digest(raw, traits),
                context=envelope.kept_context(message.context.model_dump() if message.context
                                              else None))


def _event_name(message: MessageIn) -> str:
    """The timeline's name: the canonical event for a track; page and screen views by kind."""
    if message.type == "track":
        return canonical_event_name(message.event or "")
    return {"page": "page_viewed", "screen": "screen_viewed"}.get(message.type, message.type)


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
