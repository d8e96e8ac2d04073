"""Issue 22's owner walk in headless Chromium, from the console alone, on one brand: add a
manager and a cashier with PINs and sign in at the till with each; create a product with two
options and archive it; edit a tax class; edit and retire a reward; adjust a member's points;
send a test WhatsApp through a local WhatsApp Cloud server; reset a customised template; then
find every one of these in the audit log.  Each effect is checked through the API; every page
is shot at 1366 and 390 px and must pass ``page_problems`` (no sideways scroll, no raw JSON,
rupees with two decimals)."""

from __future__ import annotations

import json
from typing import Any

import httpx2

from tests.browser.console_checks import page_problems
from tests.browser.test_console_staff import _add_staff, pair_and_sign_in
from tests.console.conftest import PASSWORD, make_user
from tests.messaging.conftest import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, FakeProviders
from tests.support import iso_ago, serve_in_thread

PHONE = "+91 98111 22334"
REWARD_NAMES = ("₹100 off", "₹150 off")    # the brand's own wording, not an amount we format
WIDE, NARROW = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


class Walk:
    """The owner's browser page, the API beside it, and the shots taken so far."""

    def __init__(self, page: Any, base: str, tenant: Any, artifacts: Any) -> None:
        self.page, self.base, self.tenant, self.artifacts = page, base, tenant, artifacts
        self.ws = f"{base}/dashboard/{tenant.slug}"

    async def api(self, method: str, path: str, **kwargs: Any) -> Any:
        async with httpx2.AsyncClient(base_url=self.base, headers=self.tenant.admin,
                                      timeout=20) as http:
            response = await http.request(method, path, **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.text}"
        return response.json() if response.content else None

    async def shoot(self, name: str) -> None:
        """This page at both widths, each passing the console's checks."""
        for size in (WIDE, NARROW):
            await self.page.set_viewport_size(size)
            problems = await page_problems(self.page, size["width"], REWARD_NAMES)
            assert not problems, f"{name} @{size['width']}px: {problems}"
            await self.page.screenshot(path=str(
                self.artifacts / f"console-walk-{name}-{size['width']}.png"), full_page=True)
        await self.page.set_viewport_size(WIDE)


async def _seed(walk: Walk, providers: FakeProviders) -> dict[str, Any]:
    """What the brand had before the owner sat down: an outlet, a program with a reward, one
    member's sale, a tax class, and WhatsApp Cloud pointed at the local server."""
    loc = await walk.api("POST", "/v1/locations", json={
        "code": "blr-1", "name": "Indiranagar", "timezone": "Asia/Kolkata"})
    await walk.api("PUT", "/v1/loyalty/program", json={"name": "Bloom Points"})
    await walk.api("POST", "/v1/loyalty/rules", json={"points_per_unit": 1, "spend_unit": 10000})
    reward = await walk.api("POST", "/v1/loyalty/rewards", json={
        "name": "₹100 off", "kind": "fixed", "points_cost": 80, "amount": 10000})
    await walk.api("POST", "/v1/orders", json={
        "external_id": "POS-1", "occurred_at": iso_ago(hours=2), "currency": "INR",
        "location": loc["id"], "customer": {"phone": PHONE, "name": "Kavya"},
        "lines": [{"sku": "LATTE-M", "name": "Latte", "quantity": "2", "unit_price": 24900,
                   "tax_rate": "5", "tax_inclusive": True}],
        "payments": [{"method": "upi", "amount": 49800}]})
    member = await walk.api("GET", "/v1/loyalty/members", params={"phone": PHONE})
    await walk.api("POST", "/v1/catalog/tax-classes", json={
        "name": "GST 5%", "rate": "5", "inclusive": True})
    await walk.api("PUT", "/v1/messaging/channels/whatsapp", json={
        "provider": "whatsapp_cloud",
        "config": {"phone_number_id": PHONE_NUMBER_ID, "base_url": providers.url,
                   "api_version": "v21.0"},
        "secrets": {"access_token": ACCESS_TOKEN, "app_secret": APP_SECRET,
                    "verify_token": "verify-me"}})
    return {"reward_id": reward["id"], "member_id": member["member_id"]}


async def _staff_and_till(walk: Walk, browser: Any) -> None:
    page = walk.page
    await page.goto(f"{walk.ws}/settings/staff")
    await _add_staff(page, "Meera", "manager", "1357")
    await _add_staff(page, "Ravi", "cashier", "2468", limit="15")
    await walk.shoot("staff")
    staff = {p["name"]: p for p in (await walk.api("GET", "/v1/cashier/staff"))["data"]}
    assert staff["Meera"]["role"] == "manager" and staff["Ravi"]["role"] == "cashier"
    await page.goto(f"{walk.ws}/settings/locations")
    await page.fill("#f-terminal_id", "T1")
    await page.click("form.row button[type=submit]")
    await page.wait_for_selector("text=Terminal T1 added")
    await page.get_by_role("button", name="Issue pairing code").click()
    code = await page.get_by_test_id("pairing-code").inner_text()
    await walk.shoot("pairing-code")
    await pair_and_sign_in(browser, walk.base, code, [("Meera", "1357"), ("Ravi", "2468")])


async def _product(walk: Walk) -> None:
    page = walk.page
    await page.goto(f"{walk.ws}/catalog/new")
    await page.fill("#f-title", "Walk Latte")
    await page.fill("#f-category", "Coffee")
    await page.select_option("#f-tax_class_id", index=1)     # the brand's one tax class
    await page.fill("#f-opt1_name", "Size")
    await page.fill("#f-opt1_values", "Small, Large")
    await page.fill("#f-opt2_name", "Milk")
    await page.fill("#f-opt2_values", "Dairy, Oat")
    await page.click("#make-grid")
    await page.wait_for_selector("#variant-grid")
    assert await page.locator("#variant-grid tbody tr").count() == 4
    for row in range(4):
        await page.fill(f"#f-price-{row}", f"{249 + 20 * row}.00")
    await walk.shoot("new-product")
    await page.click("#create-product")
    await page.wait_for_selector("text=Walk Latte created")
    await walk.shoot("product")
    await page.click("#archive-product")
    await page.wait_for_selector("[data-testid=confirm]")
    await walk.shoot("archive-product")
    await page.click("[data-testid=confirm]")
    await page.wait_for_selector("[data-testid=archived-badge]")
    found = await walk.api("GET", "/v1/catalog/products", params={"q": "Walk Latte"})
    mine = [p for p in found["data"] if p["title"] == "Walk Latte"]
    assert mine and mine[0]["active"] is False and len(mine[0]["variants"]) == 4, mine


async def _tax_class(walk: Walk) -> None:
    page = walk.page
    await page.goto(f"{walk.ws}/catalog/tax-classes")
    await walk.shoot("tax-classes")
    await page.click("[data-testid='edit-tax-GST 5%']")
    await page.wait_for_selector("#tax-form")
    await page.fill("#tax-form #f-name", "GST 5% (food)")
    await page.fill("#tax-form #f-hsn", "2101")
    await walk.shoot("tax-class")
    await page.click("#save-tax")
    await page.wait_for_selector("text=GST 5% (food)")
    taxes = await walk.api("GET", "/v1/catalog/tax-classes")
    rows = taxes["data"] if isinstance(taxes, dict) else taxes
    assert [t["name"] for t in rows] == ["GST 5% (food)"], rows


async def _reward(walk: Walk, reward_id: str) -> None:
    page = walk.page
    await page.goto(f"{walk.ws}/loyalty")
    await walk.shoot("loyalty")
    await page.click(f"[data-testid=edit-rewards-{reward_id}]")
    await page.wait_for_selector("[data-testid=loyalty-edit-form]")
    await page.fill("#e-name", "₹150 off")
    await page.fill("#e-amount", "150.00")
    await walk.shoot("edit-reward")
    await page.click("[data-testid=save-reward]")
    await page.wait_for_selector("text=Reward saved.")
    rewards = (await walk.api("GET", "/v1/loyalty/rewards"))["data"]
    assert rewards[0]["name"] == "₹150 off" and rewards[0]["amount"] == 15000
    await page.click(f"[data-testid=retire-rewards-{reward_id}]")
    await page.wait_for_selector("[data-testid=confirm-retire]")
    await walk.shoot("retire-reward")
    await page.click("[data-testid=confirm-retire]")
    await page.wait_for_selector("[data-testid=retired-rewards]")
    assert (await walk.api("GET", "/v1/loyalty/rewards"))["data"] == []


async def _points(walk: Walk, member_id: str) -> None:
    page = walk.page
    await page.goto(f"{walk.ws}/loyalty/members/{member_id}")
    before = int(await page.locator("[data-testid=available]").inner_text())
    await page.select_option("[data-testid=adjust-direction]", "add")
    await page.fill("[data-testid=adjust-points]", "25")
    await page.select_option("[data-testid=adjust-reason]", "Goodwill")
    await page.fill("[data-testid=adjust-note]", "walk")
    await page.click("[data-testid=adjust-submit]")
    await page.wait_for_selector("tr[data-kind=adjust]")
    await walk.shoot("member")
    shown = await walk.api("GET", f"/v1/loyalty/members/{member_id}")
    assert shown["available"] == before + 25


async def _test_whatsapp(walk: Walk, providers: FakeProviders) -> None:
    page = walk.page
    await page.goto(f"{walk.ws}/settings/channels")
    await page.fill("#test-to-whatsapp", PHONE)
    await page.click("[data-testid=send-test-whatsapp]")
    result = page.get_by_test_id("test-result-whatsapp")
    await result.wait_for()
    await walk.shoot("channels")
    sent = providers.of("whatsapp")
    assert len(sent) == 1, sent
    assert json.loads(sent[0].body)["to"].endswith("9811122334")
    assert sent[0].headers["authorization"] == f"Bearer {ACCESS_TOKEN}"


async def _reset_template(walk: Walk) -> None:
    page = walk.page
    await page.goto(f"{walk.ws}/settings/receipt-templates")
    await page.fill("#t-email-subject", "Thanks for shopping at {{ outlet }}")
    await page.click("[data-testid=save-email]")
    await page.wait_for_selector("text=Email receipt template saved")
    assert (await walk.api("GET", "/v1/messaging/templates/email"))["default"] is False
    await walk.shoot("receipt-templates")
    await page.click("[data-testid=reset-email]")
    await page.wait_for_selector("[data-testid=confirm-reset]")
    await walk.shoot("reset-template")
    await page.click("[data-testid=confirm-reset]")
    await page.wait_for_url("**/settings/receipt-templates**")
    assert (await walk.api("GET", "/v1/messaging/templates/email"))["default"] is True


async def test_an_owner_runs_the_brand_from_the_console(live_server, browser, artifacts,
                                                        make_tenant, db) -> None:
    tenant = await make_tenant()
    api = FakeProviders()
    with serve_in_thread(api.app()) as url:
        api.url = url
        page = await browser.new_page(viewport=WIDE)
        walk = Walk(page, live_server.url, tenant, artifacts)
        seeded = await _seed(walk, api)
        email = await make_user(db, tenant.slug, "owner")
        await page.goto(f"{walk.ws}/analytics")
        await page.fill("#email", email)
        await page.fill("#password", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url("**/analytics**")
        await _staff_and_till(walk, browser)
        await _product(walk)
        await _tax_class(walk)
        await _reward(walk, seeded["reward_id"])
        await _points(walk, seeded["member_id"])
        await _test_whatsapp(walk, api)
        await _reset_template(walk)

        await page.goto(f"{walk.ws}/settings/audit")
        await walk.shoot("audit")
        log = await page.get_by_test_id("audit").inner_text()
        for action in ("staff.create", "terminal.create", "catalog.product.create",
                       "catalog.product.archive", "catalog.tax_class.update", "reward.update",
                       "reward.retire", "points.adjust", "channel.test_send", "receipt_template.reset"):
            assert action in log, f"{action} not in the audit log"
        assert "1357" not in log and "2468" not in log and ACCESS_TOKEN not in log
        await page.close()
