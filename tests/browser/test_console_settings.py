"""Settings in headless Chromium, from the console alone, each effect checked through the API:
issue a pairing code and reload (never a second code), see the issued-codes list, pair with it;
upload a logo and see it in the Active Bill preview; "Preview changes" keeps the whole preview
frame in view; edit General; add, then disable a destination (after its confirmation page);
the audit log lists it all. Every page at 1366 and 390 px, with no horizontal overflow at 390.
Screenshots land in test-artifacts/ as console-settings-<page>-<width>.png."""

from __future__ import annotations

import httpx2

from tests.console.conftest import PASSWORD, make_user
from tests.console.test_settings_audit import png

WIDE, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


async def _shots(page, artifacts, name: str) -> None:  # type: ignore[no-untyped-def]
    """This page at 1366 and at 390 px (reloaded at each size), no overflow on the phone."""
    await page.set_viewport_size(WIDE)
    await page.screenshot(path=str(artifacts / f"console-settings-{name}-1366.png"),
                          full_page=True)
    await page.set_viewport_size(PHONE)
    await page.reload()
    await page.screenshot(path=str(artifacts / f"console-settings-{name}-390.png"),
                          full_page=True)
    fits = await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, f"{name} overflows at 390 px"
    await page.set_viewport_size(WIDE)
    await page.reload()


async def _setup(http: httpx2.AsyncClient,  # type: ignore[no-untyped-def]
                 tenant) -> tuple[str, str]:
    made = await http.post("/v1/locations", headers=tenant.admin, json={
        "code": "blr-indiranagar", "name": "Indiranagar", "gstin": "29AABCB1234C1ZA",
        "timezone": "Asia/Kolkata"})
    assert made.status_code == 201, made.text
    loc = made.json()["id"]
    term = await http.post(f"/v1/locations/{loc}/terminals", headers=tenant.admin,
                           json={"terminal_id": "T1", "name": "Front counter"})
    assert term.status_code == 201, term.text
    return loc, term.json()["id"]


async def _locations(page, http, base: str,  # type: ignore[no-untyped-def]
                     tenant, artifacts) -> None:
    await page.goto(f"{base}/dashboard/{tenant.slug}/settings/locations")
    await page.click("[data-testid=issue-code-T1]")
    await page.wait_for_selector("[data-testid=pairing-code]")
    code = await page.locator("[data-testid=pairing-code]").inner_text()
    assert code not in page.url
    await page.screenshot(path=str(artifacts / "console-settings-pairing-code-1366.png"))
    await page.reload()
    shown = page.locator("[data-testid=pairing-code]")
    assert await shown.count() == 0 or await shown.inner_text() == code  # never a new code
    await page.click("#back-to-locations")
    live = page.locator("[data-testid=codes-T1] tr[data-code-state=live]")
    assert await live.count() == 1
    assert code not in await page.content()
    revoke = page.locator("[data-testid=revoke-code-T1]")
    assert "danger" in (await revoke.get_attribute("class") or "")
    await _shots(page, artifacts, "locations")
    paired = await http.post("/v1/pos/pair", json={"pairing_code": code})
    assert paired.status_code == 200, paired.text  # the one code issued is the live one


async def _active_bill(page, http, base: str,  # type: ignore[no-untyped-def]
                       tenant, artifacts, tmp_path) -> None:
    await page.goto(f"{base}/dashboard/{tenant.slug}/connected-products/active-bill")
    logo = tmp_path / "logo.png"
    logo.write_bytes(png(8, 8))
    await page.set_input_files("#f-logo_file", str(logo))
    await page.click("#upload-logo")
    await page.wait_for_selector(".flash")
    url = (await http.get("/v1/bill-config", headers=tenant.admin)).json()["values"]["logo_url"]
    assert url.startswith("/media/")
    image = page.frame_locator("#bill-preview").locator(f"img[src='{url}']")
    await image.wait_for()
    assert await image.evaluate("i => i.complete && i.naturalWidth") == 8
    await page.fill("#f-footer_text", "Thank you, come again")
    await page.click("#preview-button")
    footer = page.frame_locator("#bill-preview").locator("footer",
                                                        has_text="Thank you, come again")
    await footer.wait_for()
    box = await page.locator("#bill-preview").bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= WIDE["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDE["width"], box
    await page.screenshot(path=str(artifacts / "console-settings-active-bill-preview-1366.png"))
    await page.click("#save")
    await page.wait_for_selector(".flash")
    saved = (await http.get("/v1/bill-config", headers=tenant.admin)).json()["values"]
    assert saved["footer_text"] == "Thank you, come again" and saved["logo_url"] == url
    await _shots(page, artifacts, "active-bill")


async def _general_and_destinations(page, http, base: str, tenant, artifacts) -> str:  # type: ignore[no-untyped-def]
    await page.goto(f"{base}/dashboard/{tenant.slug}/settings/general")
    await page.fill("#f-name", "Brew & Bloom")
    await page.click("#save-general")
    await page.wait_for_selector(".flash")
    assert (await http.get("/v1/workspace", headers=tenant.admin)).json()["name"] == "Brew & Bloom"
    await _shots(page, artifacts, "general")
    await page.goto(f"{base}/dashboard/{tenant.slug}/settings/destinations")
    await page.click("#new-webhook")
    await page.fill("#f-name", "Warehouse")
    await page.fill("#f-url", "https://hooks.example.com/activereach")
    await page.click("#destination-form button[type=submit]")
    await page.wait_for_selector("[data-testid=secret]")
    await page.goto(f"{base}/dashboard/{tenant.slug}/settings/destinations")
    await _shots(page, artifacts, "destinations")
    await page.click("table[data-testid=destinations] a:has-text('Warehouse')")
    await page.click("#disable-destination")
    await page.wait_for_selector("[data-testid=confirm-disable]")
    await page.click("#confirm")
    await page.wait_for_selector("[data-testid=status]:has-text('disabled')")
    listed = (await http.get("/v1/destinations", headers=tenant.admin)).json()
    rows = listed["data"] if isinstance(listed, dict) else listed
    assert rows[0]["status"] == "disabled"
    await _shots(page, artifacts, "destination")
    return str(rows[0]["id"])


async def test_settings_pages_from_the_console(live_server, browser, artifacts, make_tenant, db,
                                              tmp_path) -> None:
    tenant = await make_tenant()
    email = await make_user(db, tenant.slug, "owner")
    base = live_server.url
    async with httpx2.AsyncClient(base_url=base, timeout=20) as http:
        await _setup(http, tenant)
        page = await browser.new_page(viewport=WIDE)
        await page.goto(f"{base}/dashboard/{tenant.slug}/settings/locations")
        await page.fill("#email", email)
        await page.fill("#password", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"**/dashboard/{tenant.slug}/settings/locations")
        await _locations(page, http, base, tenant, artifacts)
        await _active_bill(page, http, base, tenant, artifacts, tmp_path)
        await _general_and_destinations(page, http, base, tenant, artifacts)
        await page.goto(f"{base}/dashboard/{tenant.slug}/settings/audit")
        actions = set(await page.locator("table[data-testid=audit] tr[data-action]")
                      .evaluate_all("rows => rows.map(r => r.dataset.action)"))
        assert {"terminal.pairing_code_issue", "bill_config.logo_upload", "bill_config.update",
                "brand.update", "destination.create", "destination.disable"} - actions == set()
        await _shots(page, artifacts, "audit")
