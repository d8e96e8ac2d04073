"""Listing orders (``GET /v1/orders`` without ``external_id``, and the console's Orders page):
filters, newest first, keyset cursor pagination that is stable under equal ``occurred_at``.

The filter parsing and the cursor are pure (no I/O); ``list_orders`` runs one query on the
``(workspace_id, …, occurred_at)`` indexes (migration 0020).  Every bad parameter is named in
one 422, so a caller fixes them all at once.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.kit.errors import Unprocessable
from activereach.orders.models import Order
from activereach.tenancy.models import Terminal
from activereach.tenancy.service import find_location

STATUSES = ("completed", "partially_refunded", "refunded", "cancelled")
CHANNELS = ("offline", "online")
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
# Plain-text filters copied to the query as they are (after trimming), with their column.
TEXT_FILTERS = ("terminal", "source", "contact", "location")


@dataclass
class OrderFilter:
    """What a caller asked for, parsed; ``errors`` holds one message per bad parameter."""

    since: dt.datetime | None = None        # occurred_at >= since
    until: dt.datetime | None = None        # occurred_at < until
    location: str | None = None             # an outlet id or code (resolved by list_orders)
    terminal: str | None = None             # the till's terminal ID, or a terminal's trm_ id
    source: str | None = None
    contact: str | None = None
    status: str | None = None
    channel: str | None = None
    limit: int = DEFAULT_LIMIT
    cursor: tuple[dt.datetime, str] | None = None
    errors: dict[str, str] = field(default_factory=dict)


def parse_moment(raw: str, tz: ZoneInfo, *, end: bool) -> dt.datetime:
    """An ISO 8601 date-time with an offset (``Z`` or ``+05:30``), or a date: the brand's local
    day, whose start (``from``) or the start of the next day (``to``, so the day is included).
    Raises ValueError in people's words."""
    raw = raw.strip()
    if len(raw) == 10:
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise ValueError("a date like 2026-11-25 or a date-time like "
                             "2026-11-25T09:30:00+05:30") from None
        start = dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time(), tz)
        return start.astimezone(dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise ValueError("a date like 2026-11-25 or a date-time like "
                         "2026-11-25T09:30:00+05:30") from None
    if moment.tzinfo is None:
        raise ValueError("add a UTC offset, e.g. 2026-11-25T09:30:00+05:30 or …Z")
    return moment.astimezone(dt.UTC)


def encode_cursor(order: Order) -> str:
    raw = f"{order.occurred_at.astimezone(dt.UTC).isoformat()}|{order.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    """Raises ValueError for anything this API did not issue."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, order_id = raw.split("|", 1)
        moment = dt.datetime.fromisoformat(stamp)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("not a cursor this API issued; start again without it") from None
    if moment.tzinfo is None or not order_id:
        raise ValueError("not a cursor this API issued; start again without it")
    return moment, order_id


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_filter(params: Mapping[str, str | None], timezone: str | None = None) -> OrderFilter:
    """Query parameters → ``OrderFilter``; dates are local days in ``timezone`` (the brand's)."""
    out = OrderFilter()
    values = {k: (v or "").strip() for k, v in params.items()}
    tz = _zone(timezone)
    for name, end in (("from", False), ("to", True)):
        if values.get(name):
            try:
                setattr(out, "until" if end else "since", parse_moment(values[name], tz, end=end))
            except ValueError as exc:
                out.errors[name] = str(exc)
    if out.since and out.until and out.since >= out.until:
        out.errors["to"] = "must be after from"
    for name in TEXT_FILTERS:
        if values.get(name):
            if len(values[name]) > 200:
                out.errors[name] = "at most 200 characters"
            else:
                setattr(out, name, values[name])
    for name, allowed in (("status", STATUSES), ("channel", CHANNELS)):
        if values.get(name):
            if values[name] in allowed:
                setattr(out, name, values[name])
            else:
                out.errors[name] = f"one of {', '.join(allowed)}"
    _parse_page(values, out)
    return out


def _parse_page(values: Mapping[str, str], out: OrderFilter) -> None:
    if values.get("limit"):
        raw = values["limit"]
        if raw.isdigit() and 1 <= int(raw) <= MAX_LIMIT:
            out.limit = int(raw)
        else:
            out.errors["limit"] = f"a whole number from 1 to {MAX_LIMIT}"
    if values.get("cursor"):
        try:
            out.cursor = decode_cursor(values["cursor"])
        except ValueError as exc:
            out.errors["cursor"] = str(exc)


def invalid(errors: Mapping[str, str]) -> Unprocessable:
    """One 422 naming every bad parameter (``details``: field + message each)."""
    details = [{"field": name, "message": message} for name, message in errors.items()]
    first = details[0]
    return Unprocessable(f"{first['field']}: {first['message']}", details=details,
                         code="invalid_parameter")


async def list_orders(session: AsyncSession, workspace_id: str,
                      flt: OrderFilter) -> tuple[list[Order], str | None]:
    """One page, newest ``occurred_at`` first (ties by id, descending), and the next cursor.
    An outlet or terminal that does not exist is a 422 naming it, not an empty page."""
    if flt.errors:
        raise invalid(flt.errors)
    query = select(Order).where(Order.workspace_id == workspace_id)
    query = await _scoped(session, workspace_id, flt, query)
    for column, value in ((Order.source, flt.source), (Order.contact_id, flt.contact),
                          (Order.status, flt.status), (Order.channel, flt.channel)):
        if value is not None:
            query = query.where(column == value)
    if flt.since is not None:
        query = query.where(Order.occurred_at >= flt.since)
    if flt.until is not None:
        query = query.where(Order.occurred_at < flt.until)
    if flt.cursor is not None:
        stamp, order_id = flt.cursor
        query = query.where(or_(Order.occurred_at < stamp,
                                and_(Order.occurred_at == stamp, Order.id < order_id)))
    rows = list((await session.scalars(query.order_by(
        Order.occurred_at.desc(), Order.id.desc()).limit(flt.limit + 1))).all())
    next_cursor = encode_cursor(rows[flt.limit - 1]) if len(rows) > flt.limit else None
    return rows[:flt.limit], next_cursor


async def _scoped(session: AsyncSession, workspace_id: str, flt: OrderFilter,
                  query: Any) -> Any:
    """The outlet (id or code) and terminal (its terminal ID, or a ``trm_`` id) filters."""
    errors: dict[str, str] = {}
    if flt.location is not None:
        location = await find_location(session, workspace_id, flt.location)
        if location is None:
            errors["location"] = f"no outlet with id or code {flt.location!r}"
        else:
            query = query.where(Order.location_id == location.id)
    if flt.terminal is not None:
        terminal = await session.get(Terminal, (workspace_id, flt.terminal)) \
            if flt.terminal.startswith("trm_") else None
        if terminal is not None:
            query = query.where(Order.location_id == terminal.location_id,
                                Order.terminal_id == terminal.terminal_id)
        else:
            query = query.where(Order.terminal_id == flt.terminal)
    if errors:
        raise invalid(errors)
    return query


def order_summary(order: Order) -> dict[str, Any]:
    """One order in a list: who, where, when, how much; ``GET /v1/orders/{id}`` has the rest."""
    return {
        "id": order.id, "source": order.source, "external_id": order.external_id,
        "status": order.status, "channel": order.channel, "location_id": order.location_id,
        "terminal_id": order.terminal_id, "contact_id": order.contact_id,
        "currency": order.currency, "occurred_at": order.occurred_at.isoformat(),
        "created_at": order.created_at.isoformat(),
        "totals": {"subtotal": order.subtotal, "tax": order.tax_total,
                   "discount": order.discount_total, "shipping": order.shipping,
                   "total": order.total, "paid": order.paid_total,
                   "refunded": order.refunded_total},
        "invoice_number": (order.result.get("bill") or {}).get("invoice_number"),
    }
