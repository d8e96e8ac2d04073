"""Sign-in state: the session cookie, the signed-in user, roles.

The cookie (Starlette ``SessionMiddleware``, signed with the server secret, HttpOnly,
SameSite=Lax, Secure whenever the request came over https) holds the user id, the workspace id,
the CSRF token and a session token whose server-side row (``console/sessions.py``) is what keeps
the session alive: signing out, a password or role change, or idle/absolute expiry end it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import SessionMiddleware
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from activereach.config import Settings
from activereach.console import scope, sessions
from activereach.console.models import ConsoleUser
from activereach.console.service import session_user
from activereach.kit.errors import AppError, Forbidden, NotFound
from activereach.kit.http import read, write
from activereach.tenancy.models import Location, Workspace
from activereach.tenancy.service import list_locations, workspace_by_slug

COOKIE = "ar_console"
WRITERS = frozenset({"owner", "manager"})


class LoginRequired(AppError):
    """Rendered by the app's error handler as a 303 to the sign-in page."""

    status_code = 303
    code = "login_required"


def add_session_middleware(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(SessionMiddleware, secret_key=settings.resolved_secret_key(),
                       session_cookie=COOKIE, max_age=settings.session_absolute_hours * 3600,
                       same_site="lax", https_only=settings.public_scheme == "https", path="/")
    app.add_middleware(SecureCookieOverHttps)


class SecureCookieOverHttps:
    """Marks the session cookie ``Secure`` on every reply to an https request, also when TLS ends
    at a trusted proxy (uvicorn sets the scheme from X-Forwarded-Proto only for
    ``trusted_proxies``), so the flag follows the real scheme, not only ``public_scheme``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                cookies = headers.getlist("set-cookie")
                if any(c.startswith(f"{COOKIE}=") and "secure" not in c.lower() for c in cookies):
                    del headers["set-cookie"]
                    for cookie in cookies:
                        secured = (f"{cookie}; secure" if cookie.startswith(f"{COOKIE}=")
                                   and "secure" not in cookie.lower() else cookie)
                        headers.append("set-cookie", secured)
            await send(message)
        await self.app(scope, receive, secure)


@dataclass
class Console:
    """Everything a console page needs about who is asking and what the chip strip selects."""

    request: Request
    user: ConsoleUser
    workspace: Workspace
    locations: list[Location]
    location: Location | None
    params: dict[str, str] = field(default_factory=dict)

    @property
    def can_write(self) -> bool:
        return self.user.role in WRITERS

    @property
    def is_owner(self) -> bool:
        return self.user.role == "owner"

    def require_write(self) -> None:
        if not self.can_write:
            raise Forbidden("role: analysts have read-only access")

    def require_owner(self) -> None:
        self.require_write()
        if not self.is_owner:
            raise Forbidden("role: only an owner can change brand settings")

    def url(self, page: str = "", **query: str) -> str:
        """A console URL in this workspace that keeps the chip-strip selection."""
        path = f"/dashboard/{self.workspace.slug}/{page}".rstrip("/")
        params = {"location": scope.query_value(self.location), **query}
        kept = {key: value for key, value in params.items() if value}
        return f"{path}?{urlencode(kept)}" if kept else path


def sign_in(request: Request, user: ConsoleUser, workspace: Workspace, token: str) -> None:
    """A fresh session on sign-in (no fixation): new CSRF token, this user, this workspace, the
    server-side session's token (``sessions.start``)."""
    request.session.clear()
    request.session.update({"uid": user.id, "ws": workspace.id, "sid": token,
                            "csrf": secrets.token_urlsafe(32)})


async def sign_out(request: Request) -> None:
    """End the server-side session, then clear the cookie."""
    workspace_id, token = request.session.get("ws"), request.session.get("sid")
    if workspace_id and token:
        await write(request, lambda s: sessions.end(s, workspace_id, token))
    request.session.clear()


def _lifetimes(request: Request) -> tuple[dt.timedelta, dt.timedelta]:
    settings: Settings = request.app.state.settings
    return (dt.timedelta(minutes=settings.session_idle_minutes),
            dt.timedelta(hours=settings.session_absolute_hours))


async def console(request: Request, workspace: str) -> Console:
    """FastAPI dependency: the signed-in user of ``workspace``, else sign-in or 404."""
    user_id, workspace_id = request.session.get("uid"), request.session.get("ws")
    token = request.session.get("sid")
    if not user_id or not workspace_id or not token:
        query = f"?{request.url.query}" if request.url.query else ""
        target = quote(str(request.url.path) + query)
        raise LoginRequired("sign in first", headers={"Location": f"/login?next={target}"})

    async def load(
            session: AsyncSession) -> tuple[ConsoleUser, Workspace, list[Location], bool] | None:
        ws = await workspace_by_slug(session, workspace)
        # Another workspace's pages do not exist for this user: 404, not 403, hides the slug.
        if ws is None or ws.id != workspace_id:
            raise NotFound(f"no workspace {workspace!r}")
        found = await session_user(session, workspace_id, user_id)
        if found is None:
            return None
        idle, absolute = _lifetimes(request)
        row = await sessions.live(session, workspace_id, token, found[0], idle=idle,
                                  absolute=absolute)
        if row is None:
            return None
        return found[0], ws, await list_locations(session, ws.id), sessions.needs_touch(row)
    loaded = await read(request, load)
    if loaded is None:
        request.session.clear()
        raise LoginRequired("session ended", headers={"Location": "/login"})
    user, ws, locations, stale = loaded
    if stale:
        await write(request, lambda s: sessions.touch(s, workspace_id, token))
    params = {k: v for k, v in request.query_params.items()}
    selected = scope.resolve(locations, params.get("location"))
    return Console(request=request, user=user, workspace=ws, locations=locations,
                   location=selected, params=params)
