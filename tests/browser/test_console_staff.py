"""Settings → Staff, Users and Till in headless Chromium, as an owner, from the console alone:
add a manager and a cashier with PINs, pair a till from Settings → Locations and sign in at
ActivePOS as each of them; set a terminal's till settings; invite a user and complete the
invite in a second browser context. Effects are checked through the API; each page is
screenshot at 1366×900 and 390×844 (no horizontal overflow at 390 px)."""

from __future__ import annotations

from typing import Any

import httpx2

from tests.console.conftest import PASSWORD, make_user

FITS = "document.documentElement.scrollWidth <= window.innerWidth"
WIDE, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


async def _shots(browser, page, artifacts, name: str) -> None:  # type: ignore[no-untyped-def]
    """This page at 1366 (the page itself) and at 390 (the same URL in a phone-sized page of
    the same context, so the session cookie carries)."""
    await page.screenshot(path=str(artifacts / f"console-staff-{name}-1366.png"), full_page=True)
    phone = await page.context.new_page()
    await phone.set_viewport_size(PHONE)
    await phone.goto(page.url)
    assert await phone.evaluate(FITS), f"{name} overflows at 390 px"
    await phone.screenshot(path=str(artifacts / f"console-staff-{name}-390.png"), full_page=True)
    await phone.close()


async def _add_staff(page, name: str, role: str, pin: str, limit: str = "") -> None:  # type: ignore[no-untyped-def]
    form = page.locator("#new-staff")
    await form.locator("#f-name").fill(name)
    await form.locator("#f-role").select_option(role)
    await form.locator("#f-location_id").select_option(label="Indiranagar")
    await form.locator("#f-discount_limit").fill(limit)
    await page.get_by_test_id("staff-pin").fill(pin)
    await page.get_by_test_id("staff-pin-confirm").fill(pin)
    await page.get_by_test_id("staff-add").click()
    await page.wait_for_selector(f"tr[data-staff='{name}']")


async def _till_sign_in(page, name: str, pin: str) -> None:  # type: ignore[no-untyped-def]
    box = page.get_by_test_id("signin")
    await box.get_by_role("button", name=name).click()
    await page.get_by_test_id("pin").fill(pin)
    await page.get_by_test_id("signin-submit").click()
    await page.get_by_test_id("signin").wait_for(state="detached")
    await page.get_by_test_id("search").wait_for()
    assert name in await page.get_by_test_id("cashier").inner_text()


async def pair_and_sign_in(browser, base: str, code: str,  # type: ignore[no-untyped-def]
                           people: list[tuple[str, str]]) -> None:
    """A fresh till paired with ``code``; each person signs in with their PIN in turn (the
    till locked between them)."""
    till = await browser.new_page(viewport=WIDE)
    await till.goto(f"{base}/cashier/")
    await till.get_by_test_id("pairing-code").fill(code)
    await till.get_by_test_id("pair").click()
    for index, (name, pin) in enumerate(people):
        if index:
            await till.get_by_test_id("lock").click()
            await till.get_by_test_id("locked").wait_for()
        await _till_sign_in(till, name, pin)
    await till.close()


async def _api(base: str, tenant, path: str) -> Any:  # type: ignore[no-untyped-def]
    async with httpx2.AsyncClient(base_url=base, headers=tenant.admin) as http:
        response = await http.get(path)
        assert response.status_code == 200, response.text
        return response.json()


async def test_staff_till_and_users_from_the_console(live_server, browser, artifacts,
                                                     make_tenant, db) -> None:
    tenant = await make_tenant()
    async with httpx2.AsyncClient(base_url=live_server.url) as http:
        made = await http.post("/v1/locations", headers=tenant.admin,
                               json={"code": "blr-1", "name": "Indiranagar"})
        assert made.status_code == 201, made.text
    email = await make_user(db, tenant.slug, "owner")
    ws = f"{live_server.url}/dashboard/{tenant.slug}"
    context = await browser.new_context(viewport=WIDE)
    page = await context.new_page()
    await page.goto(f"{ws}/settings/staff")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/settings/staff")

    # a mistyped second PIN is refused beside the field, nothing echoed
    await page.locator("#new-staff #f-name").fill("Meera")
    await page.get_by_test_id("staff-pin").fill("1357")
    await page.get_by_test_id("staff-pin-confirm").fill("1358")
    await page.get_by_test_id("staff-add").click()
    await page.wait_for_selector("text=The two PINs differ")
    assert "1357" not in await page.content()
    await _add_staff(page, "Meera", "manager", "1357")
    await _add_staff(page, "Ravi", "cashier", "2468", limit="15")
    await _shots(browser, page, artifacts, "staff")
    staff = {p["name"]: p for p in (await _api(live_server.url, tenant,
                                               "/v1/cashier/staff"))["data"]}
    assert staff["Meera"]["role"] == "manager" and staff["Ravi"]["discount_limit_bp"] == 1500
    await page.locator("tr[data-staff='Ravi'] [data-testid=staff-edit]").click()
    await page.wait_for_url("**/settings/staff/stf_*")
    await _shots(browser, page, artifacts, "staff-edit")

    # a terminal and its pairing code, from Settings → Locations
    await page.goto(f"{ws}/settings/locations")
    await page.fill("#f-terminal_id", "T1")
    await page.click("form.row button[type=submit]")
    await page.wait_for_selector("text=Terminal T1 added")
    await page.get_by_role("button", name="Issue pairing code").click()
    code = await page.get_by_test_id("pairing-code").inner_text()

    # Settings → Till: the terminal's own idle lock, the brand's shown as placeholder
    await page.goto(f"{ws}/settings/till")
    await page.locator("#f-idle_lock_minutes").fill("8")
    await page.get_by_test_id("till-save").click()
    await page.wait_for_selector("text=Till settings saved")
    await page.get_by_test_id("till-terminal").select_option(label="Terminal T1 · Indiranagar")
    await page.get_by_role("button", name="Show").click()
    await page.wait_for_url("**terminal=trm_*")
    assert await page.locator("#f-idle_lock_minutes").get_attribute("placeholder") == "8"
    await page.locator("#f-discount_limit").fill("12.5")
    await page.get_by_test_id("till-save").click()
    await page.wait_for_selector("text=Till settings saved for Terminal T1")
    await _shots(browser, page, artifacts, "till")
    rows = {r["scope"]: r for r in (await _api(live_server.url, tenant,
                                               "/v1/cashier/settings"))["data"]}
    assert rows["workspace"]["idle_lock_minutes"] == 8
    assert [r["discount_limit_bp"] for s, r in rows.items() if s != "workspace"] == [1250]

    # the till: pair with the code, sign in as the manager, lock, sign in as the cashier
    await pair_and_sign_in(browser, live_server.url, code, [("Meera", "1357"), ("Ravi", "2468")])

    # invite a user; the invitee completes it in another browser
    await page.goto(f"{ws}/settings/users")
    await page.locator("#invite #f-email").fill("asha@example.com")
    await page.locator("#invite #f-name").fill("Asha")
    await page.locator("#invite #f-role").select_option("analyst")
    await page.get_by_test_id("user-invite").click()
    link = await page.get_by_test_id("user-link").input_value()
    assert "No email channel" in await page.get_by_test_id("mail-status").inner_text()
    await _shots(browser, page, artifacts, "user-link")
    invitee = await browser.new_context(viewport=PHONE)
    other = await invitee.new_page()
    await other.goto(link)
    assert await other.evaluate(FITS)
    await other.screenshot(path=str(artifacts / "console-staff-set-password-390.png"))
    await other.get_by_test_id("new-password").fill("a long new password")
    await other.get_by_test_id("new-password-confirm").fill("a long new password")
    await other.get_by_test_id("set-password").click()
    await other.wait_for_url("**/analytics")
    assert "asha@example.com · analyst" in await other.content()
    await other.goto(link)
    assert "already used or has expired" in await other.content()
    await invitee.close()

    await page.goto(f"{ws}/settings/users")
    assert "active" in await page.locator("tr[data-user='asha@example.com']").inner_text()
    await _shots(browser, page, artifacts, "users")
    await page.goto(f"{ws}/settings/audit")
    audit = await page.get_by_test_id("audit").inner_text()
    for action in ("staff.create", "till_settings.update", "user.invite", "user.password_set"):
        assert action in audit, action
    assert "1357" not in audit and "2468" not in audit and link.rsplit("/", 1)[1] not in audit
    await context.close()
