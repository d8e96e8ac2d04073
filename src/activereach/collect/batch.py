"""Processing a Segment-style batch: one verdict per message, good messages kept.

Each message runs in its own savepoint, so a bad message rolls back only itself.  An online
``order_completed`` goes through the same ``ingest_order`` as every other source.

A ``messageId`` seen before is a ``duplicate`` only when the message says the same thing again
(same type, event, properties or traits, and timestamp when one is sent; for an order, the same
order); with different content it is a ``conflict`` (409 in its verdict), as ``/v1/orders``
answers a reused external id. A ``timestamp`` outside the operator's bounds is refused (422).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.contacts.models import Contact
from activereach.contacts.rules import IdentityError, build_identities
from activereach.contacts.service import resolve_contact
from activereach.events.models import Event
from activereach.collect.schemas import MessageIn
from activereach.collect.segment import canonical_event_name, order_from_properties
from activereach.events.service import append_event, find_event
from activereach.kit.db import utcnow
from activereach.kit.errors import AppError, Conflict, Unprocessable
from activereach.orders.models import Order
from activereach.orders.rules import time_problem
from activereach.orders.schemas import time_bounds
from activereach.orders.service import IngestSource, ingest_order, request_hash
from activereach.tenancy.models import Workspace

CHANNELS = {"whatsapp", "sms", "email"}


async def process_batch(session: AsyncSession, workspace: Workspace,
                        messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    verdicts = []
    for index, raw in enumerate(messages):
        verdict: dict[str, Any] = {"index": index, "messageId": _message_id(raw)}
        try:
            async with session.begin_nested():
                verdict.update(await _process_one(session, workspace, raw))
        except Conflict as exc:
            # A messageId or order already accepted with other content (error.code says which).
            verdict.update(status=409, result="conflict", error=exc.body()["error"])
        except AppError as exc:
            # Every other rejected message is a 400 in its verdict; error.code says why.
            verdict.update(status=400, result="rejected", error=exc.body()["error"])
        verdicts.append(verdict)
    return verdicts


def _message_id(raw: object) -> object:
    return raw.get("messageId") if isinstance(raw, dict) else None


async def _process_one(session: AsyncSession, workspace: Workspace,
                       raw: dict[str, Any]) -> dict[str, Any]:
    message = _parse(raw)
    customer = _customer(message)
    if message.type == "track" and message.event is None:
        raise Unprocessable.field("event", "required for track messages")
    name = (canonical_event_name(message.event) if message.type == "track" and message.event
            else "identify")
    stored = await find_event(session, workspace.id, message.message_id)
    if stored is not None:
        return await _seen_before(session, workspace, message, name, stored)
    if message.timestamp is not None:
        problem = time_problem(message.timestamp, utcnow(), time_bounds())
        if problem:
            raise Unprocessable.field("timestamp", problem)
    timestamp = message.timestamp or utcnow()

    if name == "order_completed":
        order_in = order_from_properties(message.properties, currency=workspace.currency,
                                         occurred_at=timestamp, customer=customer)
        src = IngestSource(workspace=workspace, source="online", message_id=message.message_id,
                           event_source="sdk")
        result = await ingest_order(session, src, order_in)
        return {"status": 200, "result": "duplicate" if result["replayed"] else "accepted",
                "order_id": result["order_id"], "contact_id": result["contact_id"]}

    contact_id = await _resolve(session, workspace, customer, message)
    properties = _properties(message)
    await append_event(session, workspace_id=workspace.id, message_id=message.message_id,
                       name=name, type=message.type, timestamp=timestamp, source="sdk",
                       properties=properties, contact_id=contact_id,
                       location_id=None)
    return {"status": 200, "result": "accepted", "contact_id": contact_id}


def _properties(message: MessageIn) -> dict[str, Any]:
    return {"traits": message.traits or {}} if message.type == "identify" else message.properties


async def _seen_before(session: AsyncSession, workspace: Workspace, message: MessageIn,
                       name: str, stored: Event) -> dict[str, Any]:
    """The verdict for a messageId already stored: duplicate when the content is the same."""
    same_time = message.timestamp is None or message.timestamp == stored.timestamp
    if name == "order_completed" and stored.name == "order_completed":
        # The stored event's properties are derived by ingest; the order's request hash is what
        # a retry must match (it is what /v1/orders compares too).
        order_in = order_from_properties(
            message.properties, currency=workspace.currency,
            occurred_at=message.timestamp or stored.timestamp, customer=_customer(message))
        order = (await session.execute(select(Order.id, Order.contact_id, Order.request_hash).where(
            Order.workspace_id == workspace.id,
            Order.id == (stored.properties or {}).get("canonical_order_id")))).first()
        if order is not None and order.request_hash == request_hash("online", order_in):
            return {"status": 200, "result": "duplicate", "order_id": order.id,
                    "contact_id": order.contact_id}
    elif (stored.type, stored.name) == (message.type, name) and same_time \
            and (stored.properties or {}) == _properties(message):
        return {"status": 200, "result": "duplicate", "contact_id": stored.contact_id}
    raise Conflict(f"messageId {message.message_id!r} was already accepted with different "
                   "content", code="message_id_conflict", details={"event_id": stored.id})


def _parse(raw: object) -> MessageIn:
    if not isinstance(raw, dict):
        raise Unprocessable("each message must be a JSON object")
    try:
        return MessageIn.model_validate(raw)
    except ValidationError as exc:
        details = [{"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]}
                   for err in exc.errors()]
        raise Unprocessable(f"{details[0]['field']}: {details[0]['message']}", details=details) from exc


def _customer(message: MessageIn) -> dict[str, Any]:
    traits = dict((message.context.traits if message.context else None) or {})
    traits.update(message.traits or {})
    customer = {"user_id": message.user_id, "anonymous_id": message.anonymous_id,
                "phone": _str(traits.get("phone")), "email": _str(traits.get("email")),
                "name": _str(traits.get("name"))}
    return {key: value for key, value in customer.items() if value}


def _str(value: object) -> str | None:
    return None if value is None else str(value)[:320]


async def _resolve(session: AsyncSession, workspace: Workspace, customer: dict[str, Any],
                   message: MessageIn) -> str | None:
    try:
        identities = build_identities(
            region=workspace.country, source="online", phone=customer.get("phone"),
            email=customer.get("email"), user_id=customer.get("user_id"),
            anonymous_id=customer.get("anonymous_id"))
    except IdentityError as exc:
        field, _, reason = str(exc).partition(": ")
        raise Unprocessable.field(f"traits.{field}", reason) from exc
    traits = {k: v for k, v in (message.traits or {}).items() if k not in {"phone", "email"}}
    contact_id = await resolve_contact(session, workspace.id, identities=identities,
                                       source="online", name=customer.get("name"),
                                       traits=traits or None)
    preferred = (message.traits or {}).get("preferred_channel")
    if contact_id and isinstance(preferred, str) and preferred.lower() in CHANNELS:
        contact = await session.get(Contact, (workspace.id, contact_id))
        if contact is not None:
            contact.preferred_channel = preferred.lower()
    return contact_id
