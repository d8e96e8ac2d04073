"""The catalog page in headless Chromium: sign in, import a small CSV through the page, watch the
progress page refresh itself until the row report shows, then find the product.  Screenshots
land in test-artifacts/."""

from __future__ import annotations

import asyncio

import httpx2

from tests.console.conftest import PASSWORD, make_user
from tests.support import iso_ago

CSV = ("handle,title,option1 name,option1 value,sku,barcode,price,category,stock:blr-1\n"
       "latte,Latte,Size,Small,LATTE-S,,199.00,Coffee,20\n"
       "latte,Latte,Size,Medium,LATTE-M,,249.00,Coffee,20\n"
       "scone,Scone,,,SCONE,4006381333932,99.00,Bakery,\n")


async def test_import_csv_through_the_page(live_server, browser, artifacts, make_tenant,
                                           db) -> None:
    tenant = await make_tenant()
    async with httpx2.AsyncClient(base_url=live_server.url) as http:
        made = await http.post("/v1/locations", headers=tenant.admin,
                               json={"code": "blr-1", "name": "Indiranagar"})
        assert made.status_code == 201, made.text
    email = await make_user(db, tenant.slug, "owner")
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{live_server.url}/dashboard/{tenant.slug}/catalog")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"**/dashboard/{tenant.slug}/catalog")
    assert "No products yet" in await page.content()

    await page.set_input_files("#f-file", files=[{
        "name": "menu.csv", "mimeType": "text/csv", "buffer": CSV.encode()}])
    await page.click("#import-form button[type=submit]")
    await page.wait_for_url("**/catalog/imports/imp_*")
    await page.screenshot(path=str(artifacts / "console-catalog-1-progress.png"))
    # The live server's worker runs the job; the page reloads itself (meta refresh) meanwhile.
    await page.wait_for_selector("#import-report", timeout=30_000)
    assert await page.locator("[data-testid=import-status]").inner_text() == "done"
    assert await page.locator("[data-testid=rows-progress]").inner_text() == "3 / 3 rows"
    assert await page.locator("[data-testid=products-created]").inner_text() == "1"
    assert await page.locator("[data-testid=variants-created]").inner_text() == "2"
    assert await page.locator("[data-testid=products-failed]").inner_text() == "1"
    errors = await page.locator("#import-errors").inner_text()
    assert "barcode" in errors and "check digit" in errors and "4" in errors
    await page.screenshot(path=str(artifacts / "console-catalog-2-report.png"), full_page=True)

    await page.click("text=Back to catalog")
    await page.fill("#q", "LATTE-M")
    await page.click("form[role=search] button")
    await page.wait_for_selector("tr[data-product=latte]")
    await page.locator(".chips a", has_text="Indiranagar").click()
    await page.wait_for_selector("text=prices and stock at Indiranagar")
    assert "20" in await page.locator("tr[data-product=latte]").first.inner_text()
    await page.screenshot(path=str(artifacts / "console-catalog-3-outlet.png"), full_page=True)
    await page.close()


async def _seed_sale(base: str, tenant) -> None:  # type: ignore[no-untyped-def]
    """A console WhatsApp channel, a loyalty program with a brand rule, one in-store sale."""
    async with httpx2.AsyncClient(base_url=base, timeout=20) as http:
        loc = (await http.post("/v1/locations", headers=tenant.admin,
                               json={"code": "blr-1", "name": "Indiranagar"})).json()
        for call in (http.put("/v1/messaging/channels/whatsapp", headers=tenant.admin,
                              json={"provider": "console"}),
                     http.put("/v1/loyalty/program", headers=tenant.admin,
                              json={"name": "Bloom Points"}),
                     http.post("/v1/loyalty/rules", headers=tenant.admin,
                               json={"points_per_unit": 1, "spend_unit": 10000})):
            response = await call
            assert response.status_code in (200, 201), response.text
        order = await http.post("/v1/orders", headers=tenant.admin, json={
            "external_id": "POS-7", "occurred_at": iso_ago(days=1),
            "currency": "INR", "location": loc["id"],
            "customer": {"phone": "+91 98111 22334", "name": "Kavya"},
            "lines": [{"sku": "LATTE-M", "name": "Latte", "quantity": "2", "unit_price": 24900,
                       "tax_rate": "5", "tax_inclusive": True}],
            "payments": [{"method": "upi", "amount": 49800}]})
        assert order.status_code == 201, order.text


async def test_messages_channels_and_loyalty_pages(live_server, browser, artifacts,
                                                    make_tenant, db) -> None:
    tenant = await make_tenant()
    await _seed_sale(live_server.url, tenant)
    email = await make_user(db, tenant.slug, "owner")
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{live_server.url}/dashboard/{tenant.slug}/messages")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"**/dashboard/{tenant.slug}/messages")
    for _ in range(100):  # the live server's worker sends the receipt in the background
        if await page.locator("tr[data-status=sent]").count():
            break
        await asyncio.sleep(0.2)
        await page.reload()
    assert await page.locator("tr[data-status=sent]").count() == 1
    await page.screenshot(path=str(artifacts / "console-messages-1-outbox.png"), full_page=True)
    await page.locator("tr[data-status=sent] a").first.click()
    await page.wait_for_selector("#status-history")
    await page.click("#resend-form button")
    await page.wait_for_selector("text=Resend queued as")
    await page.screenshot(path=str(artifacts / "console-messages-2-resend.png"), full_page=True)

    await page.click("nav.side >> text=Channels")
    await page.wait_for_selector("#channel-whatsapp")
    assert "Console (records, never sends)" in await page.locator("#channel-whatsapp").inner_text()
    await page.screenshot(path=str(artifacts / "console-channels.png"), full_page=True)

    await page.click("nav.side >> text=Loyalty")
    await page.wait_for_selector("tr[data-member]")
    assert "Brand" in await page.locator("#rules").inner_text()
    await page.screenshot(path=str(artifacts / "console-loyalty-1-program.png"), full_page=True)
    await page.locator("tr[data-member] a").first.click()
    await page.wait_for_selector("tr[data-kind=earn]")
    assert await page.locator("[data-testid=available]").inner_text() == "4"
    await page.screenshot(path=str(artifacts / "console-loyalty-2-member.png"), full_page=True)
    await page.close()
