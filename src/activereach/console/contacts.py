"""Contact reads for the console: search, a paginated list, scoped order stats and timeline."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.contacts.models import Contact
from activereach.contacts.rules import IdentityError, normalize_email, normalize_phone
from activereach.contacts.service import find_by_identity
from activereach.events.models import Event
from activereach.events.service import decode_cursor, encode_cursor
from activereach.kit.errors import BadRequest
from activereach.orders.models import Order


@dataclass
class ChannelStats:
    channel: str
    orders: int
    gross: int
    refunded: int
    first_at: dt.datetime | None
    last_at: dt.datetime | None


def parse_query(q: str, country: str) -> tuple[str, str | None]:
    """("email"|"phone", normalised value or None for a placeholder); IdentityError if invalid."""
    if "@" in q:
        return "email", normalize_email(q)
    return "phone", normalize_phone(q, country)


async def search(session: AsyncSession, workspace_id: str, country: str,
                 q: str) -> tuple[Contact | None, str | None]:
    """(contact, problem): a bad phone or email is a message for the page, not an exception."""
    try:
        kind, value = parse_query(q, country)
    except IdentityError as exc:
        return None, f"{'Email' if '@' in q else 'Phone'}: {exc}"
    if value is None:
        return None, "That is a placeholder value; it belongs to no contact."
    return await find_by_identity(session, workspace_id, kind, value), None


def _list_cursor(contact: Contact) -> str:
    raw = f"{contact.created_at.isoformat()}|{contact.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_list_cursor(cursor: str) -> tuple[dt.datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, contact_id = raw.split("|", 1)
        return dt.datetime.fromisoformat(stamp), contact_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("cursor: not a cursor this page issued") from exc


async def recent(session: AsyncSession, workspace_id: str, location_id: str | None,
                 cursor: str | None, limit: int = 25) -> tuple[list[Contact], str | None]:
    """Newest contacts first; with an outlet selected, those who ordered there."""
    query = select(Contact).where(Contact.workspace_id == workspace_id,
                                  Contact.merged_into_id.is_(None))
    if location_id:
        query = query.where(exists().where(
            Order.workspace_id == workspace_id, Order.contact_id == Contact.id,
            Order.location_id == location_id))
    if cursor:
        stamp, contact_id = _decode_list_cursor(cursor)
        query = query.where(or_(Contact.created_at < stamp,
                                and_(Contact.created_at == stamp, Contact.id < contact_id)))
    rows = list((await session.execute(
        query.order_by(Contact.created_at.desc(), Contact.id.desc()).limit(limit + 1))).scalars())
    next_cursor = _list_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


async def order_stats(session: AsyncSession, workspace_id: str, contact_id: str,
                      location_id: str | None) -> list[ChannelStats]:
    query = (select(Order.channel, func.count(), func.sum(Order.total),
                    func.sum(Order.refunded_total), func.min(Order.occurred_at),
                    func.max(Order.occurred_at))
             .where(Order.workspace_id == workspace_id, Order.contact_id == contact_id)
             .group_by(Order.channel).order_by(Order.channel))
    if location_id:
        query = query.where(Order.location_id == location_id)
    stats = []
    for channel, count, gross, refunded, first, last in (await session.execute(query)).all():
        stats.append(ChannelStats(channel, int(count), int(gross or 0), int(refunded or 0),
                                  _aware(first), _aware(last)))
    return stats


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """Aggregates bypass the column type, so SQLite hands back naive UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


async def timeline(session: AsyncSession, workspace_id: str, contact_id: str,
                   location_id: str | None, cursor: str | None,
                   limit: int = 25) -> tuple[list[Event], str | None]:
    """The contact's events, newest first, by the same cursor as ``/v1/contacts/{id}/events``."""
    query = select(Event).where(Event.workspace_id == workspace_id, Event.contact_id == contact_id)
    if location_id:
        query = query.where(Event.location_id == location_id)
    if cursor:
        stamp, event_id = decode_cursor(cursor)
        query = query.where(or_(Event.timestamp < stamp,
                                and_(Event.timestamp == stamp, Event.id < event_id)))
    rows = list((await session.execute(
        query.order_by(Event.timestamp.desc(), Event.id.desc()).limit(limit + 1))).scalars())
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor
