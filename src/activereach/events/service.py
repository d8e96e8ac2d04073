"""Appending events and reading a contact's timeline (newest first, cursor-paged)."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.events.models import Event
from activereach.contacts.merging import MoveRows
from activereach.kit import deferred
from activereach.kit.db import plain_insert, utcnow
from activereach.kit.errors import BadRequest
from activereach.kit.ids import new_id

# Called with every appended event's row, in the appending transaction (``on_append``).
AppendHook = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]
_HOOKS: list[AppendHook] = []


def on_append(*hooks: AppendHook) -> None:
    """Register code to run for every appended event (once each; ``activereach/wiring.py``).

    The hook runs inside the caller's transaction, so what it writes (the outbound
    destinations' job) commits with the event or not at all. It runs on the ingest hot path:
    it must be cheap, write through ``kit.deferred`` and never read the event back."""
    for hook in hooks:
        if hook not in _HOOKS:
            _HOOKS.append(hook)


# The event's columns an SDK's message fills (``collect``); None for other sources.
ENVELOPE = ("context", "integrations", "original_timestamp", "content_digest")


async def append_event(session: AsyncSession, *, workspace_id: str, message_id: str, name: str,
                       timestamp: dt.datetime, source: str, properties: dict[str, Any],
                       contact_id: str | None = None, location_id: str | None = None,
                       type: str = "track", event_id: str | None = None,
                       envelope: dict[str, Any] | None = None) -> str:
    """Insert one event; a duplicate ``message_id`` fails the transaction (callers check first).

    ``event_id`` is the id a caller already handed out (an order's reply names its event);
    without one a new id is made. Inside a worker batch the insert waits for the batch's end
    (``kit.deferred``). ``envelope`` carries what an SDK sent around the message (``ENVELOPE``
    keys); every row names all of them, so held rows of any origin share one statement."""
    event_id = event_id or new_id("ev")
    row = dict(workspace_id=workspace_id, id=event_id, message_id=message_id, type=type,
               name=name, timestamp=timestamp, received_at=utcnow(), contact_id=contact_id,
               location_id=location_id, source=source, properties=properties,
               **{key: (envelope or {}).get(key) for key in ENVELOPE})
    stmt = plain_insert(session, Event)
    await deferred.write(session, stmt, row)
    for hook in _HOOKS:
        await hook(session, row)
    return event_id


async def find_event(session: AsyncSession, workspace_id: str, message_id: str) -> Event | None:
    """The stored event of a ``message_id`` (to tell a retry from a conflicting reuse)."""
    return await session.scalar(
        select(Event).where(Event.workspace_id == workspace_id, Event.message_id == message_id))


async def find_events(session: AsyncSession, workspace_id: str,
                      message_ids: list[str]) -> dict[str, Event]:
    """The stored events of many ``message_id``s at once (a batch's), by message id."""
    found: dict[str, Event] = {}
    unique = sorted(set(message_ids))
    for start in range(0, len(unique), 500):   # well under every driver's parameter limit
        rows = await session.scalars(select(Event).where(
            Event.workspace_id == workspace_id, Event.message_id.in_(unique[start:start + 500])))
        found.update((event.message_id, event) for event in rows)
    return found


def encode_cursor(event: Event) -> str:
    raw = f"{event.timestamp.isoformat()}|{event.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, event_id = raw.split("|", 1)
        return dt.datetime.fromisoformat(stamp), event_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("cursor: not a cursor this API issued",
                         details=[{"field": "cursor", "message": "malformed"}]) from exc


async def timeline(session: AsyncSession, workspace_id: str, contact_id: str, *, limit: int,
                   cursor: str | None) -> tuple[list[Event], str | None]:
    query = select(Event).where(Event.workspace_id == workspace_id, Event.contact_id == contact_id)
    if cursor:
        stamp, event_id = decode_cursor(cursor)
        query = query.where(or_(Event.timestamp < stamp,
                                and_(Event.timestamp == stamp, Event.id < event_id)))
    rows = await session.execute(query.order_by(Event.timestamp.desc(), Event.id.desc()).limit(limit + 1))
    events = list(rows.scalars())
    next_cursor = encode_cursor(events[limit - 1]) if len(events) > limit else None
    return events[:limit], next_cursor


VISIT_EVENTS = ("page_viewed", "screen_viewed")


async def online_visits(session: AsyncSession, workspace_id: str,
                        contact_id: str) -> dict[str, Any] | None:
    """The ``online`` block of a profile: how often and when last the person was seen on the
    brand's web store or app (page and screen views), or None if never."""
    count, last = (await session.execute(
        select(func.count(), func.max(Event.timestamp)).where(
            Event.workspace_id == workspace_id, Event.contact_id == contact_id,
            Event.name.in_(VISIT_EVENTS)))).one()
    if not count:
        return None
    if last is not None and last.tzinfo is None:  # an aggregate bypasses the column type (SQLite)
        last = last.replace(tzinfo=dt.UTC)
    return {"visits": int(count), "last_visit_at": last.isoformat() if last else None}


# A contact merge moves the timeline with the person (``contacts.merging``).
CONTACT_MERGE = MoveRows(Event)
