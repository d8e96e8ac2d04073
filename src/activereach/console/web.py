"""Template rendering for console pages: one Jinja2 environment, money filters, shared context."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.templating import Jinja2Templates

from activereach.console import csrf, scope
from activereach.console.auth import Console
from activereach.kit.money import MoneyError, currency_exponent

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES))
STYLESHEET = TEMPLATES / "console" / "console.css"


def money(amount: int | None, currency: str) -> str:
    """Minor units as a grouped major amount, e.g. 123456 INR → "1,234.56"; exact (no floats)."""
    if amount is None:
        return "—"
    try:
        exponent = currency_exponent(currency)
    except MoneyError:
        exponent = 2
    value = Decimal(amount).scaleb(-exponent)
    return f"{value:,.{exponent}f}"


templates.env.filters["money"] = money


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
