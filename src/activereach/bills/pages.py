"""The shopper's bill page: ``GET /b/{code}`` on ``{slug}.{bill_domain}``, rating, print layout.

A code of another brand, an unknown code and a wrong host all get the same 404, and a miss does
the same work as a hit (one lookup, a constant-time compare, a full render of a decoy bill), so
response time does not tell an attacker whether a code exists.  Lookups are rate-limited per
client address.
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.ext.asyncio import AsyncSession

from activereach.bills.assets import EXTENSIONS, find_asset
from activereach.bills.codes import looks_like_code
from activereach.bills.config import cached_resolved_config, resolve
from activereach.bills.render import (
    render_bill_html,
    render_message_html,
    render_print_html,
)
from activereach.bills.sample import DECOY_SNAPSHOT
from activereach.bills.service import BillView, find_bill_view, record_rating
from activereach.kit.http import client_address, read, write
from activereach.kit.security_headers import page_headers

router = APIRouter(tags=["bill page"], include_in_schema=False)

# Per client address; shoppers behind one carrier NAT share an address, so this is generous.
LOOKUP_LIMIT = parse(os.environ.get("ACTIVEREACH_BILL_RATE_LIMIT", "120/minute"))
RATING_LIMIT = parse(os.environ.get("ACTIVEREACH_BILL_RATING_LIMIT", "20/minute"))
_limiter = MovingWindowRateLimiter(MemoryStorage())


def security_headers(nonce: str) -> dict[str, str]:
    # Stricter than other pages (kit/security_headers.py): no script at all (default-src 'none'
    # covers it), only nonce'd styles, and no referrer: the bill code never leaves the page.
    return {
        **page_headers(nonce=nonce, default="'none'", scripts="",
                       styles=f"'nonce-{nonce}'", frame_ancestors="'self'",
                       referrer="no-referrer"),
        "X-Robots-Tag": "noindex, nofollow",
        # The page shows live refund and rating state: never cached anywhere.
        "Cache-Control": "no-store",
    }


def html_response(body: str, status: int, nonce: str,
                  extra: dict[str, str] | None = None) -> HTMLResponse:
    headers = {**security_headers(nonce), **(extra or {})}
    return HTMLResponse(body, status_code=status, headers=headers)


def host_slug(request: Request) -> str:
    """``{slug}`` from ``Host: {slug}.{bill_domain}``; "" when the host is not a bill host."""
    host = (request.headers.get("host") or "").lower()
    domain = request.app.state.settings.bill_domain.lower()
    suffix = "." + domain
    if not host.endswith(suffix):
        return ""
    slug = host[: -len(suffix)]
    return slug if slug and "." not in slug else ""


def rate_limited(request: Request, item: Any, nonce: str) -> HTMLResponse | None:
    key = client_address(request)
    if _limiter.hit(item, "bill", key):
        return None
    reset, _ = _limiter.get_window_stats(item, "bill", key)
    retry = max(1, int(reset - time.time()) + 1)
    return html_response(render_message_html("Too many requests", "Please try again in a minute.",
                                             nonce=nonce), 429, nonce,
                         {"Retry-After": str(retry)})


async def lookup(request: Request, code: str) -> tuple[BillView | None, dict[str, Any]]:
    """The bill for this host and code, or None; always one lookup and one config read."""
    slug = host_slug(request)
    valid = looks_like_code(code)

    async def body(session: AsyncSession) -> tuple[BillView | None, dict[str, Any]]:
        view = await find_bill_view(session, code if valid else "0000000000")
        ws_id = view.bill.workspace_id if view else ""
        loc_id = view.bill.location_id if view else None
        return view, await cached_resolved_config(session, ws_id, loc_id)

    view, config = await read(request, body)
    # Compare in constant time, and compare even on a miss.
    expected = view.slug if view is not None else "\x00decoy"
    same_brand = hmac.compare_digest(expected.encode(), slug.encode())
    return (view if same_brand and valid else None), config


def _state(view: BillView, rated: str | None = None) -> dict[str, Any]:
    return {"status": view.status, "refunded_total": view.refunded_total,
            "rating": view.rating, "comment": view.comment,
            "rated": bool(rated == "1" and view.rating), "comment_saved": rated == "2"}


def not_found(nonce: str) -> HTMLResponse:
    # Same work as a hit: render a decoy bill and throw it away.
    render_bill_html(DECOY_SNAPSHOT, resolve(None, None), nonce=nonce)
    return html_response(render_message_html("Bill not found",
                                             "Check the link on your receipt and try again.",
                                             nonce=nonce), 404, nonce)


def bill_host_error(request: Request, status: int) -> HTMLResponse | None:
    """A not-found on a bill host, as the shoppers' HTML 404 page (never the API's JSON): an
    unknown path, an old ``/{outlet}/rewards`` link, a wrong method. None off bill hosts."""
    if status not in (404, 405) or not host_slug(request):
        return None
    return not_found(secrets.token_urlsafe(16))


@router.get("/b/{code}")
async def bill_page(code: str, request: Request, rated: str | None = None) -> Response:
    nonce = secrets.token_urlsafe(16)
    if (limited := rate_limited(request, LOOKUP_LIMIT, nonce)) is not None:
        return limited
    view, config = await lookup(request, code)
    if view is None:
        return not_found(nonce)
    html = render_bill_html(view.bill.snapshot, config, state=_state(view, rated), nonce=nonce)
    return html_response(html, 200, nonce)


@router.get("/b/{code}/print")
async def bill_print(code: str, request: Request, width: int = 80) -> Response:
    nonce = secrets.token_urlsafe(16)
    if (limited := rate_limited(request, LOOKUP_LIMIT, nonce)) is not None:
        return limited
    view, config = await lookup(request, code)
    if view is None or width not in (58, 80):
        return not_found(nonce)
    html = render_print_html(view.bill.snapshot, config, width=width, nonce=nonce,
                             state=_state(view))
    return html_response(html, 200, nonce)


def same_origin(request: Request) -> bool:
    """Accept the rating form only from the bill page itself.

    The page sends ``Referrer-Policy: no-referrer``, so a browser posts ``Origin: null`` and no
    Referer; ``Sec-Fetch-Site`` (sent by current browsers whatever the policy) says whether the
    post came from the same origin.  Without it, the Origin or Referer host must match.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    host = (request.headers.get("host") or "").lower()
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return False
    return urlsplit(source).netloc.lower() == host


@router.post("/b/{code}/rating")
async def bill_rating(code: str, request: Request, rating: int = Form(ge=1, le=5),
                      comment: str | None = Form(default=None, max_length=1000)) -> Response:
    nonce = secrets.token_urlsafe(16)
    if (limited := rate_limited(request, RATING_LIMIT, nonce)) is not None:
        return limited
    if not same_origin(request):
        return html_response(render_message_html(
            "Not allowed", "Rate this order from its bill page.", nonce=nonce), 403, nonce)
    view, _ = await lookup(request, code)
    if view is None:
        return not_found(nonce)
    text = comment.strip()[:1000] if comment and comment.strip() else None
    bill = view.bill
    await write(request, lambda session: record_rating(session, bill, rating, text))
    step = "2" if text else "1"
    return RedirectResponse(f"/b/{code}?rated={step}#feedback", status_code=303,
                            headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})


@router.get("/media/{name}")
async def media(name: str, request: Request) -> Response:
    """An uploaded brand image. The name is its content hash, so it never changes: cached for a
    year. ``nosniff`` and a no-script CSP keep a browser from treating it as anything else."""
    key, _, ext = name.partition(".")
    asset = await read(request, lambda s: find_asset(s, key)) if len(key) == 32 else None
    if asset is None or EXTENSIONS[asset.content_type] != ext:
        return Response(status_code=404)
    return Response(asset.data, media_type=asset.content_type, headers={
        "Cache-Control": "public, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox"})
