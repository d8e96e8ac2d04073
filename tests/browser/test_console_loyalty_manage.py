"""Loyalty management in headless Chromium, from the console alone: edit a reward, retire it
(asked first; the API shows it retired), adjust a member's points with a reason (the API's
balance moves), and the contact profile with the balance and a worded timeline.  Each page is
shot at 1366×900 and 390×844 into the artifacts; no page scrolls sideways at 390 px."""

from __future__ import annotations

from typing import Any

import httpx2

from tests.console.conftest import PASSWORD, make_user
from tests.support import iso_ago

PHONE = "+91 98111 22334"


async def _seed(base: str, tenant: Any) -> dict[str, Any]:
    """A program with a brand rule, a reward, and one in-store sale (a member with points)."""
    async with httpx2.AsyncClient(base_url=base, timeout=20) as http:
        loc = (await http.post("/v1/locations", headers=tenant.admin,
                               json={"code": "blr-1", "name": "Indiranagar"})).json()
        for call in (http.put("/v1/loyalty/program", headers=tenant.admin,
                              json={"name": "Bloom Points"}),
                     http.post("/v1/loyalty/rules", headers=tenant.admin,
                               json={"points_per_unit": 1, "spend_unit": 10000})):
            response = await call
            assert response.status_code in (200, 201), response.text
        reward = (await http.post("/v1/loyalty/rewards", headers=tenant.admin, json={
            "name": "₹100 off", "kind": "fixed", "points_cost": 80, "amount": 10000})).json()
        order = await http.post("/v1/orders", headers=tenant.admin, json={
            "external_id": "POS-9", "occurred_at": iso_ago(hours=2), "currency": "INR",
            "location": loc["id"], "customer": {"phone": PHONE, "name": "Kavya"},
            "lines": [{"sku": "LATTE-M", "name": "Latte", "quantity": "2", "unit_price": 24900,
                       "tax_rate": "5", "tax_inclusive": True}],
            "payments": [{"method": "upi", "amount": 49800}]})
        assert order.status_code == 201, order.text
        member = (await http.get("/v1/loyalty/members", params={"phone": PHONE},
                                 headers=tenant.admin)).json()
        return {"reward": reward, "member": member, "contact_id": order.json()["contact_id"]}


async def _shoot(page: Any, artifacts: Any, name: str) -> None:
    """This page at 1366 and 390 px, and no sideways scroll on the phone."""
    await page.set_viewport_size({"width": 1366, "height": 900})
    await page.screenshot(path=str(artifacts / f"console-loyalty-{name}-1366.png"),
                          full_page=True)
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.screenshot(path=str(artifacts / f"console-loyalty-{name}-390.png"),
                          full_page=True)
    fits = await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, f"{name} overflows at 390 px"
    await page.set_viewport_size({"width": 1366, "height": 900})


async def test_edit_retire_adjust_and_the_profile(live_server, browser, artifacts, make_tenant,
                                                  db) -> None:
    tenant = await make_tenant()
    seeded = await _seed(live_server.url, tenant)
    reward_id, member_id = seeded["reward"]["id"], seeded["member"]["member_id"]
    email = await make_user(db, tenant.slug, "owner")
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    base = f"{live_server.url}/dashboard/{tenant.slug}"
    await page.goto(f"{base}/loyalty")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"**/dashboard/{tenant.slug}/loyalty")
    await _shoot(page, artifacts, "page")

    # edit the reward: the form comes prefilled in rupees
    await page.click(f"[data-testid=edit-rewards-{reward_id}]")
    await page.wait_for_selector("[data-testid=loyalty-edit-form]")
    assert await page.input_value("#e-amount") == "100.00"
    await _shoot(page, artifacts, "edit-reward")
    await page.fill("#e-name", "₹150 off")
    await page.fill("#e-amount", "150.00")
    await page.fill("#e-valid_until", "2099-12-31")
    await page.click("[data-testid=save-reward]")
    await page.wait_for_selector("text=Reward saved.")
    async with httpx2.AsyncClient(base_url=live_server.url, timeout=20) as http:
        rewards = (await http.get("/v1/loyalty/rewards", headers=tenant.admin)).json()["data"]
        assert rewards[0]["name"] == "₹150 off" and rewards[0]["amount"] == 15000

    # retire it: a confirmation page first, then the API lists it as retired
    await page.click(f"[data-testid=retire-rewards-{reward_id}]")
    await page.wait_for_selector("[data-testid=confirm-retire]")
    await _shoot(page, artifacts, "retire-reward")
    await page.click("[data-testid=confirm-retire]")
    await page.wait_for_selector("[data-testid=retired-rewards]")
    async with httpx2.AsyncClient(base_url=live_server.url, timeout=20) as http:
        offered = (await http.get("/v1/loyalty/rewards", headers=tenant.admin)).json()["data"]
        listed = (await http.get("/v1/loyalty/rewards", params={"include_retired": "true"},
                                 headers=tenant.admin)).json()["data"]
    assert offered == [] and listed[0]["retired"] is True

    # adjust the member's points with a reason
    await page.goto(f"{base}/loyalty/members/{member_id}")
    before = int(await page.locator("[data-testid=available]").inner_text())
    await page.select_option("[data-testid=adjust-direction]", "add")
    await page.fill("[data-testid=adjust-points]", "25")
    await page.select_option("[data-testid=adjust-reason]", "Goodwill")
    await page.fill("[data-testid=adjust-note]", "birthday treat")
    await page.click("[data-testid=adjust-submit]")
    await page.wait_for_selector("tr[data-kind=adjust]")
    assert int(await page.locator("[data-testid=available]").inner_text()) == before + 25
    assert email in await page.locator("tr[data-kind=adjust]").inner_text()
    await _shoot(page, artifacts, "member")
    async with httpx2.AsyncClient(base_url=live_server.url, timeout=20) as http:
        shown = (await http.get(f"/v1/loyalty/members/{member_id}",
                                headers=tenant.admin)).json()
    assert shown["available"] == before + 25

    # the contact profile: the balance, and the timeline in words
    await page.goto(f"{base}/contacts/{seeded['contact_id']}")
    available = await page.locator("[data-testid=contact-loyalty-available]").inner_text()
    assert int(available) == before + 25
    text = await page.locator("main").inner_text()
    assert "Points adjusted by hand: +25 points" in text and "Goodwill" in text
    assert "loyalty_points" not in text and "order_completed" not in text
    await _shoot(page, artifacts, "contact")

    # the audit log lists each of these
    await page.goto(f"{base}/settings/audit")
    log = await page.locator("main").inner_text()
    for action in ("reward.update", "reward.retire", "points.adjust"):
        assert action in log or action.replace(".", " ") in log.lower(), action
    await page.close()
