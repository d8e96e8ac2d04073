"""Sign-in state: the signed session cookie, the signed-in user, roles.

The session (Starlette ``SessionMiddleware``, signed with the server secret, HttpOnly,
SameSite=Lax, Secure on https) holds only the user id, the workspace id and the CSRF token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from fastapi import Request
from starlette.middleware.sessions import SessionMiddleware

from activereach.config import Settings
from activereach.console import scope
from activereach.console.models import ConsoleUser
from activereach.console.service import session_user
from activereach.kit.errors import AppError, Forbidden, NotFound
from activereach.kit.http import read
from activereach.tenancy.models import Location, Workspace
from activereach.tenancy.service import list_locations, workspace_by_slug

COOKIE = "ar_console"
WRITERS = frozenset({"owner", "manager"})
SESSION_DAYS = 7


class LoginRequired(AppError):
    """Rendered by the app's error handler as a 303 to the sign-in page."""

    status_code = 303
    code = "login_required"


def add_session_middleware(app, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    app.add_middleware(SessionMiddleware, secret_key=settings.resolved_secret_key(),
                       session_cookie=COOKIE, max_age=SESSION_DAYS * 86400, same_site="lax",
                       https_only=settings.public_scheme == "https", path="/")


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


def sign_in(request: Request, user: ConsoleUser, workspace: Workspace) -> None:
    """A fresh session on sign-in (no fixation): new CSRF token, this user, this workspace."""
    request.session.clear()
    request.session.update({"uid": user.id, "ws": workspace.id, "csrf": secrets.token_urlsafe(32)})


def sign_out(request: Request) -> None:
    request.session.clear()


async def console(request: Request, workspace: str) -> Console:
    """FastAPI dependency: the signed-in user of ``workspace``, else sign-in or 404."""
    user_id, workspace_id = request.session.get("uid"), request.session.get("ws")
    if not user_id or not workspace_id:
        query = f"?{request.url.query}" if request.url.query else ""
        target = quote(str(request.url.path) + query)
        raise LoginRequired("sign in first", headers={"Location": f"/login?next={target}"})

    async def load(session):  # type: ignore[no-untyped-def]
        ws = await workspace_by_slug(session, workspace)
        # Another workspace's pages do not exist for this user: 404, not 403, hides the slug.
        if ws is None or ws.id != workspace_id:
            raise NotFound(f"no workspace {workspace!r}")
        found = await session_user(session, workspace_id, user_id)
        if found is None:
            return None
        return found[0], ws, await list_locations(session, ws.id)
    loaded = await read(request, load)
    if loaded is None:
        sign_out(request)
        raise LoginRequired("session ended", headers={"Location": "/login"})
    user, ws, locations = loaded
    params = {k: v for k, v in request.query_params.items()}
    selected = scope.resolve(locations, params.get("location"))
    return Console(request=request, user=user, workspace=ws, locations=locations,
                   location=selected, params=params)
