"""Active Bill console page in headless Chromium: sign in, pick an outlet chip, override the
footer, watch the live preview, save, and see the saved override in the preview after reload;
then the same without JavaScript.  Screenshots land in test-artifacts/."""

from __future__ import annotations

import httpx2

from tests.console.conftest import PASSWORD, make_user

PAGE = "connected-products/active-bill"


async def _setup(base: str, tenant) -> str:  # type: ignore[no-untyped-def]
    """An outlet and a brand-tier footer, through the public API; returns the outlet id."""
    async with httpx2.AsyncClient(base_url=base, timeout=20) as http:
        made = await http.post("/v1/locations", headers=tenant.admin, json={
            "code": "blr-indiranagar", "name": "Indiranagar", "gstin": "29AABCB1234C1ZA",
            "timezone": "Asia/Kolkata"})
        assert made.status_code == 201, made.text
        brand = await http.put("/v1/bill-config", headers=tenant.admin, json={
            "footer_text": "Thanks from the brand", "primary_color": "#6b3e26"})
        assert brand.status_code == 200, brand.text
        return made.json()["id"]


async def _sign_in(page, base: str, slug: str, email: str) -> None:  # type: ignore[no-untyped-def]
    await page.goto(f"{base}/dashboard/{slug}/{PAGE}")
    assert "/login" in page.url
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"**/dashboard/{slug}/{PAGE}")


async def test_outlet_override_shows_in_the_preview(live_server, browser, artifacts,
                                                    make_tenant, db) -> None:
    tenant = await make_tenant()
    location_id = await _setup(live_server.url, tenant)
    email = await make_user(db, tenant.slug, "owner")
    page = await browser.new_page(viewport={"width": 1400, "height": 1000})
    await _sign_in(page, live_server.url, tenant.slug, email)
    preview = page.frame_locator("#bill-preview")
    await preview.locator("footer", has_text="Thanks from the brand").wait_for()

    await page.click(".chips a:has-text('Indiranagar')")
    await page.wait_for_url(f"**/{PAGE}?location={location_id}")
    assert "Indiranagar" in await page.locator("#tier-note").inner_text()
    footer = page.locator("#f-footer_text")
    assert await footer.get_attribute("placeholder") == "Thanks from the brand"
    await footer.fill("See you at CMH Road")
    # The optional script re-renders the preview from the unsaved form (debounced POST).
    await preview.locator("footer", has_text="See you at CMH Road").wait_for()
    assert "unsaved changes" in await page.locator("#preview-status").inner_text()
    await preview.locator("footer").scroll_into_view_if_needed()  # in the shot
    await page.screenshot(path=str(artifacts / "console-active-bill-1-draft.png"), full_page=True)

    await page.click("#save")
    await page.wait_for_selector("text=Active Bill settings saved for Indiranagar.")
    await page.reload()  # the saved state comes from the server, not from the script
    await preview.locator("footer", has_text="See you at CMH Road").wait_for()
    assert await page.locator("#f-footer_text").input_value() == "See you at CMH Road"
    assert "Overridden here: Footer text." in await page.locator("#tier-note").inner_text()
    assert await preview.locator("#qr svg").count() == 1
    await preview.locator("footer").scroll_into_view_if_needed()  # in the shot
    await page.screenshot(path=str(artifacts / "console-active-bill-2-saved.png"), full_page=True)

    await page.click(".chips a:has-text('All outlets')")
    await page.wait_for_url(f"**/{PAGE}")
    await preview.locator("footer", has_text="Thanks from the brand").wait_for()
    assert await preview.locator("footer", has_text="See you at CMH Road").count() == 0
    await page.close()


async def test_without_javascript_errors_name_the_field_and_save_works(
        live_server, browser, artifacts, make_tenant, db) -> None:
    tenant = await make_tenant()
    location_id = await _setup(live_server.url, tenant)
    email = await make_user(db, tenant.slug, "manager")
    context = await browser.new_context(java_script_enabled=False,
                                        viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    await _sign_in(page, live_server.url, tenant.slug, email)
    # A manager may not edit the brand tier: no save button there.
    assert await page.locator("#save").count() == 0
    await page.goto(f"{live_server.url}/dashboard/{tenant.slug}/{PAGE}?location={location_id}")
    await page.fill("#f-accent_color", "orange")
    await page.click("#save")
    error = page.locator("#err-accent_color")
    assert "Accent colour (accent_color)" in await error.inner_text()
    await page.screenshot(path=str(artifacts / "console-active-bill-3-error.png"), full_page=True)

    await page.fill("#f-accent_color", "#0a7d32")
    await page.fill("#f-refund_policy", "Returns within 3 days at Indiranagar")
    await page.click("#preview-button")  # no script: the form targets the preview frame
    preview = page.frame_locator("#bill-preview")
    await preview.locator("footer", has_text="Returns within 3 days").wait_for()
    await page.click("#save")
    await page.wait_for_selector("text=Active Bill settings saved for Indiranagar.")
    await preview.locator("footer", has_text="Returns within 3 days").wait_for()
    assert await page.locator("#f-accent_color").input_value() == "#0a7d32"
    await preview.locator("footer").scroll_into_view_if_needed()  # in the shot
    await page.screenshot(path=str(artifacts / "console-active-bill-4-no-js.png"), full_page=True)
    await context.close()
