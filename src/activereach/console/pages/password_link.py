"""The one-time link an invited user (or one whose reset an owner issued) opens to choose a
password: ``/login/set-password/{token}``. Using it activates the user, spends the link, ends
their other sessions (the stamp follows the password hash) and signs this browser in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.audit.service import Actor, Target, record
from activereach.console import sessions
from activereach.console import users as svc
from activereach.console.auth import sign_in
from activereach.console.csrf import form_with_csrf
from activereach.console.models import ConsoleUser
from activereach.console.service import MIN_PASSWORD
from activereach.console.web import redirect, render
from activereach.kit.errors import Unprocessable
from activereach.kit.http import read, write
from activereach.tenancy.models import Workspace

router = APIRouter(include_in_schema=False)
PATH = "/login/set-password/{token}"
# the token is in the path: no Referer may carry it to another site, no cache may keep it
HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _form(request: Request, user: ConsoleUser, ws: Workspace, purpose: str,
          errors: dict[str, str], status_code: int = 200) -> HTMLResponse:
    response = render(request, "console/set_password.html", {
        "person": user, "brand": ws, "purpose": purpose, "errors": errors,
        "min_length": MIN_PASSWORD, "action": request.url.path}, status_code=status_code)
    response.headers.update(HEADERS)
    return response


@router.get(PATH, response_class=HTMLResponse)
async def password_form(token: str, request: Request) -> HTMLResponse:
    row, user, ws = await read(request, lambda s: svc.link_user(s, token))
    return _form(request, user, ws, row.purpose, {})


def _password_errors(form: dict[str, str]) -> dict[str, str]:
    password, again = form.get("password", ""), form.get("password_confirm", "")
    if len(password) < MIN_PASSWORD:
        return {"password": f"Use at least {MIN_PASSWORD} characters"}
    if password != again:
        return {"password_confirm": "The two passwords differ: type the same one twice"}
    return {}


@router.post(PATH, response_model=None)
async def set_password(token: str, request: Request) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(request)
    errors = _password_errors(form)
    if errors:
        row, user, ws = await read(request, lambda s: svc.link_user(s, token))
        return _form(request, user, ws, row.purpose, errors, 422)

    async def run(s: AsyncSession) -> tuple[ConsoleUser, Workspace, str]:
        user, ws, purpose = await svc.set_password(s, token, form["password"])
        who = Actor("user", user.id, user.email)
        await record(s, ws.id, who, "user.password_set", Target("user", user.id, user.email),
                     before={"status": "invited" if purpose == "invite" else "active"},
                     after={"status": "active", "password_set": True},
                     note=f"through the {purpose} link; other sessions ended")
        return user, ws, await sessions.start(s, user)
    try:
        user, ws, session_token = await write(request, run)
    except Unprocessable as exc:
        row, user, ws = await read(request, lambda s: svc.link_user(s, token))
        return _form(request, user, ws, row.purpose,
                     {"password": exc.message.partition(": ")[2]}, 422)
    sign_in(request, user, ws, session_token)
    return redirect(f"/dashboard/{ws.slug}/analytics")
