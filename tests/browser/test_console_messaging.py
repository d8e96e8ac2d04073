"""Receipt templates and a contact's receipt consent in headless Chromium: the owner edits the
email template and sees it rendered from the latest bill, then records a WhatsApp opt-out on the
shopper's profile.  Screenshots land in test-artifacts/."""

from __future__ import annotations

import httpx2

from tests.conftest import order_body
from tests.console.conftest import PASSWORD, make_user


async def _sale(base: str, tenant) -> str:  # type: ignore[no-untyped-def]
    """An outlet and one sale through the public API; returns the shopper's contact id."""
    async with httpx2.AsyncClient(base_url=base, timeout=20) as http:
        made = await http.post("/v1/locations", headers=tenant.admin, json={
            "code": "blr-1", "name": "Indiranagar", "timezone": "Asia/Kolkata"})
        assert made.status_code == 201, made.text
        order = await http.post("/v1/orders", headers=tenant.admin,
                                json=order_body(location=made.json()["id"]))
        assert order.status_code == 201, order.text
        return order.json()["contact_id"]


async def test_owner_edits_the_email_template_and_records_an_opt_out(
        live_server, browser, artifacts, make_tenant, db) -> None:
    tenant = await make_tenant()
    contact_id = await _sale(live_server.url, tenant)
    email = await make_user(db, tenant.slug, "owner")
    page = await browser.new_page(viewport={"width": 1400, "height": 1100})
    url = f"{live_server.url}/dashboard/{tenant.slug}/settings/receipt-templates"
    await page.goto(url)
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(url)
    preview = page.locator("[data-testid=preview-email]")
    assert "Your bill" in await preview.inner_text()

    await page.fill("#t-email-subject", "Thanks for shopping at {{ outlet }}")
    await page.click("[data-testid=save-email]")
    await page.wait_for_selector("text=Email receipt template saved")
    assert "Thanks for shopping at Indiranagar" in await preview.inner_text()
    assert await page.locator("#template-email .badge", has_text="customised").count() == 1
    await page.screenshot(path=str(artifacts / "console-receipt-templates.png"), full_page=True)

    await page.fill("#t-email-subject", "Broken {{ outlet")
    await page.click("[data-testid=save-email]")
    alert = page.locator("#template-email [role=alert]")
    assert "does not compile" in await alert.inner_text()
    assert await page.locator("#t-email-subject").input_value() == "Broken {{ outlet"

    await page.goto(f"{live_server.url}/dashboard/{tenant.slug}/contacts/{contact_id}")
    row = page.locator("tr[data-consent=whatsapp]")
    await row.locator("button", has_text="Opt out").click()
    await page.wait_for_selector("text=Contact opted out of WhatsApp receipts.")
    assert "opted out" in await page.locator("tr[data-consent=whatsapp] .badge").inner_text()
    assert "set in the console by" in await page.locator("tr[data-consent=whatsapp]").inner_text()
    await page.locator("#consent").scroll_into_view_if_needed()
    await page.screenshot(path=str(artifacts / "console-contact-consent.png"), full_page=True)
    await page.close()
