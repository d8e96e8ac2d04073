"""The bill page in headless Chromium at a phone viewport: fits, shows its QR and totals, rates."""

from __future__ import annotations

import httpx2

from tests.conftest import order_body


async def _bill(live_server, tenant) -> dict:  # type: ignore[no-untyped-def]
    lines = [{"name": "Masala Chai with an unusually long descriptive name for wrapping",
              "variant": "Large", "quantity": "2", "unit_price": 14000, "tax_rate": "5",
              "hsn": "0902"},
             {"name": "Cold Brew", "quantity": "1", "unit_price": 34949, "tax_rate": "12",
              "tax_inclusive": False, "hsn": "2101"}]
    body = order_body(lines=lines, payments=[{"method": "cash", "amount": 60000},
                                             {"method": "upi", "amount": 10000,
                                              "reference": "UPI-1"}],
                      customer={"phone": "+91 98765 43210", "name": "Asha"})
    async with httpx2.AsyncClient(base_url=live_server.url) as http:
        await http.put("/v1/bill-config", headers=tenant.admin, json={
            "brand_name": "Chai Co", "footer_text": "Thank you for visiting!",
            "review_url": "https://g.page/chai-co", "terms_url": "https://chai.example/terms",
            "social_links": {"instagram": "https://instagram.com/chaico"}})
        response = await http.post("/v1/orders", headers=tenant.admin, json=body)
        assert response.status_code == 201, response.text
        return response.json()


async def test_bill_page_on_a_phone(live_server, browser, artifacts, tenant) -> None:
    order = await _bill(live_server, tenant)
    url = order["bill"]["url"]
    assert url.startswith(f"http://{tenant.slug}.{live_server.bill_domain}/b/")
    # The page has no script at all (its CSP allows none); JS stays on only so the test can
    # measure the layout.
    context = await browser.new_context(viewport={"width": 390, "height": 844},
                                        device_scale_factor=2, is_mobile=True, has_touch=True)
    page = await context.new_page()
    response = await page.goto(url)
    assert response is not None and response.status == 200
    assert response.headers["x-robots-tag"].startswith("noindex")
    assert await page.locator("script").count() == 0
    fits = await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits is True

    assert await page.locator("#qr svg").count() == 1
    total = order["totals"]["total"]
    assert total == 28000 + 34949 + 4194
    assert (await page.locator("#total").inner_text()).strip() == "₹671.00"
    assert (await page.locator("#round-off").inner_text()).strip() == "-₹0.43"
    assert "Round off" in await page.locator("#totals").inner_text()
    assert (await page.locator("#invoice").inner_text()) == order["bill"]["invoice_number"]
    payments = await page.locator("#payments").inner_text()
    assert "₹700.00" in payments and "₹28.57" in payments and "UPI-1" in payments
    await page.screenshot(path=str(artifacts / "bill-phone.png"), full_page=True)

    # A tap on a star posts the plain form (no JS) and opens the comment form.
    await page.locator("#feedback button[value='5']").click()
    await page.wait_for_url("**rated=1**")
    assert "thanks for rating us 5/5" in (await page.locator("#feedback").inner_text()).lower()
    await page.fill("#comment", "Lovely chai")
    await page.locator("#feedback button[type=submit]").click()
    await page.wait_for_url("**rated=2**")
    await context.close()

    async with httpx2.AsyncClient(base_url=live_server.url) as http:
        bill = (await http.get(f"/v1/bills/{order['bill']['code']}", headers=tenant.admin)).json()
    assert (bill["rating"], bill["comment"]) == (5, "Lovely chai")
