"""Template rendering for console pages: one Jinja2 environment, the money and time filters
every page uses (Babel's currency rules, the outlet's or brand's timezone, named), shared
context."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import format_currency, format_decimal, format_percent
from fastapi import Request
from jinja2 import pass_context
from jinja2.runtime import Context
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.templating import Jinja2Templates

from activereach.console import csrf, scope
from activereach.console.auth import Console
from activereach.kit.money import MoneyError, currency_exponent

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES))
STYLESHEET = TEMPLATES / "console" / "console.css"


DEFAULT_LOCALE = "en_IN"


def money(amount: int | None, currency: str, locale: str = DEFAULT_LOCALE) -> str:
    """Minor units in the locale's currency format, e.g. 123456 INR → "₹1,234.56"; exact (no
    floats), always the currency's own number of decimals."""
    if amount is None:
        return "—"
    try:
        exponent = currency_exponent(currency)
    except MoneyError:
        exponent = 2
    value = Decimal(int(amount)).scaleb(-exponent)
    try:
        return format_currency(value, currency, locale=locale)
    except (ValueError, LookupError):
        # An unknown locale or currency code: still exact, still named.
        return f"{value:,.{exponent}f} {currency}"


def zone(name: str | None) -> ZoneInfo:
    """An IANA zone, UTC for a blank or unknown one (a bad stored value must not break a page)."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(moment: dt.datetime | None, tz: str | None, style: str = "minute") -> str:
    """A UTC instant as people read it in ``tz``, with the zone named ("07 Dec 2026, 23:43 IST");
    ``style`` "day" gives the local date only, "second" adds seconds."""
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    here = moment.astimezone(zone(tz))
    if style == "day":
        return here.strftime("%d %b %Y")
    pattern = "%d %b %Y, %H:%M:%S %Z" if style == "second" else "%d %b %Y, %H:%M %Z"
    return here.strftime(pattern)


def percent(rate: float | None, locale: str = DEFAULT_LOCALE) -> str:
    """A 0..1 share in the locale's percent format, e.g. 0.125 → "12.5%"."""
    if rate is None:
        return "—"
    return format_percent(rate, format="#,##0.#%", locale=locale)


def seconds(ms: float | None, locale: str = DEFAULT_LOCALE) -> str:
    """A duration in milliseconds as seconds with one decimal, e.g. 1530 → "1.5 s"."""
    if ms is None:
        return "—"
    return f"{format_decimal(ms / 1000, format='#,##0.0', locale=locale)} s"


@pass_context
def _percent_filter(ctx: Context, rate: float | None) -> str:
    return percent(rate, getattr(ctx.get("ws"), "locale", None) or DEFAULT_LOCALE)


@pass_context
def _seconds_filter(ctx: Context, ms: float | None) -> str:
    return seconds(ms, getattr(ctx.get("ws"), "locale", None) or DEFAULT_LOCALE)


templates.env.filters["percent"] = _percent_filter
templates.env.filters["seconds"] = _seconds_filter


def page_timezone(ctx: Context) -> str | None:
    """The timezone a page shows times in: the selected outlet's, else the brand's."""
    location, ws = ctx.get("location"), ctx.get("ws")
    if location is not None and getattr(location, "timezone", None):
        return str(location.timezone)
    return getattr(ws, "timezone", None)


@pass_context
def _money_filter(ctx: Context, amount: int | None, currency: str) -> str:
    ws = ctx.get("ws")
    return money(amount, currency, getattr(ws, "locale", None) or DEFAULT_LOCALE)


@pass_context
def _when_filter(ctx: Context, moment: dt.datetime | None, style: str = "minute",
                 tz: str | None = None) -> str:
    return local_time(moment, tz or page_timezone(ctx), style)


@pass_context
def _when_iso_filter(ctx: Context, stamp: str | None, style: str = "minute") -> str:
    """For API-shaped dicts that carry ISO 8601 strings rather than datetimes."""
    return local_time(dt.datetime.fromisoformat(stamp) if stamp else None, page_timezone(ctx),
                      style)


templates.env.filters["money"] = _money_filter
templates.env.filters["when_iso"] = _when_iso_filter
templates.env.filters["when"] = _when_filter


def render(request: Request, name: str, ctx: dict[str, Any],
           status_code: int = 200) -> HTMLResponse:
    ctx.setdefault("csrf_token", csrf.token(request))
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def page(con: Console, name: str, nav: str, status_code: int = 200, **data: Any) -> HTMLResponse:
    """A signed-in page: the chip strip, navigation and the CSRF token come with every page."""
    path = con.request.url.path
    ctx = {"con": con, "ws": con.workspace, "user": con.user, "nav": nav,
           "location": con.location, "locations": con.locations,
           "chips": scope.chips(path, con.params, con.locations, con.location),
           "location_value": scope.query_value(con.location),
           "flash": con.request.session.pop("flash", None), **data}
    return render(con.request, name, ctx, status_code)


def flash(request: Request, message: str) -> None:
    """A one-time notice shown on the next page (after the redirect)."""
    request.session["flash"] = message


def redirect(url: str) -> RedirectResponse:
    """Post/redirect/get: 303 so a reload never re-submits the form."""
    return RedirectResponse(url, status_code=303)
