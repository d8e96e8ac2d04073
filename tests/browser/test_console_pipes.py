"""Settings → Data Pipes in headless Chromium: sign in, create a Square pipe (webhook URL and
secret shown once), run *Test with a sample order* on Square's documented completed order, see
the mapped order, pause and resume.  Screenshots land in test-artifacts/."""

from __future__ import annotations

import httpx2

from activereach.pipes.samples import restamp
from tests.console.conftest import PASSWORD, make_user
from tests.pipes.conftest import FIXTURES

SECRET = "sq-browser-signature-key"


async def test_create_square_pipe_and_test_a_sample(live_server, browser, artifacts,
                                                    make_tenant, db) -> None:
    tenant = await make_tenant(country="US", currency="USD", timezone="America/New_York")
    async with httpx2.AsyncClient(base_url=live_server.url) as http:
        made = await http.post("/v1/locations", headers=tenant.admin,
                               json={"code": "sq-1", "name": "Union Square"})
        assert made.status_code == 201, made.text
    email = await make_user(db, tenant.slug, "owner")
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{live_server.url}/dashboard/{tenant.slug}/settings/pipes")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"**/dashboard/{tenant.slug}/settings/pipes")
    assert "No data pipes" in await page.content()
    await page.screenshot(path=str(artifacts / "console-pipes-1-empty.png"))

    await page.click("#new-pipe")
    await page.click("ul.choices a >> text=Square")
    await page.fill("#f-name", "Square Union Square")
    await page.fill("#f-signature_key", SECRET)
    await page.fill("#f-api_base_url", "https://connect.squareupsandbox.com")
    await page.fill("#f-access_token", "EAAA-browser-token")
    await page.fill("#f-location_map", "P3CCK6HSNDAS7 = sq-1")
    await page.screenshot(path=str(artifacts / "console-pipes-2-new-square.png"), full_page=True)
    await page.click("#pipe-form button[type=submit]")
    await page.wait_for_selector("[data-testid=created]")
    assert await page.locator("[data-testid=secret]").inner_text() == SECRET
    url = await page.locator("[data-testid=webhook-url]").inner_text()
    assert url.startswith(live_server.url) and url.endswith("/webhook")
    await page.screenshot(path=str(artifacts / "console-pipes-3-created-secret-once.png"))

    await page.click("text=Open the pipe")
    await page.wait_for_selector("#edit-pipe")
    assert SECRET not in await page.content()
    await page.screenshot(path=str(artifacts / "console-pipes-4-pipe.png"), full_page=True)

    await page.click("#test-link")
    # Square's documented order, moved to today (a 2020 order is outside the ingest time bounds).
    documented = restamp(
        (FIXTURES / "square_api_pay_order_response_completed_order.json").read_bytes()).decode()
    await page.fill("#f-payload", documented)
    await page.select_option("#f-payload_kind", "order")
    await page.click("#run-test")
    await page.wait_for_selector("#test-result")
    assert await page.locator("[data-testid=verdict]").inner_text() == "would ingest"
    assert await page.locator("[data-testid=external-id]").inner_text() == \
        "lgwOlEityYPJtcuvKTVKT1pA986YY"
    assert await page.locator("[data-testid=total]").inner_text() == "$20.00"
    assert await page.locator("[data-testid=lines] tbody tr").count() == 2
    await page.screenshot(path=str(artifacts / "console-pipes-5-test-result.png"), full_page=True)

    await page.click("text=Back to the pipe")
    await page.click("#pause")
    await page.wait_for_selector("#resume")
    assert await page.locator("[data-testid=status]").inner_text() == "paused"
    await page.click("#resume")
    await page.wait_for_selector("#pause")
    await page.click("nav.side >> text=Data Pipes")
    assert await page.locator("table[data-testid=pipes] tbody tr").count() == 1
    await page.screenshot(path=str(artifacts / "console-pipes-6-list.png"), full_page=True)
    await page.close()
