"""Contact reads for the console: search, a paginated list, scoped order stats and timeline
(described in people's words: invoice numbers, reward and outlet names, local times, ₹)."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_currency
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.service import invoice_numbers
from activereach.console.event_labels import label
from activereach.contacts.models import Contact
from activereach.contacts.rules import IdentityError, normalize_email, normalize_phone
from activereach.contacts.service import find_by_identity
from activereach.events.models import Event
from activereach.events.service import decode_cursor, encode_cursor
from activereach.kit.errors import BadRequest
from activereach.loyalty.rewards import reward_names
from activereach.member_page.rules import humanize
from activereach.orders.models import Order
from activereach.tenancy.models import Location, Workspace


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


# ---- the timeline in people's words ---------------------------------------------------------

SOURCES = {"pos": "Till", "activepos": "Till", "api": "API", "online": "Website or app",
           "sdk": "Website or app", "internal": "Active Reach", "console": "Console"}
CHANNELS = {"whatsapp": "WhatsApp", "sms": "SMS", "email": "email"}


@dataclass(frozen=True)
class TimelineRow:
    """One event as the profile shows it: no ids, no event names, local time, formatted money."""

    name: str               # kept for the row's data-event attribute only
    when: str
    what: str
    detail: str
    channel: str | None
    outlet: str
    source: str
    amount: str


def _amount(value: Any, currency: str, locale: str) -> str:
    """Event money is Segment's decimal major units; Babel formats it as the bill does."""
    if value is None or isinstance(value, bool):
        return ""
    try:
        return format_currency(Decimal(str(value)), currency, locale=locale)
    except (ArithmeticError, ValueError, LookupError):
        return ""


def _local(moment: dt.datetime, tz_name: str | None) -> str:
    try:
        zone = ZoneInfo(tz_name or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).strftime("%d %b %Y, %H:%M %Z")


def _words(event: Event, order: str, reward: str | None) -> tuple[str, str]:
    """(what happened, detail) for the events this product writes; others by their name."""
    p, name = event.properties or {}, event.name
    points = p.get("points")
    words = {
        "order_completed": (order, ""),
        "order_refunded": ("Refund", order),
        "order_cancelled": ("Order cancelled", order),
        "loyalty_points_earned": (f"Earned {points} points", order),
        "loyalty_points_redeemed": (f"Redeemed {points} points", reward or order),
        "loyalty_points_reversed": (f"{p.get('reversed') or 0} points taken back after a refund",
                                    order),
        "loyalty_points_adjusted": (f"Points adjusted by hand: {_signed(points)}",
                                    str(p.get("reason") or "")),
        "loyalty_tier_changed": (f"Tier: {p.get('previous_tier') or 'none'} → "
                                 f"{p.get('tier') or 'none'}", ""),
    }
    if name == "channel_delivery_status":
        what = "One-time code" if p.get("purpose") == "member_code" else "Receipt"
        by = CHANNELS.get(str(p.get("channel")), str(p.get("channel") or ""))
        return f"{what} {p.get('status')} by {by}", order if p.get("order_id") else ""
    return words.get(name, (label(name), ""))


def _signed(points: Any) -> str:
    return f"{points:+d} points" if isinstance(points, int) else ""


async def _references(session: AsyncSession, workspace_id: str, events: list[Event],
                      ) -> tuple[dict[str, str], dict[str, str]]:
    """Invoice numbers by order id and reward names by id, one query each."""
    orders = {str(oid) for e in events
              if (oid := (e.properties or {}).get("canonical_order_id")
                  or (e.properties or {}).get("order_id"))}
    rewards = {str(r) for e in events if (r := (e.properties or {}).get("reward_id"))}
    return (await invoice_numbers(session, workspace_id, orders),
            await reward_names(session, workspace_id, rewards))


def _row(event: Event, workspace: Workspace, outlet: Location | None, invoice: str | None,
         reward: str | None) -> TimelineRow:
    p = event.properties or {}
    order = (f"Order #{invoice}" + (f" at {outlet.name}" if outlet else " online")
             if invoice else "")
    what, detail = _words(event, order, reward)
    is_order = event.name.startswith("order_")
    source = str(p.get("source") or event.source)
    return TimelineRow(
        name=event.name, what=what or label(event.name), detail=detail,
        when=_local(event.timestamp, (outlet.timezone if outlet else None) or workspace.timezone),
        channel=str(p["channel"]) if is_order and p.get("channel") else None,
        outlet=outlet.name if outlet else "—", source=SOURCES.get(source, humanize(source)),
        amount=_amount(p.get("total") if is_order else None,
                       str(p.get("currency") or workspace.currency), workspace.locale or "en_IN"))


async def describe(session: AsyncSession, workspace: Workspace, events: list[Event],
                   locations: list[Location]) -> list[TimelineRow]:
    """The timeline rows: "Order #BLR1/2627/000123 at Indiranagar", ₹ via Babel, outlet time."""
    invoices, rewards = await _references(session, workspace.id, events)
    outlets = {loc.id: loc for loc in locations}
    rows = []
    for event in events:
        p = event.properties or {}
        order_id = str(p.get("canonical_order_id") or p.get("order_id") or "")
        rows.append(_row(event, workspace, outlets.get(event.location_id or ""),
                         invoices.get(order_id), rewards.get(str(p.get("reward_id") or ""))))
    return rows
