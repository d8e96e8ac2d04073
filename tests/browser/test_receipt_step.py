"""The receipt step after payment, in Chromium: the digital receipt's status in words, a resend
and another channel, against fake WhatsApp and SMS providers (issue 20 #9)."""

from __future__ import annotations

import re

import httpx2

from tests.browser.test_cashier import _pair, _shop
from tests.messaging.conftest import configure, provider_server, providers  # noqa: F401 (fixtures)
from tests.support import wait_until

STATUS = "[...document.querySelectorAll('[data-testid=delivery-status]')].map(p => p.textContent)"


async def test_the_receipt_step_shows_delivery_and_sends_again(live_server, browser, tenant,
                                                               providers) -> None:  # noqa: F811
    shop = await _shop(live_server, tenant)
    async with httpx2.AsyncClient(base_url=live_server.url) as http:
        await configure(http, tenant, providers)
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        await _pair(page, live_server, shop["code"])
        await page.get_by_test_id("search").fill("CRO")
        await page.get_by_test_id("search").press("Enter")
        await page.get_by_test_id("cart-line").first.wait_for()
        await page.get_by_test_id("pay").click()
        await page.get_by_test_id("channel-sms").check()
        await page.get_by_test_id("receipt-phone").fill("+91 98450 66666")
        await page.get_by_test_id("pay-add").click()
        await page.get_by_test_id("complete").click()
        await page.get_by_test_id("delivery").wait_for(timeout=30_000)
        await wait_until(page, f"{STATUS}.some(t => /SMS to .*6666: (sent|delivered)/.test(t))",
                         timeout=30)
        await page.get_by_test_id("again-whatsapp").check()
        await page.get_by_test_id("again-send").click()
        await wait_until(page, f"{STATUS}.some(t => /WhatsApp to .*6666/.test(t))", timeout=30)
        await page.get_by_test_id("resend").click()
        await wait_until(page, f"{STATUS}.length >= 3", timeout=30)
        text = await page.get_by_test_id("receipt").inner_text() + " ".join(
            await page.evaluate(STATUS))
    finally:
        await page.close()
    assert not re.search(r"\b(lh|ord|ct|msg)_|[0-9a-f]{8}-[0-9a-f]{4}-", text), text
    assert "Invoice" in text
