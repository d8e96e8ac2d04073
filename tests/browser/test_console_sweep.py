"""Every console page, reached by following links from the dashboard as the demo brand's owner,
at 1366 px and at 390 px: it answers, it never scrolls sideways on a phone, it shows no raw
JSON, and every amount in rupees reads "₹" with two decimals.

The crawl also proves reachability: each GET page the console router declares must be found
through a link (a page only the URL bar can reach is not part of the console), except the few
named in ``NOT_LINKED`` with the reason."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections import deque
from urllib.parse import urlsplit

import httpx2
from fastapi.routing import APIRoute

from activereach.app import create_app
from activereach.demo import seed_demo
from activereach.loyalty.demo import REWARDS
from activereach.kit.db import unit_of_work
from tests.browser.console_checks import page_problems

SECRET = "test-secret"     # the live server's, so the demo owner's password derives the same
MAX_PER_ROUTE = 2          # two instances of /contacts/{id} say as much as two hundred
# Console GET routes a person does not reach by a link, and why.
NOT_LINKED = {
    "/console-static/console.css": "the stylesheet",
    "/console-static/active-bill.js": "the Active Bill page's script",
    "/favicon.ico": "the icon", "/favicon.svg": "the icon",
    "/login": "the sign-in page (the crawl is signed in)",
    "/dashboard/{workspace}": "redirects to analytics",
    # reached by the redirect after a POST, never by a link (each has its own browser test)
    "/dashboard/{workspace}/catalog/imports/{import_id}": "an upload's report (after upload)",
    "/dashboard/{workspace}/settings/destinations/{destination_id}/rotated":
        "the new signing secret, shown once after rotating",
    "/dashboard/{workspace}/settings/locations/{location_id}/terminals/{terminal_pk}"
    "/pairing/{code_id}": "a pairing code, shown once after issuing it",
    "/login/set-password/{token}": "the one-time link sent to the person",
    # linked only in a state the demo does not have (the owner's walk reaches them)
    "/dashboard/{workspace}/catalog/tax-classes/{tax_id}/retire":
        "offered for a tax class no product uses",
    "/dashboard/{workspace}/settings/locations/{location_id}/terminals/{terminal_pk}"
    "/codes/{code_id}/revoke": "offered while a pairing code is live",
    "/dashboard/{workspace}/settings/receipt-templates/{channel}/reset":
        "offered once a template is customised",
}
BRAND_TEXT = tuple(reward.name for reward in REWARDS)
SKIP_SUFFIXES = (".csv", ".xlsx", ".json", ".png", ".svg")


def _walk(routes, prefix=""):  # type: ignore[no-untyped-def]
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):  # FastAPI ≥ 0.137 keeps routers as a tree
            yield from _walk(route.original_router.routes, prefix + route.include_context.prefix)


def console_routes() -> dict[str, re.Pattern[str]]:
    """Each console GET route's path template and a pattern matching its URLs."""
    routes: dict[str, re.Pattern[str]] = {}
    for path, route in _walk(create_app().routes):
        if "GET" not in route.methods:
            continue
        if path.startswith(("/dashboard", "/login", "/console-static", "/favicon")):
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path))
            routes[path] = re.compile(f"^{pattern}$")
    return routes


def _route_of(path: str, routes: dict[str, re.Pattern[str]]) -> str | None:
    # The most specific template wins: fewer parameters first.
    for template in sorted(routes, key=lambda t: (t.count("{"), -len(t))):
        if routes[template].match(path):
            return template
    return None


async def _links(page, origin: str, slug: str,  # type: ignore[no-untyped-def]
                 downloads: set[str]) -> list[str]:
    """The console pages this page links to; links to downloads (CSV…) go to ``downloads``."""
    hrefs = await page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or \
                not parts.path.startswith(f"/dashboard/{slug}"):
            continue
        if parts.path.endswith(SKIP_SUFFIXES):
            downloads.add(parts.path)
        else:
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


async def _pipe_and_destination(base: str, admin_key: str) -> None:
    """The demo has neither: one custom pipe with one delivery, one webhook destination, so
    their pages (detail, deliveries, a delivery) are part of the crawl."""
    admin = {"Authorization": f"Bearer {admin_key}"}
    async with httpx2.AsyncClient(base_url=base, headers=admin, timeout=20) as http:
        pipe = await http.post("/v1/pipes", json={"kind": "webhook", "provider": "custom",
                                                  "name": "Sweep POS",
                                                  "settings": {"secret": "sweep-secret"}})
        assert pipe.status_code == 201, pipe.text
        body = json.dumps({"id": "SWEEP-1", "currency": "INR"}).encode()
        digest = hmac.new(b"sweep-secret", body, hashlib.sha256).hexdigest()
        await http.post(f"/v1/pipes/{pipe.json()['id']}/webhook", content=body,
                        headers={"content-type": "application/json", "X-Signature": digest})
        hook = await http.post("/v1/destinations", json={
            "kind": "webhook", "name": "Warehouse", "event_types": ["order_completed"],
            "settings": {"url": "https://warehouse.example/hooks"}})
        assert hook.status_code == 201, hook.text


async def test_every_console_page_fits_a_phone_and_shows_money_right(
        live_server, browser, artifacts, db) -> None:
    demo = await unit_of_work(db, lambda s: seed_demo(s, SECRET))
    await _pipe_and_destination(live_server.url, demo["admin_key"])
    slug, routes = demo["workspace"], console_routes()
    context = await browser.new_context(viewport={"width": 1366, "height": 900})
    page = await context.new_page()
    await page.goto(f"{live_server.url}/login")
    await page.fill("#email", demo["console_email"])
    await page.fill("#password", demo["console_password"])
    await page.click("button[type=submit]")
    await page.wait_for_url(f"**/dashboard/{slug}/analytics**")

    queue, seen, per_route = deque([f"/dashboard/{slug}/analytics"]), set(), {}
    downloads: set[str] = set()
    problems: list[str] = []
    while queue:
        target = queue.popleft()
        template = _route_of(urlsplit(target).path, routes)
        if target in seen or template is None or per_route.get(template, 0) >= MAX_PER_ROUTE:
            continue
        seen.add(target)
        per_route[template] = per_route.get(template, 0) + 1
        shot = re.sub(r"[^a-z0-9]+", "-", template.lower()).strip("-")[:80]
        for width, height in ((1366, 900), (390, 844)):
            await page.set_viewport_size({"width": width, "height": height})
            response = await page.goto(live_server.url + target)
            status = response.status if response else 0
            if status >= 400:
                problems.append(f"{target}: HTTP {status}")
                break
            problems += [f"{target} @{width}px: {p}" for p in await page_problems(page, width, BRAND_TEXT)]
            if per_route[template] == 1:
                await page.screenshot(path=str(artifacts / f"sweep-{shot}-{width}.png"),
                                      full_page=True)
        queue.extend(await _links(page, live_server.url, slug, downloads))
    await context.close()

    linked = {_route_of(path, routes) for path in downloads}   # a link to a download is enough
    unreached = sorted(t for t in routes
                       if t not in per_route and t not in NOT_LINKED and t not in linked)
    assert not problems, "\n".join(problems)
    assert not unreached, f"console pages no link leads to: {unreached}"
