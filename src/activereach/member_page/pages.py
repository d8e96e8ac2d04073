"""The member page's routes on the bill host: ``/b/{code}/member`` and its four forms.

Everything a bill page promises holds here too: the same lookup (constant-time brand check,
the one 404 page for any miss), per-address rate limits, no script, nonce'd styles, no
referrer, never cached. Forms are plain posts checked for same origin (as the rating form).
A good code sets a cookie scoped to this bill's member page; a wrong one counts against the
sign-in throttle (``app.state.throttle``) and against the code itself.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.models import BillReceipt
from activereach.bills.pages import (
    LOOKUP_LIMIT,
    RATING_LIMIT,
    html_response,
    lookup,
    not_found,
    rate_limited,
    same_origin,
)
from activereach.bills.render import render_message_html
from activereach.bills.service import BillView
from activereach.kit.db import utcnow
from activereach.kit.http import client_address, read, write
from activereach.kit.throttle import TooManyAttempts, throttle
from activereach.member_page import codes, service
from activereach.member_page.render import PageView, render_member_html
from activereach.messaging.codes import code_channels, deliver_code

router = APIRouter(tags=["member page"], include_in_schema=False)
COOKIE = "ar_member"
NOTICES = {
    "wrong": "That code is not right. {left} tries left.",
    "expired": "That code has expired. Ask for a new one below.",
    "none": "That code was already used or replaced by a newer one. Ask for a new one below.",
    "burned": "Too many wrong tries for that code. Ask for a new one below.",
}


@dataclass(frozen=True)
class Found:
    """The bill behind the link, its resolved config, and the request's nonce."""

    view: BillView
    config: dict[str, Any]
    nonce: str

    @property
    def bill(self) -> BillReceipt:
        return self.view.bill

    @property
    def brand(self) -> str:
        return str(self.config.get("brand_name") or self.bill.snapshot["brand"]["name"])


async def _find(request: Request, code: str, limit: Any) -> Found | Response:
    """The bill, or the response to give instead (rate limited, not found, cross-site post)."""
    nonce = secrets.token_urlsafe(16)
    if (limited := rate_limited(request, limit, nonce)) is not None:
        return limited
    if request.method == "POST" and not same_origin(request):
        return html_response(render_message_html(
            "Not allowed", "Use the form on your member page.", nonce=nonce), 403, nonce)
    view, config = await lookup(request, code)
    if view is None or view.bill.contact_id is None:   # a bill without a shopper has no page
        return not_found(nonce)
    return Found(view, config, nonce)


def _secret(request: Request) -> str:
    return str(request.app.state.settings.resolved_secret_key())


async def _page_view(session: AsyncSession, found: Found, cookie: str | None) -> PageView | None:
    bill, snapshot = found.bill, found.bill.snapshot
    member = await service.member_of(session, bill)
    if member is None:
        return None
    grant = await codes.session_grant(session, bill, cookie)
    page = PageView(
        code=bill.code, config=dict(found.config), first_name=snapshot["customer"].get("name"),
        brand=found.brand,
        currency=member.workspace.currency, locale=member.workspace.locale or "en_IN",
        overview=await service.overview(session, member), verified=grant is not None)
    if grant is not None:
        page.history = await service.history(session, member)
        page.prefs = await service.preferences(session, member)
    else:
        page.pending = await codes.open_code(session, bill)
        page.targets = await code_channels(session, bill.workspace_id, member.contact.id,
                                           bill.location_id)
    return page


async def _render(request: Request, found: Found, status: int = 200, *,
                  notice: str | None = None, error: bool = False, saved: bool = False,
                  headers: dict[str, str] | None = None) -> Response:
    cookie = request.cookies.get(COOKIE)
    page = await read(request, lambda s: _page_view(s, found, cookie))
    if page is None:
        return not_found(found.nonce)
    page.notice, page.error, page.saved = notice, error, saved
    return html_response(render_member_html(page, nonce=found.nonce), status, found.nonce,
                         headers)


def _back(code: str, anchor: str, query: str = "") -> RedirectResponse:
    return RedirectResponse(f"/b/{code}/member{query}#{anchor}", status_code=303,
                            headers={"Referrer-Policy": "no-referrer",
                                     "Cache-Control": "no-store"})


@router.get("/b/{code}/member")
async def member_page(code: str, request: Request, saved: str | None = None) -> Response:
    found = await _find(request, code, LOOKUP_LIMIT)
    if not isinstance(found, Found):
        return found
    return await _render(request, found, saved=saved == "1")


@router.post("/b/{code}/member/code")
async def send_code(code: str, request: Request,
                    channel: str = Form(default="", max_length=16)) -> Response:
    """Send a one-time code on the channel chosen (SMS or email), then ask for it."""
    found = await _find(request, code, RATING_LIMIT)
    if not isinstance(found, Found):
        return found
    bill, brand, secret = found.bill, found.brand, _secret(request)

    async def issue(session: AsyncSession) -> codes.Issued | None:
        assert bill.contact_id is not None
        member = await service.member_of(session, bill)
        targets = await code_channels(session, bill.workspace_id,
                                      member.contact.id if member else bill.contact_id,
                                      bill.location_id)
        target = next((t for t in targets if t.channel == channel), None)
        return None if target is None else await codes.issue_code(
            session, bill, target, brand=brand, secret=secret)
    try:
        issued = await write(request, issue)
    except codes.TooManyCodes as exc:
        minutes = max(1, (exc.retry_after + 59) // 60)
        return await _render(request, found, 429, error=True, headers={
            "Retry-After": str(exc.retry_after)}, notice=(
            f"You asked for several codes already. Try again in {minutes} minutes."))
    if issued is None:
        return await _render(request, found, 422, error=True,
                             notice="We cannot send a code that way. Choose another below.")
    outcome = await deliver_code(issued.send)   # no transaction open during the call
    if not await write(request, lambda s: codes.record_sent(s, issued, outcome)):
        return await _render(request, found, 503, error=True, notice=(
            "We could not send the code just now. Try again, or choose another way."))
    return _back(code, "verify")


@router.post("/b/{code}/member/verify")
async def verify_code(code: str, request: Request,
                      otp: str = Form(default="", max_length=20)) -> Response:
    """Use the code: a session cookie for this page, or why not (throttled per address)."""
    found = await _find(request, code, RATING_LIMIT)
    if not isinstance(found, Found):
        return found
    bill, guard, address = found.bill, throttle(request), client_address(request)
    who = f"{bill.workspace_id}:{bill.contact_id}"
    try:
        await guard.attempt("member_code", who, address)
    except TooManyAttempts as exc:
        wait = exc.headers.get("Retry-After", "60") if exc.headers else "60"
        return await _render(request, found, 429, error=True, headers={"Retry-After": wait},
                             notice=f"Too many tries. Wait {wait} seconds, then try again.")
    checked = await write(request, lambda s: codes.check_code(s, bill, otp,
                                                              secret=_secret(request)))
    if checked.outcome != "ok" or checked.cookie is None:
        await guard.failed()
        return await _render(request, found, 422, error=True,
                             notice=NOTICES[checked.outcome].format(left=checked.left))
    await guard.succeeded("member_code", who, address)
    response = _back(code, "history")
    response.set_cookie(COOKIE, checked.cookie, max_age=int(codes.SESSION_TTL.total_seconds()),
                        path=f"/b/{code}/member", httponly=True, samesite="lax",
                        secure=request.app.state.settings.public_scheme == "https")
    return response


@router.post("/b/{code}/member/preferences")
async def save_preferences(code: str, request: Request) -> Response:
    """Consent per channel and the receipt channel; only with a code's session."""
    found = await _find(request, code, RATING_LIMIT)
    if not isinstance(found, Found):
        return found
    form = {key: str(value)[:32] for key, value in (await request.form()).items()}
    cookie = request.cookies.get(COOKIE)

    async def save(session: AsyncSession) -> bool:
        grant = await codes.session_grant(session, found.bill, cookie)
        member = await service.member_of(session, found.bill) if grant else None
        if grant is None or member is None:
            return False
        await service.save_preferences(session, member, form, evidence=(
            f"member page, signed in with a code sent to {grant.sent_to}"))
        return True
    if not await write(request, save):
        return _back(code, "verify")
    return _back(code, "preferences", "?saved=1")


@router.post("/b/{code}/member/signout")
async def sign_out(code: str, request: Request) -> Response:
    found = await _find(request, code, RATING_LIMIT)
    if not isinstance(found, Found):
        return found
    cookie = request.cookies.get(COOKIE)

    async def end(session: AsyncSession) -> None:
        grant = await codes.session_grant(session, found.bill, cookie)
        if grant is not None:
            grant.session_expires_at = utcnow()
    await write(request, end)
    response = _back(code, "verify")
    response.delete_cookie(COOKIE, path=f"/b/{code}/member")
    return response
