"""A product with variants shows one price range on the till, listed or searched (issue 20 #3:
Latte read ₹289 in the list and ₹199 in search, whichever variant came first)."""

from __future__ import annotations

from tests.browser.test_cashier import _pair, _shop
from tests.support import wait_until

PRICES = "[...document.querySelectorAll('[data-testid=item]')].map(b => b.textContent)"


async def test_a_variant_product_reads_the_same_in_the_list_and_in_search(
        live_server, browser, tenant) -> None:
    shop = await _shop(live_server, tenant)
    page = await browser.new_page()
    try:
        await _pair(page, live_server, shop["code"])
        await wait_until(page, f"{PRICES}.some(t => t.includes('Latte'))", timeout=30)
        listed = [t for t in await page.evaluate(PRICES) if "Latte" in t]
        await page.get_by_test_id("search").fill("latte")
        await wait_until(page, f"{PRICES}.length === 1", timeout=10)
        searched = await page.evaluate(PRICES)
    finally:
        await page.close()
    assert listed == searched, (listed, searched)
    assert "₹249.00 – ₹299.00" in searched[0] and "2 variants" in searched[0]
