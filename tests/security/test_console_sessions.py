"""Issue 18, finding 6: console sessions live on the server.

Signing out ends the session even for a copy of the cookie; a password or role change ends
every session of the user; idle and absolute expiry; the cookie is ``Secure`` whenever the
request came over https; forwarded headers are believed only from configured proxies.
"""

from __future__ import annotations

import datetime as dt

import httpx2
from sqlalchemy import update

from activereach.cli import server_options
from activereach.config import Settings
from activereach.console.models import ConsoleSession
from activereach.console.service import update_user
from activereach.kit.db import unit_of_work, utcnow
from tests.console.conftest import make_user, sign_in
from tests.support import client_address


def _copy(app, client: httpx2.AsyncClient) -> httpx2.AsyncClient:  # type: ignore[no-untyped-def]
    """Another browser holding the same cookie (a stolen or kept copy)."""
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app, client=client_address()), base_url="http://testserver",
                              cookies=dict(client.cookies))


async def _signed_in(client, tenant, db, role: str = "owner"):  # type: ignore[no-untyped-def]
    email = await make_user(db, tenant.slug, role)
    return email, await sign_in(client, email)


async def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(app, client, tenant, db) -> None:  # type: ignore[no-untyped-def]
    _, token = await _signed_in(client, tenant, db)
    page = f"/dashboard/{tenant.slug}/analytics"
    async with _copy(app, client) as kept:
        assert (await kept.get(page)).status_code == 200
        await client.post("/logout", data={"csrf_token": token})
        assert (await kept.get(page)).status_code == 303


async def test_password_and_role_changes_end_every_session(app, client, tenant, db) -> None:  # type: ignore[no-untyped-def]
    page = f"/dashboard/{tenant.slug}/analytics"
    for change in ({"role": "analyst"}, {"password": "a whole new password"}):
        email, _ = await _signed_in(client, tenant, db, role="manager")
        assert (await client.get(page)).status_code == 200
        await unit_of_work(db, lambda s: update_user(s, workspace_slug=tenant.slug, email=email,
                                                     **change))
        ended = await client.get(page)
        assert ended.status_code == 303 and ended.headers["location"] == "/login", change


async def test_idle_and_absolute_expiry(app, client, tenant, db, settings) -> None:  # type: ignore[no-untyped-def]
    page = f"/dashboard/{tenant.slug}/analytics"
    for column, age in (("last_seen_at", dt.timedelta(minutes=settings.session_idle_minutes + 1)),
                        ("created_at", dt.timedelta(hours=settings.session_absolute_hours, minutes=1))):
        await _signed_in(client, tenant, db)
        assert (await client.get(page)).status_code == 200
        async with db.session() as session:
            await session.execute(update(ConsoleSession).where(
                ConsoleSession.workspace_id == tenant.id,
                ConsoleSession.ended_at.is_(None)).values({column: utcnow() - age}))
            await session.commit()
        assert (await client.get(page)).status_code == 303, column


async def test_the_cookie_is_secure_over_https(app, tenant, db) -> None:  # type: ignore[no-untyped-def]
    email = await make_user(db, tenant.slug)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app, client=client_address()),
                                  base_url="https://testserver") as https:
        response = await https.get("/login")
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("ar_console=") and "; secure" in cookie.lower()
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
        await sign_in(https, email)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app, client=client_address()),
                                  base_url="http://testserver") as plain:
        assert "secure" not in (await plain.get("/login")).headers["set-cookie"].lower()


def test_forwarded_headers_count_only_from_configured_proxies() -> None:
    default = server_options(Settings())
    assert default["proxy_headers"] is False and default["forwarded_allow_ips"] is None
    behind = server_options(Settings(trusted_proxies="10.0.0.5"))
    assert behind["proxy_headers"] is True and behind["forwarded_allow_ips"] == "10.0.0.5"
