"""Issue 18, finding 8, in Chromium: the console, the cashier shell, the API docs and the bill
page work under their Content-Security-Policy, and the browser reports no violation.

Every ``securitypolicyviolation`` event is recorded by an init script (injected by the driver,
so the policy does not apply to it) and every console message naming the policy is kept too.
"""

from __future__ import annotations

import asyncio

import httpx2

from tests.conftest import order_body
from tests.console.conftest import PASSWORD, make_user

RECORD = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""


async def _context(browser):  # type: ignore[no-untyped-def]
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    await context.add_init_script(RECORD)
    return context


def _watch(page, messages: list[str]) -> None:  # type: ignore[no-untyped-def]
    page.on("console", lambda m: messages.append(m.text)
            if "Content Security Policy" in m.text else None)


async def _violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    return list(await page.evaluate("window.__csp || []"))


async def test_console_pages_work_under_their_policy(live_server, browser, make_tenant,
                                                     db) -> None:
    tenant = await make_tenant()
    email = await make_user(db, tenant.slug, "owner")
    async with httpx2.AsyncClient(base_url=live_server.url) as http:
        made = await http.post("/v1/locations", headers=tenant.admin, json={
            "code": "csp-1", "name": "CSP outlet", "gstin": "29AABCB1234C1ZA",
            "timezone": "Asia/Kolkata"})
        assert made.status_code == 201, made.text
        order = await http.post("/v1/orders", headers=tenant.admin,
                                json=order_body(location=made.json()["id"]))
        assert order.status_code == 201, order.text
    context = await _context(browser)
    page = await context.new_page()
    messages: list[str] = []
    _watch(page, messages)
    base = f"{live_server.url}/dashboard/{tenant.slug}"
    await page.goto(f"{base}/analytics")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}/analytics")
    # The chart reads roll-ups the live server's worker keeps: the order may not be in yet.
    for _ in range(40):
        if await page.locator("svg rect").count() > 0:
            break
        await asyncio.sleep(0.25)
        await page.reload()
    assert await page.locator("svg rect").count() > 0  # the chart drew (inline styles allowed)
    seen = await _violations(page)
    # The Active Bill page: a srcdoc preview (inherits the policy) refreshed by its own script.
    await page.goto(f"{base}/connected-products/active-bill")
    preview = page.frame_locator("#bill-preview")
    await preview.locator("footer").first.wait_for()
    await page.fill("#f-footer_text", "Typed under CSP")
    await preview.locator("footer", has_text="Typed under CSP").wait_for(timeout=10_000)
    seen += await _violations(page)
    for path in ("contacts", "settings/locations", "messages"):
        await page.goto(f"{base}/{path}")
        seen += await _violations(page)
    assert seen == [] and messages == [], (seen, messages)
    # The recorder works: an injected inline script is blocked and reported.
    await page.evaluate("""document.body.appendChild(Object.assign(
        document.createElement('script'), {textContent: 'window.__ran = 1'}))""")
    await page.wait_for_function("window.__csp.length > 0")
    assert await page.evaluate("window.__ran") is None
    await context.close()


async def test_cashier_docs_and_bill_work_under_their_policy(live_server, browser,
                                                             tenant) -> None:
    context = await _context(browser)
    page = await context.new_page()
    messages: list[str] = []
    _watch(page, messages)
    await page.goto(f"{live_server.url}/cashier/")
    await page.wait_for_selector("#app *", timeout=15_000)  # the app rendered its first screen
    seen = await _violations(page)
    await page.goto(f"{live_server.url}/docs")
    await page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    seen += await _violations(page)
    async with httpx2.AsyncClient(base_url=live_server.url) as http:
        order = (await http.post("/v1/orders", headers=tenant.admin, json=order_body())).json()
    response = await page.goto(order["bill"]["url"])
    assert response is not None and response.status == 200
    assert await page.locator("#total").count() == 1
    styled = await page.evaluate("getComputedStyle(document.body).margin")
    assert styled == "0px"  # the nonce'd stylesheet applied
    seen += await _violations(page)
    await context.close()
    assert seen == [] and messages == [], (seen, messages)
