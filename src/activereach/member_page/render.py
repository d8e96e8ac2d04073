"""Rendering the member page, pure: a context in, HTML out (the bill's templates and style)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape

from activereach.bills.render import TEMPLATES, money
from activereach.kit.money import MoneyError, currency_exponent
from activereach.member_page.models import MemberCode
from activereach.messaging.codes import CHANNEL_WORDS, CodeChannel

_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True, auto_reload=False)


@dataclass
class PageView:
    """Everything the page shows; built by ``pages.py`` from the bill and the member."""

    code: str
    config: dict[str, Any]
    brand: str
    first_name: str | None
    currency: str
    locale: str
    overview: dict[str, Any] | None = None
    verified: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)
    prefs: dict[str, Any] | None = None
    targets: list[CodeChannel] = field(default_factory=list)
    pending: MemberCode | None = None
    notice: str | None = None
    error: bool = False
    saved: bool = False


def _money(currency: str, locale: str) -> Any:
    try:
        exponent = currency_exponent(currency)
    except MoneyError:
        exponent = 2
    return lambda minor: money(int(minor or 0), currency, exponent, locale)


def _count(value: int, locale: str) -> str:
    """Whole numbers grouped as the brand's locale groups them (en_IN: 1,23,456)."""
    try:
        return format_decimal(int(value or 0), locale=locale)
    except (ValueError, LookupError):
        return f"{int(value or 0):,}"


def render_member_html(view: PageView, *, nonce: str) -> str:
    return _env.get_template("member/page.html").render(
        v=view, c=view.config, o=view.overview, nonce=nonce, base=f"/b/{view.code}",
        m=_money(view.currency, view.locale), n=lambda value: _count(value, view.locale),
        words=CHANNEL_WORDS)
