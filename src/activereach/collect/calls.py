"""One parsed message with what the server worked out about it (its corrected time, traits,
customer identities, content digest): what every handler in ``collect`` receives, and
``record``, which puts it on the timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from activereach.collect.schemas import MessageIn
from activereach.events.models import Event
from activereach.events.service import append_event
from activereach.tenancy.models import Workspace


# The events that go through the order paths (``collect.commerce``).
ORDER_EVENTS = frozenset({"order_completed", "order_refunded", "order_cancelled",
                          "order_updated"})


@dataclass(frozen=True)
class Seen:
    """A messageId already stored (or stored earlier in this batch): enough for its verdict."""

    digest: str | None
    contact_id: str | None
    name: str
    order_id: str | None = None
    event_id: str | None = None
    legacy: Event | None = None          # stored before digests: compared the old way

    @classmethod
    def of(cls, event: Event) -> Seen:
        return cls(digest=event.content_digest, contact_id=event.contact_id, name=event.name,
                   order_id=(event.properties or {}).get("canonical_order_id"),
                   event_id=event.id, legacy=None if event.content_digest else event)


@dataclass(frozen=True)
class Call:
    message: MessageIn
    name: str                          # the timeline's event name (``order_completed``, ``page_viewed`` …)
    timestamp: dt.datetime             # corrected for the client's clock (Segment's rule)
    claimed: dt.datetime | None        # what the client said (``timestamp``/``originalTimestamp``)
    traits: dict[str, Any]             # context.traits overlaid by the message's own traits
    customer: dict[str, Any]           # identities as sent (user_id, phone, email, name …)
    identities: dict[str, str]         # the same normalised, placeholders dropped
    digest: str
    context: dict[str, Any] | None     # the context kept on the event (no traits)

    @property
    def plain(self) -> bool:
        """Whether the message only adds to the timeline and profile: nothing can refuse it
        once it has passed ``collect.parse`` (order events and alias can)."""
        return self.message.type != "alias" and self.name not in ORDER_EVENTS

    @property
    def envelope(self) -> dict[str, Any]:
        """The event columns an SDK message fills (``events.service.ENVELOPE``)."""
        return {"context": self.context, "integrations": self.message.integrations,
                "original_timestamp": self.claimed, "content_digest": self.digest}

    @property
    def properties(self) -> dict[str, Any]:
        """The timeline's properties: traits for identify and group, the page's name and
        category beside its properties for page and screen, the two ids for alias."""
        message = self.message
        if message.type == "identify":
            return {"traits": self.traits}
        if message.type == "group":
            return {"group_id": message.group_id, "traits": message.traits or {}}
        if message.type == "alias":
            return {"previous_id": message.previous_id, "user_id": message.user_id}
        if message.type in ("page", "screen"):
            named = {"name": message.name, "category": message.category}
            return {**{k: v for k, v in named.items() if v is not None}, **message.properties}
        return message.properties


async def record(session: AsyncSession, workspace: Workspace, call: Call,
                 contact_id: str | None, *, properties: dict[str, Any] | None = None) -> str:
    """The message on the timeline, with its envelope."""
    return await append_event(
        session, workspace_id=workspace.id, message_id=call.message.message_id, name=call.name,
        type=call.message.type, timestamp=call.timestamp, source="sdk",
        properties=call.properties if properties is None else properties,
        contact_id=contact_id, location_id=None, envelope=call.envelope)
