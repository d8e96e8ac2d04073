"""Settings → Destinations in headless Chromium: add a webhook (the signing secret shown once),
send a test event, watch a sale fail at a receiver that refuses it, replay it once the receiver
is back, and see it delivered in the log. The receiver is a local server that verifies every
delivery with the Standard Webhooks reference library. Screenshots land in test-artifacts/."""

from __future__ import annotations

import asyncio

import httpx2

from tests.conftest import order_body
from tests.console.conftest import PASSWORD, make_user
from tests.destinations.conftest import Receiver


async def _status_until(page, wanted: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Reload the destination page until its newest delivery has ``wanted`` status (the live
    server's worker delivers in the background)."""
    for _ in range(int(timeout / 0.5)):
        row = page.locator("table[data-testid=deliveries] tbody tr").first
        if await row.count() and await row.get_attribute("data-status") == wanted:
            return
        await asyncio.sleep(0.5)
        await page.reload()
    raise AssertionError(f"no delivery reached {wanted!r}")


async def _sign_in_and_add_webhook(page, live_server, tenant, email, url: str,  # type: ignore[no-untyped-def]
                                   artifacts) -> str:
    """The empty list, the new-webhook form, the created page: the secret shown once."""
    await page.goto(f"{live_server.url}/dashboard/{tenant.slug}/settings/destinations")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"**/dashboard/{tenant.slug}/settings/destinations")
    assert "No destinations yet" in await page.content()
    await page.click("#new-webhook")
    await page.fill("#f-name", "Warehouse")
    await page.fill("#f-url", url)
    await page.screenshot(path=str(artifacts / "console-destinations-1-new.png"), full_page=True)
    await page.click("#destination-form button[type=submit]")
    await page.wait_for_selector("[data-testid=created]")
    secret = await page.locator("[data-testid=secret]").inner_text()
    assert secret.startswith("whsec_")
    await page.screenshot(path=str(artifacts / "console-destinations-2-secret-once.png"))
    return secret


async def test_add_a_webhook_test_it_and_replay_a_failed_delivery(
        live_server, browser, artifacts, make_tenant, db) -> None:
    receiver = Receiver()
    receiver.start()
    try:
        tenant = await make_tenant()
        email = await make_user(db, tenant.slug, "owner")
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        secret = await _sign_in_and_add_webhook(page, live_server, tenant, email,
                                                receiver.url + "/hook", artifacts)
        receiver.secret = secret

        await page.click("text=Open the destination")
        await page.wait_for_selector("#test-send")
        assert secret not in await page.content()
        await page.click("#test-send")
        await page.wait_for_selector("text=the receiver answered 200")
        assert receiver.refused == [] and receiver.received[0]["body"]["type"] == \
            "destination_test"

        # The receiver refuses for good (Standard Webhooks' abort header): the sale fails.
        receiver.status, receiver.extra_headers = 410, {"webhook-delivery": "abort-message"}
        async with httpx2.AsyncClient(base_url=live_server.url) as http:
            sold = await http.post("/v1/orders", headers=tenant.admin,
                                   json=order_body(customer={"phone": "9845018888"}))
            assert sold.status_code == 201, sold.text
        await _status_until(page, "failed")
        await page.screenshot(path=str(artifacts / "console-destinations-3-failed.png"),
                              full_page=True)

        receiver.status, receiver.extra_headers = 200, {}
        await page.locator("table[data-testid=deliveries] button.replay").first.click()
        await _status_until(page, "delivered")
        assert [r["body"]["type"] for r in receiver.received] == \
            ["destination_test", "order_completed"]
        assert receiver.refused == []
        await page.screenshot(path=str(artifacts / "console-destinations-4-delivered.png"),
                              full_page=True)
        await page.click("nav.side >> text=Destinations")
        assert await page.locator("table[data-testid=destinations] tbody tr").count() == 1
        await page.close()
    finally:
        receiver.stop()
