"""A reward applied at the till while it is offline (issue 20), in headless Chromium: the
member's last known balance covers it, the till takes the same discount off the lines with no
hold, and on sync the server settles the points within the till's allowance. The member spent
points elsewhere meanwhile, so the settlement is clamped, the sale lands flagged for a manager
and the Sync view says so."""

from __future__ import annotations

import httpx2
from sqlalchemy import select

from activereach.orders.models import Order
from tests.browser.netswitch import NetSwitch
from tests.browser.test_cashier import POOL, UNSYNCED, _pair
from tests.browser.test_cashier_rewards import PHONE, _shop
from tests.support import wait_until


async def _find_member(page) -> None:  # type: ignore[no-untyped-def]
    await page.get_by_test_id("member-input").fill(PHONE)
    await page.get_by_test_id("member-find").click()
    await page.get_by_test_id("member").wait_for()


async def test_a_reward_applied_offline_settles_on_sync(live_server, browser, artifacts, tenant,
                                                         db) -> None:
    shop = await _shop(live_server, tenant)
    network = NetSwitch(live_server.port)
    await network.start()
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    await _pair(page, network, shop["code"])
    await wait_until(page, f"({POOL})().then((n) => n >= 5)", interval=0.5)
    for sku in ("MASALA-CHAI", "LAT-L"):
        await page.get_by_test_id("search").fill(sku)
        await page.get_by_test_id("search").press("Enter")
    await page.get_by_test_id("cart-line").nth(1).wait_for()
    await _find_member(page)  # online: the balance and rewards are cached for offline use
    await network.cut()
    await context.set_offline(True)
    await page.get_by_role("button", name="remove member").click()
    await _find_member(page)  # offline: the cached copy, marked stale
    await page.get_by_test_id("member-stale").wait_for()
    await page.get_by_test_id("pay").click()
    await page.get_by_test_id("offline-rewards").wait_for()
    await page.get_by_test_id("apply-reward").filter(has_text="Free Masala Chai").click()
    applied = page.get_by_test_id("reward-applied")
    await applied.filter(has_text="(offline)").wait_for()
    assert await page.get_by_test_id("pay-total").inner_text() == "₹289.00"
    assert "POINTS" not in await page.locator(".paid").inner_text()
    await page.screenshot(path=str(artifacts / "cashier-offline-reward.png"))
    await page.get_by_test_id("pay-add").click()
    await page.get_by_test_id("complete").click()
    await page.get_by_test_id("receipt").wait_for()
    assert "Free Masala Chai" in await page.get_by_test_id("receipt-reward").inner_text()
    await wait_until(page, f"({UNSYNCED} || '').startsWith('1 unsynced')", timeout=30)
    # meanwhile the member spends all but 30 points elsewhere: 30 of the 50 settle
    async with httpx2.AsyncClient(base_url=live_server.url, headers=tenant.admin) as http:
        spent = await http.post(f"/v1/loyalty/members/{shop['member_id']}/adjustments", json={
            "points": -970, "reason": "spent elsewhere", "idempotency_key": "elsewhere"})
        assert spent.status_code == 201, spent.text
    network.restore()
    await context.set_offline(False)
    await wait_until(page, f"({UNSYNCED} || '').startsWith('0 unsynced')", timeout=60)
    sync = page.get_by_test_id("open-sync")
    await sync.filter(has_text="1 redemption(s) refused").filter(has_text="1 flagged").wait_for(
        timeout=30_000)
    await sync.click()
    report = await page.get_by_test_id("redemption-report").inner_text()
    assert "clamped" in report and "reward Free Masala Chai: 30 of 50 points" in report, report
    await page.screenshot(path=str(artifacts / "cashier-offline-reward-sync.png"))
    async with db.read_session() as session:
        [order] = (await session.execute(select(Order).where(
            Order.workspace_id == tenant.id))).scalars().all()
    assert (order.total, order.discount_total, order.paid_total) == (28900, 12900, 28900)
    loyalty = order.result["loyalty"]
    assert loyalty["reward"]["status"] == "ok" and loyalty["reward"]["expected"] == 12900
    assert (loyalty["offline_redemption"]["status"], loyalty["offline_redemption"]["settled"]) == (
        "clamped", 30)
    assert order.result["review"]["status"] == "flagged"
    async with httpx2.AsyncClient(base_url=live_server.url, headers=tenant.admin) as http:
        ledger = (await http.get(f"/v1/loyalty/members/{shop['member_id']}/ledger")).json()
    [entry] = [e for e in ledger["data"] if e["kind"] == "redeem"]
    assert (entry["order_id"], entry["reward_id"], entry["points"], entry["reason"]) == (
        order.id, shop["rewards"]["Free Masala Chai"], -30, "Reward: Free Masala Chai")
    await context.close()
    await network.close()
