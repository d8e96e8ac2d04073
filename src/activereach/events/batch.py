"""Processing a Segment-style batch: one verdict per message, good messages kept.

Each message runs in its own savepoint, so a bad message rolls back only itself.  An online
``order_completed`` goes through the same ``ingest_order`` as every other source.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.contacts.models import Contact
from activereach.contacts.rules import IdentityError, build_identities
from activereach.contacts.service import resolve_contact
from activereach.events.schemas import MessageIn
from activereach.events.segment import canonical_event_name, order_from_properties
from activereach.events.service import append_event, event_exists
from activereach.kit.db import utcnow
from activereach.kit.errors import AppError, Unprocessable
from activereach.orders.service import IngestSource, ingest_order
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
        except AppError as exc:
            # Every rejected message is a 400 in its verdict; error.code says why.
            verdict.update(status=400, result="rejected", error=exc.body()["error"])
        verdicts.append(verdict)
    return verdicts


def _message_id(raw: object) -> object:
    return raw.get("messageId") if isinstance(raw, dict) else None


async def _process_one(session: AsyncSession, workspace: Workspace,
                       raw: dict[str, Any]) -> dict[str, Any]:
    message = _parse(raw)
    if await event_exists(session, workspace.id, message.message_id):
        return {"status": 200, "result": "duplicate"}
    timestamp = message.timestamp or utcnow()
    customer = _customer(message)
    if message.type == "track" and message.event is None:
        raise Unprocessable.field("event", "required for track messages")
    name = canonical_event_name(message.event) if message.type == "track" else "identify"

    if name == "order_completed":
        order_in = order_from_properties(message.properties, currency=workspace.currency,
                                         occurred_at=timestamp, customer=customer)
        src = IngestSource(workspace=workspace, source="online", message_id=message.message_id,
                           event_source="sdk")
        result = await ingest_order(session, src, order_in)
        return {"status": 200, "result": "duplicate" if result["replayed"] else "accepted",
                "order_id": result["order_id"], "contact_id": result["contact_id"]}

    contact_id = await _resolve(session, workspace, customer, message)
    properties = {"traits": message.traits or {}} if message.type == "identify" else message.properties
    await append_event(session, workspace_id=workspace.id, message_id=message.message_id,
                       name=name, type=message.type, timestamp=timestamp, source="sdk",
                       properties=properties, contact_id=contact_id,
                       location_id=None)
    return {"status": 200, "result": "accepted", "contact_id": contact_id}


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
