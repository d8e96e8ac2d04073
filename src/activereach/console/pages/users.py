"""Settings → Users: the people who sign in to this console. Owners invite (a one-time link,
shown once and emailed when the brand has an email channel), change roles, issue password
reset links and disable / re-enable (confirmed); the last active owner cannot be demoted or
disabled. Other roles see the list only. Every change is audited; links never are."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.console import users as svc
from activereach.console.audit import Target, audited
from activereach.console.auth import Console, console
from activereach.console.csrf import form_with_csrf
from activereach.console.models import ROLES, ConsoleUser
from activereach.console.web import flash, page, redirect
from activereach.kit.errors import Conflict, NotFound, Unprocessable
from activereach.kit.http import read, write
from activereach.messaging import account_mail

router = APIRouter(include_in_schema=False)
Con = Annotated[Console, Depends(console)]
BASE = "/dashboard/{workspace}/settings/users"
ROLE_WORDS = {"owner": "Owner — everything, including brand settings and users",
              "manager": "Manager — outlets, catalog, staff; not brand settings",
              "analyst": "Analyst — reads everything, changes nothing"}


def _target(user: ConsoleUser) -> Target:
    return Target("user", user.id, user.email)


def _state(user: ConsoleUser) -> dict[str, Any]:
    return {"email": user.email, "name": user.name, "role": user.role, "status": user.status}


async def _listing(con: Console, status_code: int = 200, **extra: Any) -> HTMLResponse:
    users = await read(con.request, lambda s: svc.list_users(s, con.workspace.id))
    ctx: dict[str, Any] = {"users": users, "values": {"role": "manager"}, "errors": {},
                           "roles": ROLE_WORDS}
    ctx.update(extra)
    return page(con, "console/users.html", "users", status_code=status_code, **ctx)


@router.get(BASE, response_class=HTMLResponse)
async def users(con: Con) -> HTMLResponse:
    return await _listing(con)


def _invite_errors(form: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    email = form.get("email", "").strip()
    if not email:
        errors["email"] = "Enter the person's email address"
    elif "@" not in email.strip("@") or len(email) > 320 or " " in email:
        errors["email"] = "Enter an email address like asha@example.com"
    if len(form.get("name", "").strip()) > 200:
        errors["name"] = "Use at most 200 characters"
    if form.get("role") not in ROLES:
        errors["role"] = "Choose owner, manager or analyst"
    return errors


async def _send_link(con: Console, send: Any) -> str:
    """Email the link after the commit; "" when sent, else why not, in words."""
    if send is None:
        return ("No email channel is set up (Settings → Channels), so nothing was emailed: "
                "copy the link and send it yourself.")
    outcome = await account_mail.deliver_code(send)
    problem = await write(con.request, lambda s: account_mail.record_outcome(s, send, outcome))
    return f"The email could not be sent ({problem}): copy the link and send it yourself." \
        if problem else ""


def _link_page(con: Console, user: ConsoleUser, purpose: str, token: str,
               expires: dt.datetime, mail_problem: str) -> HTMLResponse:
    link = f"{str(con.request.base_url).rstrip('/')}/login/set-password/{token}"
    return page(con, "console/user_link.html", "users", person=user, purpose=purpose,
                link=link, expires_at=expires, mail_problem=mail_problem)


@router.post(BASE + "/invite", response_model=None)
async def invite(con: Con) -> HTMLResponse:
    """The link is shown once, in this response (like a pairing code), and stored hashed."""
    form = await form_with_csrf(con.request)
    con.require_owner()
    errors = _invite_errors(form)
    values = {k: form.get(k, "").strip() for k in ("email", "name", "role")}
    if errors:
        return await _listing(con, 422, values=values, errors=errors)

    async def run(s: AsyncSession) -> tuple[ConsoleUser, str, dt.datetime, Any]:
        user, token, expires = await svc.invite(s, con.workspace.id, email=values["email"],
                                                name=values["name"], role=values["role"],
                                                by=con.user.email)
        await audited(s, con, "user.invite", _target(user), after=_state(user),
                      note="invite link issued")
        link = f"{str(con.request.base_url).rstrip('/')}/login/set-password/{token}"
        send = await account_mail.start_account_email(
            s, workspace_id=con.workspace.id, to=user.email, secret=token,
            content=svc.link_email(con.workspace.name, link, "invite", user.role),
            dedupe=svc.digest(token)[:40])
        return user, token, expires, send
    try:
        user, token, expires, send = await write(con.request, run)
    except (Conflict, Unprocessable) as exc:
        field, _, why = exc.message.partition(": ")
        return await _listing(con, 422, values=values,
                              errors={field if field in values else "email": why.capitalize()})
    return _link_page(con, user, "invite", token, expires, await _send_link(con, send))


async def _user(con: Console, user_id: str) -> ConsoleUser:
    return await read(con.request, lambda s: svc.get_user(s, con.workspace.id, user_id))


def _manage(con: Console, user: ConsoleUser, status_code: int = 200,
            **extra: Any) -> HTMLResponse:
    ctx: dict[str, Any] = {"person": user, "errors": {}, "roles": ROLE_WORDS}
    ctx.update(extra)
    return page(con, "console/user_edit.html", "users", status_code=status_code, **ctx)


@router.get(BASE + "/{user_id}", response_class=HTMLResponse)
async def manage(user_id: str, con: Con) -> HTMLResponse:
    con.require_owner()
    return _manage(con, await _user(con, user_id))


async def _change(con: Console, user_id: str, action: str, **change: str) -> ConsoleUser:
    async def run(s: AsyncSession) -> ConsoleUser:
        user = await svc.get_user(s, con.workspace.id, user_id)
        before = _state(user)
        user = await svc.change(s, con.workspace.id, user_id, **change)
        await audited(s, con, action, _target(user), before=before, after=_state(user))
        return user
    return await write(con.request, run)


@router.post(BASE + "/{user_id}/role", response_model=None)
async def change_role(user_id: str, con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    con.require_owner()
    role = form.get("role", "")
    if role not in ROLES:
        return _manage(con, await _user(con, user_id), 422,
                       errors={"role": "Choose owner, manager or analyst"})
    try:
        user = await _change(con, user_id, "user.role", role=role)
    except Unprocessable as exc:
        return _manage(con, await _user(con, user_id), 422,
                       errors={"role": exc.message.partition(": ")[2]})
    flash(con.request, f"{user.email} is now {user.role}; their open sessions ended.")
    return redirect(con.url("settings/users"))


@router.post(BASE + "/{user_id}/reset", response_model=None)
async def reset(user_id: str, con: Con) -> HTMLResponse:
    await form_with_csrf(con.request)
    con.require_owner()

    async def run(s: AsyncSession) -> tuple[ConsoleUser, str, dt.datetime, Any]:
        user = await svc.get_user(s, con.workspace.id, user_id)
        if user.status == "disabled":
            raise Unprocessable.field("status", "Re-enable this user first")
        purpose = "invite" if user.status == "invited" else "reset"
        token, expires = await svc.issue_link(s, user, purpose, con.user.email)
        await audited(s, con, f"user.{purpose}_link", _target(user),
                      note=f"{purpose} link issued; older links ended")
        link = f"{str(con.request.base_url).rstrip('/')}/login/set-password/{token}"
        send = await account_mail.start_account_email(
            s, workspace_id=con.workspace.id, to=user.email, secret=token,
            content=svc.link_email(con.workspace.name, link, purpose, user.role),
            dedupe=svc.digest(token)[:40])
        return user, token, expires, send
    try:
        user, token, expires, send = await write(con.request, run)
    except Unprocessable as exc:
        return _manage(con, await _user(con, user_id), 422,
                       errors={"reset": exc.message.partition(": ")[2]})
    purpose = "invite" if user.status == "invited" else "reset"
    return _link_page(con, user, purpose, token, expires, await _send_link(con, send))


@router.get(BASE + "/{user_id}/disable", response_class=HTMLResponse)
async def confirm_disable(user_id: str, con: Con) -> HTMLResponse:
    con.require_owner()
    return page(con, "console/user_confirm.html", "users", person=await _user(con, user_id),
                error="")


@router.post(BASE + "/{user_id}/{action}", response_model=None)
async def set_status(user_id: str, action: str, con: Con) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(con.request)
    con.require_owner()
    if action not in {"disable", "enable"}:
        raise NotFound(f"action: unknown user action {action!r}")
    if action == "disable" and form.get("confirm") != "yes":
        return page(con, "console/user_confirm.html", "users", status_code=422,
                    person=await _user(con, user_id),
                    error="Tick the box to confirm, or go back")
    status = "disabled" if action == "disable" else "active"
    try:
        user = await _change(con, user_id, f"user.{action}", status=status)
    except Unprocessable as exc:
        return page(con, "console/user_confirm.html", "users", status_code=422,
                    person=await _user(con, user_id), error=exc.message.partition(": ")[2])
    flash(con.request, f"{user.email} {'disabled: signed out everywhere' if action == 'disable' else 're-enabled'}.")
    return redirect(con.url("settings/users"))
