"""The console in headless Chromium: sign in, add an outlet, one timeline across channels,
analytics with both channels.  Screenshots land in test-artifacts/."""

from __future__ import annotations

import asyncio

import httpx2

from tests.console.conftest import PASSWORD, make_user
from tests.support import iso_ago

PHONE = "+91 98111 22334"


async def _orders(base: str, tenant, location_id: str) -> None:  # type: ignore[no-untyped-def]
    """One online order through /v1/batch, one in-store order through /v1/orders, same phone."""
    async with httpx2.AsyncClient(base_url=base, timeout=20) as http:
        online = {"type": "track", "event": "Order Completed", "messageId": "web-m-1",
                  "timestamp": iso_ago(days=1, tz="UTC"), "context": {"traits": {"phone": PHONE}},
                  "properties": {"order_id": "WEB-1", "total": 499.0, "currency": "INR",
                                 "products": [{"sku": "MUG", "name": "Mug", "price": 499,
                                               "quantity": 1}]}}
        batch = await http.post("/v1/batch", headers=tenant.writer, json={"batch": [online]})
        assert batch.json()["accepted"] == 1, batch.text
        store = {"external_id": "POS-1", "occurred_at": iso_ago(days=1, hours=3),
                 "currency": "INR", "location": location_id, "terminal": "T1",
                 "customer": {"phone": PHONE, "name": "Kavya"},
                 "lines": [{"sku": "LATTE-M", "name": "Latte", "quantity": "2",
                            "unit_price": 24900, "tax_rate": "5", "tax_inclusive": True}],
                 "payments": [{"method": "upi", "amount": 49800}]}
        order = await http.post("/v1/orders", headers=tenant.admin, json=store)
        assert order.status_code == 201, order.text


async def test_console_walkthrough(live_server, browser, artifacts, make_tenant, db) -> None:
    tenant = await make_tenant()
    email = await make_user(db, tenant.slug, "owner")
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    await page.goto(f"{live_server.url}/dashboard/{tenant.slug}/settings/locations")
    assert "/login" in page.url
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.screenshot(path=str(artifacts / "console-1-sign-in.png"))
    await page.click("button[type=submit]")
    await page.wait_for_url(f"**/dashboard/{tenant.slug}/settings/locations")
    assert "No outlets yet" in await page.content()

    await page.fill("#new-outlet #f-code", "blr-indiranagar")
    await page.fill("#new-outlet #f-name", "Indiranagar")
    await page.fill("#new-outlet #f-gstin", "29AABCB1234C1ZA")
    await page.fill("#new-outlet #f-timezone", "Asia/Kolkata")
    await page.click("#new-outlet button[type=submit]")
    await page.wait_for_selector("text=Outlet Indiranagar created.")
    assert await page.locator(".chips a", has_text="Indiranagar").count() == 1
    await page.screenshot(path=str(artifacts / "console-2-outlet-created.png"), full_page=True)

    async with httpx2.AsyncClient(base_url=live_server.url) as http:
        locations = (await http.get("/v1/locations", headers=tenant.admin)).json()
    await _orders(live_server.url, tenant, locations[0]["id"])

    await page.click("nav.side >> text=Contacts")
    await page.fill("#q", "98111 22334")
    await page.click("form[role=search] button")
    await page.wait_for_selector("tr[data-event=order_completed]")
    rows = page.locator("tr[data-event=order_completed]")
    assert await rows.count() == 2
    text = await page.locator("section.card", has_text="Timeline").inner_text()
    assert "online" in text and "in-store" in text and "Indiranagar" in text
    await page.screenshot(path=str(artifacts / "console-3-contact-timeline.png"), full_page=True)

    await page.click("nav.side >> text=Analytics")
    for _ in range(100):  # the live server's worker rolls the orders up in the background
        if await page.locator("[data-testid=orders]").inner_text() == "2":
            break
        await asyncio.sleep(0.2)
        await page.reload()
    assert await page.locator("[data-testid=orders]").inner_text() == "2"
    assert await page.locator("[data-testid=online]").inner_text() == "₹499.00"
    assert await page.locator("[data-testid=offline]").inner_text() == "₹498.00"
    assert await page.locator("[data-testid=both]").inner_text() == "1"
    assert await page.locator("svg rect").count() == 2
    await page.screenshot(path=str(artifacts / "console-4-analytics.png"), full_page=True)

    await page.locator(".chips a", has_text="Indiranagar").click()
    await page.wait_for_selector("text=Scope:")
    assert await page.locator("[data-testid=online]").inner_text() == "₹0.00"
    assert await page.locator("[data-testid=offline]").inner_text() == "₹498.00"
    await page.screenshot(path=str(artifacts / "console-5-analytics-outlet.png"), full_page=True)
    await page.close()
