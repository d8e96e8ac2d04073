"""Console → Orders and the Data Pipes fixes in headless Chromium: an ActivePOS till sells,
the owner lists the orders, opens one, finds the till on the pipes list without ever making a
pipe for it, and tests a custom pipe with a foreign sale ("would ingest, but: …").  Each page
is shot at 1366×900 and 390×844 (no sideways scrolling on the phone)."""

from __future__ import annotations

import json
import uuid

import httpx2

from activereach.pipes.samples import sample
from tests.conftest import order_body, signed_till
from tests.console.conftest import PASSWORD, make_user

SIZES = {"1366": (1366, 900), "390": (390, 844)}


async def _shots(page, artifacts, name: str) -> None:  # type: ignore[no-untyped-def]
    """This page at both sizes; at 390 px nothing may stick out sideways."""
    for label, (width, height) in SIZES.items():
        await page.set_viewport_size({"width": width, "height": height})
        await page.screenshot(path=str(artifacts / f"console-orders-{name}-{label}.png"),
                              full_page=True)
    wide = await page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                && !(function clipped(n) { for (n = n.parentElement; n; n = n.parentElement) {
                    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(n).overflowX))
                        return true; } return false; })(e))
        .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)""")
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), \
        f"{name} scrolls sideways at 390 px: {wide}"
    await page.set_viewport_size({"width": 1366, "height": 900})


async def test_orders_and_the_activepos_source(live_server, browser, artifacts, make_tenant,
                                               db) -> None:
    tenant = await make_tenant()
    async with httpx2.AsyncClient(base_url=live_server.url, timeout=20) as http:
        till = await signed_till(http, tenant, "blr-1", terminal_id="T1", name="Indiranagar")
        tax = (await http.post("/v1/catalog/tax-classes", headers=tenant.admin,
                               json={"name": "GST 5", "rate": "5"})).json()
        menu = await http.post("/v1/catalog/products", headers=tenant.admin, json={
            "handle": "latte", "title": "Latte", "tax_class_id": tax["id"],
            "variants": [{"sku": "LATTE-M", "name": "Medium", "price": 24900}]})
        assert menu.status_code == 201, menu.text
        sales = []
        for n in (1, 2):
            sold = await http.post("/v1/pos/orders", headers=till.headers, json=till.sign(
                order_body(f"POS-{n}", client_order_id=str(uuid.uuid4()))))
            assert sold.status_code == 201, sold.text
            sales.append(sold.json())
    email = await make_user(db, tenant.slug, "owner")
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    base = f"{live_server.url}/dashboard/{tenant.slug}"
    await page.goto(f"{base}/orders")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/orders")

    rows = page.locator("table[data-testid=orders] tbody tr")
    assert await rows.count() == 2
    assert "₹498.00" in await rows.first.inner_text()
    await _shots(page, artifacts, "list")
    await page.locator(f"tr[data-order='{sales[0]['order_id']}'] a").first.click()
    await page.wait_for_selector("#order-lines")
    assert await page.locator("[data-testid=order-total]").inner_text() == "₹498.00"
    assert "Latte (M)" in await page.locator("[data-testid=order-lines]").inner_text()
    assert "IST" in await page.locator("[data-testid=order-time]").inner_text()
    await _shots(page, artifacts, "order")

    # Data Pipes: no pipe was ever made, yet the till is there with its two orders.
    await page.click("nav.side >> text=Data Pipes")
    till_row = page.locator("tr[data-till=T1]")
    await till_row.wait_for()
    text = await till_row.inner_text()
    assert "ActivePOS T1" in text and "active" in text and "2 orders" in text
    assert "No data pipes" not in await page.content()
    await _shots(page, artifacts, "pipes")

    await page.goto(f"{base}/settings/pipes/new?provider=custom")
    await page.fill("#f-name", "Kiosk POS")
    await page.fill("#f-location_map", "store-1 = blr-1")
    await page.click("#pipe-form button[type=submit]")
    await page.wait_for_selector("[data-testid=created]")
    await page.click("text=Open the pipe")
    await page.click("#test-link")
    foreign = json.loads(sample("custom")[0])
    foreign.update(currency="USD", occurred_at="2026-01-02T10:00:00+00:00")
    foreign["lines"][0]["sku"] = "NOT-ON-THE-MENU"
    await page.fill("#f-payload", json.dumps(foreign, indent=2))
    await page.click("#run-test")
    await page.wait_for_selector("#test-result")
    assert await page.locator("[data-testid=verdict]").inner_text() == "would ingest, but:"
    warnings = page.locator("[data-testid=test-warnings] li")
    assert await warnings.count() == 3
    listed = await page.locator("[data-testid=test-warnings]").inner_text()
    assert "USD" in listed and "NOT-ON-THE-MENU" in listed
    await _shots(page, artifacts, "pipe-test")
    await page.close()

    # The effect, through the API: the test wrote nothing; the till's orders are listed.
    async with httpx2.AsyncClient(base_url=live_server.url, timeout=20) as http:
        listed_api = (await http.get("/v1/orders", headers=tenant.admin,
                                     params={"terminal": "T1"})).json()
        assert {o["external_id"] for o in listed_api["data"]} == {"POS-1", "POS-2"}
        assert len((await http.get("/v1/orders", headers=tenant.admin)).json()["data"]) == 2
