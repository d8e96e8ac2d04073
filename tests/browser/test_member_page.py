"""The member page in headless Chromium: from the bill's points link to the page, a one-time
code read from the console outbox, the history, a consent change; then the contact timeline.
No page shows an internal id. Screenshots at 390×844 and 1280×800 go to the test's tmp path."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx2

from tests.browser.test_csp import RECORD, _violations
from tests.console.conftest import PASSWORD, make_user
from tests.member.conftest import INTERNAL_ID
from tests.support import iso_ago

PHONE = "+91 98450 67890"
PHONE_SIZE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
              "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
EVENT_NAMES = re.compile(r"\b(order_completed|loyalty_points_\w+|channel_delivery_status)\b")


async def _setup(http: httpx2.AsyncClient, tenant: Any) -> dict[str, Any]:
    """A program with tiers and a reward, SMS on the console provider, and one paid order."""
    admin = tenant.admin
    calls = [("PUT", "/v1/loyalty/program", {"name": "Bloom", "points_name": "Bloom Points",
                                             "pending_days": 0, "min_redeem_points": 0,
                                             "point_value": 100}),
             ("POST", "/v1/loyalty/rules", {"points_per_unit": 1, "spend_unit": 10000}),
             ("POST", "/v1/loyalty/tiers", {"name": "Silver", "threshold": 200000}),
             ("POST", "/v1/loyalty/tiers", {"name": "Gold", "threshold": 1000000}),
             ("POST", "/v1/loyalty/rewards", {"name": "Free Masala Chai", "kind": "free_item",
                                              "points_cost": 20, "sku": "CHAI"}),
             ("PUT", "/v1/messaging/channels/sms", {"provider": "console", "config": {},
                                                    "secrets": {}}),
             ("PUT", "/v1/bill-config", {"brand_name": "Chai Co"}),
             ("POST", "/v1/locations", {"code": "blr-1", "name": "Indiranagar",
                                        "gstin": "29AABCB1234C1ZA", "timezone": "Asia/Kolkata"})]
    for method, path, body in calls:
        response = await http.request(method, path, headers=admin, json=body)
        assert response.status_code in (200, 201), response.text
    order = await http.post("/v1/orders", headers=admin, json={
        "external_id": "POS-77", "occurred_at": iso_ago(hours=2), "currency": "INR", "location": "blr-1", "terminal": "T1",
        "customer": {"phone": PHONE, "name": "Asha Rao"},
        "lines": [{"sku": "LATTE-M", "name": "Latte", "quantity": "2", "unit_price": 150000,
                   "tax_rate": "5", "tax_inclusive": True}],
        "payments": [{"method": "cash", "amount": 300000}]})
    assert order.status_code == 201, order.text
    return order.json()


async def _code(http: httpx2.AsyncClient, tenant: Any) -> str:
    """The code the console provider recorded as sent (it keeps the text it would send)."""
    listed = (await http.get("/v1/messages", headers=tenant.admin)).json()["data"]
    message = next(m for m in listed if m["purpose"] == "member_code")
    return re.search(r"\b(\d{6})\b", message["content"]["text"]).group(1)


async def _no_internals(page: Any) -> None:
    text = await page.inner_text("body")
    found = INTERNAL_ID.search(text) or EVENT_NAMES.search(text)
    assert found is None, (page.url, found)


async def _both_sizes(browser: Any, url: str, shots: Path, name: str, cookies: list[Any], *,
                      must_fit: bool = True) -> None:
    """The same page at desktop and phone width: a screenshot of each (the shopper's pages
    fit a phone's width; the console is a desktop tool and may scroll sideways there)."""
    for label, size in (("1280", DESKTOP), ("390", PHONE_SIZE)):
        context = await browser.new_context(**size)
        await context.add_cookies(cookies)
        page = await context.new_page()
        response = await page.goto(url)
        assert response is not None and response.status == 200
        fits = await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert fits or not must_fit, (name, label)
        await _no_internals(page)
        await page.screenshot(path=str(shots / f"{name}-{label}.png"), full_page=True)
        await context.close()


async def test_from_the_bill_to_the_member_page_and_back_to_the_console(
        live_server, browser, make_tenant, db, tmp_path) -> None:
    tenant = await make_tenant()
    async with httpx2.AsyncClient(base_url=live_server.url, timeout=20) as http:
        order = await _setup(http, tenant)
        context = await browser.new_context(**PHONE_SIZE)
        await context.add_init_script(RECORD)   # records any CSP violation
        page = await context.new_page()
        await page.goto(order["bill"]["url"])
        await _no_internals(page)
        await page.screenshot(path=str(tmp_path / "bill-390.png"), full_page=True)
        await page.locator("#points a").click()
        await page.wait_for_url("**/member")
        assert "Hi Asha" in await page.inner_text("header")
        assert (await page.inner_text("#balance")).startswith("28")
        assert "Free Masala Chai" in await page.inner_text("#rewards")
        assert await page.locator("#history").count() == 0 and await page.locator("script").count() == 0
        await _no_internals(page)
        await page.screenshot(path=str(tmp_path / "member-open-390.png"), full_page=True)

        await page.locator("#send-code").click()
        await page.wait_for_url("**/member#verify")
        assert "+91••••••7890" in await page.inner_text("#verify")
        await page.fill("#otp", await _code(http, tenant))
        await page.locator("#verify button[type=submit]").first.click()
        await page.wait_for_url("**/member#history")
        history = await page.inner_text("#history")
        assert "Earned 28 Bloom Points" in history
        assert f"Order #{order['bill']['invoice_number']} at Indiranagar" in history

        await page.check("fieldset[data-channel=sms] input[value=opted_out]")
        await page.locator("#preferences button[type=submit]").first.click()
        await page.wait_for_url("**saved=1#preferences")
        assert "Saved" in await page.inner_text("#preferences")
        consent = (await http.get(f"/v1/messaging/consent/{order['contact_id']}",
                                  headers=tenant.admin)).json()["channels"]["sms"]
        assert (consent["status"], consent["source"]) == ("opted_out", "member_page")
        assert await _violations(page) == []
        await _both_sizes(browser, page.url.split("?")[0], tmp_path, "member",
                          await context.cookies())
        await context.close()

    email = await make_user(db, tenant.slug, "owner")
    console = await browser.new_context(**DESKTOP)
    page = await console.new_page()
    await page.goto(f"{live_server.url}/dashboard/{tenant.slug}/contacts/{order['contact_id']}")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"**/contacts/{order['contact_id']}")
    timeline = await page.locator("section.card", has_text="Timeline").inner_text()
    assert f"Order #{order['bill']['invoice_number']} at Indiranagar" in timeline
    assert "₹3,000.00" in timeline and "IST" in timeline
    await _both_sizes(browser, page.url, tmp_path, "timeline", await console.cookies(),
                      must_fit=False)
    await console.close()
