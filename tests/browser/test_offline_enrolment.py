"""Enrolling a member with the till offline (issue 20): a temporary card now, the member's
account opened by the sale's phone when the till syncs — and the sale's points on it."""

from __future__ import annotations

import httpx2

from tests.browser.netswitch import NetSwitch
from tests.browser.test_cashier import _pair, _shop, _wait_unsynced
from tests.support import wait_until

NEW_PHONE = "+91 98450 44444"


async def test_a_member_enrolled_offline_joins_when_the_till_syncs(live_server, browser,
                                                                   tenant) -> None:
    shop = await _shop(live_server, tenant)
    network = NetSwitch(live_server.port)
    await network.start()
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    try:
        await _pair(page, network, shop["code"])
        await wait_until(page, "navigator.serviceWorker.controller !== null")
        await network.cut()
        await page.get_by_test_id("search").fill("CRO")
        await page.get_by_test_id("search").press("Enter")
        await page.get_by_test_id("cart-line").first.wait_for()
        await page.get_by_test_id("member-input").fill(NEW_PHONE)
        await page.get_by_test_id("member-find").click()
        await page.get_by_test_id("member-enroll").click()
        await page.get_by_test_id("member-temporary").wait_for()
        await page.get_by_test_id("pay").click()
        await page.get_by_test_id("pay-add").click()
        await page.get_by_test_id("complete").click()
        await page.get_by_test_id("receipt").wait_for()
        await page.get_by_test_id("next-sale").click()
        await _wait_unsynced(page, 1)
        network.restore()
        await _wait_unsynced(page, 0)
    finally:
        await context.close()
        await network.close()
    async with httpx2.AsyncClient(base_url=live_server.url, headers=tenant.admin) as http:
        member = await http.get("/v1/loyalty/members", params={"phone": NEW_PHONE})
    assert member.status_code == 200, member.text
    assert member.json()["lifetime_earned"] >= 1   # ₹141.60 at 1 point per ₹100
