"""Sign-in, sign-out, the stylesheet and the workspace landing redirect."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.console import sessions
from activereach.console.auth import Console, console, sign_in, sign_out
from activereach.console.csrf import form_with_csrf
from activereach.console.service import password_match, record_sign_in, sign_in_candidates
from activereach.console.web import STYLESHEET, redirect, render
from activereach.kit.http import client_address, read, write
from activereach.kit.throttle import TooManyAttempts, throttle

router = APIRouter(include_in_schema=False)


def _safe_next(value: str | None) -> str:
    """Only our own console paths: an open redirect after sign-in is a phishing aid."""
    if value and value.startswith("/dashboard/") and "//" not in value and "\\" not in value:
        return value
    return ""


@router.get("/console-static/console.css")
async def stylesheet() -> FileResponse:
    return FileResponse(STYLESHEET, media_type="text/css",
                        headers={"Cache-Control": "public, max-age=3600"})


@router.get("/favicon.ico")
@router.get("/favicon.svg")
async def favicon() -> FileResponse:
    # Browsers ask for /favicon.ico on every page; one SVG answers both names.
    return FileResponse(STYLESHEET.with_name("favicon.svg"), media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "") -> HTMLResponse:  # noqa: A002
    return render(request, "console/login.html",
                  {"next": _safe_next(next), "email": "", "workspace": "", "error": None})


@router.post("/login", response_model=None)
async def login(request: Request) -> HTMLResponse | RedirectResponse:
    form = await form_with_csrf(request)
    email, workspace = form.get("email", "").strip(), form.get("workspace", "").strip()
    account, address = f"{workspace.lower()}/{email.lower()}", client_address(request)
    guard = throttle(request)

    def refused(error: str, status: int) -> HTMLResponse:
        return render(request, "console/login.html", {
            "next": _safe_next(form.get("next")), "email": email, "workspace": workspace,
            "error": error}, status_code=status)
    try:
        await guard.attempt("console", account, address)
    except TooManyAttempts as exc:
        return refused(f"Too many failed sign-ins. {exc.message.split('; ')[-1].capitalize()}.",
                       429)

    password = form.get("password", "")
    candidates = await read(request, lambda s: sign_in_candidates(s, email=email,
                                                                  workspace_slug=workspace))
    found = await password_match(candidates, password)
    if not found:
        await guard.failed()
        return refused("Email or password is not right.", 401)
    await guard.succeeded("console", account, address)
    user, ws = found

    async def start(s: AsyncSession) -> str:
        return await sessions.start(s, await record_sign_in(s, user, password))
    sign_in(request, user, ws, await write(request, start))
    target = _safe_next(form.get("next"))
    if not target.startswith(f"/dashboard/{ws.slug}/") and target != f"/dashboard/{ws.slug}":
        target = f"/dashboard/{ws.slug}/analytics"
    return redirect(target)


@router.post("/logout")
async def logout(request: Request) -> RedirectResponse:
    await form_with_csrf(request)
    await sign_out(request)
    return redirect("/login")


@router.get("/dashboard/{workspace}")
async def landing(con: Annotated[Console, Depends(console)]) -> RedirectResponse:
    return redirect(con.url("analytics"))
