"""Creating a workspace with its first keys (CLI ``activereach workspace create``)."""

from __future__ import annotations

from zoneinfo import available_timezones

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.kit.db import utcnow
from activereach.kit.ids import new_id
from activereach.kit.money import MoneyError, currency_exponent
from activereach.tenancy.models import Workspace
from activereach.tenancy.rules import SLUG_RE
from activereach.tenancy.service import add_api_key


async def create_workspace(session: AsyncSession, *, slug: str, name: str, country: str,
                           currency: str, timezone: str) -> dict[str, str]:
    if not SLUG_RE.match(slug):
        raise ValueError("slug: lower-case letters, digits and dashes (a DNS label)")
    if len(country) != 2 or not country.isalpha():
        raise ValueError("country: an ISO 3166 two-letter code")
    try:
        currency_exponent(currency.upper())
    except MoneyError as exc:
        raise ValueError(f"currency: {exc}") from exc
    if timezone not in available_timezones():
        raise ValueError(f"timezone: unknown IANA timezone {timezone!r}")
    if await session.scalar(select(Workspace.id).where(Workspace.slug == slug)):
        raise ValueError(f"slug: workspace {slug!r} already exists")
    ws = Workspace(id=new_id("ws"), slug=slug, name=name, country=country.upper(),
                   currency=currency.upper(), timezone=timezone,
                   locale="en_IN" if country.upper() == "IN" else "en", branding={},
                   created_at=utcnow())
    session.add(ws)
    await session.flush()
    _, admin = await add_api_key(session, ws.id, kind="admin", name="first admin key")
    _, write = await add_api_key(session, ws.id, kind="write", name="first write key")
    return {"workspace_id": ws.id, "slug": slug, "admin_key": admin, "write_key": write}
